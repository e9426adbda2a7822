/**
 * LFS uploads (basic PUTs and multipart parts), streamed from disk with flat memory, a bounded
 * number at a time.
 *
 * `@huggingface/hub` hands fetch each upload as a Blob slice. Node's fetch (undici) reads a Blob
 * body whole into memory, and even for a stream body it copies every chunk; the benchmark's
 * process grew past 300 MiB with three 64 MiB parts in flight. So PUTs with a Blob body are sent
 * with node:http(s) instead, piping the file itself with the Content-Length the storage needs (S3
 * refuses chunked uploads), and answered as a regular fetch `Response`. Every other request goes
 * to the given fetch unchanged. A fresh stream is opened per call, so a retry re-reads the bytes.
 * An answer that comes before the whole body was sent (storage refusing an expired URL) stops the
 * sending at once.
 *
 * How many run at once adapts to the link (upload-slots.ts): the library offers up to
 * MAX_PARALLEL_UPLOADS and the slots hold back the rest.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Readable } from 'node:stream'
import { LocalFileBlob } from '../lib/local-file-blob.ts'
import { DEFAULT_UPLOAD_SLOTS, UploadSlots } from './upload-slots.ts'

/** An upload that neither sends nor receives anything for this long is abandoned (and retried). */
const IDLE_TIMEOUT_MS = 120_000

/** `maxConcurrentUploads` fixes the number of uploads at once instead of adapting it. */
export function createStreamingUploadFetch(baseFetch: typeof fetch, maxConcurrentUploads?: number): typeof fetch {
  const slots = new UploadSlots(
    maxConcurrentUploads === undefined
      ? DEFAULT_UPLOAD_SLOTS
      : { ...DEFAULT_UPLOAD_SLOTS, initial: maxConcurrentUploads, min: maxConcurrentUploads, max: maxConcurrentUploads }
  )
  return async (input, init) => {
    const body = init?.body
    if (!(body instanceof Blob) || (init?.method ?? 'GET').toUpperCase() !== 'PUT') return baseFetch(input, init)
    const url = new URL(input instanceof Request ? input.url : String(input))
    await slots.acquire(init?.signal ?? undefined)
    let status: number | undefined
    try {
      const response = await putBlob(url, body, new Headers(init!.headers), init?.signal ?? undefined)
      status = response.status
      return response
    } finally {
      slots.release({ bytes: status !== undefined && status < 300 ? body.size : 0, status })
    }
  }
}

async function putBlob(url: URL, blob: Blob, headers: Headers, signal?: AbortSignal): Promise<Response> {
  headers.set('content-length', String(blob.size))
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest
  const req = send(url, { method: 'PUT', headers: Object.fromEntries(headers), signal, timeout: IDLE_TIMEOUT_MS })
  req.on('timeout', () => {
    const stalled = new Error(`no progress for ${IDLE_TIMEOUT_MS / 1000} s uploading to ${url.origin}${url.pathname}`)
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
  const response = await answered.catch((error: unknown) => {
    stop.abort()
    source?.destroy()
    throw error
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
    return await toFetchResponse(url, response)
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
  const body = status === 204 || status === 304 ? null : Buffer.concat(chunks)
  const response = new Response(body, { status, statusText: res.statusMessage, headers })
  // The library puts the URL into its error messages; a constructed Response has none.
  Object.defineProperty(response, 'url', { value: url.href })
  return response
}
