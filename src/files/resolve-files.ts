/**
 * Expands the `files` mapping against the disk: every rule becomes the concrete list of files it
 * publishes and the path each one gets in the Hub repo. All problems are collected and reported
 * together; a source that resolves (directly or through a symlink) outside the allowed roots is
 * refused, so a workflow can never publish, say, ~/.ssh by accident or by a crafted artifact.
 */
import { lstat, realpath, stat } from 'node:fs/promises'
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { glob } from 'tinyglobby'
import { LocalFilesError } from '../errors.ts'
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
    throw new LocalFilesError(
      `The files input cannot be published (nothing was uploaded):\n${problems.map((p) => `- files ${p}`).join('\n')}`
    )
  }
  // Two rules may select the same file for the same place (e.g. a folder and a glob inside it).
  return [...new Map(files.map((f) => [f.pathInRepo, f])).values()]
}

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
  const localPath = await realInside(sourcePath, roots)
  const pathInRepo = rule.keepsSourcePath
    ? toPosix(relative(root.dir, sourcePath))
    : rule.destinationIsFolder
      ? joinRepo(rule.destination, basename(sourcePath))
      : rule.destination
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
  const matches = await listFiles(dir, '**/*')
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
  const matches = await listFiles(base, pattern)
  if (matches.length === 0) throw new RuleProblem(`matched no files (searched in ${base})`)
  const prefix = rule.keepsSourcePath ? toPosix(relative(root.dir, base)) : rule.destination
  return mapConcurrent(matches, FS_CONCURRENCY, (m) =>
    toLocalFile(join(base, m), joinRepo(prefix, m), rule.line, root.label, roots)
  )
}

/** Files (not folders) below `cwd` matching `pattern`, dotfiles included, `.git` folders skipped. */
async function listFiles(cwd: string, pattern: string): Promise<string[]> {
  const matches = await glob(pattern, {
    cwd,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
    ignore: ['**/.git/**']
  })
  return matches.sort()
}

async function toLocalFile(
  path: string,
  pathInRepo: string,
  line: number,
  origin: string,
  roots: Roots
): Promise<LocalFile> {
  const localPath = await realInside(path, roots)
  const info = await stat(localPath)
  if (!info.isFile()) throw new RuleProblem(`${path} is not a regular file`)
  return { localPath, pathInRepo: normaliseRepoPath(pathInRepo), size: info.size, line, origin }
}

/** The real path of `path`, refusing symlinks that lead outside the allowed roots. */
async function realInside(path: string, roots: Roots): Promise<string> {
  const real = await realpath(path)
  if (!rootContaining(real, roots)) {
    const link = (await lstat(path)).isSymbolicLink() ? ' through a symlink' : ''
    throw new RuleProblem(
      `${path} leads${link} outside the workspace (to ${real}); only files inside ${describeRoots(roots)} can be ` +
        `published`
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
  return problems
}

const toPosix = (p: string) => p.split(sep).join('/')
const joinRepo = (prefix: string, rest: string) =>
  normaliseRepoPath(prefix ? `${prefix}/${toPosix(rest)}` : toPosix(rest))
