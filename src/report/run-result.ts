/** Everything a run found out, gathered in one object so outputs and summary come from one place. */
import type { DownloadedArtifact } from '../artifacts/download-artifacts.ts'
import type { GateDecision } from '../gate/metric-gate.ts'
import type { PublishRecord } from '../history/history.ts'
import type { PlannedFile } from '../hub/upload-plan.ts'
import type { AuthMethod } from '../hub/auth/auth-method.ts'
import type { Settings } from '../inputs.ts'
import { hubRepoUrl } from '../lib/urls.ts'
import type { RollbackPlan } from '../rollback/rollback-plan.ts'

export interface RunResult {
  mode: 'publish' | 'verify' | 'rollback' | 'history'
  repo: { type: 'model' | 'dataset' | 'space'; name: string; url: string }
  branch: string
  /** How the run authenticated with the Hub (named in the summary; never the token). */
  auth: AuthMethod
  dryRun: boolean
  changed: boolean
  commit?: { oid: string; url: string }
  /** A Hub pull request opened instead of committing to the branch (metric gate). */
  pullRequestUrl?: string
  /** Why nothing was committed although files differ (metric gate: skip). */
  skippedReason?: string
  /** The Train run did not succeed, so nothing was looked at (not a failure). */
  skippedTrainRun?: string
  files: readonly PlannedFile[]
  bytesUploaded: number
  createdRepo: boolean
  /** Did everything expected check out on the Hub (undefined: not verified). */
  verified?: boolean
  /** The revision that was verified (mode verify). */
  verifiedRevision?: string
  metrics?: ReadonlyArray<{ name: string; value: number }>
  gate?: GateDecision
  tag?: string
  /** A Mermaid chart of the gate metric over recent publishes. */
  trend?: string
  /** The Train run the files came from, when there was one. */
  trainRun?: { id: number; url: string }
  artifacts?: readonly DownloadedArtifact[]
  rollback?: { target: string; how: string; plan: RollbackPlan }
  history?: readonly PublishRecord[]
  /** The failure issue this success closed. */
  closedIssueUrl?: string
  /** The commit's answer was lost; it was found on the branch afterwards. */
  landedUnseen?: boolean
}

/** A result with nothing done yet, for a mode (or a skip) to fill in. */
export function emptyResult(settings: Settings, mode: RunResult['mode']): RunResult {
  return {
    mode,
    repo: { ...settings.repo, url: hubRepoUrl(settings.hubUrl, settings.repo) },
    branch: settings.branch,
    auth: settings.auth,
    dryRun: settings.dryRun,
    changed: false,
    files: [],
    bytesUploaded: 0,
    createdRepo: false
  }
}

const knownResults = new WeakMap<object, RunResult>()

/**
 * Runs `step`; when it throws, the error carries `result`, so the outputs known at that point (the
 * commit that landed, `verified=false`) are written although the run fails.
 */
export async function withKnownResult<T>(result: RunResult, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (error) {
    if (error !== null && typeof error === 'object' && !knownResults.has(error)) knownResults.set(error, result)
    throw error
  }
}

/** What a failed run had found out before it failed, if the failing step said so. */
export function knownResultOf(error: unknown): RunResult | undefined {
  return error !== null && typeof error === 'object' ? knownResults.get(error) : undefined
}
