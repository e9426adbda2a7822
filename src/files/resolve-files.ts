/**
 * Expands the `files` mapping against the disk: every rule becomes the concrete list of files it
 * publishes and the path each one gets in the Hub repo. All problems are collected and reported
 * together; a source that resolves (directly or through a symlink) outside the allowed roots is
 * refused, so a workflow can never publish, say, ~/.ssh by accident or by a crafted artifact. So is
 * one that resolves into a `.git` folder: after actions/checkout, `.git/config` holds the job's
 * token, and a committed symlink `samples/x -> ../.git/config` must not carry it to the Hub. Names
 * are data: a name with a control or bidi character, or two paths that differ only by case, are
 * refused before anything is hashed or uploaded.
 */
import { readdir, realpath, stat } from 'node:fs/promises'
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import picomatch from 'picomatch'
import { glob } from 'tinyglobby'
import { LocalFilesError } from '../errors.ts'
import { caseConflicts, isGitSegment, nameProblem } from '../lib/names.ts'
import { mapConcurrent } from '../lib/concurrency.ts'
import { globBase, normaliseRepoPath, type FileMappingRule } from './file-mapping.ts'

/** One local file to publish. */
export interface LocalFile {
  /** Real (symlink-free) absolute path on disk. */
  localPath: string
  /** Destination path in the repo (POSIX, no leading slash). */
  pathInRepo: string
  size: number
  /** The `files` line that selected it. */
  line: number
  /** Label of the root it was found in ("workspace", "artifacts"). */
  origin: string
}

export interface SourceRoot {
  dir: string
  label: string
}

export interface ResolveOptions {
  /**
   * Folders sources may come from, in search order: a relative source is looked up in the first
   * root where it exists (e.g. the downloaded artifacts, then the workspace). Nothing outside
   * these folders is ever published.
   */
  roots: readonly SourceRoot[]
}

/** Resolves every rule; throws one LocalFilesError that lists every problem. */
export async function resolveLocalFiles(
  rules: readonly FileMappingRule[],
  options: ResolveOptions
): Promise<LocalFile[]> {
  const roots = await Promise.all(
    options.roots.map(async (r) => ({ dir: await realpath(r.dir).catch(() => resolve(r.dir)), label: r.label }))
  )
  const problems: string[] = []
  const files: LocalFile[] = []
  for (const rule of rules) {
    try {
      files.push(...(await resolveRule(rule, roots)))
    } catch (error) {
      if (!(error instanceof RuleProblem)) throw error
      problems.push(`line ${rule.line} ("${rule.source}"): ${error.message}`)
    }
  }
  problems.push(...findDuplicateDestinations(files))
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => `- files ${p}`)
    if (problems.length > MAX_PROBLEMS_SHOWN)
      shown.push(`- … and ${problems.length - MAX_PROBLEMS_SHOWN} more problems`)
    throw new LocalFilesError(`The files input cannot be published (nothing was uploaded):\n${shown.join('\n')}`)
  }
  // Two rules may select the same file for the same place (e.g. a folder and a glob inside it).
  return [...new Map(files.map((f) => [f.pathInRepo, f])).values()]
}

/** A folder of 100 000 bad names makes one short error, not a 100 000-line one. */
const MAX_PROBLEMS_SHOWN = 20

class RuleProblem extends Error {}

/** File-system calls in flight while resolving a folder or glob (the thread pool runs 4 at a time). */
const FS_CONCURRENCY = 32

type Roots = ReadonlyArray<{ dir: string; label: string }>

async function resolveRule(rule: FileMappingRule, roots: Roots): Promise<LocalFile[]> {
  const home = await rootFor(rule, roots)
  if (rule.kind === 'glob') return resolveGlob(rule, home, roots)
  const sourcePath = resolve(home.dir, rule.source)
  const root = rootContaining(sourcePath, roots)
  if (!root) throw new RuleProblem(describeOutside(sourcePath, roots))
  const info = await stat(sourcePath).catch(() => undefined)
  if (!info) {
    const where = isAbsolute(rule.source)
      ? ''
      : ` (looked in ${roots.map((r) => r.label + ' ' + r.dir).join(', then ')})`
    throw new RuleProblem(`does not exist${where}; check the path, or that the step or artifact producing it ran first`)
  }
  if (info.isDirectory()) return resolveDirectory(rule, sourcePath, root, roots)
  if (/[/\\]$/.test(rule.source)) throw new RuleProblem('ends with "/" but is a file, not a folder')
  const pathInRepo = rule.keepsSourcePath
    ? toPosix(relative(root.dir, sourcePath))
    : rule.destinationIsFolder
      ? joinRepo(rule.destination, basename(sourcePath))
      : rule.destination
  checkNames(toPosix(relative(root.dir, sourcePath)), pathInRepo)
  const localPath = await realInside(sourcePath, roots)
  return [{ localPath, pathInRepo, size: info.size, line: rule.line, origin: root.label }]
}

/** The root a relative source is read from: the first where it (or its glob's folder) exists. */
async function rootFor(rule: FileMappingRule, roots: Roots): Promise<{ dir: string; label: string }> {
  const probe = rule.kind === 'glob' ? globBase(rule.source) : rule.source
  if (isAbsolute(probe)) return rootContaining(probe, roots) ?? roots[roots.length - 1]!
  for (const root of roots) if (await stat(resolve(root.dir, probe)).catch(() => undefined)) return root
  return roots[roots.length - 1]!
}

async function resolveDirectory(
  rule: FileMappingRule,
  dir: string,
  root: { dir: string; label: string },
  roots: Roots
): Promise<LocalFile[]> {
  const prefix = rule.keepsSourcePath ? toPosix(relative(root.dir, dir)) : rule.destination
  const matches = await listFiles(dir, '**/*', roots)
  if (matches.length === 0) throw new RuleProblem('is an empty folder')
  return mapConcurrent(matches, FS_CONCURRENCY, (m) =>
    toLocalFile(join(dir, m), joinRepo(prefix, m), rule.line, root.label, roots)
  )
}

async function resolveGlob(
  rule: FileMappingRule,
  home: { dir: string; label: string },
  roots: Roots
): Promise<LocalFile[]> {
  const base = resolve(home.dir, globBase(rule.source))
  const root = rootContaining(base, roots)
  if (!root) throw new RuleProblem(describeOutside(base, roots))
  const pattern = toPosix(relative(base, resolve(home.dir, rule.source)))
  if (pattern.startsWith('..')) throw new RuleProblem('a glob may not climb out of its folder with ".."')
  const matches = await listFiles(base, pattern, roots)
  if (matches.length === 0) throw new RuleProblem(`matched no files (searched in ${base})`)
  const prefix = rule.keepsSourcePath ? toPosix(relative(root.dir, base)) : rule.destination
  return mapConcurrent(matches, FS_CONCURRENCY, (m) =>
    toLocalFile(join(base, m), joinRepo(prefix, m), rule.line, root.label, roots)
  )
}

/**
 * Files (not folders) below `cwd` matching `pattern`, dotfiles included, `.git` folders skipped.
 * Symlinks are not followed into folders, but each one that matches is looked at: one to a file
 * inside the roots is published as that file, one to a folder inside is left out, and one that
 * leads outside the roots or into a `.git` folder (a committed `samples/x -> ../.git/config`)
 * refuses the rule, instead of being skipped unseen.
 */
async function listFiles(cwd: string, pattern: string, roots: Roots): Promise<string[]> {
  const matches = await glob(pattern, {
    cwd,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**']
  })
  const isMatch = picomatch(pattern, { dot: true })
  for (const link of (await symlinksBelow(cwd)).filter((l) => isMatch(l))) {
    const target = await stat(join(cwd, link)).catch(() => undefined)
    if (!target) continue // a broken link publishes nothing
    await realInside(join(cwd, link), roots)
    if (target.isFile()) matches.push(link)
  }
  return [...new Set(matches)].sort()
}

/** Relative POSIX paths of the symlinks below `dir`, not descending into `.git` folders or through links. */
async function symlinksBelow(dir: string, prefix = ''): Promise<string[]> {
  const links: string[] = []
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isSymbolicLink()) links.push(path)
    else if (entry.isDirectory() && !isGitSegment(entry.name))
      links.push(...(await symlinksBelow(join(dir, entry.name), path)))
  }
  return links
}

async function toLocalFile(
  path: string,
  pathInRepo: string,
  line: number,
  origin: string,
  roots: Roots
): Promise<LocalFile> {
  const root = rootContaining(path, roots)
  checkNames(root ? toPosix(relative(root.dir, path)) : path, pathInRepo)
  const localPath = await realInside(path, roots)
  const info = await stat(localPath)
  if (!info.isFile()) throw new RuleProblem(`${path} is not a regular file`)
  return { localPath, pathInRepo: normaliseRepoPath(pathInRepo), size: info.size, line, origin }
}

/** Refuses a local name or a path in the repo with a line break, a control or a bidi character. */
function checkNames(localName: string, pathInRepo: string): void {
  const problem = nameProblem(localName, 'file name') ?? nameProblem(pathInRepo, 'path in the repo')
  if (problem) throw new RuleProblem(problem)
}

/** The real path of `path`, refusing symlinks that lead outside the allowed roots or into a `.git` folder. */
async function realInside(path: string, roots: Roots): Promise<string> {
  const real = await realpath(path)
  const root = rootContaining(real, roots)
  // The file itself or a folder on its way is a link when its real path is another path.
  const link = real !== resolve(path) ? ' through a symlink' : ''
  if (!root) {
    throw new RuleProblem(
      `${path} leads${link} outside the workspace (to ${real}); only files inside ${describeRoots(roots)} ` +
        `can be published`
    )
  }
  if (relative(root.dir, real).split(sep).some(isGitSegment)) {
    throw new RuleProblem(
      `${path} leads${link} into a .git folder (to ${real}); git's own files (after actions/checkout, ` +
        `.git/config holds the job's token) are never published`
    )
  }
  return real
}

function rootContaining(path: string, roots: Roots): { dir: string; label: string } | undefined {
  return roots.find(({ dir }) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep))
}

function describeOutside(path: string, roots: Roots): string {
  return `${path} is outside the workspace; only files inside ${describeRoots(roots)} can be published`
}

const describeRoots = (roots: Roots) => roots.map((r) => `the ${r.label} (${r.dir})`).join(' or ')

function findDuplicateDestinations(files: LocalFile[]): string[] {
  const seen = new Map<string, LocalFile>()
  const problems: string[] = []
  for (const file of files) {
    const earlier = seen.get(file.pathInRepo)
    if (earlier && earlier.localPath !== file.localPath) {
      problems.push(
        `line ${file.line}: "${file.pathInRepo}" in the repo is also the destination of line ${earlier.line}; give ` +
          `each file its own path`
      )
    }
    seen.set(file.pathInRepo, file)
  }
  for (const [a, b] of caseConflicts(seen.keys())) problems.push(`${caseConflictProblem(a, b)}`)
  return problems
}

/** The problem text for two repo paths that only differ by case; shared with the plan's check against the repo. */
export function caseConflictProblem(a: string, b: string): string {
  return (
    `"${a}" and "${b}" differ only by case (or Unicode form): a clone on macOS or Windows keeps only one of ` +
    'them. Give them names that differ otherwise'
  )
}

const toPosix = (p: string) => p.split(sep).join('/')
const joinRepo = (prefix: string, rest: string) =>
  normaliseRepoPath(prefix ? `${prefix}/${toPosix(rest)}` : toPosix(rest))
