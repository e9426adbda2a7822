/**
 * A Hub client for the run's settings: the library's fetch wrapped with retries (idempotent calls
 * only) and streamed uploads, retry lines in the log, and the token checked before any work.
 */
import type { Deps } from '../deps.ts'
import { HubError, type Stage } from '../errors.ts'
import type { Settings } from '../inputs.ts'
import type { HubClient } from './hub-client.ts'
import { explainHubError, type HubErrorContext } from './hub-errors.ts'
import { createRetryingFetch } from './retrying-fetch.ts'
import { createStreamingUploadFetch } from './streaming-upload-fetch.ts'

export function connectHub(deps: Deps, settings: Settings): HubClient {
  const { core } = deps
  // The completion check asks the client that this fetch serves: bound once the client exists.
  const late: { client?: HubClient } = {}
  // Retries wrap streaming: each attempt gets a fresh stream of the same Blob.
  const fetch = createRetryingFetch(
    createStreamingUploadFetch(deps.fetch),
    deps.retryPolicy,
    (n) =>
      core.info(
        `${n.method} ${n.target} failed (${n.reason}); retrying in ${formatWait(n.waitMs)}, ` +
          `${n.retriesLeft} retr${n.retriesLeft === 1 ? 'y' : 'ies'} left`
      ),
    {
      signal: () => deps.deadline?.signal,
      objectStored: (oid, size) =>
        size === undefined ? Promise.resolve(false) : late.client!.lfsObjectStored(oid, size).catch(() => false),
      onCompletionSettled: (n) =>
        core.info(
          `The repeated completion of LFS object ${n.oid.slice(0, 12)} was refused (HTTP ${n.status}), but the Hub ` +
            'stores the object: the first completion did its work before its answer was lost.'
        ),
      onNotRetried: (n) =>
        core.warning(
          `${n.method} ${n.target} answered ${n.status}` +
            (n.askedWaitMs > 0 ? ` and asked to wait ${formatWait(n.askedWaitMs)}` : '') +
            '; a commit is never re-sent blindly, so it was not waited for.'
        )
    }
  )
  late.client = deps.createHubClient({
    hubUrl: settings.hubUrl,
    accessToken: settings.hfToken,
    repo: settings.repo,
    fetch
  })
  return late.client
}

function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.ceil(ms / 1000)} s`
}

/** What an explained Hub error needs to know about the run, for what was being done at which stage. */
export function hubErrorContext(settings: Settings, doing: string, stage: Stage): HubErrorContext {
  return { hubUrl: settings.hubUrl, repoId: settings.repo.name, branch: settings.branch, doing, stage }
}

/** Checks hf-token with the Hub before any work: valid, and (unless only reading) allowed to write. */
export async function checkToken(hub: HubClient, settings: Settings, needsWrite: boolean, stage: Stage): Promise<void> {
  const me = await hub.whoAmI().catch((error: unknown) => {
    throw explainHubError(error, hubErrorContext(settings, 'checking hf-token with the Hub (whoami)', stage))
  })
  if (needsWrite && me.role === 'read') {
    throw new HubError(
      `hf-token belongs to ${me.name} but is a read-only token; publishing needs a token with write access`,
      stage,
      403
    )
  }
}
