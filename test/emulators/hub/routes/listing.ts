// Tree listing (E9), paths-info (E10) and the commit list (E12), with the Hub's entry shapes and
// `Link: <absolute-url>; rel="next"` pagination.
import { createHash } from 'node:crypto'
import { badRequest, entryNotFound, revisionNotFound } from '../errors.ts'
import { orderedChildren } from '../git.ts'
import { isObject, isTruthy, queryFlag, readBody, sendJson, type RequestContext } from '../http.ts'
import type { CommitRecord, RepoRef } from '../types.ts'
import {
  commitOrThrow,
  lastCommits,
  readableRepo,
  resolveOrThrow,
  splitRevisionAndPath,
  type EmulatorState
} from './shared.ts'

const TREE_PAGE_SIZE = 1000
const TREE_EXPAND_PAGE_SIZE = 50
const DEFAULT_COMMITS_LIMIT = 50
const MAX_COMMITS_LIMIT = 1000

type EntryRef = { path: string; isDir: boolean }

export async function treeRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  segments: string[]
): Promise<void> {
  await readableRepo(ctx, state, repo)
  const { revision, resolved, path } = await splitRevisionAndPath(state, repo, segments)
  if (!resolved) throw revisionNotFound(revision)
  const commit = await commitOrThrow(state, repo, resolved.oid)
  const params = ctx.url.searchParams
  // Python sends `recursive=True&expand=False`; hub.js `true`/`false`.
  const recursive = queryFlag(params, 'recursive')
  const expand = queryFlag(params, 'expand')
  const listed = listEntries(state, commit, path.replace(/\/+$/, ''), recursive, revision)
  const pageSize = state.settings.pageSize ?? (expand ? TREE_EXPAND_PAGE_SIZE : TREE_PAGE_SIZE)
  const offset = decodeCursor(params.get('cursor'))
  const page = listed.slice(offset, offset + pageSize)
  const headers: Record<string, string> = {}
  if (offset + pageSize < listed.length) headers.Link = nextLink(ctx, { cursor: encodeCursor(offset + pageSize) })
  sendJson(ctx.res, 200, await describeEntries(state, repo, commit, page, expand), headers)
}

/** Entries under `dir` ('' = root), in git order; `recursive` walks depth-first like `git ls-tree -r -t`. */
function listEntries(
  state: EmulatorState,
  commit: CommitRecord,
  dir: string,
  recursive: boolean,
  revision: string
): EntryRef[] {
  const { index } = state.store.derive(commit)
  if (dir && commit.files[dir]) return [{ path: dir, isDir: false }]
  if (!index.dirs.has(dir)) throw entryNotFound(`${dir} does not exist on "${revision}"`)
  const entries: EntryRef[] = []
  const walk = (folder: string): void => {
    for (const child of orderedChildren(index, folder)) {
      entries.push(child)
      if (child.isDir && recursive) walk(child.path)
    }
  }
  walk(dir)
  return entries
}

/** Entries in the Hub's wire shape; `expand` adds lastCommit (and, for files, securityFileStatus). */
async function describeEntries(
  state: EmulatorState,
  repo: RepoRef,
  commit: CommitRecord,
  entries: EntryRef[],
  expand: boolean
): Promise<Array<Record<string, unknown>>> {
  const { treeOids } = state.store.derive(commit)
  const last = expand ? await lastCommits(state, repo, commit, entries) : new Map<string, CommitRecord>()
  return entries.map(({ path, isDir }) => {
    const lastCommit = last.get(path)
    const expanded = lastCommit && {
      lastCommit: { id: lastCommit.oid, title: lastCommit.title, date: lastCommit.date }
    }
    if (isDir) return { type: 'directory', oid: treeOids.get(path), size: 0, path, ...expanded }
    const file = commit.files[path]
    if (!file) return { type: 'file', size: 0, path }
    return {
      type: 'file',
      oid: file.oid,
      size: file.size,
      path,
      ...(file.lfs && { lfs: { oid: file.lfs.oid, size: file.lfs.size, pointerSize: file.lfs.pointerSize } }),
      ...expanded,
      ...(expand && { securityFileStatus: { status: 'unscanned' } })
    }
  })
}

export async function pathsInfoRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  revision: string
): Promise<void> {
  await readableRepo(ctx, state, repo)
  const { paths, expand } = await readPathsInfoRequest(ctx)
  const resolved = await resolveOrThrow(state, repo, revision)
  const commit = await commitOrThrow(state, repo, resolved.oid)
  const { index } = state.store.derive(commit)
  const found: EntryRef[] = []
  for (const raw of new Set(paths)) {
    const path = raw.replace(/^\/+|\/+$/g, '')
    // Missing paths are silently left out, as on the Hub.
    if (commit.files[path]) found.push({ path, isDir: false })
    else if (path && index.dirs.has(path)) found.push({ path, isDir: true })
  }
  sendJson(ctx.res, 200, await describeEntries(state, repo, commit, found, expand))
}

/** JSON `{paths, expand}` (hub.js) or form-encoded `paths=…&expand=…` (Python). */
async function readPathsInfoRequest(ctx: RequestContext): Promise<{ paths: string[]; expand: boolean }> {
  const body = (await readBody(ctx.req, 16 * 1024 * 1024)).toString('utf8')
  if ((ctx.req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(body)
    return { paths: form.getAll('paths'), expand: isTruthy(form.get('expand')) }
  }
  let json: unknown
  try {
    json = body ? JSON.parse(body) : {}
  } catch {
    throw badRequest('Invalid JSON body')
  }
  if (!isObject(json)) throw badRequest('Expected {"paths": [...]}')
  const paths = typeof json.paths === 'string' ? [json.paths] : json.paths
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string'))
    throw badRequest('"paths" must be a list of strings')
  return { paths, expand: isTruthy(json.expand) }
}

export async function commitsRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  revision: string
): Promise<void> {
  await readableRepo(ctx, state, repo)
  const resolved = await resolveOrThrow(state, repo, revision)
  const params = ctx.url.searchParams
  const defaultLimit = state.settings.pageSize ?? DEFAULT_COMMITS_LIMIT
  const limit = clampInt(params.get('limit'), defaultLimit, 1, MAX_COMMITS_LIMIT)
  const page = clampInt(params.get('p'), 0, 0, Number.MAX_SAFE_INTEGER)
  const history: CommitRecord[] = []
  for await (const commit of state.store.history(repo, resolved.oid)) history.push(commit)
  const headers: Record<string, string> = { 'X-Total-Count': String(history.length) }
  if ((page + 1) * limit < history.length) headers.Link = nextLink(ctx, { p: String(page + 1), limit: String(limit) })
  // Python's list_repo_commits(formatted=True) asks for `expand[]=formatted`: HTML renderings.
  const formatted = [...params.getAll('expand[]'), ...params.getAll('expand')].includes('formatted')
  const entries = history.slice(page * limit, (page + 1) * limit).map((commit) => ({
    id: commit.oid,
    title: commit.title,
    message: commit.message,
    authors: [{ user: commit.author, avatar: avatarUrl(ctx.origin, commit.author) }],
    date: commit.date,
    ...(formatted && { formatted: { title: escapeHtml(commit.title), message: escapeHtml(commit.message) } })
  }))
  sendJson(ctx.res, 200, entries, headers)
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function avatarUrl(origin: string, user: string): string {
  return `${origin}/avatars/${createHash('md5').update(user).digest('hex')}.svg`
}

/** The request's own URL with some query parameters replaced, as an absolute `rel="next"` link. */
function nextLink(ctx: RequestContext, replace: Record<string, string>): string {
  const next = new URL(ctx.url.pathname + ctx.url.search, ctx.origin)
  for (const [key, value] of Object.entries(replace)) next.searchParams.set(key, value)
  return `<${next.href}>; rel="next"`
}

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url')
}

function decodeCursor(cursor: string | null): number {
  if (!cursor) return 0
  try {
    const offset: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')).offset
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset
  } catch {
    // fall through
  }
  throw badRequest('Invalid cursor')
}

function clampInt(value: string | null, fallback: number, min: number, max: number): number {
  const parsed = value === null ? NaN : Number.parseInt(value, 10)
  return Number.isNaN(parsed) ? fallback : Math.min(max, Math.max(min, parsed))
}
