/**
 * Reads what the Hub holds at one revision and checks it against what should be there:
 * sizes and content hashes of the expected files (paths-info), existence of extra expected
 * paths, and a model card whose metadata the Hub can parse. Every mismatch is collected.
 */
import { withGitOid } from '../files/manifest.ts'
import type { HubClient } from '../hub/hub-client.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import type { Settings } from '../inputs.ts'
import { judgeCard } from '../card/hub-validation.ts'
import { checkCard } from '../card/validate-card.ts'
import { verifyFiles, type ExpectedFile, type Mismatch, type VerificationReport } from './verify-files.ts'

export interface VerifyTarget {
  /** Files with known content (local manifest, or a provenance manifest). */
  files: ReadonlyArray<ExpectedFile & { localPath?: string }>
  /** Paths that must merely exist. */
  paths: readonly string[]
  /** Require a model card whose metadata parses. */
  card: boolean
}

export async function verifyRevision(
  hub: HubClient,
  revision: string,
  target: VerifyTarget
): Promise<VerificationReport> {
  const paths = [
    ...new Set([...target.files.map((f) => f.path), ...target.paths, ...(target.card ? ['README.md'] : [])])
  ]
  const remote = await hub.pathsInfo(revision, paths)
  const expected = await Promise.all(
    target.files.map((f) => addGitOidIfNeeded(f, remote.get(f.path)?.lfs === undefined && remote.has(f.path)))
  )
  const report = verifyFiles(expected, remote)
  const extra: Mismatch[] = target.paths
    .filter((p) => !remote.has(p) && !target.files.some((f) => f.path === p))
    .map((path) => ({ kind: 'missing', path }))
  if (target.card) extra.push(...(await checkPublishedCard(hub, revision, remote.has('README.md'))))
  const mismatches = [...report.mismatches, ...extra]
  return { checked: report.checked + extra.length, mismatches, ok: mismatches.length === 0 }
}

/**
 * Whether verification requires a model card: when `expected-files` is given, only if it lists
 * README.md; otherwise for model repos (a dataset's or Space's README is their configuration).
 */
export function expectsCard(settings: Pick<Settings, 'expectedFiles' | 'repo'>): boolean {
  return settings.expectedFiles.length > 0
    ? settings.expectedFiles.includes('README.md')
    : settings.repo.type === 'model'
}

/** Expected files from a local manifest. */
export function expectedFromManifest(manifest: readonly ManifestEntry[]): Array<ExpectedFile & { localPath?: string }> {
  return manifest.map((f) => ({
    path: f.pathInRepo,
    size: f.size,
    sha256: f.sha256,
    gitOid: f.gitOid,
    localPath: f.localPath || undefined
  }))
}

async function addGitOidIfNeeded(
  file: ExpectedFile & { localPath?: string },
  regularOnHub: boolean
): Promise<ExpectedFile> {
  if (!regularOnHub || file.gitOid || !file.localPath) return file
  const entry = await withGitOid({
    pathInRepo: file.path,
    localPath: file.localPath,
    size: file.size,
    sha256: file.sha256
  })
  return { ...file, gitOid: entry.gitOid }
}

async function checkPublishedCard(hub: HubClient, revision: string, present: boolean): Promise<Mismatch[]> {
  if (!present)
    return [{ kind: 'card', path: 'README.md', problem: 'there is no model card (README.md) at this revision' }]
  const text = (await hub.readText('README.md', revision)) ?? ''
  const verdict = await judgeCard(hub, text)
  if (verdict.errors.length > 0) {
    const by = verdict.byHub ? 'the Hub refuses its metadata' : 'its metadata does not validate'
    return [{ kind: 'card', path: 'README.md', problem: `${by}: ${verdict.errors.join('; ')}` }]
  }
  // Metadata in the file must also be what the Hub parsed (cardData); a card without any has nothing to parse.
  if (Object.keys(checkCard(text).metadata).length > 0 && !(await hub.cardData(revision))) {
    return [{ kind: 'card', path: 'README.md', problem: 'it has metadata, but the Hub reports none (cardData) for it' }]
  }
  return []
}
