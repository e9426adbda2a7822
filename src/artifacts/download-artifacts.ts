/**
 * Downloads the selected artifacts of a Train run into a fresh, empty folder under RUNNER_TEMP,
 * never into the workspace: artifact content is untrusted data. Each artifact's zip is saved in a
 * scratch folder, its digest checked against the one GitHub registered, and only then extracted
 * (`extract-zip.ts` refuses hostile entries and zip bombs) into a folder chosen by a validated
 * name: an artifact called `..` or `.` never chooses where its files land. On any problem the
 * whole folder is removed before the error propagates.
 */
import { mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { ActionError, describeError } from '../errors.ts'
import { checkRepoPath, normaliseRepoPath } from '../files/file-mapping.ts'
import { gitHubErrorHint, type GitHubApi } from '../github/github-api.ts'
import { nameProblem, showName } from '../lib/names.ts'
import type { ArtifactDownloader } from './artifact-downloader.ts'
import { extractZip, ZipRefused, type ExtractBudget } from './extract-zip.ts'
import { adoptStubExtraction } from './local-action-extraction.ts'
import {
  ArtifactSelectionError,
  selectArtifacts,
  type ArtifactRule,
  type RunAttempt,
  type SelectedArtifact
} from './select-artifacts.ts'

/** Entries all artifacts of one run may extract to, all together (the Hub recommends < 100k files per repo). */
export const MAX_ARTIFACT_ENTRIES = 100_000

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
  /** The most bytes all artifacts may extract to (the artifacts-max-size input). */
  maxBytes: number
  log: (line: string) => void
  /** Under @github/local-action, whose artifact stub extracts the zip itself (local-action-extraction.ts). */
  localAction?: { warn: (line: string) => void }
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
  const unsafe = selected.flatMap(folderProblem)
  if (unsafe.length > 0) throw new ActionError(`${unsafe.join('\n')}\nNothing was downloaded or published`, 'download')
  const root = await freshFolder(request.runnerTemp, request.workspace, 'hf-upload-artifacts-')
  // The zips themselves stay outside `root`, so no files mapping can publish one.
  let zips: string | undefined
  const budget: ExtractBudget = {
    bytes: request.maxBytes,
    entries: MAX_ARTIFACT_ENTRIES,
    bytesInput: 'artifacts-max-size'
  }
  try {
    zips = await freshFolder(request.runnerTemp, request.workspace, 'hf-upload-zips-')
    const artifacts: DownloadedArtifact[] = []
    for (const [index, { artifact, folder }] of selected.entries()) {
      const directory = join(root, folder)
      await mkdir(directory, { recursive: true })
      request.log(`Downloading artifact "${artifact.name}" (${artifact.size} bytes) into ${folder || '.'}/`)
      const scratch = join(zips, String(index))
      await mkdir(scratch)
      const { digestMismatch } = await downloader
        .download({
          artifactId: artifact.id,
          expectedDigest: artifact.digest,
          directory: scratch,
          runId: request.runId
        })
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
      const extracted = await extractDownloaded(scratch, directory, artifact.name, budget, request)
        .catch((error: unknown) => {
          if (error instanceof ZipRefused) throw new ActionError(error.message, 'download', { cause: error })
          throw error
        })
        .finally(() => rm(scratch, { recursive: true, force: true }))
      request.log(`Artifact "${artifact.name}": ${extracted.files} files, ${extracted.bytes} bytes extracted`)
      artifacts.push({ id: artifact.id, name: artifact.name, size: artifact.size, digest: artifact.digest, folder })
    }
    return { root, artifacts }
  } catch (error) {
    await rm(root, { recursive: true, force: true })
    throw error
  } finally {
    if (zips) await rm(zips, { recursive: true, force: true })
  }
}

/**
 * Why an artifact's folder is not a plain relative folder, or nothing. The folder is the artifact's
 * name unless a rule names one, and names are untrusted (GitHub allows `..` and `.`).
 */
function folderProblem({ artifact, folder }: SelectedArtifact): string[] {
  const name = nameProblem(artifact.name, 'artifact name')
  if (name) return [`artifact ${showName(artifact.name)}: ${name}`]
  // The runner reads `##[` anywhere in a line as a command, and @actions/artifact logs the zip's name.
  if (artifact.name.includes('##['))
    return [
      `artifact ${showName(artifact.name)}: "##[" in an artifact name is refused; the runner reads it as a command`
    ]
  const problem = folder === '' ? undefined : checkRepoPath(folder, false)
  if (problem === undefined && normaliseRepoPath(folder) === folder) return []
  return [
    `artifact ${showName(artifact.name)} cannot be extracted into the folder ${showName(folder)}` +
      `${problem ? ` (${problem.replace('path in the repo', 'folder')})` : ''}; name a folder for it in ` +
      `artifacts, e.g. "${artifact.name} -> ${artifact.name.replace(/[^A-Za-z0-9_-]/g, '') || 'artifact'}/"`
  ]
}

/** The zip the downloader saved in `scratch`, checked and extracted; or, under local-action, its stub's files. */
async function extractDownloaded(
  scratch: string,
  directory: string,
  artifact: string,
  budget: ExtractBudget,
  request: DownloadRequest
): Promise<{ files: number; bytes: number }> {
  const entries = await readdir(scratch, { withFileTypes: true })
  const only = entries.length === 1 && entries[0]!.isFile() ? entries[0]!.name : undefined
  const heldZip = only !== undefined && /\.zip$/i.test(only)
  if (!heldZip && request.localAction) {
    request.localAction.warn(
      `Artifact ${showName(artifact)} was extracted by @github/local-action's @actions/artifact stub, which ignores ` +
        'skipDecompress: its zip entries could not be checked (only the files they became). On a runner the zip ' +
        'itself is checked before anything is extracted.'
    )
    return adoptStubExtraction(scratch, directory, artifact, budget)
  }
  if (only === undefined) {
    throw new ActionError(
      `Downloading artifact ${showName(artifact)} left ${entries.length} entries instead of one zip; nothing was ` +
        'published. Re-run the workflow; if it persists, report it',
      'download'
    )
  }
  return extractZip(join(scratch, only), directory, artifact, budget)
}

async function freshFolder(runnerTemp: string, workspace: string, prefix: string): Promise<string> {
  await mkdir(runnerTemp, { recursive: true })
  const root = await realpath(await mkdtemp(join(runnerTemp, prefix)))
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
