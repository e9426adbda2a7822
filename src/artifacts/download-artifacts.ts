/**
 * Downloads the selected artifacts of a Train run into a fresh, empty folder under RUNNER_TEMP,
 * never into the workspace: unzip follows symlinks that already exist in its destination, and
 * artifact content is untrusted data. Each artifact's zip digest is checked against the one
 * GitHub registered; on any problem the whole folder is removed before the error propagates.
 */
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { ActionError, describeError } from '../errors.ts'
import { gitHubErrorHint, type GitHubApi } from '../github/github-api.ts'
import type { ArtifactDownloader } from './artifact-downloader.ts'
import { ArtifactSelectionError, selectArtifacts, type ArtifactRule, type RunAttempt } from './select-artifacts.ts'

export interface DownloadedArtifact {
  id: number
  name: string
  size: number
  digest: string | null
  /** Folder (relative to the artifacts root) it was extracted into. */
  folder: string
}

export interface DownloadedArtifacts {
  /** Absolute, real path of the folder holding every artifact. */
  root: string
  artifacts: DownloadedArtifact[]
}

export interface DownloadRequest {
  runId: number
  /** The attempt being published: only its own artifacts are taken. */
  attempt?: RunAttempt
  rules: readonly ArtifactRule[]
  runnerTemp: string
  workspace: string
  log: (line: string) => void
}

export async function downloadArtifacts(
  github: GitHubApi,
  downloader: ArtifactDownloader,
  request: DownloadRequest
): Promise<DownloadedArtifacts> {
  const available = await github.listRunArtifacts(request.runId).catch((error: unknown) => {
    throw new ActionError(
      `Could not list the artifacts of Train run ${request.runId}: ${describeError(error)}${permissionHint(error)}`,
      'download',
      { cause: error }
    )
  })
  let selected
  try {
    selected = selectArtifacts(available, request.rules, request.runId, request.attempt)
  } catch (error) {
    if (error instanceof ArtifactSelectionError) throw new ActionError(error.message, 'download')
    throw error
  }
  const root = await freshFolder(request.runnerTemp, request.workspace)
  try {
    const artifacts: DownloadedArtifact[] = []
    for (const { artifact, folder } of selected) {
      const directory = join(root, folder)
      await mkdir(directory, { recursive: true })
      request.log(`Downloading artifact "${artifact.name}" (${artifact.size} bytes) into ${folder || '.'}/`)
      const { digestMismatch } = await downloader
        .download({ artifactId: artifact.id, expectedDigest: artifact.digest, directory, runId: request.runId })
        .catch((error: unknown) => {
          throw new ActionError(downloadFailure(artifact.name, error), 'download', { cause: error })
        })
      if (digestMismatch) {
        throw new ActionError(
          `Artifact "${artifact.name}" does not match the digest GitHub registered for it (${artifact.digest}); it ` +
            `was altered or corrupted after upload. Nothing was published; re-run the Train workflow`,
          'download'
        )
      }
      if (!artifact.digest)
        request.log(
          `Artifact "${artifact.name}" has no registered digest (uploaded before upload-artifact v4); its integrity ` +
            `cannot be checked`
        )
      artifacts.push({ id: artifact.id, name: artifact.name, size: artifact.size, digest: artifact.digest, folder })
    }
    return { root, artifacts }
  } catch (error) {
    await rm(root, { recursive: true, force: true })
    throw error
  }
}

async function freshFolder(runnerTemp: string, workspace: string): Promise<string> {
  await mkdir(runnerTemp, { recursive: true })
  const root = await realpath(await mkdtemp(join(runnerTemp, 'hf-upload-artifacts-')))
  const ws = await realpath(workspace).catch(() => workspace)
  if (!relative(ws, root).startsWith('..') && !relative(ws, root).startsWith(sep)) {
    await rm(root, { recursive: true, force: true })
    throw new ActionError(
      `RUNNER_TEMP (${runnerTemp}) lies inside the workspace; artifacts are only ever extracted outside it`,
      'download'
    )
  }
  return root
}

function downloadFailure(name: string, error: unknown): string {
  const status = (error as { status?: number }).status
  if (status === 410)
    return (
      `Artifact "${name}" has expired (410 Gone) and can no longer be downloaded; re-run the Train workflow (or ` +
      `raise its retention-days)`
    )
  return `Downloading artifact "${name}" failed: ${describeError(error)}${permissionHint(error)}`
}

function permissionHint(error: unknown): string {
  return gitHubErrorHint(error)
}
