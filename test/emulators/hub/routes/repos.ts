// whoami (E18), repo create/delete (E2, E19), repo info (E1) and revision info (E11).
import { createHash, randomBytes } from 'node:crypto'
import { requireUser, requireWriteRole } from '../auth.ts'
import { validateCard } from '../card-validator.ts'
import { HubHttpError, badRequest, repoNotFound } from '../errors.ts'
import { defaultGitAttributes } from '../gitattributes.ts'
import { regularFileEntry } from '../git.ts'
import { isObject, queryFlag, readJsonBody, sendJson, sendText, type RequestContext } from '../http.ts'
import { isRepoType, isValidRepoNamePart, repoWebUrl } from '../repo-names.ts'
import { buildRepoInfo } from '../repo-info.ts'
import { DEFAULT_BRANCH, type HubStore, type NewCommit } from '../store.ts'
import type { CommitRecord, RepoRecord, RepoRef, StoredFile } from '../types.ts'
import { commitOrThrow, readableRepo, resolveOrThrow, type EmulatorState } from './shared.ts'

const startedAt = new Date().toISOString()

export async function whoami(ctx: RequestContext): Promise<void> {
  const { user, role } = requireUser(ctx.identity)
  const avatarHash = createHash('md5').update(user).digest('hex')
  sendJson(ctx.res, 200, {
    type: 'user',
    id: stableObjectId(user),
    name: user,
    fullname: user,
    email: `${user}@users.noreply.huggingface.co`,
    emailVerified: true,
    canPay: false,
    isPro: false,
    periodEnd: null,
    avatarUrl: `/avatars/${avatarHash}.svg`,
    billingMode: 'postpaid',
    orgs: [],
    auth: { type: 'access_token', accessToken: { displayName: `emulator-${user}`, role, createdAt: startedAt } }
  })
}

interface CreateRepoRequest {
  repo: RepoRef
  private: boolean
  license?: string
  sdk?: string
  files: Map<string, Buffer>
}

export async function createRepoRoute(ctx: RequestContext, state: EmulatorState): Promise<void> {
  const identity = requireUser(ctx.identity)
  requireWriteRole(identity)
  const request = parseCreateRequest(await readJsonBody(ctx.req), identity.user)
  // The card the repo starts with is checked like any README.md commit (e.g. an unknown license).
  const readme = request.files.get('README.md')?.toString('utf8') ?? initialReadme(request)
  const invalid = readme === undefined ? [] : validateCard(readme, request.repo.type).errors
  if (invalid.length > 0) throw badRequest(invalid.map((error) => error.message).join('\n'))
  const url = repoWebUrl(ctx.origin, request.repo)
  const created = await createRepoWithInitialCommit(state.store, request, identity.user)
  if (!created) {
    // Fixture 08: JSON error with the repo URL, and no X-Error-Code header.
    throw new HubHttpError(409, `You already created this ${request.repo.type} repo`, { extraBody: { url } })
  }
  sendJson(ctx.res, 200, { url, name: request.repo.name, id: created.record.id })
}

function parseCreateRequest(body: unknown, user: string): CreateRepoRequest {
  if (!isObject(body) || typeof body.name !== 'string') throw badRequest('"name" is required')
  const namespace = typeof body.organization === 'string' && body.organization ? body.organization : user
  const type = body.type ?? 'model'
  if (!isRepoType(type)) throw badRequest(`Invalid repo type ${JSON.stringify(type)}`)
  if (!isValidRepoNamePart(namespace) || !isValidRepoNamePart(body.name)) {
    throw badRequest(`Invalid repo name ${namespace}/${body.name}`)
  }
  return {
    repo: { type, name: `${namespace}/${body.name}` },
    private: body.visibility === 'private' || body.private === true,
    license: typeof body.license === 'string' ? body.license : undefined,
    sdk: typeof body.sdk === 'string' ? body.sdk : undefined,
    files: decodeInitialFiles(body.files)
  }
}

function decodeInitialFiles(files: unknown): Map<string, Buffer> {
  const decoded = new Map<string, Buffer>()
  if (files === undefined) return decoded
  if (!Array.isArray(files)) throw badRequest('"files" must be an array')
  for (const file of files) {
    if (!isObject(file) || typeof file.path !== 'string' || typeof file.content !== 'string') {
      throw badRequest('Each file needs "path" and "content"')
    }
    decoded.set(file.path, Buffer.from(file.content, file.encoding === 'base64' ? 'base64' : 'utf8'))
  }
  return decoded
}

/** Creates the repo with the Hub's "initial commit"; null if it already exists. */
export async function createRepoWithInitialCommit(
  store: HubStore,
  request: CreateRepoRequest,
  author: string
): Promise<{ record: RepoRecord; commit: CommitRecord } | null> {
  const record: RepoRecord = {
    id: newObjectId(),
    type: request.repo.type,
    name: request.repo.name,
    private: request.private,
    createdAt: new Date().toISOString(),
    ...(request.sdk && { sdk: request.sdk })
  }
  const contents = new Map<string, Buffer>([['.gitattributes', Buffer.from(defaultGitAttributes(request.repo.type))]])
  const readme = initialReadme(request)
  if (readme) contents.set('README.md', Buffer.from(readme))
  for (const [path, content] of request.files) contents.set(path, content)
  const commit = await store.createRepo(record, newCommitFromContents(contents, author))
  return commit ? { record, commit } : null
}

export function newCommitFromContents(contents: Map<string, Buffer>, author: string): NewCommit {
  const files: Record<string, StoredFile> = {}
  const blobs = new Map<string, Buffer>()
  for (const [path, content] of contents) {
    const entry = regularFileEntry(content)
    files[path] = entry
    blobs.set(entry.oid, content)
  }
  return { parents: [], title: 'initial commit', message: '', author, files, blobs }
}

// A license yields a README with a `license` card field; Spaces always start with a card.
function initialReadme(request: CreateRepoRequest): string | undefined {
  const card: string[] = []
  if (request.repo.type === 'space') {
    const title = request.repo.name.split('/')[1] ?? ''
    card.push(
      `title: ${title}`,
      'emoji: 🚀',
      'colorFrom: blue',
      'colorTo: green',
      `sdk: ${request.sdk ?? 'static'}`,
      'pinned: false'
    )
  }
  if (request.license) card.push(`license: ${request.license}`)
  return card.length > 0 ? `---\n${card.join('\n')}\n---\n` : undefined
}

export async function deleteRepoRoute(ctx: RequestContext, state: EmulatorState): Promise<void> {
  const identity = requireUser(ctx.identity)
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || typeof body.name !== 'string') throw badRequest('"name" is required')
  const type = body.type ?? 'model'
  if (!isRepoType(type)) throw badRequest(`Invalid repo type ${JSON.stringify(type)}`)
  const namespace = typeof body.organization === 'string' && body.organization ? body.organization : identity.user
  const repo: RepoRef = { type, name: `${namespace}/${body.name}` }
  if (!(await state.store.getRepo(repo))) throw repoNotFound()
  requireWriteRole(identity)
  if (!(await state.store.deleteRepo(repo))) throw repoNotFound()
  sendText(ctx.res, 200, 'OK')
}

/**
 * `POST /api/repos/move` `{fromRepo, toRepo, type}` (Python `move_repo`): renames the repo; the old
 * name keeps answering with a 307 to the new one.
 */
export async function moveRepoRoute(ctx: RequestContext, state: EmulatorState): Promise<void> {
  const identity = requireUser(ctx.identity)
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || typeof body.fromRepo !== 'string' || typeof body.toRepo !== 'string') {
    throw badRequest('"fromRepo" and "toRepo" are required')
  }
  const type = body.type ?? 'model'
  if (!isRepoType(type)) throw badRequest(`Invalid repo type ${JSON.stringify(type)}`)
  const [namespace = '', name = '', ...extra] = body.toRepo.split('/')
  if (extra.length > 0 || !isValidRepoNamePart(namespace) || !isValidRepoNamePart(name)) {
    throw badRequest(`Invalid repo name ${body.toRepo}`)
  }
  const from: RepoRef = { type, name: body.fromRepo }
  const to: RepoRef = { type, name: body.toRepo }
  if (!(await state.store.getRepo(from))) throw repoNotFound()
  requireWriteRole(identity)
  const outcome = await state.store.withRepoLock(from, () => state.store.renameRepo(from, to))
  if (outcome === 'missing') throw repoNotFound()
  if (outcome === 'exists') {
    throw new HubHttpError(409, `You already created this ${type} repo`, {
      extraBody: { url: repoWebUrl(ctx.origin, to) }
    })
  }
  sendText(ctx.res, 200, 'OK')
}

/**
 * Python ≥ 1.20 with hf_xet asks for a Xet write token; emulated repos are not Xet-backed
 * (`xetEnabled: false`), so this answers 404 and the client must use LFS (hub-protocol.md §4).
 */
export async function xetWriteTokenRoute(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<void> {
  await readableRepo(ctx, state, repo)
  throw new HubHttpError(404, `Xet storage is not enabled for ${repo.name}: upload through the LFS batch endpoint`)
}

/** E1 (`GET /api/{T}/{repo}`) and E11 (`…/revision/{rev}`). */
export async function repoInfoRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  revision = DEFAULT_BRANCH
): Promise<void> {
  const record = await readableRepo(ctx, state, repo)
  const resolved = await resolveOrThrow(state, repo, revision)
  const commit = await commitOrThrow(state, repo, resolved.oid)
  const params = ctx.url.searchParams
  // Both spellings occur: `expand=x` (hub.js modelInfo, Python) and `expand[]=x` (hub.js repoExists).
  const expand = [...params.getAll('expand'), ...params.getAll('expand[]')]
    .flatMap((value) => value.split(','))
    .filter(Boolean)
  const blobs = queryFlag(params, 'blobs')
  sendJson(ctx.res, 200, await buildRepoInfo(state.store, { repo: record, commit, expand, blobs }))
}

/** 24-hex id like a MongoDB ObjectId: 4 bytes of time, 8 random bytes. */
function newObjectId(): string {
  return (
    Math.floor(Date.now() / 1000)
      .toString(16)
      .padStart(8, '0') + randomBytes(8).toString('hex')
  )
}

function stableObjectId(seed: string): string {
  return createHash('sha1').update(`user:${seed}`).digest('hex').slice(0, 24)
}
