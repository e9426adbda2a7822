/**
 * Requests with a Blob body, streamed with flat memory: LFS uploads (basic PUTs and multipart
 * parts) from disk, a bounded number at a time, and the commit's NDJSON body (which the patched
 * library makes while it is read).
 *
 * `@huggingface/hub` hands fetch each upload as a Blob slice, and the commit body as a Blob. Node's
 * fetch (undici) keeps a copy of every request body until its answer has come: to be able to send
 * it again after a redirect, it tees the body's stream and leaves one branch unread, which then
 * holds every chunk (a 10,000-file commit held its whole 55 MB body that way), and it reads a
 * Blob's bytes afresh for that stream besides. So requests with a Blob body are sent with
 * node:http(s) instead, piping the Blob with the Content-Length the other side needs (S3 refuses
 * chunked uploads), and answered as a regular fetch `Response`. A 307/308 (the Hub's answer for a
 * renamed repo) is followed as fetch follows it: the same request, the Blob streamed again, to the
 * new URL (without the Authorization header when that is another origin). Every other request goes
 * to the given fetch unchanged. A fresh stream is opened per call, so a retry re-reads the bytes.
 * An answer that comes before the whole body was sent (storage refusing an expired URL) stops the
 * sending at once.
 *
 * How many uploads (PUTs) run at once adapts to the link (upload-slots.ts): the library offers up
 * to MAX_PARALLEL_UPLOADS and the slots hold back the rest. The commit takes no slot.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { LocalFileBlob } from '../lib/local-file-blob.ts'
import { DEFAULT_UPLOAD_SLOTS, UploadSlots } from './upload-slots.ts'

/** An upload that neither sends nor receives anything for this long is abandoned (and retried). */
const IDLE_TIMEOUT_MS = 120_000
/** As many redirects as fetch follows. */
const MAX_REDIRECTS = 20

/** `maxConcurrentUploads` fixes the number of uploads at once instead of adapting it. */
export function createStreamingUploadFetch(baseFetch: typeof fetch, maxConcurrentUploads?: number): typeof fetch {
  const slots = new UploadSlots(
    maxConcurrentUploads === undefined
      ? DEFAULT_UPLOAD_SLOTS
      : { ...DEFAULT_UPLOAD_SLOTS, initial: maxConcurrentUploads, min: maxConcurrentUploads, max: maxConcurrentUploads }
  )
  return async (input, init) => {
    const body = init?.body
    if (!(body instanceof Blob)) return baseFetch(input, init)
    const method = (init?.method ?? 'GET').toUpperCase()
    const url = new URL(input instanceof Request ? input.url : String(input))
    const signal = init?.signal ?? undefined
    if (method !== 'PUT') return sendBlob(method, url, body, new Headers(init?.headers), signal)
    await slots.acquire(signal)
    let status: number | undefined
    try {
      const response = await sendBlob(method, url, body, new Headers(init?.headers), signal)
      status = response.status
      return response
    } finally {
      slots.release({ bytes: status !== undefined && status < 300 ? body.size : 0, status })
    }
  }
}

/** One request with a Blob body, following redirects that keep the method and body (307, 308). */
async function sendBlob(
  method: string,
  url: URL,
  blob: Blob,
  headers: Headers,
  signal: AbortSignal | undefined
): Promise<Response> {
  for (let redirects = 0; ; redirects++) {
    const response = await sendBlobOnce(method, url, blob, headers, signal)
    const location = response.headers.get('location')
    if ((response.status !== 307 && response.status !== 308) || location === null || redirects === MAX_REDIRECTS)
      return response
    const next = new URL(location, url)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') return response
    // As fetch does: credentials go to the origin they were meant for, never further.
    if (next.origin !== url.origin) headers.delete('authorization')
    url = next
  }
}

async function sendBlobOnce(
  method: string,
  url: URL,
  blob: Blob,
  headers: Headers,
  signal: AbortSignal | undefined
): Promise<Response> {
  headers.set('content-length', String(blob.size))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const req = send(url, { method, headers: Object.fromEntries(headers), signal, timeout: IDLE_TIMEOUT_MS })
  req.on('timeout', () => {
    const stalled = new Error(`no progress for ${IDLE_TIMEOUT_MS / 1000} s sending to ${url.origin}${url.pathname}`)
    req.destroy(Object.assign(stalled, { code: 'ETIMEDOUT' }))
  })
  const answered = new Promise<IncomingMessage>((resolve, reject) =>
    req.once('response', resolve).once('error', reject)
  )
  // Bytes go out from the file (two pooled buffers per upload) or, for any other Blob, as a stream.
  const stop = new AbortController()
  const source =
    blob instanceof LocalFileBlob
      ? undefined
      : Readable.fromWeb(blob.stream() as Parameters<typeof Readable.fromWeb>[0])
  if (blob instanceof LocalFileBlob) {
    blob
      .writeTo(req, stop.signal)
      .then(() => void req.end())
      // A file that fails to read (it changed meanwhile) must fail the request, not leave it waiting.
      .catch((error: unknown) => (stop.signal.aborted ? undefined : req.destroy(error as Error)))
  } else {
    source!.once('error', (error: Error) => req.destroy(error))
    source!.pipe(req)
  }
  // As fetch does, a request stopped by its signal rejects with the signal's reason (a TimeoutError
  // for a request over its time limit), which is how the retry layer and the log tell a timeout.
  const stopped = (error: unknown) => (signal?.aborted ? signal.reason : error) as unknown
  const response = await answered.catch((error: unknown) => {
    stop.abort()
    source?.destroy()
    throw stopped(error)
  })
  // The storage answered before it had the whole body (an expired URL, a refused part): stop sending at once,
  // instead of pushing the rest of the part into a connection that will only be closed.
  const complete = req.writableFinished
  if (!complete) {
    stop.abort()
    source?.unpipe(req)
    source?.destroy()
  }
  // Errors of the unfinished request (EPIPE once the storage closes) no longer matter: the answer is here.
  req.on('error', () => {})
  try {
    return await toFetchResponse(url, response).catch((error: unknown) => {
      throw stopped(error)
    })
  } finally {
    // A request cut short leaves its socket unusable; an answered, complete one goes back to the pool.
    if (!complete) req.destroy()
  }
}

async function toFetchResponse(url: URL, res: IncomingMessage): Promise<Response> {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  const headers = new Headers()
  for (const [name, value] of Object.entries(res.headers)) {
    if (value !== undefined) for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v)
  }
  const status = res.statusCode ?? 502
  // Storage answers an upload with an empty body: no body then, which spares the stream a Response
  // makes for any body (and the retry layer's copy of it), ten thousand times for as many files.
  const body = status === 204 || status === 304 || chunks.length === 0 ? null : Buffer.concat(chunks)
  const response = new Response(body, { status, statusText: res.statusMessage, headers })
  // The library puts the URL into its error messages; a constructed Response has none.
  Object.defineProperty(response, 'url', { value: url.href })
  return response
}
