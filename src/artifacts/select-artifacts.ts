/**
 * The `artifacts` input and the choice of artifacts to download. Pure.
 *
 *     checkpoints                      # the artifact "checkpoints" into folder checkpoints/
 *     evaluation-report -> evaluation/ # into folder evaluation/
 *     samples-*                        # every artifact matching the glob, each into its own folder
 *
 * Empty input: every artifact of the run, each into a folder named after it.
 */
import picomatch from 'picomatch'
import { checkRepoPath, normaliseRepoPath } from '../files/file-mapping.ts'
import { parseLineInput } from '../lib/line-input.ts'
import type { RunArtifact } from '../github/github-api.ts'
import { showName } from '../lib/names.ts'

export interface ArtifactRule {
  line: number
  pattern: string
  isGlob: boolean
  /** Folder (relative to the artifacts area) to extract into; undefined: the artifact's name. */
  folder?: string
}

export interface SelectedArtifact {
  artifact: RunArtifact
  /** Relative folder, unique per artifact. `''` means the root of the artifacts area. */
  folder: string
}

export function parseArtifactRules(text: string): { rules: ArtifactRule[]; problems: string[] } {
  return parseLineInput(text, (content, line): ArtifactRule | string => {
    const [pattern = '', folderText, ...rest] = content.split('->').map((s) => s.trim())
    if (!pattern) return 'the artifact name is empty'
    if (rest.length) return 'more than one "->"'
    const problem =
      folderText === undefined ? undefined : checkRepoPath(folderText)?.replace('path in the repo', 'folder')
    if (problem) return problem
    return {
      line,
      pattern,
      isGlob: /[*?[\]{}]/.test(pattern),
      folder: folderText === undefined ? undefined : normaliseRepoPath(folderText)
    }
  })
}

/** The attempt of the Train run being published: artifacts created before it started are another attempt's. */
export interface RunAttempt {
  number: number
  /** run_started_at of that attempt. */
  startedAt: string
}

/**
 * Picks the artifacts to download; throws one error naming every problem and listing what the run has.
 * GitHub lists every attempt's artifacts under one run with no attempt field; only those created
 * since `attempt` started are its own, so a re-run never mixes in what an earlier attempt left.
 */
export function selectArtifacts(
  available: readonly RunArtifact[],
  rules: readonly ArtifactRule[],
  runId: number,
  attempt?: RunAttempt
): SelectedArtifact[] {
  const started = attempt ? Date.parse(attempt.startedAt) : NaN
  const ours = (a: RunArtifact) => Number.isNaN(started) || !a.createdAt || Date.parse(a.createdAt) >= started
  const earlier = newestByName(available.filter((a) => !ours(a)))
  const newest = newestByName(available.filter(ours))
  const where = attempt && earlier.length > 0 ? `attempt ${attempt.number} of Train run ${runId}` : `Train run ${runId}`
  const inventory = describeInventory(newest)
  if (newest.length === 0)
    throw new ArtifactSelectionError(
      earlier.length > 0
        ? `${where} has no artifacts of its own (earlier attempts uploaded ${describeInventory(earlier)}, which ` +
            'are not mixed into this one); re-run all jobs of the Train run so this attempt uploads them'
        : `Train run ${runId} has no artifacts; make sure its workflow uploads them with actions/upload-artifact`
    )
  const { selected, problems } =
    rules.length === 0
      ? { selected: newest.map((a) => ({ artifact: a, folder: a.name })), problems: [] }
      : applyRules(newest, rules, where, earlier)
  problems.push(...checkFolders(selected), ...checkExpired(selected))
  if (problems.length)
    throw new ArtifactSelectionError(`${problems.join('\n')}\n${capitalise(where)} has: ${inventory}`)
  return selected
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export class ArtifactSelectionError extends Error {
  override name = 'ArtifactSelectionError'
}

function applyRules(
  artifacts: RunArtifact[],
  rules: readonly ArtifactRule[],
  where: string,
  earlier: readonly RunArtifact[]
): { selected: SelectedArtifact[]; problems: string[] } {
  const selected: SelectedArtifact[] = []
  const problems: string[] = []
  const matching = (rule: ArtifactRule, list: readonly RunArtifact[]) =>
    rule.isGlob
      ? list.filter((a) => picomatch.isMatch(a.name, rule.pattern))
      : list.filter((a) => a.name === rule.pattern)
  for (const rule of rules) {
    const matches = matching(rule, artifacts)
    if (matches.length === 0) {
      const missing = rule.isGlob
        ? `the pattern "${rule.pattern}" matches no artifact`
        : `artifact "${rule.pattern}" not found`
      const stale = matching(rule, earlier).length > 0
      problems.push(
        `artifacts line ${rule.line}: ${missing} in ${where}` +
          (stale
            ? ' (only an earlier attempt uploaded one, and it is not mixed into this attempt; re-run all jobs of the ' +
              'Train run)'
            : '')
      )
    }
    for (const artifact of matches) {
      if (selected.some((s) => s.artifact.id === artifact.id)) continue
      const folder =
        rule.folder === undefined
          ? artifact.name
          : rule.isGlob && matches.length > 1
            ? joinFolder(rule.folder, artifact.name)
            : rule.folder
      selected.push({ artifact, folder })
    }
  }
  return { selected, problems }
}

function checkFolders(selected: SelectedArtifact[]): string[] {
  const problems: string[] = []
  selected.forEach((a, i) => {
    for (const b of selected.slice(i + 1)) {
      if (nested(a.folder, b.folder)) {
        problems.push(
          `artifacts ${showName(a.artifact.name)} and ${showName(b.artifact.name)} would be extracted into ` +
            `overlapping folders (${showName(a.folder || '.')}, ${showName(b.folder || '.')}); give each its own ` +
            'folder with "-> <folder>/"'
        )
      }
    }
  })
  return problems
}

function checkExpired(selected: SelectedArtifact[]): string[] {
  return selected
    .filter((s) => s.artifact.expired)
    .map(
      (s) =>
        `artifact ${showName(s.artifact.name)} has expired and can no longer be downloaded; re-run the Train ` +
        'workflow (or raise its retention-days)'
    )
}

/** The newest of each name (by creation time, then id: GitHub's ids do not follow upload order across attempts). */
function newestByName(artifacts: readonly RunArtifact[]): RunArtifact[] {
  const byName = new Map<string, RunArtifact>()
  const at = (a: RunArtifact) => (a.createdAt ? Date.parse(a.createdAt) : 0) || 0
  for (const a of [...artifacts].sort((x, y) => at(y) - at(x) || y.id - x.id))
    if (!byName.has(a.name)) byName.set(a.name, a)
  return [...byName.values()].sort((x, y) => x.name.localeCompare(y.name))
}

function describeInventory(artifacts: RunArtifact[]): string {
  if (artifacts.length === 0) return '(no artifacts)'
  return artifacts.map((a) => `${showName(a.name)}${a.expired ? ' (expired)' : ''}`).join(', ')
}

const nested = (a: string, b: string) =>
  a === b || a === '' || b === '' || a.startsWith(b + '/') || b.startsWith(a + '/')
const joinFolder = (a: string, b: string) => (a ? `${a}/${b}` : b)
