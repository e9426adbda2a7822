/**
 * Which authentication a run uses with the Hub, decided from the inputs alone (pure), and how the
 * summary and the failure issue name it (never the token).
 *
 * - `token`: the stored `hf-token` secret.
 * - `oidc`: keyless. The job's GitHub OIDC ID token is exchanged with a Trusted Publisher of the
 *   target repo for a short-lived token (hub-protocol.md §15).
 */
export type AuthMethod = 'token' | 'oidc'

/** Values of the `auth` input; `auto` is `token` when hf-token is given, else `oidc`. */
export const AUTH_INPUT_VALUES = ['auto', 'token', 'oidc'] as const
export type AuthInput = (typeof AUTH_INPUT_VALUES)[number]

export function chooseAuth(input: AuthInput, hfToken: string): AuthMethod {
  if (input === 'auto') return hfToken.trim() ? 'token' : 'oidc'
  return input
}

/** How the summary and the failure issue say which authentication was used. */
export function describeAuth(method: AuthMethod): string {
  return method === 'oidc'
    ? 'keyless (GitHub OIDC, exchanged with a Hugging Face Trusted Publisher; no stored token)'
    : 'hf-token (a stored Hugging Face token)'
}

/**
 * A token a Trusted Publisher exchange issued (`hf_jwt_…`), e.g. passed in hf-token by an earlier
 * step. What `whoami-v2` answers for one is not documented, so nothing may depend on it.
 */
export function isExchangedToken(token: string): boolean {
  return token.startsWith('hf_jwt_')
}
