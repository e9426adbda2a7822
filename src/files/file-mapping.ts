/**
 * The `files` input: one mapping per line from a local source to a place in the Hub repo.
 *
 *     checkpoints/tinydit_final.pt -> generator/model.pt     # a file, renamed
 *     evaluation/evaluation_report.json -> evaluation/       # a file, into a folder
 *     samples/evaluation/ -> samples/                        # a whole folder
 *     reports/*.json -> benchmarks/                          # a glob, into a folder
 *     README.extra.md                                        # same path in the repo
 *
 * Pure parsing and validation: nothing here touches the disk.
 */
import { posix } from 'node:path'
import { parseLineInput } from '../lib/line-input.ts'
import { isGitSegment, nameProblem } from '../lib/names.ts'

export type SourceKind = 'file-or-directory' | 'glob'

export interface FileMappingRule {
  /** 1-based line number in the input, for error messages. */
  line: number
  /** The source as written (relative to the workspace, or absolute). */
  source: string
  kind: SourceKind
  /**
   * Destination in the repo, POSIX, without leading slash. `''` means the repo root.
   * `destinationIsFolder` tells whether it names a folder (trailing slash, or a glob/dir source).
   */
  destination: string
  destinationIsFolder: boolean
  /** True when no `->` was given: the file keeps its workspace-relative path. */
  keepsSourcePath: boolean
}

const ARROW = '->'
/** The problem reported for a mapping with no line in it. */
export const NO_MAPPING = 'no mapping given; expected one "<local path> -> <path in repo>" per line'
const GLOB_CHARS = /[*?[\]{}]/

/** Parses the `files` input. Returns the rules and every problem found (all of them, not just the first). */
export function parseFileMapping(text: string): { rules: FileMappingRule[]; problems: string[] } {
  const { rules, problems } = parseLineInput(text, parseLine)
  if (rules.length === 0 && problems.length === 0) {
    problems.push(NO_MAPPING)
  }
  return { rules, problems }
}

function parseLine(content: string, line: number): FileMappingRule | string {
  const arrowAt = content.indexOf(ARROW)
  const source = (arrowAt === -1 ? content : content.slice(0, arrowAt)).trim()
  const rawDestination = arrowAt === -1 ? undefined : content.slice(arrowAt + ARROW.length).trim()
  if (source === '') return `the local source is empty; expected "<local path> -> <path in repo>"`
  if (rawDestination !== undefined && rawDestination.includes(ARROW)) return `more than one "${ARROW}"`

  const kind: SourceKind = GLOB_CHARS.test(source) ? 'glob' : 'file-or-directory'
  const keepsSourcePath = rawDestination === undefined
  const destinationText = keepsSourcePath ? '' : rawDestination
  const problem = checkRepoPath(destinationText, keepsSourcePath)
  if (problem) return problem
  const destinationIsFolder =
    kind === 'glob' || destinationText === '' || /[/\\]$/.test(destinationText) || destinationText === '.'
  return {
    line,
    source,
    kind,
    destination: normaliseRepoPath(destinationText),
    destinationIsFolder,
    keepsSourcePath
  }
}

/** Why a destination cannot be a path inside a Hub repo, or undefined when it can. */
export function checkRepoPath(path: string, allowEmpty = true): string | undefined {
  if (path === '' || path === '.' || path === './') return allowEmpty ? undefined : 'the path in the repo is empty'
  const unsafe = nameProblem(path, 'path in the repo')
  if (unsafe) return unsafe
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) {
    return `the path in the repo "${path}" is absolute; write it relative to the repo root, e.g. "generator/model.pt"`
  }
  if (path.includes('\\')) return `the path in the repo "${path}" contains a backslash; use "/" between folders`
  const segments = path.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) return `the path in the repo "${path}" contains ".."; it must stay inside the repo`
  if (segments.some(isGitSegment))
    return `the path in the repo "${path}" is inside ".git", which git and the Hub do not allow`
  if (GLOB_CHARS.test(path))
    return `the path in the repo "${path}" contains a wildcard; only the local source may be a glob`
  return undefined
}

/** `./a//b/` → `a/b` */
export function normaliseRepoPath(path: string): string {
  const normal = posix.normalize(path.replace(/^\.\/+/, ''))
  return normal === '.' ? '' : normal.replace(/\/+$/, '').replace(/^\/+/, '')
}

/** The static leading part of a glob (`reports/**\/*.json` → `reports`), used as its base folder. */
export function globBase(pattern: string): string {
  const segments = pattern.split('/')
  const staticSegments: string[] = []
  for (const segment of segments.slice(0, -1)) {
    if (GLOB_CHARS.test(segment)) break
    staticSegments.push(segment)
  }
  return staticSegments.join('/')
}
