// Token checks. Tokens live only in memory: they are never written to dataDir, logged, or echoed
// in an answer (whoami shows a display name derived from the user, not the token).
import type { IncomingMessage } from 'node:http'
import { HubHttpError } from './errors.ts'
import { sameRepo } from './repo-names.ts'
import type { RepoRef, TokenGrant, TokenRole } from './types.ts'

/** `scope`: an exchanged (Trusted Publisher) token, which reaches that one repo only. */
export type Identity =
  { kind: 'anonymous' } | { kind: 'invalid' } | { kind: 'user'; user: string; role: TokenRole; scope?: RepoRef }

/** User every `hf_` token maps to when no tokens are configured. */
export const DEFAULT_USER = 'tester'

export class Authenticator {
  private readonly grants: Map<string, Required<TokenGrant>> | undefined

  /**
   * Without `tokens`, any `hf_`-prefixed token is accepted as user `tester` with write access.
   * `exchanged` answers for `hf_jwt_…` tokens (trusted-publishers.ts); they are never `tester`.
   */
  constructor(
    tokens?: Record<string, TokenGrant>,
    private readonly exchanged?: { identify(token: string): Identity }
  ) {
    this.grants = tokens
      ? new Map(
          Object.entries(tokens).map(([token, grant]) => [token, { user: grant.user, role: grant.role ?? 'write' }])
        )
      : undefined
  }

  identify(req: IncomingMessage): Identity {
    const token = bearerToken(req.headers.authorization)
    if (token === undefined) return { kind: 'anonymous' }
    // Exchanged (trusted-publisher) tokens carry a scope and an expiry: trusted-publishers.ts answers for them.
    if (token.startsWith('hf_jwt_')) return this.exchanged?.identify(token) ?? { kind: 'invalid' }
    const grant = this.lookup(token)
    return grant ? { kind: 'user', user: grant.user, role: grant.role } : { kind: 'invalid' }
  }

  /** The one place a configured token becomes a grant (or, without `tokens`, the `hf_` rule). */
  private lookup(token: string): Required<TokenGrant> | undefined {
    if (!this.grants) return token.startsWith('hf_') ? { user: DEFAULT_USER, role: 'write' } : undefined
    return this.grants.get(token)
  }
}

// `Bearer <token>` (both clients), or `Basic base64(user:token)` (git / git-lfs).
function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined
  const [scheme = '', value = ''] = header.trim().split(/\s+/, 2)
  if (/^bearer$/i.test(scheme)) return value
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8')
    return decoded.slice(decoded.indexOf(':') + 1)
  }
  return undefined
}

export function invalidCredentials(): HubHttpError {
  return new HubHttpError(401, 'Invalid credentials in Authorization header')
}

/** A caller that must be logged in (write routes, whoami). */
export function requireUser(identity: Identity): { user: string; role: TokenRole; scope?: RepoRef } {
  if (identity.kind === 'invalid') throw invalidCredentials()
  if (identity.kind === 'anonymous') throw new HubHttpError(401, 'You must be authenticated to access this resource')
  return identity
}

/** `repo`: the repo written to; without it (account-level writes) a repo-scoped token is refused. */
export function requireWriteRole(identity: { role: TokenRole; scope?: RepoRef }, repo?: RepoRef): void {
  if (identity.scope && !(repo && sameRepo(identity.scope, repo))) {
    throw new HubHttpError(403, "You don't have the rights to do this with a token scoped to another repo")
  }
  if (identity.role !== 'write') {
    throw new HubHttpError(403, 'This token does not have write access to this repository (role: read)')
  }
}

/** A repo-scoped token sees other repos as anonymous callers do (public ones only). */
export function outOfScope(identity: Identity, repo: RepoRef): boolean {
  return identity.kind === 'user' && identity.scope !== undefined && !sameRepo(identity.scope, repo)
}
