// Preupload (E3) and the NDJSON commit (E8). A commit is validated completely (paths, LFS objects,
// deletions, parent) before anything is written, and becomes visible only when the ref moves.
import type { IncomingMessage } from 'node:http'
import { validateCard } from '../card-validator.ts'
import { HubHttpError, badRequest, entryNotFound, revisionNotFound, unprocessable } from '../errors.ts'
import { isIgnored } from '../gitignore.ts'
import { isLfsTracked, parseLfsRules } from '../gitattributes.ts'
import { lfsFileEntry, regularFileEntry } from '../git.ts'
import { isObject, queryFlag, readJsonBody, sendJson, type RequestContext } from '../http.ts'
import { repoWebUrl, urlPrefix } from '../repo-names.ts'
import type { ResolvedRevision } from '../store.ts'
import type { CommitRecord, RepoRef, StoredFile } from '../types.ts'
import { commitOrThrow, writableRepo, type EmulatorState } from './shared.ts'

const MAX_COMMIT_BODY_BYTES = 1024 * 1024 * 1024
const SAMPLE_BYTES = 512

/** The revision a commit or preupload targets: a branch or `refs/pr/<n>`, never a tag or commit oid. */
async function committableRevision(state: EmulatorState, repo: RepoRef, revision: string): Promise<ResolvedRevision> {
  const resolved = await state.store.resolveRevision(repo, revision)
  if (!resolved || (resolved.kind !== 'branch' && resolved.kind !== 'pr')) throw revisionNotFound(revision)
  return resolved
}

export async function preuploadRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  revision: string
): Promise<void> {
  await writableRepo(ctx, state, repo)
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || !Array.isArray(body.files))
    throw badRequest('Expected {"files": [{"path", "size", "sample"}]}')
  const target = await committableRevision(state, repo, revision)
  const head = await commitOrThrow(state, repo, target.oid)
  const attributes =
    typeof body.gitAttributes === 'string' ? body.gitAttributes : await currentFile(state, repo, head, '.gitattributes')
  const rules = parseLfsRules(attributes)
  // Python sends `gitIgnore` (the .gitignore it is about to commit); otherwise the hosted one counts.
  const gitignore =
    typeof body.gitIgnore === 'string' ? body.gitIgnore : await currentFile(state, repo, head, '.gitignore')
  const files = (body.files as unknown[]).map((file) => {
    if (!isObject(file) || typeof file.path !== 'string') throw badRequest('Each file needs a "path"')
    const size = Number(file.size ?? 0)
    const sample =
      typeof file.sample === 'string' ? Buffer.from(file.sample, 'base64').subarray(0, SAMPLE_BYTES) : Buffer.alloc(0)
    const existing = head.files[file.path]
    return {
      path: file.path,
      uploadMode: uploadMode(file.path, size, sample, state.settings.lfsThreshold, rules),
      shouldIgnore: isIgnored(gitignore, file.path),
      // Fixture 05: the current blob id of the path (SHA-256 for LFS files, hub-protocol.md §2.1).
      ...(existing && { oid: existing.lfs ? existing.lfs.oid : existing.oid })
    }
  })
  sendJson(ctx.res, 200, { files, commitOid: head.oid })
}

async function currentFile(state: EmulatorState, repo: RepoRef, head: CommitRecord, path: string): Promise<string> {
  const file = head.files[path]
  const content = file && !file.lfs ? await state.store.readContent(repo, file) : null
  return content?.toString('utf8') ?? ''
}

/** Empty files are always regular; LFS for big files, binary samples and `.gitattributes` LFS patterns. */
export function uploadMode(
  path: string,
  size: number,
  sample: Buffer,
  lfsThreshold: number,
  rules: ReturnType<typeof parseLfsRules>
): 'lfs' | 'regular' {
  if (size <= 0) return 'regular'
  if (size > lfsThreshold || sample.includes(0) || isLfsTracked(path, rules)) return 'lfs'
  return 'regular'
}

type CommitOperation =
  | { key: 'file'; path: string; content: Buffer }
  | { key: 'lfsFile'; path: string; oid: string; size?: number }
  | { key: 'deletedFile'; path: string }
  | { key: 'deletedFolder'; path: string }

interface CommitRequest {
  summary: string
  description: string
  parentCommit?: string
  operations: CommitOperation[]
}

export async function commitRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  revision: string
): Promise<void> {
  const { user, record } = await writableRepo(ctx, state, repo)
  const request = parseCommitRequest(await readNdjsonLines(ctx.req))
  checkReadme(request.operations, record.type)
  const createPr = queryFlag(ctx.url.searchParams, 'create_pr')
  // The Hub takes one commit per repo at a time and refuses the others instead of queueing them
  // (409, seen in evaleval/every_eval_ever#263): a client that races another writer must retry.
  // No await between this check and taking the lock, so two commits cannot both pass it.
  if (state.store.isRepoLocked(repo)) {
    throw new HubHttpError(409, 'Another commit operation is in progress for this repository. Please try again later.')
  }
  const result = await state.store.withRepoLock(repo, async () => {
    const target = await committableRevision(state, repo, revision)
    const parent = await parentFor(state, repo, target, request.parentCommit, createPr)
    const { files, blobs } = await applyOperations(state, repo, parent.files, request.operations)
    const commit = await state.store.writeCommit(repo, {
      parents: [parent.oid],
      title: request.summary,
      message: request.description,
      author: user,
      files,
      blobs
    })
    const prNumber = await moveRef(state, repo, target, commit.oid, createPr)
    return { commit, prNumber }
  })
  const webUrl = repoWebUrl(ctx.origin, repo)
  sendJson(ctx.res, 200, {
    success: true,
    commitOid: result.commit.oid,
    commitUrl: `${webUrl}/commit/${result.commit.oid}`,
    hookOutput: '',
    ...(result.prNumber !== undefined && {
      pullRequestUrl: `${ctx.origin}/${urlPrefix(repo.type)}${repo.name}/discussions/${result.prNumber}`
    })
  })
}

/**
 * The Hub refuses a commit whose README.md metadata it cannot accept (400, the validator's messages
 * in `error`), before anything is written: huggingface_hub reports it as "Bad request for commit
 * endpoint" (issue #1950). Only the last write of README.md in the commit counts.
 */
function checkReadme(operations: CommitOperation[], repoType: RepoRef['type']): void {
  const readme = operations.filter((operation) => operation.path === 'README.md').at(-1)
  if (readme?.key !== 'file') return
  const { errors } = validateCard(readme.content.toString('utf8'), repoType)
  if (errors.length > 0) throw badRequest(errors.map((error) => error.message).join('\n'))
}

/**
 * The commit the new one builds on: the branch head (412 if the caller expected another), or for a
 * PR its `parentCommit`.
 */
async function parentFor(
  state: EmulatorState,
  repo: RepoRef,
  target: ResolvedRevision,
  parentCommit: string | undefined,
  createPr: boolean
): Promise<CommitRecord> {
  if (createPr && parentCommit) {
    const parent = await state.store.getCommit(repo, parentCommit)
    if (!parent) throw revisionNotFound(parentCommit)
    return parent
  }
  if (!createPr && parentCommit && parentCommit !== target.oid) {
    throw new HubHttpError(412, 'The branch was updated since you opened this page. Please refresh and try again.')
  }
  return commitOrThrow(state, repo, target.oid)
}

/** Points the branch (or a new `refs/pr/<n>`) at the commit; returns the PR number when one was opened. */
async function moveRef(
  state: EmulatorState,
  repo: RepoRef,
  target: ResolvedRevision,
  oid: string,
  createPr: boolean
): Promise<number | undefined> {
  return state.store.updateRefs(repo, (refs) => {
    if (createPr) {
      const prNumber = Math.max(0, ...Object.keys(refs.pullRequests).map(Number)) + 1
      refs.pullRequests[String(prNumber)] = oid
      return prNumber
    }
    if (target.kind === 'pr') refs.pullRequests[String(target.number)] = oid
    if (target.kind === 'branch') refs.branches[target.name] = oid
    return undefined
  })
}

/** Reads NDJSON line by line from raw bytes, so no single string ever holds the whole body. */
async function readNdjsonLines(req: IncomingMessage): Promise<unknown[]> {
  const lines: unknown[] = []
  let pending: Buffer[] = []
  let total = 0
  const takeLine = (bytes: Buffer): void => {
    const text = bytes.toString('utf8').trim()
    if (!text) return
    try {
      lines.push(JSON.parse(text))
    } catch {
      throw badRequest('Invalid NDJSON line in commit body')
    }
  }
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length
    if (total > MAX_COMMIT_BODY_BYTES) throw new HubHttpError(413, 'Payload Too Large')
    let start = 0
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, newline))
      takeLine(Buffer.concat(pending))
      pending = []
      start = newline + 1
    }
    if (start < chunk.length) pending.push(chunk.subarray(start))
  }
  takeLine(Buffer.concat(pending))
  return lines
}

function parseCommitRequest(lines: unknown[]): CommitRequest {
  const [header, ...rest] = lines
  if (!isObject(header) || header.key !== 'header' || !isObject(header.value)) {
    throw badRequest('The first line of a commit must be {"key": "header", "value": {...}}')
  }
  const { summary, description, parentCommit } = header.value
  if (typeof summary !== 'string' || !summary.trim()) throw badRequest('A commit needs a non-empty "summary"')
  return {
    summary,
    description: typeof description === 'string' ? description : '',
    parentCommit: typeof parentCommit === 'string' && parentCommit ? parentCommit : undefined,
    operations: rest.map(parseOperation)
  }
}

function parseOperation(line: unknown): CommitOperation {
  if (!isObject(line) || !isObject(line.value)) throw badRequest('Invalid commit operation')
  const value = line.value
  const path = checkedPath(value.path)
  switch (line.key) {
    case 'file':
      if (typeof value.content !== 'string') throw badRequest(`"content" is required for ${path}`)
      if (value.encoding !== undefined && value.encoding !== 'base64')
        throw badRequest(`Unsupported encoding for ${path}`)
      return { key: 'file', path, content: Buffer.from(value.content, 'base64') }
    case 'lfsFile':
      if (typeof value.oid !== 'string') throw badRequest(`"oid" is required for ${path}`)
      if (value.algo !== undefined && value.algo !== 'sha256') throw badRequest(`Unsupported LFS algorithm for ${path}`)
      return { key: 'lfsFile', path, oid: value.oid, size: typeof value.size === 'number' ? value.size : undefined }
    case 'deletedFile':
      return { key: 'deletedFile', path }
    case 'deletedFolder':
      return { key: 'deletedFolder', path: path.replace(/\/+$/, '') }
    default:
      throw badRequest(`Unknown commit operation ${JSON.stringify(line.key)}`)
  }
}

/** Repo-relative, no `..`, not absolute, not inside `.git` (hub-protocol.md §5.2: `..\ddd` → 422). */
function checkedPath(path: unknown): string {
  if (typeof path !== 'string' || !path) throw unprocessable('Every operation needs a "path"')
  const segments = path.split(/[\\/]/)
  const invalid =
    path.startsWith('/') ||
    path.startsWith('\\') ||
    /^[a-zA-Z]:/.test(path) ||
    segments.some((segment) => segment === '..' || segment === '.') ||
    segments[0] === '.git' ||
    path.includes('\0')
  if (invalid) throw unprocessable(`Invalid path in commit: ${path}`)
  return path
}

async function applyOperations(
  state: EmulatorState,
  repo: RepoRef,
  baseFiles: Record<string, StoredFile>,
  operations: CommitOperation[]
): Promise<{ files: Record<string, StoredFile>; blobs: Map<string, Buffer> }> {
  const files: Record<string, StoredFile> = { ...baseFiles }
  const blobs = new Map<string, Buffer>()
  for (const operation of operations) {
    switch (operation.key) {
      case 'file': {
        const entry = regularFileEntry(operation.content)
        files[operation.path] = entry
        blobs.set(entry.oid, operation.content)
        break
      }
      case 'lfsFile':
        files[operation.path] = await storedLfsEntry(state, repo, operation)
        break
      case 'deletedFile':
        if (!files[operation.path]) throw entryNotFound(`A file with this name doesn't exist: ${operation.path}`)
        delete files[operation.path]
        break
      case 'deletedFolder': {
        const inside = Object.keys(files).filter((path) => path.startsWith(`${operation.path}/`))
        if (inside.length === 0) throw entryNotFound(`A folder with this name doesn't exist: ${operation.path}`)
        for (const path of inside) delete files[path]
        break
      }
    }
  }
  checkNoFileFolderClash(files)
  return { files, blobs }
}

async function storedLfsEntry(
  state: EmulatorState,
  repo: RepoRef,
  operation: { path: string; oid: string; size?: number }
): Promise<StoredFile> {
  const storedSize = await state.store.lfsObjectSize(repo, operation.oid)
  if (storedSize === null) {
    throw unprocessable(`LFS object ${operation.oid} for ${operation.path} was not uploaded to this repo`)
  }
  if (operation.size !== undefined && operation.size !== storedSize) {
    throw unprocessable(
      `LFS object ${operation.oid} for ${operation.path} has size ${storedSize}, not ${operation.size}`
    )
  }
  return lfsFileEntry(operation.oid, storedSize)
}

// git cannot hold a file and a folder under the same name.
function checkNoFileFolderClash(files: Record<string, StoredFile>): void {
  for (const path of Object.keys(files)) {
    for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
      const folder = path.slice(0, slash)
      if (files[folder]) throw unprocessable(`${folder} is a file, it cannot also be a folder containing ${path}`)
    }
  }
}
