/**
 * A `fetch` for `@huggingface/hub` that retries what is safe to retry, with a time limit per attempt.
 *
 * The library itself never retries. Reads, preupload, LFS batch, LFS part/basic uploads and the
 * multipart completion are idempotent: sending them twice changes nothing. The commit POST and
 * repo creation are not, so they are never retried here (the publisher reads the branch back and
 * re-plans instead). Transient answers (408, 429, 5xx), network errors and timeouts are retried
 * with jittered exponential backoff, waiting at least as long as the Hub asks in `Retry-After` or
 * `RateLimit: …;t=<s>`; a Hub that asks for more than the policy waits gets a clear error instead.
 *
 * Reading the answer is part of an attempt: an idempotent answer is read whole before it is handed
 * over, so a connection that breaks half-way through a tree page or a paths-info answer is retried
 * like one that broke before the status line. (Answers too large to hold are passed through.)
 *
 * A multipart completion whose answer was lost is refused when repeated (the upload is already
 * complete). Before that refusal reaches the library, the Hub is asked whether the object is now
 * stored (`objectStored`); if it is, the completion did its work and the library is told so.
 */
import {
  DEFAULT_RETRY_POLICY,
  requestedWaitMs,
  withRetries,
  type RetryNotice as Notice,
  type RetryPolicy
} from '../lib/retry.ts'
import { isNetworkError, RetryAfterTooLongError } from './hub-errors.ts'
import { bufferedResponse } from '../lib/buffered-response.ts'

export interface RetryNotice extends Notice {
  method: string
  /** Origin and path only: upload URLs can carry signatures in their query string. */
  target: string
}

export interface RetryingFetchOptions {
  /** The run's deadline (or another stop); every attempt and every wait ends when it aborts. */
  signal?: () => AbortSignal | undefined
  /** Is this LFS object stored in the repo now? Asked before a repeated completion's refusal is believed. */
  objectStored?: (oid: string, size: number | undefined) => Promise<boolean>
  /** A repeated completion was refused, but the object is stored: the first one did its work. */
  onCompletionSettled?: (notice: { target: string; status: number; oid: string }) => void
  /** A non-idempotent call (the commit) was refused with 429/503 and a wait: it is not retried, only reported. */
  onNotRetried?: (notice: { method: string; target: string; status: number; askedWaitMs: number }) => void
}

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504])
/** Answers larger than this are streamed to the caller, not read within the attempt. */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

class RetryableResponse extends Error {
  constructor(
    readonly status: number,
    readonly waitAtLeastMs: number
  ) {
    super(`HTTP ${status}`)
  }
}

/** Wraps `baseFetch` with retries for idempotent Hub requests. */
export function createRetryingFetch(
  baseFetch: typeof fetch,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  onRetry: (notice: RetryNotice) => void = () => {},
  options: RetryingFetchOptions = {}
): typeof fetch {
  const sizes = new Map<string, number>()
  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase()
    const url = new URL(input instanceof Request ? input.url : String(input))
    const target = `${url.origin}${url.pathname}`
    const kind = requestKind(method, url, init)
    if (kind === 'lfs-batch') rememberSizes(init?.body, sizes)
    const stop = options.signal?.()
    const slow = kind === 'commit' || kind === 'completion'
    const timeoutMs = slow
      ? (policy.slowRequestTimeoutMs ?? DEFAULT_RETRY_POLICY.slowRequestTimeoutMs!)
      : (policy.requestTimeoutMs ?? DEFAULT_RETRY_POLICY.requestTimeoutMs!)
    // Uploads have their own idle timeout (streaming-upload-fetch): a big part may take long, but never stall.
    const attemptSignal = () =>
      anySignal([init?.signal ?? undefined, stop, kind === 'upload' ? undefined : AbortSignal.timeout(timeoutMs)])

    if (kind === 'commit' || kind === 'other') {
      const response = await baseFetch(input, { ...init, signal: attemptSignal() })
      const asked = requestedWaitMs(response.headers)
      if ((response.status === 429 || response.status === 503) && kind === 'commit')
        options.onNotRetried?.({ method, target, status: response.status, askedWaitMs: asked })
      return response
    }

    let ambiguousCompletion = false
    return withRetries(
      async (n) => {
        const response = await baseFetch(input, { ...init, signal: attemptSignal() })
        if (RETRYABLE_STATUS.has(response.status)) {
          const waitAtLeastMs = requestedWaitMs(response.headers)
          if (waitAtLeastMs > policy.maxRetryAfterMs) {
            await response.body?.cancel().catch(() => {})
            throw new RetryAfterTooLongError(method, target, response.status, waitAtLeastMs, policy.maxRetryAfterMs)
          }
          // Out of retries: hand the library the real answer, so it raises its HubApiError with the Hub's message.
          if (n > policy.retries) return settle(response, url)
          await response.body?.cancel().catch(() => {})
          throw new RetryableResponse(response.status, waitAtLeastMs)
        }
        if (kind === 'completion' && ambiguousCompletion && response.status >= 400 && response.status < 500) {
          const oid = completionOid(init?.body)
          if (oid && (await options.objectStored?.(oid, sizes.get(oid)))) {
            await response.body?.cancel().catch(() => {})
            options.onCompletionSettled?.({ target, status: response.status, oid })
            return completedResponse(url)
          }
        }
        return settle(response, url)
      },
      {
        policy,
        signal: stop,
        verdict: (error) => {
          const verdict = retryVerdict(error, init?.signal ?? undefined, stop)
          if (verdict && kind === 'completion') ambiguousCompletion = true
          return verdict
        },
        onRetry: (notice) => onRetry({ ...notice, method, target })
      }
    )
  }
}

type RequestKind = 'read' | 'upload' | 'lfs-batch' | 'completion' | 'idempotent-post' | 'commit' | 'other'

function requestKind(method: string, url: URL, init: RequestInit | undefined): RequestKind {
  if (init?.body instanceof ReadableStream) return 'other' // a stream cannot be sent twice
  if (method === 'GET' || method === 'HEAD') return 'read'
  if (method === 'PUT') return 'upload'
  if (method !== 'POST') return 'other'
  if (/\/api\/[^/]+\/.+\/commit\//.test(url.pathname)) return 'commit'
  if (/\/api\/[^/]+\/.+\/(preupload|paths-info)\//.test(url.pathname)) return 'idempotent-post'
  if (url.pathname.endsWith('/api/validate-yaml')) return 'idempotent-post' // a verdict, nothing changes
  if (url.pathname.endsWith('/info/lfs/objects/batch')) return 'lfs-batch'
  const contentType = new Headers(init?.headers).get('content-type') ?? ''
  // The multipart completion speaks the git-lfs media type and is idempotent; it is the only other one that does.
  return contentType.startsWith('application/vnd.git-lfs+json') ? 'completion' : 'other'
}

/** Retry on transient statuses, network errors and our per-attempt timeout; never once the caller or run stopped. */
function retryVerdict(
  error: unknown,
  callerSignal: AbortSignal | undefined,
  stop: AbortSignal | undefined
): { reason: string; waitAtLeastMs: number } | undefined {
  if (callerSignal?.aborted || stop?.aborted) return undefined
  if (error instanceof RetryableResponse) return { reason: error.message, waitAtLeastMs: error.waitAtLeastMs }
  if (error instanceof Error && error.name === 'TimeoutError') return { reason: 'timed out', waitAtLeastMs: 0 }
  if (isNetworkError(error)) return { reason: describeNetworkError(error), waitAtLeastMs: 0 }
  return undefined
}

/** Reads an answer within the attempt (see the file comment); a body that breaks here is retried. */
async function settle(response: Response, url: URL): Promise<Response> {
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > MAX_BUFFERED_BYTES || response.body === null) return response
  return bufferedResponse(response, url.href)
}

/** The answer a completion gives when it succeeded (the library only looks at the status). */
function completedResponse(url: URL): Response {
  const response = new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } })
  Object.defineProperty(response, 'url', { value: url.href })
  return response
}

function rememberSizes(body: unknown, sizes: Map<string, number>): void {
  if (typeof body !== 'string') return
  try {
    const parsed = JSON.parse(body) as { objects?: Array<{ oid?: unknown; size?: unknown }> }
    for (const o of parsed.objects ?? [])
      if (typeof o.oid === 'string' && typeof o.size === 'number') sizes.set(o.oid, o.size)
  } catch {
    // Not ours to judge: the Hub will answer it.
  }
}

function completionOid(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined
  try {
    const oid = (JSON.parse(body) as { oid?: unknown }).oid
    return typeof oid === 'string' && /^[0-9a-f]{64}$/.test(oid) ? oid : undefined
  } catch {
    return undefined
  }
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined)
  return present.length <= 1 ? present[0] : AbortSignal.any(present)
}

function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))
}
