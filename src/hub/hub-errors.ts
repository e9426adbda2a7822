/**
 * Turns what `@huggingface/hub` and `fetch` throw into messages a workflow author can act on:
 * which input is involved and what to change. The library's own message (status, URL without
 * credentials, Hub request id) is kept at the end for support requests.
 */
import { HubApiError } from '@huggingface/hub'
import { ActionError, HubError, describeError, type Stage } from '../errors.ts'
import { DeadlineError } from '../lib/deadline.ts'

/** A Hub that asks to wait longer than the policy allows: not waited for, so the run can say how long it asked. */
export class RetryAfterTooLongError extends Error {
  override name = 'RetryAfterTooLongError'
  constructor(
    readonly method: string,
    readonly target: string,
    readonly status: number,
    readonly askedMs: number,
    readonly capMs: number
  ) {
    super(
      `${method} ${target} answered ${status} and asked to wait ${Math.ceil(askedMs / 1000)} s, longer than the ` +
        `${Math.round(capMs / 1000)} s this action waits`
    )
  }
}

export interface HubErrorContext {
  hubUrl: string
  repoId: string
  branch: string
  /** What we were doing, e.g. "reading the branch head". */
  doing: string
  stage: Stage
  /** Set when the run publishes keyless: the advice for 401/403/404 differs. */
  keyless?: { settingsUrl: string }
}

/** Our own errors (a refused card, the metric gate, a HubError) already say what to do and keep their stage. */
export function explainHubError(error: unknown, ctx: HubErrorContext): ActionError {
  if (error instanceof ActionError) return error
  if (error instanceof HubApiError) {
    const endpoint = endpointOf(error, ctx.hubUrl)
    const advice =
      endpoint === 'storage' || endpoint === 'completion'
        ? adviceForStorage(endpoint, error.statusCode, uploadedFile(error))
        : endpoint === 'commit' && error.statusCode === 429
          ? 'The Hub refused the commit for its rate limit (429). A refused commit is not waited for and sent again ' +
            '(the Hub counts commits per repo and hour), so nothing was committed. Re-run later, or publish less often'
          : adviceForStatus(error.statusCode, ctx)
    return new HubError(
      `${advice} (while ${ctx.doing}; Hub said: ${error.message})`,
      ctx.stage,
      error.statusCode,
      error.requestId,
      { cause: error }
    )
  }
  if (error instanceof RetryAfterTooLongError) {
    const minutes = Math.ceil(error.askedMs / 60_000)
    return new HubError(
      `The Hub answered ${error.status} ${error.status === 429 ? '(rate limit) ' : ''}to ${error.method} ` +
        `${new URL(error.target).pathname} and asked to wait ${Math.ceil(error.askedMs / 1000)} s, longer than the ` +
        `${Math.round(error.capMs / 1000)} s this action waits, so it stopped (while ${ctx.doing}). Re-run the ` +
        `workflow in about ${minutes} minute${minutes === 1 ? '' : 's'}`,
      ctx.stage,
      error.status,
      undefined,
      { cause: error }
    )
  }
  if (error instanceof DeadlineError) return new ActionError(`${error.message} (while ${ctx.doing})`, ctx.stage)
  if (isNetworkError(error) || isTimeout(error)) {
    return new HubError(
      `Could not reach hub-url ${ctx.hubUrl} while ${ctx.doing}: ${describeError(error)}. Check the hub-url input ` +
        `and that the runner can reach it.`,
      ctx.stage,
      undefined,
      undefined,
      { cause: error }
    )
  }
  return new HubError(`Failed while ${ctx.doing}: ${describeError(error)}`, ctx.stage, undefined, undefined, {
    cause: error
  })
}

/** Which kind of endpoint gave an error answer: the error's meaning (and the advice) depends on it. */
export type Endpoint = 'storage' | 'completion' | 'lfs-batch' | 'commit' | 'hub-api'

export function endpointOf(error: HubApiError, hubUrl: string): Endpoint {
  let url: URL
  try {
    url = new URL(error.url)
  } catch {
    return 'hub-api'
  }
  const path = url.pathname
  if (/complete_multipart|\/complete$/.test(path) || /Error completing multipart upload/.test(error.message))
    return 'completion'
  // Presigned upload URLs point at the storage (another host on the real Hub), never at the Hub's API.
  if (url.origin !== new URL(hubUrl).origin || path.startsWith('/_lfs/upload/')) return 'storage'
  if (path.endsWith('/info/lfs/objects/batch')) return 'lfs-batch'
  if (/^\/api\/[^/]+\/.+\/commit\//.test(path)) return 'commit'
  return 'hub-api'
}

/**
 * How a commit attempt ended when it threw: the Hub refused it for good, the branch moved (412),
 * another commit on the repo was being written (409: the Hub takes one at a time and refuses the
 * others, "Another commit operation is in progress"; nothing of ours landed, so wait and try
 * again), or nobody knows whether it landed (no answer, a broken answer, a gateway error, a
 * timeout), in which case only reading the branch back can tell.
 */
export type CommitEnding = 'conflict' | 'busy' | 'refused' | 'ambiguous'

export function commitEnding(error: unknown): CommitEnding {
  if (error instanceof HubApiError) {
    if (error.statusCode === 412) return 'conflict'
    if (error.statusCode === 409) return 'busy'
    return error.statusCode >= 500 || error.statusCode === 408 ? 'ambiguous' : 'refused'
  }
  if (error instanceof ActionError || error instanceof RetryAfterTooLongError) return 'refused'
  return 'ambiguous'
}

/** A short account of how a request ended, for the log: the status alone for Hub answers (their text may hold URLs). */
export function describeEnding(error: unknown): string {
  if (error instanceof HubApiError) return `HTTP ${error.statusCode}`
  if (error instanceof Error && error.name === 'TimeoutError') return 'timed out'
  return describeError(error)
}

/** A presigned upload URL or a multipart session that the storage no longer honours: a new plan gets fresh ones. */
export function isExpiredUpload(error: unknown, hubUrl: string): boolean {
  if (!(error instanceof HubApiError)) return false
  const endpoint = endpointOf(error, hubUrl)
  return (endpoint === 'storage' || endpoint === 'completion') && (error.statusCode === 403 || error.statusCode === 404)
}

function uploadedFile(error: HubApiError): string | undefined {
  return /(?:uploading (?:part \d+ of )?|multipart upload of )(.+?) to LFS storage/.exec(error.message)?.[1]
}

function adviceForStorage(endpoint: 'storage' | 'completion', status: number, file: string | undefined): string {
  const of = file ? ` of ${file}` : ''
  const nothing = 'Nothing was committed'
  if (endpoint === 'completion') {
    return status >= 500
      ? `The Hub failed with ${status} completing the multipart upload${of}, even after retries. ${nothing}; re-run ` +
          `the workflow later`
      : `The Hub refused to complete the multipart upload${of} (${status} from the completion URL): the storage does ` +
          `not hold every part, or the upload session expired. This is not about hf-token or repo-id. ${nothing}; ` +
          `re-run the workflow (it starts a fresh upload)`
  }
  switch (status) {
    case 403:
      return (
        `The storage refused the upload${of} (403 from the presigned upload URL): the URL expired or its signature ` +
        `no longer holds, e.g. because the upload took longer than the URL's lifetime. This is not about hf-token. ` +
        `${nothing}; re-run the workflow (each run gets fresh upload URLs), or publish fewer large files per run`
      )
    case 404:
      return (
        `The storage no longer knows the upload${of} (404 from the upload URL): the multipart upload was aborted or ` +
        `expired. This is not about repo-id. ${nothing}; re-run the workflow`
      )
    case 400:
      return (
        `The storage rejected the bytes${of} (400): their size or checksum did not match what was announced, e.g. ` +
        `because the file changed while it was uploaded. ${nothing}; make sure no other step writes it meanwhile, ` +
        `and re-run`
      )
    default:
      return status >= 500
        ? `The storage failed with ${status}${of}, even after retries. ${nothing}; re-run the workflow later`
        : `The storage refused the upload${of} with ${status}. ${nothing}`
  }
}

function adviceForStatus(status: number, ctx: HubErrorContext): string {
  if (ctx.keyless && [401, 403, 404].includes(status)) return keylessAdvice(status, ctx, ctx.keyless.settingsUrl)
  switch (status) {
    case 401:
      return (
        `The Hub at ${ctx.hubUrl} rejected hf-token (401 Unauthorized): the token is invalid, expired or ` +
        `revoked. Store a current token in the secret passed as hf-token`
      )
    case 403:
      return (
        `hf-token may not write to ${ctx.repoId} (403 Forbidden). Use a token with write access to that ` +
        `namespace (a "write" token, or a fine-grained token with write on this repo)`
      )
    case 404:
      return (
        `${ctx.repoId} or its branch "${ctx.branch}" was not found on ${ctx.hubUrl} (404). Check repo-id, ` +
        `repo-type and branch, or set create-repo: true`
      )
    case 409:
      return (
        `The Hub kept refusing the commit on ${ctx.repoId} with 409 (another commit operation in progress), also ` +
        `after waiting and trying again. Serialise the workflows that write to this repo with a concurrency group, ` +
        `and re-run`
      )
    case 412:
      return (
        `Branch "${ctx.branch}" of ${ctx.repoId} kept moving while this run tried to commit (412), even after ` +
        `re-planning. Serialise publishing with a concurrency group and re-run`
      )
    case 413:
      return `The commit is too large for the Hub (413). Publish fewer or smaller files per run`
    case 429:
      return (
        `The Hub rate-limited this run (429) even after waiting as asked and retrying. Re-run later or publish less ` +
        `often`
      )
    default:
      return status >= 500
        ? `The Hub failed with ${status} (requests that are safe to repeat were retried; a commit is never re-sent ` +
            `blindly). It may be having an outage; re-run the workflow later`
        : `The Hub refused the request with ${status}`
  }
}

/** A keyless token is exchanged for one repo by its Trusted Publisher: no secret to replace, other causes. */
function keylessAdvice(status: number, ctx: HubErrorContext, settings: string): string {
  switch (status) {
    case 401:
      return (
        `The Hub at ${ctx.hubUrl} rejected the keyless token (401 Unauthorized) even after exchanging a fresh one. ` +
        `Check that the Trusted Publisher at ${settings} still exists, and re-run`
      )
    case 403:
      return (
        `The keyless token may not do this on ${ctx.repoId} (403 Forbidden): a Trusted Publisher's token writes ` +
        `to its own repo only, and not at all when the publisher is marked Read-only (see ${settings}); it cannot ` +
        `create repos either`
      )
    default:
      return (
        `${ctx.repoId} or its branch "${ctx.branch}" was not found on ${ctx.hubUrl} (404). Check repo-id, ` +
        `repo-type and branch (a keyless token cannot create repos: create it on the Hub first)`
      )
  }
}

export function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  if (error instanceof TypeError && /fetch failed|terminated|network/i.test(error.message)) return true
  const code = (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code
  return typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError'
}
