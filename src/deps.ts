/**
 * The action's dependencies on the outside world, passed to `run()` as one object so tests can
 * swap any of them. Production values come from `defaultDeps()`.
 */
import * as core from '@actions/core'
import { createArtifactDownloader, type ArtifactDownloader } from './artifacts/artifact-downloader.ts'
import { createGitHubApi, type GitHubApi, type GitHubApiOptions } from './github/github-api.ts'
import { createHubClient, type HubClient, type HubClientOptions } from './hub/hub-client.ts'
import type { RunDeadline } from './lib/deadline.ts'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './lib/retry.ts'

/** The parts of @actions/core the action uses. */
export interface ActionCore {
  getInput(name: string): string
  setSecret(secret: string): void
  setOutput(name: string, value: string): void
  setFailed(message: string): void
  info(message: string): void
  warning(message: string): void
  notice(message: string): void
  debug(message: string): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
  writeSummary(markdown: string): Promise<void>
}

export interface Deps {
  core: ActionCore
  env: Readonly<Record<string, string | undefined>>
  fetch: typeof fetch
  createHubClient(options: HubClientOptions): HubClient
  createGitHubApi(options: GitHubApiOptions): GitHubApi
  createArtifactDownloader(options: { token: string; owner: string; repo: string }): ArtifactDownloader
  /** Backoff, waits and per-attempt time limits of every retried call (Hub and GitHub). */
  retryPolicy: RetryPolicy
  /** The run's deadline; set by `run()` once deadline-minutes is read. */
  deadline?: RunDeadline
  /**
   * This job's GitHub OIDC ID token for `audience` (keyless publishing). `core.getIDToken` reads the
   * runner's ACTIONS_ID_TOKEN_REQUEST_* variables from the process environment.
   */
  getIDToken(audience: string): Promise<string>
  /** The clock (tag dates, keyless token lifetimes); tests may fix it. */
  now(): number
}

export function defaultDeps(): Deps {
  return {
    core: {
      getInput: (name) => core.getInput(name),
      setSecret: (secret) => core.setSecret(secret),
      setOutput: (name, value) => core.setOutput(name, value),
      setFailed: (message) => core.setFailed(message),
      info: (message) => core.info(message),
      warning: (message) => core.warning(message),
      notice: (message) => core.notice(message),
      debug: (message) => core.debug(message),
      group: (name, fn) => core.group(name, fn),
      writeSummary: async (markdown) => {
        // Locally (no runner) there is no summary file; that is not an error.
        if (!process.env.GITHUB_STEP_SUMMARY) return
        await core.summary.addRaw(markdown, true).write()
      }
    },
    env: process.env,
    fetch: globalThis.fetch,
    createHubClient,
    createGitHubApi,
    createArtifactDownloader,
    retryPolicy: retryPolicyFromEnv(process.env),
    getIDToken: (audience) => core.getIDToken(audience),
    now: Date.now
  }
}

/**
 * Backoff (HF_UPLOAD_ACTION_RETRY_BASE_MS) and per-attempt time limits (HF_UPLOAD_ACTION_TIMEOUT_MS)
 * can be shortened for the project's own tests, so faults cost milliseconds; workflows have no
 * reason to set them.
 */
function retryPolicyFromEnv(env: NodeJS.ProcessEnv): RetryPolicy {
  const base = Number(env.HF_UPLOAD_ACTION_RETRY_BASE_MS)
  const timeout = Number(env.HF_UPLOAD_ACTION_TIMEOUT_MS)
  return {
    ...DEFAULT_RETRY_POLICY,
    ...(Number.isFinite(base) && base > 0 ? { baseDelayMs: base, maxDelayMs: base * 8 } : {}),
    ...(Number.isFinite(timeout) && timeout > 0 ? { requestTimeoutMs: timeout, slowRequestTimeoutMs: timeout } : {})
  }
}
