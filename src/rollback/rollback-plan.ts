/**
 * `mode: rollback`: one new commit on the branch whose tree equals an earlier commit's. History
 * is kept (nothing is force-pushed), so the rollback is itself audited and can be undone. LFS
 * files are restored by pointer: the Hub still stores their objects, so no bytes are re-uploaded.
 * Pure: the caller lists both trees, downloads regular files and commits.
 */
import type { RemoteFile } from '../hub/upload-plan.ts'
import type { Provenance } from '../provenance/trailers.ts'
import { formatBytes } from '../lib/format.ts'
import { codeSpan, htmlLink } from '../lib/markdown.ts'
import { commitUrl } from '../lib/urls.ts'

export interface RollbackPlan {
  /** LFS files of the target that head lacks or holds differently: commit as pointers (lfs.oid, size). */
  restoreLfs: RemoteFile[]
  /** Regular files of the target that head lacks or holds differently: download from the target, re-send. */
  restoreRegular: RemoteFile[]
  /** Paths at head that the target does not have. */
  remove: string[]
  unchanged: number
  changed: boolean
}

/** What it takes to turn head's tree into target's. Every list is sorted by path. */
export function planRollback(
  target: ReadonlyMap<string, RemoteFile>,
  head: ReadonlyMap<string, RemoteFile>
): RollbackPlan {
  const differing = sortByPath([...target.values()].filter((file) => !sameBlob(file, head.get(file.path))))
  const restoreLfs = differing.filter((file) => file.lfs !== undefined)
  const restoreRegular = differing.filter((file) => file.lfs === undefined)
  const remove = [...head.keys()].filter((path) => !target.has(path)).sort()
  return {
    restoreLfs,
    restoreRegular,
    remove,
    unchanged: target.size - differing.length,
    changed: differing.length + remove.length > 0
  }
}

/**
 * The differences between two trees as readable lines, sorted by path; empty when every path is
 * in both with the same blob oid (and LFS oid). Used to check the rollback commit's tree.
 */
export function compareTrees(
  expected: ReadonlyMap<string, RemoteFile>,
  actual: ReadonlyMap<string, RemoteFile>
): string[] {
  const paths = [...new Set([...expected.keys(), ...actual.keys()])].sort()
  return paths.flatMap((path) => {
    const want = expected.get(path)
    const got = actual.get(path)
    if (!got) return [`${path}: missing`]
    if (!want) return [`${path}: present but not expected`]
    if (want.lfs?.oid !== got.lfs?.oid)
      return [`${path}: LFS object ${got.lfs?.oid ?? 'none'}, ${want.lfs?.oid ?? 'none'} expected`]
    if (want.oid !== got.oid) return [`${path}: blob ${got.oid}, ${want.oid} expected`]
    return []
  })
}

function sameBlob(a: RemoteFile, b: RemoteFile | undefined): boolean {
  return b !== undefined && a.oid === b.oid && a.lfs?.oid === b.lfs?.oid
}

function sortByPath(files: RemoteFile[]): RemoteFile[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

type BranchCommit = { oid: string; title: string; provenance?: Provenance }

const MIN_PREFIX = 7

/**
 * Which commit `rollback-to` names: a tag; a full 40-character id, exactly (a Hub commit of the
 * branch, else a publish's Source-Commit); or a prefix (≥ 7 hex) of exactly one thing, a source git
 * commit (matched against Source-Commit trailers, newest publish wins) or a Hub commit id. A prefix
 * that matches both is an error that lists both. `commits` is the branch, newest first. Throws,
 * listing what was tried and recent publishes, when nothing or more than one thing matches.
 */
export function resolveRollbackTarget(
  text: string,
  commits: readonly BranchCommit[],
  tags: ReadonlyArray<{ name: string; targetCommit: string }>
): { oid: string; how: string } {
  const wanted = text.trim()
  const tag = tags.find((t) => t.name === wanted || `refs/tags/${t.name}` === wanted)
  if (wanted && tag) return { oid: tag.targetCommit, how: `tag ${tag.name}` }
  const hex = wanted.toLowerCase()
  if (/^[0-9a-f]{40}$/.test(hex)) {
    // A full id is exact: a Hub commit of the branch, else the source commit of a publish; never a prefix.
    const exact = commits.find((c) => c.oid.toLowerCase() === hex)
    if (exact) return { oid: exact.oid, how: 'Hub commit id' }
    const published = commits.find((c) => c.provenance?.sourceCommit?.toLowerCase() === hex)
    if (published)
      return { oid: published.oid, how: `newest publish of source commit ${published.provenance!.sourceCommit}` }
    throw notResolved(
      text,
      'matches nothing: a full id is matched exactly, and it is neither a Hub commit of the branch nor the source ' +
        'commit of a publish on it',
      commits,
      tags
    )
  }
  if (/^[0-9a-f]+$/.test(hex) && hex.length >= MIN_PREFIX) {
    const bySource = commits.filter((c) => c.provenance?.sourceCommit?.toLowerCase().startsWith(hex))
    const sources = [...new Set(bySource.map((c) => c.provenance!.sourceCommit!))]
    if (sources.length > 1)
      throw notResolved(
        text,
        `matches ${sources.length} source commits (${sources.join(', ')}); give more characters`,
        commits,
        tags
      )
    const byPrefix = commits.filter((c) => c.oid.toLowerCase().startsWith(hex))
    if (byPrefix.length > 1)
      throw notResolved(
        text,
        `matches ${byPrefix.length} Hub commits (${byPrefix.map((c) => c.oid).join(', ')}); give more characters`,
        commits,
        tags
      )
    const newest = bySource[0]
    const hubCommit = byPrefix[0]
    if (newest && hubCommit && newest.oid !== hubCommit.oid) {
      throw notResolved(
        text,
        `matches both the Hub commit ${hubCommit.oid} and the source commit ${sources[0]} (published as ` +
          `${newest.oid}); give the full 40-character id of the one you mean`,
        commits,
        tags
      )
    }
    if (newest) return { oid: newest.oid, how: `newest publish of source commit ${sources[0]}` }
    if (hubCommit) return { oid: hubCommit.oid, how: 'prefix of a Hub commit id' }
  }
  const short = /^[0-9a-f]{1,6}$/.test(hex) ? ` (a commit prefix needs at least ${MIN_PREFIX} hex characters)` : ''
  throw notResolved(text, `matches nothing${short}`, commits, tags)
}

function notResolved(
  text: string,
  problem: string,
  commits: readonly BranchCommit[],
  tags: ReadonlyArray<{ name: string }>
): Error {
  const tagNames = tags.length
    ? tags
        .slice(0, 10)
        .map((t) => t.name)
        .join(', ') + (tags.length > 10 ? ', …' : '')
    : 'none'
  const publishes = commits.filter((c) => c.provenance).slice(0, 5)
  const recent = publishes.map((c) => {
    const source = c.provenance?.sourceCommit
      ? ` (source commit ${c.provenance.sourceCommit.slice(0, MIN_PREFIX)})`
      : ''
    return `  ${c.oid.slice(0, MIN_PREFIX)} ${c.title}${source}`
  })
  return new Error(
    [
      `rollback-to ${JSON.stringify(text)} ${problem}.`,
      `Tried: tag names (${tagNames}); full Hub commit ids of the branch; the Source-Commit of each publish (≥ ` +
        `${MIN_PREFIX} hex characters); unique prefixes of Hub commit ids (≥ ${MIN_PREFIX} hex characters).`,
      publishes.length ? `Recent publishes:\n${recent.join('\n')}` : 'The branch has no publishes by hf-upload-action.'
    ].join('\n')
  )
}

const MAX_LISTED = 100

/** Markdown for the job summary: the target commit and each restored or removed path. */
export function renderRollbackSummary(plan: RollbackPlan, targetOid: string, repoUrl: string): string {
  const target = htmlLink(codeSpan(targetOid.slice(0, 12)), commitUrl(repoUrl, targetOid))
  if (!plan.changed) return `The branch already has the tree of ${target}; no rollback commit was needed.\n`
  const headline =
    `Rolled back to ${target}: ${plan.restoreLfs.length} LFS file(s) restored by pointer (no bytes re-uploaded), ` +
    `${plan.restoreRegular.length} regular file(s) re-sent, ${plan.remove.length} removed, ${plan.unchanged} unchanged.`
  const items = [
    ...plan.restoreLfs.map(
      (f) => `- ${codeSpan(f.path)}: restored by LFS pointer (${formatBytes(f.lfs?.size ?? f.size)})`
    ),
    ...plan.restoreRegular.map((f) => `- ${codeSpan(f.path)}: re-sent (${formatBytes(f.size)})`),
    ...plan.remove.map((path) => `- ${codeSpan(path)}: removed`)
  ]
  const listed = items.slice(0, MAX_LISTED)
  if (items.length > MAX_LISTED) listed.push(`- … and ${items.length - MAX_LISTED} more`)
  return [headline, '', ...listed, ''].join('\n')
}
