// Git object ids, computed the way git (and therefore the Hub) computes them, so that oids in
// tree listings, ETags and commit ids have the real format and the real values for the same content.
import { createHash } from 'node:crypto'
import type { StoredFile } from './types.ts'

const LFS_SPEC_LINE = 'version https://git-lfs.github.com/spec/v1'

function gitObjectOid(kind: 'blob' | 'tree' | 'commit', body: Buffer): string {
  return createHash('sha1').update(`${kind} ${body.length}\0`).update(body).digest('hex')
}

/** `git hash-object` of a file's content. */
export function gitBlobOid(content: Buffer): string {
  return gitObjectOid('blob', content)
}

/** The pointer file git stores for an LFS object (git-lfs spec v1). */
export function lfsPointerText(sha256: string, size: number): string {
  return `${LFS_SPEC_LINE}\noid sha256:${sha256}\nsize ${size}\n`
}

export function regularFileEntry(content: Buffer): StoredFile {
  return { oid: gitBlobOid(content), size: content.length }
}

export function lfsFileEntry(sha256: string, size: number): StoredFile {
  const pointer = Buffer.from(lfsPointerText(sha256, size))
  return { oid: gitBlobOid(pointer), size, lfs: { oid: sha256, size, pointerSize: pointer.length } }
}

export function parentDir(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash === -1 ? '' : path.slice(0, slash)
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Children of every directory of a snapshot ('' is the root). */
export interface DirectoryIndex {
  dirs: Map<string, { files: string[]; subdirs: string[] }>
}

export function buildDirectoryIndex(paths: Iterable<string>): DirectoryIndex {
  const dirs = new Map<string, { files: string[]; subdirs: string[] }>([['', { files: [], subdirs: [] }]])
  const ensureDir = (dir: string): { files: string[]; subdirs: string[] } => {
    let node = dirs.get(dir)
    if (!node) {
      node = { files: [], subdirs: [] }
      dirs.set(dir, node)
      ensureDir(parentDir(dir)).subdirs.push(dir)
    }
    return node
  }
  for (const path of paths) ensureDir(parentDir(path)).files.push(path)
  return { dirs }
}

// git sorts tree entries bytewise, comparing a directory as if its name ended with '/'.
function gitSortKey(path: string, isDir: boolean): Buffer {
  return Buffer.from(baseName(path) + (isDir ? '/' : ''))
}

/** Entries of one directory (files and subdirectories) in git's tree order. */
export function orderedChildren(index: DirectoryIndex, dir: string): Array<{ path: string; isDir: boolean }> {
  const node = index.dirs.get(dir)
  if (!node) return []
  const children = [
    ...node.files.map((path) => ({ path, isDir: false })),
    ...node.subdirs.map((path) => ({ path, isDir: true }))
  ]
  return children.sort((a, b) => Buffer.compare(gitSortKey(a.path, a.isDir), gitSortKey(b.path, b.isDir)))
}

/** git tree SHA-1 of every directory of a snapshot; the key '' holds the root tree. */
export function computeTreeOids(files: Record<string, StoredFile>, index: DirectoryIndex): Map<string, string> {
  const oids = new Map<string, string>()
  // Deepest directories first, so every subtree oid exists when its parent is hashed.
  const dirsDeepestFirst = [...index.dirs.keys()].sort((a, b) => depth(b) - depth(a))
  for (const dir of dirsDeepestFirst) {
    const parts: Buffer[] = []
    for (const child of orderedChildren(index, dir)) {
      const mode = child.isDir ? '40000' : '100644'
      const oid = child.isDir ? oids.get(child.path) : files[child.path]?.oid
      parts.push(Buffer.from(`${mode} ${baseName(child.path)}\0`), Buffer.from(oid ?? '', 'hex'))
    }
    oids.set(dir, gitObjectOid('tree', Buffer.concat(parts)))
  }
  return oids
}

function depth(dir: string): number {
  return dir === '' ? 0 : dir.split('/').length
}

export interface CommitFields {
  tree: string
  parents: string[]
  author: string
  date: string
  title: string
  message: string
}

/** SHA-1 of the git commit object these fields describe (author = committer, UTC). */
export function computeCommitOid(fields: CommitFields): string {
  const seconds = Math.floor(new Date(fields.date).getTime() / 1000)
  const identity = `${fields.author} <${fields.author}@users.noreply.huggingface.co> ${seconds} +0000`
  const lines = [
    `tree ${fields.tree}`,
    ...fields.parents.map((parent) => `parent ${parent}`),
    `author ${identity}`,
    `committer ${identity}`,
    '',
    fields.message ? `${fields.title}\n\n${fields.message}` : fields.title
  ]
  return gitObjectOid('commit', Buffer.from(lines.join('\n') + '\n'))
}
