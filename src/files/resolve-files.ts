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
}

export interface ResolveOptions {
  /** Relative sources are resolved against this folder (GITHUB_WORKSPACE). */
  workspace: string
  /** Folders sources may live in. Defaults to the workspace alone. */
  allowedRoots?: string[]
}

/** Resolves every rule; throws one LocalFilesError that lists every problem. */
export async function resolveLocalFiles(rules: readonly FileMappingRule[], options: ResolveOptions): Promise<LocalFile[]> {
  const roots = await Promise.all((options.allowedRoots ?? [options.workspace]).map((r) => realpath(r).catch(() => resolve(r))))
  const workspace = await realpath(options.workspace).catch(() => resolve(options.workspace))
  const problems: string[] = []
  const files: LocalFile[] = []
  for (const rule of rules) {
    try {
      files.push(...(await resolveRule(rule, workspace, roots)))
    } catch (error) {
      if (!(error instanceof RuleProblem)) throw error
      problems.push(`line ${rule.line} ("${rule.source}"): ${error.message}`)
    }
  }
  problems.push(...findDuplicateDestinations(files))
  if (problems.length > 0) {
    throw new LocalFilesError(`The files input cannot be published (nothing was uploaded):\n${problems.map((p) => `- files ${p}`).join('\n')}`)
  }
  // Two rules may select the same file for the same place (e.g. a folder and a glob inside it).
  return [...new Map(files.map((f) => [f.pathInRepo, f])).values()]
}

class RuleProblem extends Error {}

async function resolveRule(rule: FileMappingRule, workspace: string, roots: string[]): Promise<LocalFile[]> {
  const sourcePath = resolve(workspace, rule.source)
  if (rule.kind === 'glob') return resolveGlob(rule, workspace, roots)
  const root = rootContaining(sourcePath, roots)
  if (!root) throw new RuleProblem(`${describeOutside(sourcePath, roots)}`)
  const info = await stat(sourcePath).catch(() => undefined)
  if (!info) {
    const hint = isAbsolute(rule.source) ? '' : ` (looked for ${sourcePath})`
    throw new RuleProblem(`does not exist${hint}; check the path, or that the step producing it ran first`)
  }
  if (info.isDirectory()) return resolveDirectory(rule, sourcePath, root, roots)
  if (/[/\\]$/.test(rule.source)) throw new RuleProblem('ends with "/" but is a file, not a folder')
  const localPath = await realInside(sourcePath, roots)
  const pathInRepo = rule.keepsSourcePath
    ? toPosix(relative(root, sourcePath))
    : rule.destinationIsFolder
      ? joinRepo(rule.destination, basename(sourcePath))
      : rule.destination
  return [{ localPath, pathInRepo, size: info.size, line: rule.line }]
}

async function resolveDirectory(rule: FileMappingRule, dir: string, root: string, roots: string[]): Promise<LocalFile[]> {
  const prefix = rule.keepsSourcePath ? toPosix(relative(root, dir)) : rule.destination
  const matches = await listFiles(dir, '**/*')
  if (matches.length === 0) throw new RuleProblem('is an empty folder')
  return Promise.all(matches.map((m) => toLocalFile(join(dir, m), joinRepo(prefix, m), rule.line, roots)))
}

async function resolveGlob(rule: FileMappingRule, workspace: string, roots: string[]): Promise<LocalFile[]> {
  const base = resolve(workspace, globBase(rule.source))
  const root = rootContaining(base, roots)
  if (!root) throw new RuleProblem(describeOutside(base, roots))
  const pattern = toPosix(relative(base, resolve(workspace, rule.source)))
  if (pattern.startsWith('..')) throw new RuleProblem('a glob may not climb out of its folder with ".."')
  const matches = await listFiles(base, pattern)
  if (matches.length === 0) throw new RuleProblem(`matched no files (searched in ${base})`)
  const prefix = rule.keepsSourcePath ? toPosix(relative(root, base)) : rule.destination
  return Promise.all(matches.map((m) => toLocalFile(join(base, m), joinRepo(prefix, m), rule.line, roots)))
}

/** Files (not folders) below `cwd` matching `pattern`, dotfiles included, `.git` folders skipped. */
async function listFiles(cwd: string, pattern: string): Promise<string[]> {
  const matches = await glob(pattern, { cwd, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore: ['**/.git/**'] })
  return matches.sort()
}

async function toLocalFile(path: string, pathInRepo: string, line: number, roots: string[]): Promise<LocalFile> {
  const localPath = await realInside(path, roots)
  const info = await stat(localPath)
  if (!info.isFile()) throw new RuleProblem(`${path} is not a regular file`)
  return { localPath, pathInRepo: normaliseRepoPath(pathInRepo), size: info.size, line }
}

/** The real path of `path`, refusing symlinks that lead outside the allowed roots. */
async function realInside(path: string, roots: string[]): Promise<string> {
  const real = await realpath(path)
  if (!rootContaining(real, roots)) {
    const link = (await lstat(path)).isSymbolicLink() ? ' through a symlink' : ''
    throw new RuleProblem(`${path} leads${link} outside the workspace (to ${real}); only files inside ${roots.join(' or ')} can be published`)
  }
  return real
}

function rootContaining(path: string, roots: string[]): string | undefined {
  return roots.find((root) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep))
}

function describeOutside(path: string, roots: string[]): string {
  return `${path} is outside the workspace; only files inside ${roots.join(' or ')} can be published`
}

function findDuplicateDestinations(files: LocalFile[]): string[] {
  const seen = new Map<string, LocalFile>()
  const problems: string[] = []
  for (const file of files) {
    const earlier = seen.get(file.pathInRepo)
    if (earlier && earlier.localPath !== file.localPath) {
      problems.push(`line ${file.line}: "${file.pathInRepo}" in the repo is also the destination of line ${earlier.line}; give each file its own path`)
    }
    seen.set(file.pathInRepo, file)
  }
  return problems
}

const toPosix = (p: string) => p.split(sep).join('/')
const joinRepo = (prefix: string, rest: string) => normaliseRepoPath(prefix ? `${prefix}/${toPosix(rest)}` : toPosix(rest))
