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
  // Retries wrap streaming: each attempt gets a fresh stream of the same Blob.
  const fetch = createRetryingFetch(createStreamingUploadFetch(deps.fetch), deps.retryPolicy, (n) =>
    deps.core.info(
      `${n.method} ${n.target} failed (${n.reason}); retrying in ${Math.ceil(n.waitMs / 1000)}s, ` +
        `${n.retriesLeft} retries left`
    )
  )
  return deps.createHubClient({ hubUrl: settings.hubUrl, accessToken: settings.hfToken, repo: settings.repo, fetch })
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
