/**
 * Digests of the local files to publish, computed by streaming each file once.
 */
import { HASH_CHUNK, hashFile } from '../lib/file-hash.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import { formatBytes } from '../lib/format.ts'
import { ProgressReporter } from '../report/progress.ts'
import type { LocalFile } from './resolve-files.ts'

/**
 * Files up to this size also get their git blob id in the same pass: such files may be stored as
 * regular (non-LFS) files on the Hub, where the blob id is the only content hash it reports.
 * Larger ones get it later, only if the Hub turns out to hold them as regular files.
 */
export const GIT_OID_EAGER_LIMIT = 16 * 1024 * 1024

export async function buildManifest(
  files: readonly LocalFile[],
  onBytes: (file: LocalFile, bytes: number) => void = () => {},
  signal?: AbortSignal
): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = []
  const buffer = Buffer.allocUnsafe(HASH_CHUNK)
  // Sequential on purpose: hashing is CPU-bound on one thread, and reading two large files at
  // once only makes the disk seek.
  for (const file of files) {
    const digest = await hashFile(file.localPath, file.size, {
      withGitOid: file.size <= GIT_OID_EAGER_LIMIT,
      onBytes: (n) => onBytes(file, n),
      signal,
      buffer
    })
    entries.push({ pathInRepo: file.pathInRepo, localPath: file.localPath, size: file.size, ...digest })
  }
  return entries
}

/** Adds the git blob id to an entry that lacks it. */
export async function withGitOid(entry: ManifestEntry): Promise<ManifestEntry> {
  if (entry.gitOid) return entry
  const digest = await hashFile(entry.localPath, entry.size, { withGitOid: true })
  if (digest.sha256 !== entry.sha256) throw new Error(`${entry.localPath} changed while it was being published`)
  return { ...entry, gitOid: digest.gitOid }
}

/** Digests known without reading the file (an earlier publish of the same artifacts), by repo path. */
export type KnownDigests = ReadonlyMap<string, { size: number; sha256: string }>

/**
 * SHA-256 (and small files' git blob ids) of every local file, with a progress line every few
 * seconds. Files extracted from artifacts whose digest is `known` (same repo path, same size) are
 * not read: their entry carries the known SHA-256 (a git blob id, if the plan needs one, is
 * computed then). Workspace files are always hashed.
 */
export async function hashFiles(
  files: readonly LocalFile[],
  log: (line: string) => void,
  signal?: AbortSignal,
  known?: KnownDigests
): Promise<ManifestEntry[]> {
  const knownEntry = (f: LocalFile) => {
    const k = f.origin === 'artifacts' ? known?.get(f.pathInRepo) : undefined
    return k && k.size === f.size ? k : undefined
  }
  const toHash = files.filter((f) => !knownEntry(f))
  const skipped = files.length - toHash.length
  if (skipped > 0) {
    const bytes = files.reduce((sum, f) => sum + (knownEntry(f) ? f.size : 0), 0)
    log(
      `Not hashing ${skipped} file${skipped === 1 ? '' : 's'} (${formatBytes(bytes)}) from artifacts whose digests ` +
        'match the earlier publish of this run: their SHA-256 is in its File trailers.'
    )
  }
  const totalBytes = toHash.reduce((sum, f) => sum + f.size, 0)
  const hashing = new ProgressReporter('Hashing', totalBytes, log)
  const hashed = await buildManifest(toHash, (file, n) => hashing.add(file.pathInRepo, n), signal)
  hashing.finish()
  const byPath = new Map(hashed.map((e) => [e.pathInRepo, e]))
  return files.map((f) => {
    const k = knownEntry(f)
    return k
      ? { pathInRepo: f.pathInRepo, localPath: f.localPath, size: f.size, sha256: k.sha256 }
      : byPath.get(f.pathInRepo)!
  })
}
