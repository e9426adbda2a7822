/**
 * A Hub client for the run's settings: the library's fetch wrapped with retries (idempotent calls
 * only) and streamed uploads, retry lines in the log, the run's authentication on every Hub-bound
 * request, and the token checked before any work.
 */
import type { Deps } from '../deps.ts'
import { HubError, type Stage } from '../errors.ts'
import type { Settings } from '../inputs.ts'
import { hubRepoSettingsUrl } from '../lib/urls.ts'
import { authenticatedFetch } from './auth/auth-fetch.ts'
import { isExchangedToken } from './auth/auth-method.ts'
import { createHubAuth, type AuthIo, type HubAuth } from './auth/hub-auth.ts'
import type { HubClient } from './hub-client.ts'
import { explainHubError, type HubErrorContext } from './hub-errors.ts'
import { createRetryingFetch } from './retrying-fetch.ts'
import { createStreamingUploadFetch } from './streaming-upload-fetch.ts'

/** A Hub client and the authentication it sends (the stored token, or keyless). */
export type ConnectedHub = HubClient & { readonly auth: HubAuth }

export function connectHub(deps: Deps, settings: Settings): ConnectedHub {
  const { core } = deps
  // The completion check asks the client that this fetch serves: bound once the client exists.
  const late: { client?: HubClient } = {}
  // Retries wrap streaming: each attempt gets a fresh stream of the same Blob.
  const retrying = createRetryingFetch(
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
  // Authentication wraps retries: a retry keeps its token, a 401 gets a renewed one.
  const auth = createHubAuth(authIo(deps), settings, modeStage(settings))
  const fetch = authenticatedFetch(auth, settings.hubUrl, retrying)
  late.client = deps.createHubClient({
    hubUrl: settings.hubUrl,
    accessToken: auth.accessToken,
    repo: settings.repo,
    fetch
  })
  return Object.assign(late.client, { auth })
}

function formatWait(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.ceil(ms / 1000)} s`
}

function authIo(deps: Deps): AuthIo {
  return {
    env: deps.env,
    getIDToken: (audience) => deps.getIDToken(audience),
    fetch: deps.fetch,
    now: () => deps.now(),
    setSecret: (secret) => deps.core.setSecret(secret),
    info: (line) => deps.core.info(line),
    retryPolicy: deps.retryPolicy,
    signal: () => deps.deadline?.signal
  }
}

/** The stage a mode's Hub work is reported under (as each mode's checkToken call names it). */
function modeStage(settings: Settings): Stage {
  return settings.mode === 'verify' ? 'verify' : settings.mode === 'history' ? 'report' : 'upload'
}

/** What an explained Hub error needs to know about the run, for what was being done at which stage. */
export function hubErrorContext(settings: Settings, doing: string, stage: Stage): HubErrorContext {
  return {
    hubUrl: settings.hubUrl,
    repoId: settings.repo.name,
    branch: settings.branch,
    doing,
    stage,
    keyless: settings.auth === 'oidc' ? { settingsUrl: hubRepoSettingsUrl(settings.hubUrl, settings.repo) } : undefined
  }
}

/**
 * Checks the authentication with the Hub before any work. A stored token: valid, and (unless only
 * reading) allowed to write, through whoami. Keyless: the exchange itself, which the Hub answers
 * only for a publisher of this repo; whoami is not documented for exchanged tokens, so it is not
 * asked (nor for an exchanged token passed in hf-token).
 */
export async function checkToken(
  hub: ConnectedHub,
  settings: Settings,
  needsWrite: boolean,
  stage: Stage
): Promise<void> {
  if (hub.auth.method === 'oidc') {
    await hub.auth.current()
    return
  }
  if (isExchangedToken(settings.hfToken)) return
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
