/**
 * The run's Hub authentication: the stored hf-token as given, or keyless through a Trusted
 * Publisher (hub-protocol.md §15): a fresh GitHub OIDC ID token of this job (github-protocol.md §8,
 * `core.getIDToken`) is exchanged for a token scoped to the target repo.
 *
 * A keyless token lasts `expires_in` seconds from the exchange and has no refresh token: the only
 * way on is another exchange with another ID token (which itself lives 5 minutes). `current()`
 * exchanges again before the token runs out, so a commit that follows a 70-minute upload goes out
 * with a live token; `renew()` does it when the Hub refuses a token anyway (401: a clock that
 * differs, a revoked publisher). Concurrent callers share one exchange.
 *
 * Both secrets are registered (`setSecret`) the moment they exist. The Hub client never holds
 * either: it gets a placeholder, which `authenticatedFetch` replaces on each Hub-bound request.
 */
import type { Stage } from '../../errors.ts'
import type { HubRepoRef } from '../../lib/urls.ts'
import type { AuthInput, AuthMethod } from './auth-method.ts'
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from '../../lib/retry.ts'
import {
  ID_TOKEN_REQUEST_VARIABLES,
  OIDC_AUDIENCE,
  anonymousVisibility,
  idTokenClaims,
  idTokenRequestError,
  invalidRequestError,
  noEndpointError,
  noIdTokenError,
  postTokenExchange,
  refusedGrantError,
  unavailableError,
  unexpectedAnswerError,
  type ExchangeAnswer,
  type ExchangeContext
} from './token-exchange.ts'

/** What the Hub client is given as its token in keyless runs; never sent to the Hub. */
export const KEYLESS_PLACEHOLDER = 'hf_keyless_token_is_set_per_request'

/** The narrow view of the outside world authentication needs (production: `Deps`). */
export interface AuthIo {
  env: Readonly<Record<string, string | undefined>>
  getIDToken(audience: string): Promise<string>
  fetch: typeof fetch
  now(): number
  setSecret(secret: string): void
  info(line: string): void
  retryPolicy: RetryPolicy
  /** The run's deadline: no exchange outlives it. */
  signal?: () => AbortSignal | undefined
}

export interface AuthSettings {
  auth: AuthMethod
  authInput: AuthInput
  hfToken: string
  hubUrl: string
  repo: HubRepoRef
}

export interface HubAuth {
  readonly method: AuthMethod
  /** The token the Hub client is built with: hf-token, or `KEYLESS_PLACEHOLDER`. */
  readonly accessToken: string
  /** The token for the next Hub request; keyless: exchanged first when there is none or it is about to end. */
  current(): Promise<string>
  /** The Hub answered 401 to `rejected`: the token to send again with, or undefined when there is none. */
  renew(rejected: string): Promise<string | undefined>
}

/** A keyless token is replaced this long before its end: 5 minutes, or a fifth of a shorter lifetime. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(5 * 60_000, lifetimeMs / 5)
}

export function createHubAuth(io: AuthIo, settings: AuthSettings, stage: Stage): HubAuth {
  if (settings.auth === 'token') {
    const token = settings.hfToken
    return {
      method: 'token',
      accessToken: token,
      current: () => Promise.resolve(token),
      renew: () => Promise.resolve(undefined)
    }
  }
  return keylessAuth(io, {
    hubUrl: settings.hubUrl,
    repo: settings.repo,
    stage,
    chosenByDefault: settings.authInput === 'auto'
  })
}

interface LiveToken {
  token: string
  /** From this time on, the next request exchanges first. */
  refreshAt: number
  expiresAt: number
}

function keylessAuth(io: AuthIo, ctx: ExchangeContext): HubAuth {
  let live: LiveToken | undefined
  let exchanging: Promise<string> | undefined
  const exchange = (why?: string): Promise<string> =>
    (exchanging ??= exchangeWithRetries(io, ctx)
      .then((issued) => {
        live = issued
        const lifetime = formatMinutes(issued.expiresAt - io.now())
        io.info(
          why
            ? `Keyless: ${why}; exchanged a fresh ID token for a new Hub token (expires in ${lifetime}).`
            : `Keyless: exchanged this job's GitHub OIDC ID token for a Hub token scoped to ${ctx.repo.type} ` +
                `${ctx.repo.name} (Trusted Publisher; expires in ${lifetime}).`
        )
        return issued.token
      })
      .finally(() => (exchanging = undefined)))

  const current = (): Promise<string> => {
    if (exchanging) return exchanging
    if (live && io.now() < live.refreshAt) return Promise.resolve(live.token)
    if (!live) return exchange()
    const left = live.expiresAt - io.now()
    return exchange(left > 0 ? `the Hub token ends in ${formatMinutes(left)}` : 'the Hub token has expired')
  }
  return {
    method: 'oidc',
    accessToken: KEYLESS_PLACEHOLDER,
    current,
    renew(rejected) {
      if (exchanging) return exchanging
      // Another request renewed it since this one was sent.
      if (live && live.token !== rejected) return current()
      return exchange('the Hub refused the exchanged token (401: it expired or was revoked)')
    }
  }
}

/** One exchange, with a fresh ID token per attempt (a retry never re-sends an ID token the Hub may have seen). */
async function exchangeWithRetries(io: AuthIo, ctx: ExchangeContext): Promise<LiveToken> {
  for (const name of ID_TOKEN_REQUEST_VARIABLES) if (!io.env[name]) throw noIdTokenError(ctx)
  const policy = io.retryPolicy
  const deadline = io.signal?.()
  let attempts = 0
  try {
    return await withRetries(
      async () => {
        attempts++
        const startedAt = io.now()
        // core.getIDToken retries the runner's endpoint itself; its failure is final here.
        const idToken = await io.getIDToken(OIDC_AUDIENCE).catch((error: unknown) => {
          throw idTokenRequestError(ctx, error)
        })
        io.setSecret(idToken)
        const signal = attemptSignal(deadline, policy.requestTimeoutMs ?? DEFAULT_RETRY_POLICY.requestTimeoutMs!)
        const answer = await postTokenExchange(io.fetch, ctx.hubUrl, ctx.repo, idToken, (s) => io.setSecret(s), signal)
        if (answer.kind === 'issued') {
          const lifetime = answer.expiresInSeconds * 1000
          return {
            token: answer.accessToken,
            refreshAt: startedAt + lifetime - refreshMarginMs(lifetime),
            expiresAt: startedAt + lifetime
          }
        }
        if (answer.kind === 'transient' && answer.waitAtLeastMs <= policy.maxRetryAfterMs) {
          throw new TransientExchange(answer)
        }
        throw await failure(io, ctx, answer, idToken, attempts)
      },
      {
        policy,
        signal: deadline,
        verdict: (error) =>
          error instanceof TransientExchange
            ? { reason: error.answer.reason, waitAtLeastMs: error.answer.waitAtLeastMs }
            : undefined,
        onRetry: (n) =>
          io.info(
            `The token exchange at ${ctx.hubUrl}/oauth/token failed (${n.reason}); retrying in ` +
              `${Math.ceil(n.waitMs / 1000)}s with a fresh ID token, ${n.retriesLeft} retries left`
          )
      }
    )
  } catch (error) {
    if (error instanceof TransientExchange) throw unavailableError(ctx, error.answer, attempts)
    throw error
  }
}

/** The run's deadline and one attempt's time limit, whichever comes first. */
function attemptSignal(deadline: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return deadline ? AbortSignal.any([deadline, timeout]) : timeout
}

class TransientExchange extends Error {
  constructor(readonly answer: Extract<ExchangeAnswer, { kind: 'transient' }>) {
    super(`token exchange: ${answer.reason}`)
  }
}

async function failure(
  io: AuthIo,
  ctx: ExchangeContext,
  answer: Exclude<ExchangeAnswer, { kind: 'issued' }>,
  idToken: string,
  attempts: number
): Promise<Error> {
  switch (answer.kind) {
    case 'refused':
      return answer.error === 'invalid_grant'
        ? refusedGrantError(ctx, idTokenClaims(idToken), await anonymousVisibility(io.fetch, ctx.hubUrl, ctx.repo))
        : invalidRequestError(ctx, answer.description ?? answer.error)
    case 'no-endpoint':
      return noEndpointError(ctx, answer.answered)
    case 'transient':
      return unavailableError(ctx, answer, attempts)
    case 'unexpected':
      return unexpectedAnswerError(ctx, answer.status)
  }
}

function formatMinutes(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000))
  return minutes >= 1 ? `${minutes} min` : `${Math.max(0, Math.round(ms / 1000))} s`
}
