/**
 * Retrying a call that is safe to repeat, on p-retry: bounded attempts, exponential backoff with
 * jitter (so parallel uploads, or two jobs that failed together, do not retry in lockstep), and at
 * least the wait the server asked for. The caller decides what is worth another attempt. Pure but
 * for the clock: tests inject `random` and `sleep` to make every wait deterministic.
 */
import pRetry, { AbortError } from 'p-retry'

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number
  /** First backoff delay; doubles each time, up to `maxDelayMs`. */
  baseDelayMs: number
  maxDelayMs: number
  /** A server that asks to wait longer than this is not waited for: the call fails instead. */
  maxRetryAfterMs: number
  /** Time limit of one attempt of an ordinary API call (reads, preupload, LFS batch). Default 60 s. */
  requestTimeoutMs?: number
  /** Time limit of one attempt of a call the server may take long to answer (a commit, a multipart completion). */
  slowRequestTimeoutMs?: number
  /** Source of jitter in [0, 1); default Math.random. */
  random?: () => number
  /** How to wait; default a timer that the signal cancels. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  requestTimeoutMs: 60_000,
  slowRequestTimeoutMs: 300_000
}

/** What the caller says about a failed attempt: worth another one (and how long the server asked to wait), or not. */
export interface RetryVerdict {
  /** Short reason for the log, e.g. "HTTP 503" or "ECONNRESET". */
  reason: string
  /** What the server asked for (Retry-After, RateLimit); 0 when it did not ask. */
  waitAtLeastMs: number
}

export interface RetryNotice extends RetryVerdict {
  attempt: number
  retriesLeft: number
  /** The wait before the next attempt: the jittered backoff, or the server's ask when longer. */
  waitMs: number
}

export interface RetryOptions {
  policy: RetryPolicy
  /** undefined: give up with this error. */
  verdict(error: unknown): RetryVerdict | undefined
  onRetry?(notice: RetryNotice): void
  /** Stops waiting and retrying (the run's deadline, the caller's abort). */
  signal?: AbortSignal
}

/**
 * The backoff before retry number `attempt` (1-based): "equal jitter", half of the exponential delay
 * fixed and half random, so it never collapses to zero and never exceeds the cap.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs)
  return Math.round(exponential / 2 + (random() * exponential) / 2)
}

export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal } = options
  const sleep = policy.sleep ?? abortableSleep
  // The verdict on the attempt that just failed, asked once: a verdict may count (the artifact
  // download allows one fresh-URL round), so asking it again for the wait would spend a second round.
  let verdict: RetryVerdict | undefined
  return pRetry(
    async (n) => {
      try {
        return await attempt(n)
      } catch (error) {
        // Give up at once on what is not worth repeating, and when the caller stopped us.
        verdict = signal?.aborted ? undefined : options.verdict(error)
        if (verdict === undefined) throw new AbortError(asError(error))
        throw error
      }
    },
    {
      retries: policy.retries,
      // p-retry's own timer is not used: the waits below are jittered and honour the server's ask.
      minTimeout: 0,
      maxTimeout: 0,
      factor: 1,
      signal,
      onFailedAttempt: async (error) => {
        if (error.retriesLeft === 0 || verdict === undefined) return
        const waitMs = Math.max(verdict.waitAtLeastMs, backoffMs(policy, error.attemptNumber, policy.random))
        options.onRetry?.({ ...verdict, attempt: error.attemptNumber, retriesLeft: error.retriesLeft, waitMs })
        await sleep(waitMs, signal)
      }
    }
  )
}

/** p-retry insists on Error instances; keep the original when it is one (its identity matters to callers). */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal))
    const onAbort = () => (clearTimeout(timer), reject(abortReason(signal!)))
    const timer = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * The jittered backoff before retry number `attempt`, for loops that retry by themselves (a commit
 * the Hub refused as busy). Ends early, without an error, when the signal aborts: the loop then
 * sees its deadline and stops with the error it already has.
 */
export async function pauseBeforeRetry(policy: RetryPolicy, attempt: number, signal?: AbortSignal): Promise<void> {
  const sleep = policy.sleep ?? abortableSleep
  await sleep(backoffMs(policy, attempt, policy.random), signal).catch(() => {})
}

/** The reason an AbortSignal carries, as an Error (it is one unless someone aborted with another value). */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason))
}

/** Seconds the server asked us to wait, from Retry-After (seconds or date) or RateLimit's `t=`, in ms. */
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
