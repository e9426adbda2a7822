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

export const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'
export const SECONDARY_RATE_LIMIT_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'

/**
 * The primary rate limit's body. A GITHUB_TOKEN is an installation token, so a bot gets the
 * installation wording; personal tokens get the user wording.
 */
export function primaryRateLimitBody(status: 403 | 429, login: string, userId: number, requestId: string) {
  const who = login.endsWith('[bot]') ? `installation ID ${userId}` : `user ID ${userId}`
  const stamp = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '')
  return {
    message:
      `API rate limit exceeded for ${who}. If you reach out to GitHub Support for help, please include ` +
      `the request ID ${requestId} and timestamp ${stamp} UTC.`,
    documentation_url: RATE_LIMIT_DOCS,
    status: String(status)
  }
}

/** Secondary rate limits: the message is how clients (Octokit's throttling plugin) recognise them. */
export function secondaryRateLimitBody(status: 403 | 429, contentCreation: boolean, requestId: string) {
  const message = contentCreation
    ? 'You have exceeded a secondary rate limit and have been temporarily blocked from content creation. ' +
      'Please retry your request again later.'
    : 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
      `If you reach out to GitHub Support for help, please include the request ID ${requestId}.`
  return { message, documentation_url: SECONDARY_RATE_LIMIT_DOCS, status: String(status) }
}

/**
 * What GitHub's edge answers for server errors: short JSON with only a message (observed for 502,
 * `{"message":"Server Error"}`), and the edge's wording for 503 and 504.
 */
export function serverErrorBody(status: number): { message: string } {
  if (status === 503) {
    return {
      message:
        'No server is currently available to service your request. Sorry about that. ' +
        'Please try resubmitting your request and contact us if the problem persists.'
    }
  }
  if (status === 504) {
    return {
      message:
        "We couldn't respond to your request in time. Sorry about that. " +
        'Please try resubmitting your request and contact us if the problem persists.'
    }
  }
  return { message: 'Server Error' }
}
