// On-disk state of the emulator (layout documented in README.md). Metadata is JSON written as
// temp file + rename; contents are content-addressed files. Every read goes back to disk (behind a
// stat-validated cache) so that tests can tamper with the files while the emulator runs.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseRepoDesignation } from './repo-names.ts'
import { buildDirectoryIndex, computeCommitOid, computeTreeOids, type DirectoryIndex } from './git.ts'
import type { CommitRecord, RefsRecord, RepoDesignation, RepoRecord, RepoRef, StoredFile } from './types.ts'

export const DEFAULT_BRANCH = 'main'
const JSON_CACHE_ENTRIES = 512

export type ResolvedRevision =
  | { kind: 'branch'; name: string; oid: string }
  | { kind: 'pr'; name: string; number: number; oid: string }
  | { kind: 'tag'; name: string; oid: string }
  | { kind: 'commit'; oid: string }

export interface NewCommit {
  parents: string[]
  title: string
  message: string
  author: string
  files: Record<string, StoredFile>
  /** Contents of regular files to store, keyed by git blob oid. */
  blobs: Map<string, Buffer>
}

interface Derived {
  index: DirectoryIndex
  treeOids: Map<string, string>
}

export class HubStore {
  readonly dataDir: string
  private readonly jsonCache = new Map<string, { stamp: string; value: unknown }>()
  private readonly derived = new WeakMap<CommitRecord, Derived>()
  private readonly locks = new Map<string, Promise<unknown>>()

  constructor(dataDir: string) {
    this.dataDir = dataDir
  }

  async init(): Promise<void> {
    await mkdir(join(this.dataDir, 'repos'), { recursive: true })
    // In-flight uploads never survive a restart; anything left here is garbage.
    await rm(this.tmpDir(), { recursive: true, force: true })
    await mkdir(this.tmpDir(), { recursive: true })
  }

  tmpDir(): string {
    return join(this.dataDir, 'tmp')
  }

  /** A fresh path in the tmp folder, on the same filesystem as the store so rename() is atomic. */
  tmpPath(prefix: string): string {
    return join(this.tmpDir(), `${prefix}-${randomBytes(8).toString('hex')}`)
  }

  repoDir(repo: RepoDesignation): string {
    const ref = parseRepoDesignation(repo)
    const [namespace = '', name = ''] = ref.name.split('/')
    return join(this.dataDir, 'repos', `${ref.type}s`, namespace, name)
  }

  // ---- repos ----

  async getRepo(repo: RepoRef): Promise<RepoRecord | null> {
    return this.readJson<RepoRecord>(join(this.repoDir(repo), 'repo.json'))
  }

  /**
   * Builds the whole repo (metadata, initial commit, objects) in the tmp folder and renames it into
   * place, so a repo is either fully there or absent. Returns null if the repo already exists.
   */
  async createRepo(record: RepoRecord, initialCommit: NewCommit): Promise<CommitRecord | null> {
    const target = this.repoDir(record)
    if (await exists(target)) return null
    const staging = this.tmpPath('new-repo')
    const commit = buildCommitRecord(initialCommit)
    await writeJson(join(staging, 'repo.json'), record)
    await this.writeObjects(staging, initialCommit.blobs)
    await writeJson(join(staging, 'commits', `${commit.oid}.json`), commit)
    const refs: RefsRecord = { branches: { [DEFAULT_BRANCH]: commit.oid }, tags: {}, pullRequests: {} }
    await writeJson(join(staging, 'refs.json'), refs)
    await mkdir(join(target, '..'), { recursive: true })
    try {
      await rename(staging, target)
    } catch (error) {
      await rm(staging, { recursive: true, force: true })
      if (isCode(error, 'EEXIST', 'ENOTEMPTY')) return null
      throw error
    }
    return commit
  }

  /** Rewrites repo.json (e.g. gating); callers hold the repo lock or accept last-writer-wins. */
  async updateRepo(repo: RepoRef, mutate: (record: RepoRecord) => void): Promise<RepoRecord | null> {
    const record = await this.getRepo(repo)
    if (!record) return null
    const next = structuredClone(record)
    mutate(next)
    await writeJson(join(this.repoDir(repo), 'repo.json'), next)
    return next
  }

  /**
   * Moves a repo to a new name and remembers the old one, so requests to it are redirected (the
   * Hub keeps redirecting renamed repos). 'exists' if the target is taken, 'missing' if `from` is.
   */
  async renameRepo(from: RepoRef, to: RepoRef): Promise<'renamed' | 'exists' | 'missing'> {
    if (!(await this.getRepo(from))) return 'missing'
    const target = this.repoDir(to)
    if (await exists(target)) return 'exists'
    await mkdir(join(target, '..'), { recursive: true })
    await rename(this.repoDir(from), target)
    await this.updateRepo(to, (record) => {
      record.type = to.type
      record.name = to.name
    })
    await this.addRedirect(from, to)
    return 'renamed'
  }

  /** Remembers that `from` now lives at `to` (renames, or legacy ids such as `bert-base-uncased`). */
  async addRedirect(from: { type: RepoRef['type']; name: string }, to: RepoRef): Promise<void> {
    const path = this.renamesPath()
    const renames = (await this.readJson<Record<string, RepoRef>>(path)) ?? {}
    const next: Record<string, RepoRef> = {}
    // Earlier names of `from` now lead to `to` directly.
    for (const [key, target] of Object.entries(renames)) {
      next[key] = target.type === from.type && target.name === from.name ? to : target
    }
    next[redirectKey(from)] = to
    delete next[redirectKey(to)]
    await writeJson(path, next)
  }

  /** Where a repo that no longer exists under this name went, if it was renamed. */
  async renamedTo(repo: { type: RepoRef['type']; name: string }): Promise<RepoRef | null> {
    const renames = await this.readJson<Record<string, RepoRef>>(this.renamesPath())
    return renames?.[redirectKey(repo)] ?? null
  }

  private renamesPath(): string {
    return join(this.dataDir, 'renames.json')
  }

  async deleteRepo(repo: RepoRef): Promise<boolean> {
    const trash = this.tmpPath('deleted-repo')
    try {
      await rename(this.repoDir(repo), trash)
    } catch (error) {
      if (isCode(error, 'ENOENT')) return false
      throw error
    }
    await rm(trash, { recursive: true, force: true })
    return true
  }

  // ---- refs and commits ----

  async getRefs(repo: RepoRef): Promise<RefsRecord> {
    const refs = await this.readJson<RefsRecord>(join(this.repoDir(repo), 'refs.json'))
    return refs ?? { branches: {}, tags: {}, pullRequests: {} }
  }

  /** Read-modify-write of refs.json; callers hold the repo lock. */
  async updateRefs<T>(repo: RepoRef, mutate: (refs: RefsRecord) => T): Promise<T> {
    const refs = structuredClone(await this.getRefs(repo))
    const result = mutate(refs)
    await writeJson(join(this.repoDir(repo), 'refs.json'), refs)
    return result
  }

  async getCommit(repo: RepoRef, oid: string): Promise<CommitRecord | null> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return null
    return this.readJson<CommitRecord>(join(this.repoDir(repo), 'commits', `${oid}.json`))
  }

  /** Stores objects and the commit record; the commit becomes visible only when a ref points at it. */
  async writeCommit(repo: RepoRef, newCommit: NewCommit): Promise<CommitRecord> {
    const commit = buildCommitRecord(newCommit)
    await this.writeObjects(this.repoDir(repo), newCommit.blobs)
    await writeJson(join(this.repoDir(repo), 'commits', `${commit.oid}.json`), commit)
    return commit
  }

  /** Branch, `refs/heads/…`, tag, `refs/tags/…`, `refs/pr/<n>`, `HEAD` or a full commit oid. */
  async resolveRevision(repo: RepoRef, revision: string): Promise<ResolvedRevision | null> {
    const refs = await this.getRefs(repo)
    const rev = revision === 'HEAD' ? DEFAULT_BRANCH : revision
    const branch = rev.startsWith('refs/heads/') ? rev.slice('refs/heads/'.length) : rev
    const branchOid = refs.branches[branch]
    if (branchOid) return { kind: 'branch', name: branch, oid: branchOid }
    const pr = /^refs\/pr\/(\d+)$/.exec(rev)
    const prOid = pr?.[1] ? refs.pullRequests[pr[1]] : undefined
    if (pr?.[1] && prOid) return { kind: 'pr', name: rev, number: Number(pr[1]), oid: prOid }
    const tag = rev.startsWith('refs/tags/') ? rev.slice('refs/tags/'.length) : rev
    const tagRecord = refs.tags[tag]
    if (tagRecord) return { kind: 'tag', name: tag, oid: tagRecord.oid }
    if (await this.getCommit(repo, rev)) return { kind: 'commit', oid: rev }
    return null
  }

  /** Directory index and git tree oids of a commit's snapshot, computed once per loaded record. */
  derive(commit: CommitRecord): Derived {
    let derived = this.derived.get(commit)
    if (!derived) {
      const index = buildDirectoryIndex(Object.keys(commit.files))
      derived = { index, treeOids: computeTreeOids(commit.files, index) }
      this.derived.set(commit, derived)
    }
    return derived
  }

  /** First-parent history starting at `oid`, newest first. */
  async *history(repo: RepoRef, oid: string): AsyncGenerator<CommitRecord> {
    let next: string | undefined = oid
    const seen = new Set<string>()
    while (next && !seen.has(next)) {
      seen.add(next)
      const commit = await this.getCommit(repo, next)
      if (!commit) return
      yield commit
      next = commit.parents[0]
    }
  }

  // ---- objects ----

  regularObjectPath(repo: RepoRef, gitOid: string): string {
    return join(this.repoDir(repo), 'objects', gitOid.slice(0, 2), gitOid)
  }

  lfsObjectPath(repo: RepoRef, sha256: string): string {
    return join(this.repoDir(repo), 'lfs', sha256.slice(0, 2), sha256.slice(2, 4), sha256)
  }

  /** Size of a stored LFS object, or null if the repo does not have it. */
  async lfsObjectSize(repo: RepoRef, sha256: string): Promise<number | null> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return null
    try {
      return (await stat(this.lfsObjectPath(repo, sha256))).size
    } catch {
      return null
    }
  }

  /** Moves a verified upload into the repo's LFS storage; false (upload discarded) if the repo is gone. */
  async installLfsObject(repo: RepoRef, sha256: string, verifiedFile: string): Promise<boolean> {
    if (!(await this.getRepo(repo))) {
      await rm(verifiedFile, { force: true })
      return false
    }
    const target = this.lfsObjectPath(repo, sha256)
    await mkdir(join(target, '..'), { recursive: true })
    await rename(verifiedFile, target)
    return true
  }

  /** Path of the file holding the content of a stored file (LFS object or regular object). */
  contentPath(repo: RepoRef, file: StoredFile): string {
    return file.lfs ? this.lfsObjectPath(repo, file.lfs.oid) : this.regularObjectPath(repo, file.oid)
  }

  async readContent(repo: RepoRef, file: StoredFile): Promise<Buffer | null> {
    try {
      return await readFile(this.contentPath(repo, file))
    } catch (error) {
      if (isCode(error, 'ENOENT')) return null
      throw error
    }
  }

  private async writeObjects(repoDir: string, blobs: Map<string, Buffer>): Promise<void> {
    for (const [oid, content] of blobs) {
      const target = join(repoDir, 'objects', oid.slice(0, 2), oid)
      if (await exists(target)) continue
      await writeFileAtomic(target, content, this.tmpPath('object'))
    }
  }

  // ---- locking ----

  /** Whether a read-modify-write of the repo (a commit, a ref update, a rename) is under way now. */
  isRepoLocked(repo: RepoRef): boolean {
    return this.locks.has(`${repo.type}/${repo.name}`)
  }

  /** Serializes read-modify-write sequences (commits, ref updates) per repo. */
  async withRepoLock<T>(repo: RepoRef, work: () => Promise<T>): Promise<T> {
    const key = `${repo.type}/${repo.name}`
    const previous = this.locks.get(key) ?? Promise.resolve()
    const current = previous.then(work, work)
    const settled = current.catch(() => undefined)
    this.locks.set(key, settled)
    try {
      return await current
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key)
    }
  }

  // ---- JSON files ----

  private async readJson<T>(path: string): Promise<T | null> {
    let stamp: string
    try {
      const info = await stat(path)
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return null
      throw error
    }
    const cached = this.jsonCache.get(path)
    this.jsonCache.delete(path)
    if (cached?.stamp === stamp) {
      this.jsonCache.set(path, cached) // most recently used last
      return cached.value as T
    }
    const value = JSON.parse(await readFile(path, 'utf8')) as T
    this.jsonCache.set(path, { stamp, value })
    // Commit records hold whole snapshots; keep only the recently used ones in memory.
    if (this.jsonCache.size > JSON_CACHE_ENTRIES) this.jsonCache.delete(this.jsonCache.keys().next().value as string)
    return value
  }
}

function redirectKey(repo: { type: string; name: string }): string {
  return `${repo.type}/${repo.name}`
}

function buildCommitRecord(commit: NewCommit): CommitRecord {
  const sortedFiles: Record<string, StoredFile> = {}
  for (const path of Object.keys(commit.files).sort()) sortedFiles[path] = commit.files[path] as StoredFile
  const tree = computeTreeOids(sortedFiles, buildDirectoryIndex(Object.keys(sortedFiles))).get('') as string
  const date = new Date().toISOString()
  const fields = {
    tree,
    parents: commit.parents,
    author: commit.author,
    date,
    title: commit.title,
    message: commit.message
  }
  return { oid: computeCommitOid(fields), ...fields, files: sortedFiles }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 1) + '\n', `${path}.tmp-${randomBytes(6).toString('hex')}`)
}

async function writeFileAtomic(path: string, content: string | Buffer, tmp: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true })
  await writeFile(tmp, content)
  await rename(tmp, path)
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

export function isCode(error: unknown, ...codes: string[]): boolean {
  return typeof error === 'object' && error !== null && codes.includes((error as { code?: string }).code ?? '')
}
