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

/** Picks the artifacts to download; throws one error naming every problem and listing what the run has. */
export function selectArtifacts(
  available: readonly RunArtifact[],
  rules: readonly ArtifactRule[],
  runId: number
): SelectedArtifact[] {
  const newest = newestByName(available)
  const inventory = describeInventory(newest)
  if (newest.length === 0)
    throw new ArtifactSelectionError(
      `Train run ${runId} has no artifacts; make sure its workflow uploads them with actions/upload-artifact`
    )
  const { selected, problems } =
    rules.length === 0
      ? { selected: newest.map((a) => ({ artifact: a, folder: a.name })), problems: [] }
      : applyRules(newest, rules, runId)
  problems.push(...checkFolders(selected), ...checkExpired(selected))
  if (problems.length) throw new ArtifactSelectionError(`${problems.join('\n')}\nTrain run ${runId} has: ${inventory}`)
  return selected
}

export class ArtifactSelectionError extends Error {
  override name = 'ArtifactSelectionError'
}

function applyRules(
  artifacts: RunArtifact[],
  rules: readonly ArtifactRule[],
  runId: number
): { selected: SelectedArtifact[]; problems: string[] } {
  const selected: SelectedArtifact[] = []
  const problems: string[] = []
  for (const rule of rules) {
    const matches = rule.isGlob
      ? artifacts.filter((a) => picomatch.isMatch(a.name, rule.pattern))
      : artifacts.filter((a) => a.name === rule.pattern)
    if (matches.length === 0) {
      const missing = rule.isGlob
        ? `the pattern "${rule.pattern}" matches no artifact`
        : `artifact "${rule.pattern}" not found`
      problems.push(`artifacts line ${rule.line}: ${missing} in Train run ${runId}`)
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
          `artifacts "${a.artifact.name}" and "${b.artifact.name}" would be extracted into overlapping folders ` +
            `("${a.folder || '.'}", "${b.folder || '.'}"); give each its own folder with "-> <folder>/"`
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
        `artifact "${s.artifact.name}" has expired and can no longer be downloaded; re-run the Train workflow (or ` +
        `raise its retention-days)`
    )
}

/** Re-runs upload artifacts under the same name again; the newest (highest id) wins. */
function newestByName(artifacts: readonly RunArtifact[]): RunArtifact[] {
  const byName = new Map<string, RunArtifact>()
  for (const a of [...artifacts].sort((x, y) => y.id - x.id)) if (!byName.has(a.name)) byName.set(a.name, a)
  return [...byName.values()].sort((x, y) => x.name.localeCompare(y.name))
}

function describeInventory(artifacts: RunArtifact[]): string {
  if (artifacts.length === 0) return '(no artifacts)'
  return artifacts.map((a) => `"${a.name}"${a.expired ? ' (expired)' : ''}`).join(', ')
}

const nested = (a: string, b: string) =>
  a === b || a === '' || b === '' || a.startsWith(b + '/') || b.startsWith(a + '/')
const joinFolder = (a: string, b: string) => (a ? `${a}/${b}` : b)
