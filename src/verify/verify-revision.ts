/**
 * Reads what the Hub holds at one revision and checks it against what should be there:
 * sizes and content hashes of the expected files (paths-info), existence of extra expected
 * paths, and a model card whose metadata the Hub can parse. Every mismatch is collected.
 */
import { withGitOid } from '../files/manifest.ts'
import type { HubClient } from '../hub/hub-client.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import type { Settings } from '../inputs.ts'
import { createHash } from 'node:crypto'
import { CARD_PATH } from '../card/build-card.ts'
import { judgeCard } from '../card/hub-validation.ts'
import { generatedBlock } from '../card/model-card.ts'
import { checkCard } from '../card/validate-card.ts'
import { verifyFiles, type ExpectedFile, type Mismatch, type VerificationReport } from './verify-files.ts'

export interface VerifyTarget {
  /** Files with known content (local manifest, or a provenance manifest). */
  files: ReadonlyArray<ExpectedFile & { localPath?: string }>
  /** Paths that must merely exist. */
  paths: readonly string[]
  /** Require a model card whose metadata parses. */
  card: boolean
  /** Also download every expected file and check its SHA-256 and length (verify-content). */
  content?: boolean
}

/** verify-content reads files in ranged chunks of this size: memory stays at one chunk whatever the file. */
export const CONTENT_CHUNK_BYTES = 8 * 1024 * 1024

export async function verifyRevision(
  hub: HubClient,
  revision: string,
  target: VerifyTarget
): Promise<VerificationReport> {
  const paths = [...new Set([...target.files.map((f) => f.path), ...target.paths, ...(target.card ? [CARD_PATH] : [])])]
  const remote = await hub.pathsInfo(revision, paths)
  const expected = await Promise.all(
    target.files.map((f) => addGitOidIfNeeded(f, remote.get(f.path)?.lfs === undefined && remote.has(f.path)))
  )
  const report = verifyFiles(expected, remote)
  // The card's generated block and its metadata are both checked on its text: one download, not two.
  const texts = new Map<string, Promise<string>>()
  const readText = (path: string) => {
    let text = texts.get(path)
    if (!text) texts.set(path, (text = hub.readText(path, revision).then((t) => t ?? '')))
    return text
  }
  const extra: Mismatch[] = target.paths
    .filter((p) => !remote.has(p) && !target.files.some((f) => f.path === p))
    .map((path) => ({ kind: 'missing', path }))
  for (const file of target.files) {
    if (file.generatedBlock !== undefined && remote.has(file.path))
      extra.push(...checkGeneratedBlock(file.path, await readText(file.path), file.generatedBlock))
  }
  if (target.card) {
    const card = remote.has(CARD_PATH) ? await readText(CARD_PATH) : undefined
    extra.push(...(await checkPublishedCard(hub, revision, card)))
  }
  if (target.content) {
    // Only files whose listing matched: a missing or wrong one is already reported; downloading it proves nothing.
    const listed = new Set(report.mismatches.map((m) => m.path))
    for (const file of expected) {
      if (!remote.has(file.path) || listed.has(file.path) || file.generatedBlock !== undefined) continue
      const problem = await checkContent(hub, revision, file)
      if (problem) extra.push(problem)
    }
  }
  const mismatches = [...report.mismatches, ...extra]
  // Every path looked at once, whatever was found wrong with it (a path can have several problems).
  return { checked: paths.length, mismatches, ok: mismatches.length === 0 }
}

/**
 * Whether verification requires a model card: when `expected-files` is given, only if it lists
 * README.md; otherwise for model repos (a dataset's or Space's README is their configuration).
 */
export function expectsCard(settings: Pick<Settings, 'expectedFiles' | 'repo'>): boolean {
  return settings.expectedFiles.length > 0 ? settings.expectedFiles.includes(CARD_PATH) : settings.repo.type === 'model'
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

/** The card's generated block at the revision against the one the publish wrote; the rest is the owner's. */
function checkGeneratedBlock(path: string, text: string, block: string): Mismatch[] {
  const now = generatedBlock(text)
  if (now === block) return []
  return [
    {
      kind: 'card',
      path,
      problem:
        now === undefined
          ? 'its generated block (between the hf-upload-action markers) is gone or its markers do not pair up'
          : 'its generated block (between the hf-upload-action markers) differs from the one the publish ' +
            'wrote; edits ' +
            'outside the markers are fine, edits inside are replaced by the next publish'
    }
  ]
}

/** Streams the file as the Hub serves it now through SHA-256, one chunk at a time. */
async function checkContent(hub: HubClient, revision: string, file: ExpectedFile): Promise<Mismatch | undefined> {
  const chunks = await hub.readChunks(file.path, revision, CONTENT_CHUNK_BYTES)
  if (!chunks) return { kind: 'missing', path: file.path }
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of chunks) {
    hash.update(chunk)
    size += chunk.length
  }
  const sha256 = hash.digest('hex')
  if (size !== file.size)
    return { kind: 'content', path: file.path, expected: `${file.size} bytes`, actual: `${size} bytes` }
  if (sha256 !== file.sha256.toLowerCase())
    return { kind: 'content', path: file.path, expected: `SHA-256 ${file.sha256}`, actual: `SHA-256 ${sha256}` }
  return undefined
}

/** `text`: the README.md at the revision, undefined when there is none. */
async function checkPublishedCard(hub: HubClient, revision: string, text: string | undefined): Promise<Mismatch[]> {
  if (text === undefined)
    return [{ kind: 'card', path: CARD_PATH, problem: 'there is no model card (README.md) at this revision' }]
  const verdict = await judgeCard(hub, text)
  if (verdict.errors.length > 0) {
    const by = verdict.byHub ? 'the Hub refuses its metadata' : 'its metadata does not validate'
    return [{ kind: 'card', path: CARD_PATH, problem: `${by}: ${verdict.errors.join('; ')}` }]
  }
  // Metadata in the file must also be what the Hub parsed (cardData); a card without any has nothing to parse.
  if (Object.keys(checkCard(text).metadata).length > 0 && !(await hub.cardData(revision))) {
    return [{ kind: 'card', path: CARD_PATH, problem: 'it has metadata, but the Hub reports none (cardData) for it' }]
  }
  return []
}
