/**
 * A `fetch` for `@huggingface/hub` that retries what is safe to retry.
 *
 * The library itself never retries. Reads, preupload, LFS batch, LFS part/basic uploads and the
 * multipart completion are idempotent: sending them twice changes nothing. The commit POST and
 * repo creation are not, so they are never retried here (the publisher re-plans instead).
 * Transient answers (408, 429, 5xx) and network errors are retried with bounded exponential
 * backoff, waiting at least as long as the Hub asks in `Retry-After` or `RateLimit: …;t=<s>`.
 */
import pRetry, { AbortError } from 'p-retry'

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number
  /** First backoff delay; doubles each time. */
  baseDelayMs: number
  maxDelayMs: number
  /** A Retry-After longer than this is not waited for: the request fails instead. */
  maxRetryAfterMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000
}

export interface RetryNotice {
  method: string
  /** Origin and path only: upload URLs can carry signatures in their query string. */
  target: string
  reason: string
  attempt: number
  retriesLeft: number
  waitMs: number
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504])

class RetryableResponse extends Error {
  constructor(
    readonly response: Response,
    readonly waitAtLeastMs: number
  ) {
    super(`HTTP ${response.status}`)
  }
}

/** Wraps `baseFetch` with retries for idempotent Hub requests. */
export function createRetryingFetch(
  baseFetch: typeof fetch,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  onRetry: (notice: RetryNotice) => void = () => {}
): typeof fetch {
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    const url = new URL(input instanceof Request ? input.url : String(input))
    if (!isIdempotent(method, url, init)) return baseFetch(input, init)

    let attempt = 0
    return pRetry(
      async () => {
        attempt++
        const response = await baseFetch(input, init).catch((error: unknown) => {
          if (init?.signal?.aborted) throw new AbortError(error instanceof Error ? error : String(error))
          throw error
        })
        if (!RETRYABLE_STATUS.has(response.status)) return response
        const waitAtLeastMs = requestedWaitMs(response.headers)
        // Out of retries, or asked to wait too long: hand the library the real answer so it
        // raises its usual HubApiError with the Hub's own message.
        if (attempt > policy.retries || waitAtLeastMs > policy.maxRetryAfterMs) return response
        await response.body?.cancel().catch(() => {})
        throw new RetryableResponse(response, waitAtLeastMs)
      },
      {
        retries: policy.retries,
        minTimeout: policy.baseDelayMs,
        maxTimeout: policy.maxDelayMs,
        factor: 2,
        randomize: false,
        signal: init?.signal ?? undefined,
        onFailedAttempt: async (error) => {
          if (error.retriesLeft === 0) return
          const backoff = Math.min(policy.baseDelayMs * 2 ** (error.attemptNumber - 1), policy.maxDelayMs)
          const asked = error instanceof RetryableResponse ? error.waitAtLeastMs : 0
          onRetry({
            method,
            target: `${url.origin}${url.pathname}`,
            reason: error instanceof RetryableResponse ? `HTTP ${error.response.status}` : describeNetworkError(error),
            attempt: error.attemptNumber,
            retriesLeft: error.retriesLeft,
            waitMs: Math.max(asked, backoff)
          })
          // p-retry then waits its own backoff; add whatever more the server asked for.
          if (asked > backoff) await sleep(asked - backoff, init?.signal ?? undefined)
        }
      }
    )
  }
}

function isIdempotent(method: string, url: URL, init: RequestInit | undefined): boolean {
  if (init?.body instanceof ReadableStream) return false // a stream cannot be sent twice
  if (method === 'GET' || method === 'HEAD' || method === 'PUT') return true
  if (method !== 'POST') return false
  if (/\/api\/[^/]+\/.+\/(preupload|paths-info)\//.test(url.pathname)) return true
  if (url.pathname.endsWith('/api/validate-yaml')) return true // a verdict, nothing changes
  const contentType = new Headers(init?.headers).get('content-type') ?? ''
  // LFS batch and multipart completion: both speak the git-lfs media type and are idempotent.
  return contentType.startsWith('application/vnd.git-lfs+json')
}

/** Seconds the server asked us to wait, from Retry-After (seconds or date) or RateLimit's `t=`. */
export function requestedWaitMs(headers: Headers, now = Date.now()): number {
  const retryAfter = headers.get('retry-after')
  if (retryAfter) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const rateLimit = headers.get('ratelimit')
  const t = rateLimit ? /(?:^|[;,\s])t=(\d+)/.exec(rateLimit) : null
  return t ? Number(t[1]) * 1000 : 0
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(abortReason(signal))), { once: true })
  })
}

/** The reason an AbortSignal carries, as an Error (it is one unless someone aborted with another value). */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))
}
