// Branches (E13, E14), tags (Python-only endpoints) and the refs listing.
import { HubHttpError, badRequest, revisionNotFound } from '../errors.ts'
import { isObject, queryFlag, readJsonBody, sendJson, type RequestContext } from '../http.ts'
import { DEFAULT_BRANCH } from '../store.ts'
import type { RepoRef } from '../types.ts'
import { readableRepo, resolveOrThrow, writableRepo, type EmulatorState } from './shared.ts'

// git check-ref-format, roughly: no spaces/control characters, no '..', '~^:?*[\', no '@{', and
// not a 'refs/…' spelling or a 40-hex name that would shadow commit ids.
function checkRefName(name: string, what: string): void {
  const invalid =
    !name ||
    // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
    /[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|\/\/|^\/|\/$|\.lock$|^\.|\/\./.test(name) ||
    name.startsWith('refs/') ||
    /^[0-9a-f]{40}$/.test(name)
  if (invalid) throw badRequest(`Invalid ${what} name: ${name}`)
}

export async function createBranchRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  branch: string
): Promise<void> {
  const { user } = await writableRepo(ctx, state, repo)
  const body = await readJsonBody(ctx.req)
  if (!isObject(body)) throw badRequest('Expected a JSON object')
  checkRefName(branch, 'branch')
  await state.store.withRepoLock(repo, async () => {
    const refs = await state.store.getRefs(repo)
    if (refs.branches[branch] && body.overwrite !== true) {
      throw new HubHttpError(409, `Reference refs/heads/${branch} already exists`)
    }
    const oid =
      body.emptyBranch === true
        ? (
            await state.store.writeCommit(repo, {
              parents: [],
              title: 'Create empty branch',
              message: '',
              author: user,
              files: {},
              blobs: new Map()
            })
          ).oid
        : (
            await resolveOrThrow(
              state,
              repo,
              typeof body.startingPoint === 'string' ? body.startingPoint : DEFAULT_BRANCH
            )
          ).oid
    await state.store.updateRefs(repo, (next) => {
      next.branches[branch] = oid
    })
  })
  sendJson(ctx.res, 200, {})
}

export async function deleteBranchRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  branch: string
): Promise<void> {
  await writableRepo(ctx, state, repo)
  if (branch === DEFAULT_BRANCH) throw new HubHttpError(403, `Cannot delete refs/heads/${DEFAULT_BRANCH}`)
  await state.store.withRepoLock(repo, async () => {
    const refs = await state.store.getRefs(repo)
    if (!refs.branches[branch]) throw revisionNotFound(branch)
    await state.store.updateRefs(repo, (next) => {
      delete next.branches[branch]
    })
  })
  sendJson(ctx.res, 200, {})
}

export async function createTagRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  revision: string
): Promise<void> {
  await writableRepo(ctx, state, repo)
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || typeof body.tag !== 'string') throw badRequest('"tag" is required')
  const tag = body.tag
  checkRefName(tag, 'tag')
  await state.store.withRepoLock(repo, async () => {
    const { oid } = await resolveOrThrow(state, repo, revision)
    const refs = await state.store.getRefs(repo)
    if (refs.tags[tag]) throw new HubHttpError(409, `Reference refs/tags/${tag} already exists`)
    await state.store.updateRefs(repo, (next) => {
      next.tags[tag] = { oid, ...(typeof body.message === 'string' && { message: body.message }) }
    })
  })
  sendJson(ctx.res, 200, {})
}

export async function deleteTagRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  tag: string
): Promise<void> {
  await writableRepo(ctx, state, repo)
  await state.store.withRepoLock(repo, async () => {
    const refs = await state.store.getRefs(repo)
    if (!refs.tags[tag]) throw revisionNotFound(tag)
    await state.store.updateRefs(repo, (next) => {
      delete next.tags[tag]
    })
  })
  sendJson(ctx.res, 200, {})
}

export async function refsRoute(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<void> {
  await readableRepo(ctx, state, repo)
  const refs = await state.store.getRefs(repo)
  const includePrs = queryFlag(ctx.url.searchParams, 'include_prs')
  sendJson(ctx.res, 200, {
    branches: Object.entries(refs.branches).map(([name, oid]) => ({
      name,
      ref: `refs/heads/${name}`,
      targetCommit: oid
    })),
    converts: [],
    tags: Object.entries(refs.tags).map(([name, tag]) => ({ name, ref: `refs/tags/${name}`, targetCommit: tag.oid })),
    ...(includePrs && {
      pullRequests: Object.entries(refs.pullRequests).map(([number, oid]) => ({
        name: `refs/pr/${number}`,
        ref: `refs/pr/${number}`,
        targetCommit: oid
      }))
    })
  })
}
