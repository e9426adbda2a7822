// Errors the emulator answers with, in the Hub's conventions (hub-protocol.md §5.2): a JSON body
// `{"error": msg}` plus, for the typed cases, `X-Error-Code` and `X-Error-Message`.
import type { RepoRef } from './types.ts'

export type HubErrorCode = 'RepoNotFound' | 'RevisionNotFound' | 'EntryNotFound' | 'GatedRepo'

export interface HubHttpErrorOptions {
  code?: HubErrorCode
  /** Extra top-level fields of the JSON body (e.g. `url` on the 409 of repo creation). */
  extraBody?: Record<string, unknown>
  headers?: Record<string, string>
}

export class HubHttpError extends Error {
  readonly status: number
  readonly code?: HubErrorCode
  readonly extraBody?: Record<string, unknown>
  readonly headers?: Record<string, string>

  constructor(status: number, message: string, options: HubHttpErrorOptions = {}) {
    super(message)
    this.name = 'HubHttpError'
    this.status = status
    this.code = options.code
    this.extraBody = options.extraBody
    this.headers = options.headers
  }
}

/** 404 for an authenticated caller; 401 when there is no token (the Hub hides existence from anonymous callers). */
export function repoNotFound(status: 401 | 404 = 404): HubHttpError {
  return new HubHttpError(status, 'Repository not found', { code: 'RepoNotFound' })
}

export function revisionNotFound(revision: string): HubHttpError {
  return new HubHttpError(404, `Invalid rev id: ${revision}`, { code: 'RevisionNotFound' })
}

export function entryNotFound(message = 'Entry not found'): HubHttpError {
  return new HubHttpError(404, message, { code: 'EntryNotFound' })
}

export function badRequest(message: string): HubHttpError {
  return new HubHttpError(400, message)
}

export function unprocessable(message: string): HubHttpError {
  return new HubHttpError(422, message)
}

/**
 * Not an error to the client: the repo was renamed, so the request is answered with a 307 to the
 * same path under the new name (relative Location, text/plain body, as fixture 09 records it).
 */
export class RepoRedirect extends Error {
  readonly from: RepoRef
  readonly to: RepoRef

  constructor(from: RepoRef, to: RepoRef) {
    super(`${from.name} was renamed to ${to.name}`)
    this.name = 'RepoRedirect'
    this.from = from
    this.to = to
  }
}
