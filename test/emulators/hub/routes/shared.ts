// What every route needs: the emulator's state, access checks in the Hub's order
// (credentials → repo existence → role), and revision lookups.
import { requireUser, requireWriteRole, invalidCredentials, outOfScope } from '../auth.ts'
import { HubHttpError, RepoRedirect, repoNotFound, revisionNotFound } from '../errors.ts'
import type { RequestContext } from '../http.ts'
import { repoWebUrl } from '../repo-names.ts'
import type { UrlSigner } from '../presigned.ts'
import type { HubStore, ResolvedRevision } from '../store.ts'
import type { TrustedPublishers } from '../trusted-publishers.ts'
import type { UploadSessions } from '../uploads.ts'
import type { CommitRecord, HubStats, RepoRecord, RepoRef } from '../types.ts'

export interface EmulatorSettings {
  multipartThreshold: number
  chunkSize: number
  lfsThreshold: number
  /** Overrides both tree page sizes (1000, or 50 with expand) and the commit list's default (50). */
  pageSize?: number
}

export interface EmulatorState {
  store: HubStore
  uploads: UploadSessions
  settings: EmulatorSettings
  stats: HubStats
  trustedPublishers: TrustedPublishers
  /** Signs and checks presigned storage URLs and completion URLs. */
  signer: UrlSigner
  /** Origin of the storage listener (known once it listens). */
  storageOrigin: () => string
}

export type RouteHandler = (ctx: RequestContext, state: EmulatorState) => Promise<void>

/**
 * A repo the caller may read. Anonymous callers get 401 for missing and private repos, as the Hub
 * does (hub-js-spec-values `check-repo-access-missing`); logged-in callers get 404 for missing ones.
 * Any valid token may read private repos (the emulator has no per-user permissions).
 */
export async function readableRepo(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<RepoRecord> {
  if (ctx.identity.kind === 'invalid') throw invalidCredentials()
  const record = await state.store.getRepo(repo)
  const anonymous = ctx.identity.kind === 'anonymous'
  if (!record) {
    await redirectIfRenamed(state, repo)
    throw repoNotFound(anonymous ? 401 : 404)
  }
  if (record.private && anonymous) throw repoNotFound(401)
  if (record.private && outOfScope(ctx.identity, repo)) throw repoNotFound()
  return record
}

/**
 * A repo whose file contents the caller may read: as readableRepo, and for a gated repo only users
 * granted access (401 GatedRepo for anonymous callers, 403 GatedRepo for others, as on the Hub).
 */
export async function readableFiles(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<RepoRecord> {
  const record = await readableRepo(ctx, state, repo)
  if (!record.gated) return record
  const what = `${record.type} ${record.name}`
  if (ctx.identity.kind !== 'user') {
    throw new HubHttpError(
      401,
      `Access to ${what} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
      { code: 'GatedRepo' }
    )
  }
  if (!(record.gatedAccess ?? []).includes(ctx.identity.user)) {
    throw new HubHttpError(
      403,
      `Access to ${what} is restricted and you are not in the authorized list. ` +
        `Visit ${repoWebUrl(ctx.origin, record)} to ask for access.`,
      { code: 'GatedRepo' }
    )
  }
  return record
}

/** A missing repo that was renamed answers 307 to its new name (fixture 09), whatever the route. */
export async function redirectIfRenamed(state: EmulatorState, repo: RepoRef): Promise<void> {
  const target = await state.store.renamedTo(repo)
  if (target) throw new RepoRedirect(repo, target)
}

/** A repo the caller may write to: 401 without valid credentials, 404 if missing, 403 for read tokens. */
export async function writableRepo(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef
): Promise<{ record: RepoRecord; user: string }> {
  const identity = requireUser(ctx.identity)
  const record = await state.store.getRepo(repo)
  if (!record) {
    await redirectIfRenamed(state, repo)
    throw repoNotFound()
  }
  requireWriteRole(identity, repo)
  return { record, user: identity.user }
}

export async function resolveOrThrow(state: EmulatorState, repo: RepoRef, revision: string): Promise<ResolvedRevision> {
  const resolved = await state.store.resolveRevision(repo, revision)
  if (!resolved) throw revisionNotFound(revision)
  return resolved
}

export async function commitOrThrow(state: EmulatorState, repo: RepoRef, oid: string): Promise<CommitRecord> {
  const commit = await state.store.getCommit(repo, oid)
  if (!commit) throw new HubHttpError(500, `Commit ${oid} is missing from the emulator's store`)
  return commit
}

/**
 * Splits `<revision>/<path>` where the revision itself may contain slashes (`refs/pr/1`, or a
 * percent-decoded `refs%2Fpr%2F1`): the longest prefix that names a revision wins. If none does,
 * the first segment is taken as the (missing) revision.
 */
export async function splitRevisionAndPath(
  state: EmulatorState,
  repo: RepoRef,
  segments: string[]
): Promise<{ revision: string; resolved: ResolvedRevision | null; path: string }> {
  const parts = segments.flatMap((segment) => segment.split('/'))
  for (let length = parts.length; length >= 1; length--) {
    const revision = parts.slice(0, length).join('/')
    const resolved = await state.store.resolveRevision(repo, revision)
    if (resolved) return { revision, resolved, path: parts.slice(length).join('/') }
  }
  return { revision: parts[0] ?? '', resolved: null, path: parts.slice(1).join('/') }
}

/** The last commit that changed each path (file oid or directory tree oid), walking first-parent history. */
export async function lastCommits(
  state: EmulatorState,
  repo: RepoRef,
  head: CommitRecord,
  paths: Array<{ path: string; isDir: boolean }>
): Promise<Map<string, CommitRecord>> {
  const found = new Map<string, CommitRecord>()
  let remaining = paths
  let current: CommitRecord | null = head
  while (current && remaining.length > 0) {
    const parent: CommitRecord | null = current.parents[0]
      ? await state.store.getCommit(repo, current.parents[0])
      : null
    const changedHere = (entry: { path: string; isDir: boolean }): boolean =>
      !parent || entryOid(state, current as CommitRecord, entry) !== entryOid(state, parent, entry)
    for (const entry of remaining) if (changedHere(entry)) found.set(entry.path, current)
    remaining = remaining.filter((entry) => !found.has(entry.path))
    current = parent
  }
  return found
}

function entryOid(
  state: EmulatorState,
  commit: CommitRecord,
  entry: { path: string; isDir: boolean }
): string | undefined {
  return entry.isDir ? state.store.derive(commit).treeOids.get(entry.path) : commit.files[entry.path]?.oid
}
