/**
 * HTTP plumbing shared by the routes: GitHub-style error bodies, replies, query parsing,
 * `Link` pagination and JSON request bodies.
 */
import type { IncomingMessage } from 'node:http'

export const DOCS = 'https://docs.github.com/rest'

/** What a route answers; the server adds GitHub's common headers. */
export interface Reply {
  status: number
  json?: unknown
  bytes?: Buffer
  headers?: Record<string, string>
}

/** Thrown by routes; becomes GitHub's error body `{message, documentation_url, status}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl: string = DOCS,
    readonly errors?: unknown[]
  ) {
    super(message)
  }
}

/** GitHub sends `status` as a string, and `errors` (when any) between message and documentation_url. */
export function errorBody(status: number, message: string, documentationUrl: string, errors?: unknown[]) {
  return { message, ...(errors ? { errors } : {}), documentation_url: documentationUrl, status: String(status) }
}

export function notFound(documentationUrl: string): ApiError {
  return new ApiError(404, 'Not Found', documentationUrl)
}

/** 422 `Validation Failed` with one `errors[]` entry, as GitHub reports field problems. */
export function validationFailed(documentationUrl: string, error: Record<string, unknown>): ApiError {
  return new ApiError(422, 'Validation Failed', documentationUrl, [error])
}

/** 422 for a body that does not match the operation's JSON schema, with GitHub's wording. */
export function invalidRequest(documentationUrl: string, detail: string): ApiError {
  return new ApiError(422, `Invalid request.\n\n${detail}`, documentationUrl)
}

export function json(status: number, data: unknown, headers?: Record<string, string>): Reply {
  return { status, json: data, ...(headers ? { headers } : {}) }
}

/** `per_page` defaults to 30 and is capped at 100; bad numbers fall back to the defaults, like GitHub. */
export function pageParams(query: URLSearchParams): { page: number; perPage: number } {
  const perPage = positiveInt(query.get('per_page')) ?? 30
  return { page: positiveInt(query.get('page')) ?? 1, perPage: Math.min(perPage, 100) }
}

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return n > 0 ? n : undefined
}

/**
 * Cuts one page out of `items` and builds GitHub's `Link` header. GitHub writes the links against
 * `/repositories/{id}/…` and keeps every other query parameter; the order of the relations is
 * prev, next, last, first.
 */
export function paginate<T>(items: T[], query: URLSearchParams, linkBase: string): { page: T[]; link?: string } {
  const { page, perPage } = pageParams(query)
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const href = (n: number) => {
    const q = new URLSearchParams(query)
    q.set('page', String(n))
    return `<${linkBase}?${q.toString()}>`
  }
  const rels: string[] = []
  if (page > 1) rels.push(`${href(Math.min(page - 1, lastPage))}; rel="prev"`)
  if (page < lastPage) rels.push(`${href(page + 1)}; rel="next"`, `${href(lastPage)}; rel="last"`)
  if (page > 1) rels.push(`${href(1)}; rel="first"`)
  return rels.length ? { page: slice, link: rels.join(', ') } : { page: slice }
}

const MAX_BODY_BYTES = 5 * 1024 * 1024

/** Parses a JSON request body; an empty body is `{}`. Malformed JSON is GitHub's 400. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new ApiError(413, 'Payload too large')
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString('utf8').trim()
  if (text === '') return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new ApiError(400, 'Problems parsing JSON')
  }
}

/** Request bodies of the emulated operations are JSON objects; anything else is a parse problem. */
export function asObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'Problems parsing JSON')
  return body as Record<string, unknown>
}
