/**
 * Turns what `@huggingface/hub` and `fetch` throw into messages a workflow author can act on:
 * which input is involved and what to change. The library's own message (status, URL without
 * credentials, Hub request id) is kept at the end for support requests.
 */
import { HubApiError } from '@huggingface/hub'
import { ActionError, HubError, describeError, type Stage } from '../errors.ts'

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
    const advice = adviceForStatus(error.statusCode, ctx)
    return new HubError(
      `${advice} (while ${ctx.doing}; Hub said: ${error.message})`,
      ctx.stage,
      error.statusCode,
      error.requestId,
      { cause: error }
    )
  }
  if (isNetworkError(error)) {
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
        `The Hub reported a conflict (409) on ${ctx.repoId}; another operation may be in progress. Re-run the ` +
        `workflow`
      )
    case 412:
      return (
        `Branch "${ctx.branch}" of ${ctx.repoId} kept moving while this run tried to commit (412), even after ` +
        `re-planning. Serialise publishing with a concurrency group and re-run`
      )
    case 413:
      return `The commit is too large for the Hub (413). Publish fewer or smaller files per run`
    case 429:
      return `The Hub rate-limited this run (429) even after waiting as asked. Re-run later or publish less often`
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
