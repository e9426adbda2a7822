/**
 * Re-runs cost nothing: when a Train run was already published, the File trailers of that publish
 * hold the SHA-256 of every file it took from the run's artifacts. If the artifacts GitHub hands
 * out now have the same digests, and they are laid out and mapped the same way (the Files-Mapping
 * fingerprint), the files extracted from them are those same bytes: their digests are known and
 * need no second read. Workspace files are always hashed. Pure.
 *
 * Trust: the trailers come from the Hub repo's history, so this trusts what anyone with write
 * access to that repo could have written, which is no more than they can do to its files anyway.
 * A digest taken from them is still checked by storage against the bytes of any upload.
 */
import { createHash } from 'node:crypto'
import type { DownloadedArtifact } from '../artifacts/download-artifacts.ts'
import type { FileMappingRule } from '../files/file-mapping.ts'
import type { Provenance } from './trailers.ts'

/**
 * What decides which artifact file lands at which repo path: the mapping rules (not their line
 * numbers or comments) and the folder each artifact was extracted into. 16 hex digits.
 */
export function mappingFingerprint(
  rules: readonly FileMappingRule[],
  artifacts: ReadonlyArray<Pick<DownloadedArtifact, 'name' | 'folder'>>
): string {
  const shape = {
    rules: rules.map((r) => [r.source, r.kind, r.destination, r.destinationIsFolder, r.keepsSourcePath]),
    artifacts: [...artifacts].map((a) => [a.name, a.folder]).sort()
  }
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 16)
}

/**
 * The digests an earlier publish of this run recorded, by repo path, if they still describe the
 * artifacts at hand: same mapping fingerprint, and the same artifacts with the same digests (every
 * one of them registered: an artifact without a digest proves nothing). Undefined otherwise.
 */
export function knownArtifactDigests(
  earlier: Provenance | undefined,
  now: { fingerprint: string; artifacts: ReadonlyArray<Pick<DownloadedArtifact, 'name' | 'digest'>> }
): Map<string, { size: number; sha256: string }> | undefined {
  if (!earlier || earlier.filesMapping !== now.fingerprint || now.artifacts.length === 0) return undefined
  const key = (a: { name: string; digest: string | null }) => `${a.name}\n${a.digest}`
  const before = new Set(earlier.artifacts.map(key))
  const same =
    before.size === now.artifacts.length &&
    now.artifacts.every((a) => a.digest !== null && /^sha256:[0-9a-f]{64}$/.test(a.digest) && before.has(key(a)))
  if (!same) return undefined
  return new Map(earlier.files.map((f) => [f.path, { size: f.size, sha256: f.sha256 }]))
}
