/**
 * The upload phase: check the token, hash, plan against the branch head, commit once.
 * Raises errors; never fails the step itself (main.ts does).
 */
import type { CommitProgressEvent } from '@huggingface/hub'
import type { Deps } from './deps.ts'
import { HubError } from './errors.ts'
import { buildManifest } from './files/manifest.ts'
import type { LocalFile } from './files/resolve-files.ts'
import type { HubClient } from './hub/hub-client.ts'
import { explainHubError } from './hub/hub-errors.ts'
import { publish, type PublishHooks, type PublishResult } from './hub/publish.ts'
import { createRetryingFetch } from './hub/retrying-fetch.ts'
import { createStreamingUploadFetch } from './hub/streaming-upload-fetch.ts'
import type { ManifestEntry, UploadPlan } from './hub/upload-plan.ts'
import type { Settings } from './inputs.ts'
import type { RunResult } from './report/run-result.ts'
import { ProgressReporter, formatBytes } from './report/progress.ts'

export interface UploadRequest {
  manifest: readonly ManifestEntry[]
  title: string
  description?: string
  prepareCommit?: PublishHooks['prepareCommit']
}

export function createHub(deps: Deps, settings: Settings): HubClient {
  // Retries wrap streaming: each attempt gets a fresh stream of the same Blob.
  const fetch = createRetryingFetch(createStreamingUploadFetch(deps.fetch), deps.retryPolicy, (n) =>
    deps.core.info(
      `${n.method} ${n.target} failed (${n.reason}); retrying in ${Math.ceil(n.waitMs / 1000)}s, ${n.retriesLeft} retries left`
    )
  )
  return deps.createHubClient({ hubUrl: settings.hubUrl, accessToken: settings.hfToken, repo: settings.repo, fetch })
}

export function hubRepoUrl(settings: Pick<Settings, 'hubUrl' | 'repo'>): string {
  const prefix = settings.repo.type === 'model' ? '' : `${settings.repo.type}s/`
  return `${settings.hubUrl}/${prefix}${settings.repo.name}`
}

/** SHA-256 (and small files' git blob ids) of every local file, with progress lines. */
export async function hashFiles(
  deps: Deps,
  files: readonly LocalFile[],
  signal?: AbortSignal
): Promise<ManifestEntry[]> {
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  const hashing = new ProgressReporter('Hashing', totalBytes, (line) => deps.core.info(line))
  const manifest = await buildManifest(files, (file, n) => hashing.add(file.pathInRepo, n), signal)
  hashing.finish()
  return manifest
}

/** A commit of the target repo with its page URL. */
export function hubCommit(settings: Pick<Settings, 'hubUrl' | 'repo'>, oid: string): { oid: string; url: string } {
  return { oid, url: `${hubRepoUrl(settings)}/commit/${oid}` }
}

/** The result of a mode that uploads no file (verify, rollback, history), for the mode to complete. */
export function resultWithoutUpload(settings: Settings, mode: RunResult['mode']): RunResult {
  return {
    mode,
    repo: { ...settings.repo, url: hubRepoUrl(settings) },
    branch: settings.branch,
    dryRun: settings.dryRun,
    changed: false,
    files: [],
    bytesUploaded: 0,
    createdRepo: false
  }
}

export async function uploadToHub(
  deps: Deps,
  settings: Settings,
  hub: HubClient,
  request: UploadRequest
): Promise<PublishResult> {
  const { core } = deps
  const context = hubContext(settings)
  let uploading: ProgressReporter | undefined
  const result = await publish(
    hub,
    {
      manifest: request.manifest,
      branch: settings.branch,
      title: request.title,
      description: request.description,
      dryRun: settings.dryRun,
      createRepo: settings.createRepo,
      private: settings.private,
      commitUrl: (oid) => hubCommit(settings, oid).url
    },
    {
      info: (line) => core.info(line),
      warning: (line) => core.warning(line),
      prepareCommit: request.prepareCommit,
      onCommitProgress: (event, plan) => {
        uploading ??= new ProgressReporter('Uploading', plan.bytesToUpload, (line) => core.info(line))
        trackCommitProgress(event, plan, uploading, (line) => core.info(line))
      }
    }
  ).catch((error: unknown) => {
    throw explainHubError(error, {
      ...context,
      doing: settings.dryRun ? 'planning the upload' : 'publishing',
      stage: 'upload'
    })
  })
  uploading?.finish()
  logPlan((line) => core.info(line), result)
  return result
}

export function hubContext(settings: Settings): { hubUrl: string; repoId: string; branch: string } {
  return { hubUrl: settings.hubUrl, repoId: settings.repo.name, branch: settings.branch }
}

/** Checks hf-token with the Hub before any work: valid, and allowed to write. */
export async function checkToken(
  hub: HubClient,
  context: { hubUrl: string; repoId: string; branch: string },
  needsWrite = true
): Promise<void> {
  const me = await hub.whoAmI().catch((error: unknown) => {
    throw explainHubError(error, { ...context, doing: 'checking hf-token with the Hub (whoami)', stage: 'upload' })
  })
  if (needsWrite && me.role === 'read') {
    throw new HubError(
      `hf-token belongs to ${me.name} but is a read-only token; publishing needs a token with write access`,
      'upload',
      403
    )
  }
}

const PHASE_LINES = {
  preuploading: 'negotiating uploads',
  uploadingLargeFiles: 'uploading large files',
  committing: 'committing'
} as const

function trackCommitProgress(
  event: CommitProgressEvent,
  plan: UploadPlan,
  reporter: ProgressReporter,
  info: (line: string) => void
): void {
  if (event.event === 'phase') return info(`Hub commit: ${PHASE_LINES[event.phase]}`)
  if (event.state !== 'uploading') return
  const size = plan.toUpload.find((f) => f.pathInRepo === event.path)?.size ?? 0
  reporter.set(event.path, event.progress * size)
}

function logPlan(info: (line: string) => void, result: PublishResult): void {
  const { plan } = result
  for (const f of plan.files)
    info(`${f.status.padEnd(9)} ${f.pathInRepo} (${formatBytes(f.size)}, sha256 ${f.sha256.slice(0, 12)})`)
  info(`${plan.toUpload.length} of ${plan.files.length} files to upload, ${formatBytes(plan.bytesToUpload)}.`)
}
