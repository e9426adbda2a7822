// HTTP plumbing shared by the routes: per-request context, JSON/error answers in the Hub's format,
// bounded body reading, and ranged streaming of stored content.
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { HubHttpError, badRequest } from './errors.ts'
import type { Identity } from './auth.ts'
import { s3ErrorXml, type S3Error } from './presigned.ts'
import type { Surface } from './types.ts'

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'
export const LFS_CONTENT_TYPE = 'application/vnd.git-lfs+json'
const STREAM_CHUNK = 1024 * 1024

// Same list the Hub sends (fixtures 01–10), so browser-style clients could read the same headers.
const EXPOSED_HEADERS =
  'X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,' +
  'X-Xet-Access-Token,X-Xet-Token-Expiration,X-Xet-Refresh-Route,X-Xet-Cas-Url,X-Xet-Hash'

export interface RequestContext {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  /** Origin the client used to reach us (from Host), for absolute URLs in answers. */
  origin: string
  identity: Identity
  /** The listener the request arrived on: the Hub API, or storage (S3's stand-in). */
  surface: Surface
}

/** `Root=1-<time>-<random>` like the Hub's (AWS X-Ray style) ids, with a client trace id appended. */
export function newRequestId(req: IncomingMessage): string {
  const time = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0')
  const id = `Root=1-${time}-${randomBytes(12).toString('hex')}`
  const trace = req.headers['x-amzn-trace-id']
  return typeof trace === 'string' && /^[\w.:=;-]{1,200}$/.test(trace) ? `${id};${trace}` : id
}

export function setCommonHeaders(res: ServerResponse, requestId: string): void {
  res.setHeader('X-Request-Id', requestId)
  res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS)
}

/** S3's request ids: `x-amz-request-id` (16 hex upper-case) and `x-amz-id-2`. */
export function setStorageHeaders(res: ServerResponse): string {
  const requestId = randomBytes(8).toString('hex').toUpperCase()
  res.setHeader('x-amz-request-id', requestId)
  res.setHeader('x-amz-id-2', randomBytes(48).toString('base64'))
  return requestId
}

/** An S3 error answer: the status, `application/xml`, S3's error document. */
export function sendS3Error(res: ServerResponse, error: S3Error): void {
  const requestId = String(res.getHeader('x-amz-request-id') ?? '')
  const payload = Buffer.from(s3ErrorXml(error, requestId))
  res.writeHead(error.status, {
    'Content-Type': 'application/xml',
    'Content-Length': String(payload.length),
    Server: 'AmazonS3'
  })
  res.end(payload)
}

/**
 * A boolean query parameter as the Hub reads it: `true`/`1` in any case are true, so Python's
 * `True` (requests formats booleans with str()) means the same as hub.js's `true`.
 */
export function queryFlag(params: URLSearchParams, name: string): boolean {
  return isTruthy(params.get(name))
}

/** `true`, `True`, `TRUE`, `1` (form fields and query values); anything else is false. */
export function isTruthy(value: unknown): boolean {
  if (value === true || value === 1) return true
  return typeof value === 'string' && ['true', '1'].includes(value.trim().toLowerCase())
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  contentType = JSON_CONTENT_TYPE
): void {
  const payload = Buffer.from(JSON.stringify(body))
  res.writeHead(status, { ...headers, 'Content-Type': contentType, 'Content-Length': String(payload.length) })
  res.end(payload)
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {}
): void {
  const payload = Buffer.from(text)
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(payload.length)
  })
  res.end(payload)
}

export function sendError(res: ServerResponse, error: HubHttpError): void {
  const headers: Record<string, string> = { ...error.headers }
  if (error.code) {
    headers['X-Error-Code'] = error.code
    headers['X-Error-Message'] = headerSafe(error.message)
  }
  sendJson(res, error.status, { error: error.message, ...error.extraBody }, headers)
}

/** Header values must be latin1; paths in messages may not be. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?')
}

/** Reads a whole (small) request body; bigger than `limit` → 413. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let total = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > limit) throw new HubHttpError(413, 'Payload Too Large')
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

export async function readJsonBody(req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<unknown> {
  const body = await readBody(req, limit)
  if (body.length === 0) return {}
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    throw badRequest('Invalid JSON body')
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

type ByteRange = { start: number; end: number }

/** Parses a single `bytes=` range; undefined = no (usable) Range header, 'unsatisfiable' → 416. */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null
  if (!match) return undefined
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (start >= size) return 'unsatisfiable'
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  return end < start ? 'unsatisfiable' : { start, end }
}

export interface ContentSource {
  size: number
  /** A file on disk, or bytes in memory (e.g. an LFS pointer). */
  file?: string
  bytes?: Buffer
}

/** Answers GET/HEAD with the content, honouring Range (200, 206 or 416). */
export async function sendContent(
  ctx: RequestContext,
  source: ContentSource,
  headers: Record<string, string>
): Promise<void> {
  const { req, res } = ctx
  const range = parseRange(req.headers.range, source.size)
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'Content-Range': `bytes */${source.size}`, 'Content-Length': '0' })
    res.end()
    return
  }
  const start = range?.start ?? 0
  const end = range?.end ?? source.size - 1
  const length = source.size === 0 ? 0 : end - start + 1
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Accept-Ranges': 'bytes',
    'Content-Length': String(length),
    ...(range && { 'Content-Range': `bytes ${start}-${end}/${source.size}` })
  })
  if (req.method === 'HEAD' || length === 0) {
    res.end()
    return
  }
  const body = source.file
    ? createReadStream(source.file, { start, end, highWaterMark: STREAM_CHUNK })
    : Readable.from([(source.bytes ?? Buffer.alloc(0)).subarray(start, end + 1)])
  // A client that hangs up mid-download is not an emulator error.
  await pipeline(body, res).catch(() => undefined)
}
