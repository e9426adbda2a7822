/**
 * Pure planning: which local files must be uploaded, given what the branch head already holds.
 * A file is unchanged when the Hub already stores exactly its bytes at the same path: same
 * SHA-256 for LFS files, same git blob id for regular files, and the same size either way.
 */

import { LocalFilesError } from '../errors.ts'
import { caseConflicts } from '../lib/names.ts'

/** A file as the Hub lists it (tree / paths-info entry). */
export interface RemoteFile {
  path: string
  size: number
  /** Git blob id (for LFS files: of the pointer). */
  oid: string
  lfs?: { oid: string; size: number }
}

/** A file to publish with its digests: a local file, or content made in memory (the model card). */
export interface ManifestEntry {
  pathInRepo: string
  /** Path on disk; empty for in-memory content. */
  localPath: string
  content?: Uint8Array
  size: number
  sha256: string
  gitOid?: string
}

export type FileStatus = 'added' | 'updated' | 'unchanged'

export interface PlannedFile extends ManifestEntry {
  status: FileStatus
}

export interface UploadPlan {
  /** The commit the plan was made against (undefined when the repo does not exist yet). */
  baseCommit: string | undefined
  files: PlannedFile[]
  toUpload: PlannedFile[]
  bytesToUpload: number
  changed: boolean
}

/** True when deciding "unchanged" needs the local git blob id (a regular remote file of the same size). */
export function needsGitOid(local: { size: number }, remote: RemoteFile | undefined): boolean {
  return remote !== undefined && remote.lfs === undefined && remote.size === local.size
}

export function sameContent(local: ManifestEntry, remote: RemoteFile): boolean {
  if (remote.size !== local.size) return false
  if (remote.lfs) return remote.lfs.oid === local.sha256
  if (local.gitOid === undefined) throw new Error(`internal: git blob id of ${local.pathInRepo} was not computed`)
  return remote.oid === local.gitOid
}

export function planUpload(
  manifest: readonly ManifestEntry[],
  remote: ReadonlyMap<string, RemoteFile>,
  baseCommit: string | undefined
): UploadPlan {
  checkCaseConflicts(manifest, remote)
  const files = manifest.map((entry): PlannedFile => {
    const existing = remote.get(entry.pathInRepo)
    const status: FileStatus = !existing ? 'added' : sameContent(entry, existing) ? 'unchanged' : 'updated'
    return { ...entry, status }
  })
  const toUpload = files.filter((f) => f.status !== 'unchanged')
  return {
    baseCommit,
    files,
    toUpload,
    bytesToUpload: toUpload.reduce((sum, f) => sum + f.size, 0),
    changed: toUpload.length > 0
  }
}

/**
 * Refuses a commit that would leave two paths differing only by case in the tree (a new
 * `samples/a.png` beside a stored `Samples/a.png`, a `readme.md` beside the generated README.md):
 * a clone on macOS or Windows keeps only one of them. Conflicts already on the branch are not ours.
 */
function checkCaseConflicts(manifest: readonly ManifestEntry[], remote: ReadonlyMap<string, RemoteFile>): void {
  const ours = new Set<string>()
  for (const { pathInRepo } of manifest) {
    const segments = pathInRepo.split('/')
    for (let i = 1; i <= segments.length; i++) ours.add(segments.slice(0, i).join('/'))
  }
  const conflicts = caseConflicts([...manifest.map((f) => f.pathInRepo), ...remote.keys()]).filter(
    ([a, b]) => ours.has(a) || ours.has(b)
  )
  if (conflicts.length === 0) return
  const list = conflicts
    .slice(0, 10)
    .map(([a, b]) => `"${a}" and "${b}"`)
    .join(', ')
  throw new LocalFilesError(
    `The commit would hold paths that differ only by case (or Unicode form): ${list}. A clone on macOS or ` +
      'Windows keeps only one of each pair; rename the file in the files mapping (or remove the one in the ' +
      'repo). Nothing was uploaded'
  )
}
