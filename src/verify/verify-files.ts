/**
 * After the commit: does the Hub hold, at the new commit, exactly the bytes we meant to publish?
 * Compares the local manifest with paths-info read at that commit oid, so "no exception" is not
 * taken for success. Every mismatch is collected before anything fails, so one run reports all.
 * Pure: the caller reads paths-info (and checks the model card, if it wants to).
 */
import type { RemoteFile } from '../hub/upload-plan.ts'

/** A file we published, with the digests computed locally. */
export interface ExpectedFile {
  path: string
  size: number
  sha256: string
  /** Git blob id; needed when the Hub stores the file as a regular (non-LFS) file. */
  gitOid?: string
  /**
   * For a generated model card: only this block (between the markers) is ours, so only it must
   * match; hand edits outside it are the owner's. The caller compares it (it needs the text).
   */
  generatedBlock?: string
}

export type Mismatch =
  | { kind: 'missing'; path: string }
  | { kind: 'size'; path: string; expected: number; actual: number }
  | { kind: 'hash'; path: string; algorithm: 'sha256' | 'git-blob'; expected: string; actual: string }
  | { kind: 'card'; path: string; problem: string }
  /** verify-content: the bytes the Hub serves do not hash to the recorded SHA-256 (or have another length). */
  | { kind: 'content'; path: string; expected: string; actual: string }

export interface VerificationReport {
  /** How many files were compared. */
  checked: number
  mismatches: Mismatch[]
  ok: boolean
}

/** Past this many lines the message is a wall; the report still holds every mismatch. */
const MAX_LISTED = 200

/**
 * Checks each expected file against the remote listing: present, same size, and same hash —
 * SHA-256 (`lfs.oid`) for LFS files, the git blob oid for regular ones. A size mismatch is
 * reported alone (the hash cannot match then). `card` mismatches come from the caller's
 * model-card check, added to `mismatches` so one message lists everything. Throws when a regular
 * remote file meets an expected file without `gitOid`: the caller should have computed it, and
 * guessing "ok" would hide a bad upload.
 */
export function verifyFiles(
  expected: readonly ExpectedFile[],
  remote: ReadonlyMap<string, RemoteFile>
): VerificationReport {
  const mismatches = expected.flatMap((file) => checkFile(file, remote.get(file.path)))
  return { checked: expected.length, mismatches, ok: mismatches.length === 0 }
}

function checkFile(file: ExpectedFile, found: RemoteFile | undefined): Mismatch[] {
  const { path } = file
  if (!found) return [{ kind: 'missing', path }]
  if (file.generatedBlock !== undefined) return []
  if (found.size !== file.size) return [{ kind: 'size', path, expected: file.size, actual: found.size }]
  if (found.lfs) {
    return sameHash(found.lfs.oid, file.sha256)
      ? []
      : [{ kind: 'hash', path, algorithm: 'sha256', expected: file.sha256, actual: found.lfs.oid }]
  }
  if (file.gitOid === undefined)
    throw new Error(`internal: the git blob id of ${path} was not computed, but the Hub stores it as a regular file`)
  return sameHash(found.oid, file.gitOid)
    ? []
    : [{ kind: 'hash', path, algorithm: 'git-blob', expected: file.gitOid, actual: found.oid }]
}

function sameHash(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase()
}

/** One message listing every mismatch (up to a cap), one line each, for the log and the failure issue. */
export function describeMismatches(report: VerificationReport, revision: string): string {
  const files = `${report.checked} file${report.checked === 1 ? '' : 's'}`
  if (report.ok) return `${files} verified on the Hub at ${revision}: every size and hash matches.`
  const count = report.mismatches.length
  const lines = report.mismatches.slice(0, MAX_LISTED).map((m) => `- ${describeMismatch(m)}`)
  if (count > MAX_LISTED) lines.push(`- … and ${count - MAX_LISTED} more`)
  return [`Verification of ${files} at ${revision} found ${count} problem${count === 1 ? '' : 's'}:`, ...lines].join(
    '\n'
  )
}

function describeMismatch(m: Mismatch): string {
  switch (m.kind) {
    case 'missing':
      return `${m.path}: missing on the Hub`
    case 'size':
      return `${m.path}: size ${m.actual} on the Hub, ${m.expected} expected`
    case 'hash':
      return (
        `${m.path}: ${m.algorithm === 'sha256' ? 'SHA-256' : 'git blob id'} ${m.actual} on the Hub, ` +
        `${m.expected} expected`
      )
    case 'card':
      return `${m.path} (model card): ${m.problem}`
    case 'content':
      return `${m.path}: the bytes the Hub serves are ${m.actual}, ${m.expected} expected (verify-content)`
  }
}
