// A local Hugging Face Hub that the real `@huggingface/hub` client and the Python `huggingface_hub`
// talk to over HTTP: repos, card validation, preupload, LFS batch + presigned basic/multipart
// uploads on a separate storage listener (S3's stand-in), NDJSON commits, listings, info, refs,
// renames and downloads, with fault injection, held requests and request stats. Routes and disk
// layout: README.md.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Authenticator } from './auth.ts'
import { HubHttpError, RepoRedirect } from './errors.ts'
import { AnswerCapture, drainBody, readThenReset } from './fault-effects.ts'
import { FaultInjector, isUploadRoute, validateFaultRule, type FaultPlan } from './faults.ts'
import {
  JSON_CONTENT_TYPE,
  newRequestId,
  readJsonBody,
  sendError,
  sendJson,
  sendS3Error,
  setCommonHeaders,
  setStorageHeaders,
  type RequestContext
} from './http.ts'
import { S3Error, UrlSigner, s3ErrorForStatus } from './presigned.ts'
import { parseRepoDesignation, typeFromPlural, urlPrefix } from './repo-names.ts'
import { matchRoute } from './router.ts'
import { trustedPublishersControl } from './routes/oauth.ts'
import { createRepoWithInitialCommit } from './routes/repos.ts'
import type { EmulatorState, RouteHandler } from './routes/shared.ts'
import { matchStorageRoute } from './routes/storage.ts'
import { DEFAULT_BRANCH, HubStore, isCode } from './store.ts'
import { TrustedPublishers, type TrustedPublishersOptions } from './trusted-publishers.ts'
import { UploadSessions } from './uploads.ts'
import type {
  FaultEvent,
  FaultKind,
  FaultRule,
  HubStats,
  RepoDesignation,
  RepoRef,
  RequestRecord,
  RouteName,
  StatsRoute,
  StoredFile,
  Surface,
  TokenGrant
} from './types.ts'

export type { FaultHandle, HeldRequest } from './faults.ts'
export type { FaultKind, FaultRule, HubStats, RepoDesignation, RepoRef, RepoType, RouteName } from './types.ts'
export type { TokenGrant } from './types.ts'
export { FaultInjector } from './faults.ts'
export { ROUTE_NAMES } from './types.ts'

const MiB = 1024 * 1024

export interface HubEmulatorOptions {
  /** State persists here (created if missing); an emulator restarted on the same dir sees the same repos. */
  dataDir: string
  /** Default 0 (a free port). */
  port?: number
  /** Port of the storage listener (presigned upload URLs); default 0 (a free port). */
  storagePort?: number
  /**
   * Origin that presigned upload and part URLs name, when something stands in front of the storage
   * listener (a CDN, the benchmark's link shaper) and forwards requests with their Host header
   * unchanged, so that signatures still match. Default: the storage listener's own origin.
   */
  storageOrigin?: string
  /** Default '127.0.0.1'. */
  host?: string
  /**
   * Accepted tokens (kept in memory only). Without this option any `hf_`-prefixed token is
   * accepted as user `tester` with write access.
   */
  tokens?: Record<string, TokenGrant>
  /** LFS objects larger than this are uploaded in parts; default 16 MiB. */
  multipartThreshold?: number
  /** Part size of multipart uploads; default 8 MiB. */
  chunkSize?: number
  /**
   * Preupload answers `lfs` if size > this (default 10_000_000), or the 512-byte sample has a NUL
   * byte, or the path matches an LFS pattern of `.gitattributes`; empty files are always `regular`.
   */
  lfsThreshold?: number
  /**
   * Page size of tree listings (default 1000, or 50 with expand) and the default page size of the
   * commit list (50; an explicit `limit` wins).
   */
  pageSize?: number
  /** Lifetime of presigned upload, part and completion URLs, in seconds; default 3600. */
  uploadUrlTtlSeconds?: number
  /** The emulator's clock (ms since the epoch) for URL signing and expiry; default Date.now. */
  clock?: () => number
  /** Trusted Publishers (`POST /oauth/token`): token lifetime, whoami answer, clock. See README. */
  trustedPublishers?: TrustedPublishersOptions
}

export interface CommitSummary {
  oid: string
  title: string
  message: string
  parents: string[]
}

export interface HubEmulator {
  /** e.g. `http://127.0.0.1:41234`, no trailing slash */
  url: string
  /** Origin of the storage listener that upload and part URLs point at (a different origin, as S3 is). */
  storageUrl: string
  close(): Promise<void>
  faults: FaultInjector
  /** Live counters; paths without query strings, never headers. */
  stats: HubStats
  resetStats(): void
  /** Requests answered so far on a route, optionally only with this method or status (retries show here). */
  requestCount(route: StatsRoute, filter?: { method?: string; status?: number }): number
  /** Every presigned URL handed out so far answers S3's "Request has expired" from now on. */
  expireUploadUrls(): void
  /** Every upload URL signature (S3 X-Amz-Signature and completion signature) handed out, oldest first. */
  uploadUrlSignatures(): string[]
  createRepo(
    repo: RepoDesignation,
    opts?: { private?: boolean; gated?: 'auto' | 'manual'; gatedAccess?: string[] }
  ): Promise<{ headOid: string }>
  /** Renames a repo; its old name answers with a 307 to the new one (as `POST /api/repos/move`). */
  renameRepo(from: RepoDesignation, to: RepoDesignation): Promise<void>
  /** Makes an old id (e.g. a legacy one without namespace, `bert-base-uncased`) redirect to a repo. */
  addRepoRedirect(from: RepoDesignation, to: RepoDesignation): Promise<void>
  /** Gates a repo (files only for `users`), or ungates it with `false`. */
  setGated(repo: RepoDesignation, gated: false | 'auto' | 'manual', users?: string[]): Promise<void>
  /** Newest first. */
  listCommits(repo: RepoDesignation, branch?: string): Promise<CommitSummary[]>
  readFile(repo: RepoDesignation, revision: string, path: string): Promise<Buffer | null>
  /** Where that repo's state lives on disk, for tamper tests. */
  repoDir(repo: RepoDesignation): string
  /** The file on disk holding the content of `path` at `revision` (regular object or LFS object), or null. */
  storedFilePath(repo: RepoDesignation, revision: string, path: string): Promise<string | null>
  /** Whether the repo has this LFS object stored (e.g. after a multipart completion whose answer was lost). */
  hasLfsObject(repo: RepoDesignation, sha256: string): Promise<boolean>
  /**
   * Takes the repo's commit lock, as another client's commit in progress on the Hub does: until
   * `release()`, commits to the repo answer 409 "Another commit operation is in progress".
   */
  holdCommitLock(repo: RepoDesignation): Promise<{ release(): void }>
  /** Publishers per repo, exchanged-token settings and expiry (trusted-publishers.ts). */
  trustedPublishers: TrustedPublishers
}

interface Dependencies {
  state: EmulatorState
  faults: FaultInjector
  auth: Authenticator
  hubOrigin: () => string
  /** Aborted on close(), so delayed requests do not keep the process alive. */
  closing: AbortSignal
}

export async function startHubEmulator(opts: HubEmulatorOptions): Promise<HubEmulator> {
  const store = new HubStore(resolvePath(opts.dataDir))
  await store.init()
  const stats: HubStats = { lfsBytesReceived: 0, requests: [], faults: [] }
  const host = opts.host ?? '127.0.0.1'
  let hubOrigin = ''
  let storageOrigin = ''
  const signer = new UrlSigner({ now: opts.clock ?? Date.now, ttlSeconds: opts.uploadUrlTtlSeconds ?? 3600 })
  const state: EmulatorState = {
    store,
    stats,
    signer,
    storageOrigin: () => storageOrigin,
    uploads: new UploadSessions(store, stats),
    trustedPublishers: new TrustedPublishers(store.dataDir, opts.trustedPublishers),
    settings: {
      multipartThreshold: opts.multipartThreshold ?? 16 * MiB,
      chunkSize: opts.chunkSize ?? 8 * MiB,
      lfsThreshold: opts.lfsThreshold ?? 10_000_000,
      pageSize: opts.pageSize
    }
  }
  const faults = new FaultInjector()
  const closing = new AbortController()
  const deps: Dependencies = {
    state,
    faults,
    auth: new Authenticator(opts.tokens, state.trustedPublishers),
    hubOrigin: () => hubOrigin,
    closing: closing.signal
  }
  const listener = (surface: Surface) => (req: IncomingMessage, res: ServerResponse) => {
    handleRequest(req, res, surface, deps).catch((error: unknown) => {
      // Last resort: a bug outside the route's own error handling must not crash the test process.
      console.error('[hub-emulator] unhandled:', error instanceof Error ? error.stack : String(error))
      res.destroy()
    })
  }
  const hubServer = createServer({ highWaterMark: MiB }, listener('hub'))
  const storageServer = createServer({ highWaterMark: MiB }, listener('storage'))
  // Multi-GiB uploads may legitimately take longer than Node's default 5-minute request timeout.
  hubServer.requestTimeout = 0
  storageServer.requestTimeout = 0
  hubOrigin = await listen(hubServer, opts.port ?? 0, host)
  const storageListener = await listen(storageServer, opts.storagePort ?? 0, host)
  storageOrigin = opts.storageOrigin?.replace(/\/+$/, '') ?? storageListener

  const ref = parseRepoDesignation
  return {
    url: hubOrigin,
    storageUrl: storageListener,
    faults,
    trustedPublishers: state.trustedPublishers,
    stats,
    resetStats: () => resetStats(stats),
    requestCount: (route, filter = {}) =>
      stats.requests.filter(
        (request) =>
          request.route === route &&
          (!filter.method || request.method === filter.method.toUpperCase()) &&
          (filter.status === undefined || request.status === filter.status)
      ).length,
    expireUploadUrls: () => signer.expireAll(),
    uploadUrlSignatures: () => signer.signatures(),
    close: async () => {
      closing.abort()
      faults.clear()
      // Stop accepting first, then cut keep-alive and in-flight connections so close() resolves promptly.
      const closed = Promise.all(
        [hubServer, storageServer].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))
      )
      hubServer.closeAllConnections()
      storageServer.closeAllConnections()
      await closed
      await state.uploads.closeAll()
    },
    createRepo: async (repo, options) => {
      const target = ref(repo)
      const author = target.name.split('/')[0] ?? 'tester'
      const created = await createRepoWithInitialCommit(
        store,
        { repo: target, private: options?.private ?? false, files: new Map() },
        author
      )
      if (!created) throw new Error(`Repo ${target.type}s/${target.name} already exists`)
      if (options?.gated) await store.updateRepo(target, (record) => gate(record, options.gated!, options.gatedAccess))
      return { headOid: created.commit.oid }
    },
    renameRepo: async (from, to) => {
      const outcome = await store.renameRepo(ref(from), ref(to))
      if (outcome !== 'renamed') throw new Error(`Cannot rename ${ref(from).name} to ${ref(to).name}: ${outcome}`)
    },
    addRepoRedirect: (from, to) => store.addRedirect(ref(from), ref(to)),
    setGated: async (repo, gated, users) => {
      if (!(await store.updateRepo(ref(repo), (record) => gate(record, gated, users)))) {
        throw new Error(`Repo ${ref(repo).name} does not exist`)
      }
    },
    listCommits: async (repo, branch = DEFAULT_BRANCH) => {
      const target = ref(repo)
      const resolved = await store.resolveRevision(target, branch)
      const commits: CommitSummary[] = []
      if (!resolved) return commits
      for await (const commit of store.history(target, resolved.oid)) {
        commits.push({ oid: commit.oid, title: commit.title, message: commit.message, parents: [...commit.parents] })
      }
      return commits
    },
    readFile: async (repo, revision, path) => {
      const file = await storedFileAt(store, ref(repo), revision, path)
      return file ? store.readContent(ref(repo), file) : null
    },
    repoDir: (repo) => store.repoDir(repo),
    storedFilePath: async (repo, revision, path) => {
      const file = await storedFileAt(store, ref(repo), revision, path)
      return file ? store.contentPath(ref(repo), file) : null
    },
    hasLfsObject: async (repo, sha256) => (await store.lfsObjectSize(ref(repo), sha256)) !== null,
    holdCommitLock: (repo) =>
      new Promise((lockTaken) => {
        // The lock's work resolves the handle once it runs, and lasts until release().
        void store.withRepoLock(
          ref(repo),
          () => new Promise<void>((release) => lockTaken({ release: () => release() }))
        )
      })
  }
}

function gate(
  record: { gated?: false | 'auto' | 'manual'; gatedAccess?: string[] },
  gated: false | 'auto' | 'manual',
  users?: string[]
): void {
  record.gated = gated
  record.gatedAccess = gated ? (users ?? []) : []
}

async function storedFileAt(
  store: HubStore,
  repo: RepoRef,
  revision: string,
  path: string
): Promise<StoredFile | null> {
  const resolved = await store.resolveRevision(repo, revision)
  const commit = resolved && (await store.getCommit(repo, resolved.oid))
  return commit?.files[path] ?? null
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address() as AddressInfo
      const hostPart = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolve(`http://${hostPart}:${address.port}`)
    })
  })
}

function resetStats(stats: HubStats): void {
  stats.lfsBytesReceived = 0
  stats.requests.length = 0
  stats.faults.length = 0
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  surface: Surface,
  deps: Dependencies
): Promise<void> {
  const method = req.method ?? 'GET'
  const url = new URL(req.url ?? '/', 'http://emulator.invalid')
  if (surface === 'hub' && url.pathname.startsWith('/_emulator/')) return handleControl(req, res, url, deps)
  if (surface === 'hub') setCommonHeaders(res, newRequestId(req))
  else setStorageHeaders(res)

  let matched: { route: RouteName; run: RouteHandler } | undefined
  let routingError: HubHttpError | undefined
  try {
    matched = surface === 'hub' ? matchRoute(method, url.pathname) : matchStorageRoute(method, url)
  } catch (error) {
    routingError = error instanceof HubHttpError ? error : new HubHttpError(400, 'Bad request')
  }
  const record: Omit<RequestRecord, 'status'> = {
    method,
    path: url.pathname,
    route: matched?.route ?? 'unknown',
    surface
  }
  recordWhenDone(res, deps.state.stats, record)
  const ctx: RequestContext = {
    req,
    res,
    url,
    origin: surface === 'hub' ? requestOrigin(req, deps.hubOrigin()) : deps.state.storageOrigin(),
    identity: deps.auth.identify(req),
    surface
  }
  if (!matched) {
    if (surface === 'storage') return sendS3Error(res, new S3Error(403, 'AccessDenied', 'Access Denied'))
    const redirect = await legacyRedirect(deps.state, url)
    if (redirect) {
      record.route = 'redirect'
      return sendRedirect(ctx, redirect)
    }
    return answerError(ctx, routingError ?? new HubHttpError(404, `Cannot ${method} ${url.pathname}`))
  }

  const runRoute = async (): Promise<void> => {
    try {
      await matched.run(ctx, deps.state)
    } catch (error) {
      answerError(ctx, error)
    }
  }
  const plan = deps.faults.take(matched.route, method, url.pathname, Number(req.headers['content-length'] ?? 0))
  if (!plan) return runRoute()
  const event: FaultEvent = { ruleId: plan.ruleId, route: matched.route, method, path: url.pathname, kind: plan.kind }
  deps.state.stats.faults.push(event)
  record.fault = plan.kind
  await applyPlan(ctx, plan, matched.route, deps, runRoute, (kind) => {
    event.kind = kind
    record.fault = kind
  })
}

/** Carries a fault plan out around the route (or instead of it). */
async function applyPlan(
  ctx: RequestContext,
  plan: FaultPlan,
  route: RouteName,
  deps: Dependencies,
  runRoute: () => Promise<void>,
  /** Corrects the recorded kind when the plan could not be carried out as written. */
  recordKind: (kind: FaultKind) => void
): Promise<void> {
  const { req, res } = ctx
  const path = ctx.url.pathname
  const countUpload = (count: number): void => {
    if (isUploadRoute(route)) deps.state.stats.lfsBytesReceived += count
  }
  if (plan.delayMs > 0) {
    try {
      await sleep(plan.delayMs, undefined, { signal: deps.closing })
    } catch {
      req.socket.destroy()
      return
    }
  }
  if (plan.hold === 'before') await deps.faults.hold(plan.ruleId, req.method ?? 'GET', path, 'before')
  if (plan.resetRequestAt !== undefined) return readThenReset(req, plan.resetRequestAt, countUpload)
  for (const [name, value] of Object.entries(plan.headers)) res.setHeader(name, value)
  const capture = plan.response || plan.hold === 'after' ? new AnswerCapture(res) : undefined
  const work = plan.answer ? Promise.resolve(writeFaultAnswer(ctx, plan.answer, route, countUpload)) : runRoute()
  if (!capture) return work
  const answer = await Promise.race([capture.done, work.then(() => capture.finished())])
  if (!answer) {
    // The route gave up on the connection itself (e.g. the client hung up): nothing to send.
    capture.restore()
    return work
  }
  if (plan.hold === 'after') await deps.faults.hold(plan.ruleId, req.method ?? 'GET', path, 'after')
  const response = plan.response
  if (!response) capture.send(answer)
  else if (response.kind === 'drop') capture.drop()
  else if (response.kind === 'gateway') capture.sendGatewayError(response.status)
  else if (capture.sendCut(answer, response.at, req.method === 'HEAD') === 'dropped') recordKind('drop-response')
  await work
}

/** A fault's `status` answer: the rule's body, or the surface's usual error shape (Hub JSON, S3 XML). */
function writeFaultAnswer(
  ctx: RequestContext,
  answer: { status: number; body?: unknown },
  route: RouteName,
  countUpload: (count: number) => void
): void {
  const { req, res } = ctx
  const body: unknown =
    typeof answer.body === 'function' ? (answer.body as (r: typeof req) => unknown)(req) : answer.body
  if (body === undefined && ctx.surface === 'storage' && answer.status >= 400) {
    sendS3Error(res, s3ErrorForStatus(answer.status))
  } else {
    const isText = typeof body === 'string'
    const payload = Buffer.from(
      isText ? body : JSON.stringify(body ?? { error: `Emulated fault on ${route} (HTTP ${answer.status})` })
    )
    res.writeHead(answer.status, {
      'Content-Type': isText ? 'text/plain; charset=utf-8' : JSON_CONTENT_TYPE,
      'Content-Length': String(payload.length)
    })
    res.end(req.method === 'HEAD' ? undefined : payload)
  }
  // The refused body still arrives (and counts): an early answer does not stop a client from sending.
  drainBody(req, countUpload)
}

function recordWhenDone(res: ServerResponse, stats: HubStats, record: Omit<RequestRecord, 'status'>): void {
  res.once('close', () => {
    stats.requests.push({ ...record, status: res.headersSent ? res.statusCode : 0 })
  })
}

/** Absolute URLs in answers use the origin the client used, so they stay same-origin for it. */
function requestOrigin(req: IncomingMessage, fallback: string): string {
  const host = req.headers.host
  return host && /^[\w.-]+(:\d+)?$|^\[[\da-fA-F:.]+\](:\d+)?$/.test(host) ? `http://${host}` : fallback
}

function answerError(ctx: RequestContext, error: unknown): void {
  const { req, res } = ctx
  // The client hung up (e.g. hub.js aborting its other uploads after a failure): nobody to answer.
  if (req.socket.destroyed || isCode(error, 'ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE')) return
  if (res.headersSent) {
    // Too late for a status: break the connection so the client cannot mistake this for success.
    res.socket?.destroy()
    return
  }
  if (error instanceof RepoRedirect) return sendRedirect(ctx, renamedPath(ctx.url, error.from, error.to))
  if (ctx.surface === 'storage') {
    if (error instanceof S3Error) return sendS3Error(res, error)
    if (error instanceof HubHttpError) return sendS3Error(res, s3ErrorForStatus(error.status))
  }
  if (error instanceof HubHttpError) return sendError(res, error)
  // Unexpected failures are emulator bugs; report them loudly (messages never contain tokens).
  const message = error instanceof Error ? error.message : String(error)
  console.error('[hub-emulator] internal error:', error instanceof Error ? error.stack : message)
  const internal = new HubHttpError(500, `Internal emulator error: ${message}`)
  if (ctx.surface === 'storage') return sendS3Error(res, s3ErrorForStatus(500))
  sendError(res, internal)
}

/** 307 with a relative Location and a text body, as the Hub answers for a renamed repo (fixture 09). */
function sendRedirect(ctx: RequestContext, location: string): void {
  const body = Buffer.from(`Temporary Redirect. Redirecting to ${location}`)
  ctx.res.writeHead(307, {
    Location: location,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(body.length)
  })
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body)
}

/** The request's path and query with the repo's old name replaced by the new one. */
function renamedPath(url: URL, from: RepoRef, to: RepoRef): string {
  const prefixes = [
    [`/api/${from.type}s/${from.name}`, `/api/${to.type}s/${to.name}`],
    [`/${urlPrefix(from.type)}${from.name}`, `/${urlPrefix(to.type)}${to.name}`]
  ]
  for (const [old, renamed] of prefixes) {
    const rest = url.pathname.slice(old!.length)
    if (url.pathname.startsWith(old!) && (rest === '' || rest.startsWith('/') || rest.startsWith('.git/'))) {
      return `${renamed}${rest}${url.search}`
    }
  }
  return `${url.pathname}${url.search}`
}

/**
 * Old ids without a namespace (`/api/models/bert-base-uncased`, `/bert-base-uncased/resolve/…`) match
 * no route by themselves; when one was registered as a redirect, answer the 307.
 */
async function legacyRedirect(state: EmulatorState, url: URL): Promise<string | undefined> {
  const segments = url.pathname.split('/').slice(1)
  const candidates: RepoRef[] = []
  if (segments[0] === 'api') {
    const type = typeFromPlural(segments[1] ?? '')
    if (type && segments[2]) candidates.push({ type, name: segments[2] })
  } else {
    const type = typeFromPlural(segments[0] ?? '')
    const first = type && type !== 'model' ? segments[1] : segments[0]
    if (first) candidates.push({ type: type && type !== 'model' ? type : 'model', name: first.replace(/\.git$/, '') })
  }
  for (const candidate of candidates) {
    const target = await state.store.renamedTo(candidate)
    if (target && !(await state.store.getRepo(candidate))) return renamedPath(url, candidate, target)
  }
  return undefined
}

/**
 * The test-control plane (no auth, loopback only), for other processes: `/_emulator/faults` (POST
 * rule(s), DELETE, GET), `/_emulator/faults/<id>/held` (GET, waits), `/_emulator/faults/<id>/release`
 * (POST), `/_emulator/held`, `/_emulator/stats` (GET, DELETE), `/_emulator/expire-upload-urls` (POST),
 * `/_emulator/upload-url-signatures` (GET).
 */
async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, deps: Dependencies): Promise<void> {
  const path = url.pathname
  const { faults, state } = deps
  try {
    if (path.startsWith('/_emulator/trusted-publishers'))
      return await trustedPublishersControl(req, res, path, deps.state.trustedPublishers)
    const rule = /^\/_emulator\/faults\/([\w-]+)\/(held|release)$/.exec(path)
    if (path === '/_emulator/faults' && req.method === 'POST') {
      const body = await readJsonBody(req)
      const rules: unknown[] = Array.isArray(body) ? body : [body]
      for (const candidate of rules) validateFaultRule(candidate)
      const ids = (rules as FaultRule[]).map((candidate) => faults.add(candidate).id)
      return sendJson(res, 200, { ids, pending: faults.pending() })
    }
    if (path === '/_emulator/faults' && req.method === 'DELETE') {
      faults.clear()
      return sendJson(res, 200, { pending: [] })
    }
    if (path === '/_emulator/faults' && req.method === 'GET') return sendJson(res, 200, { pending: faults.pending() })
    if (rule?.[2] === 'held' && req.method === 'GET') {
      const timeoutMs = Math.min(60_000, Number(url.searchParams.get('timeoutMs') ?? 10_000) || 10_000)
      try {
        const held = await faults.waitForHeld(rule[1]!, timeoutMs)
        return sendJson(res, 200, { held: describeHeld(held) })
      } catch (error) {
        return sendJson(res, 408, { error: error instanceof Error ? error.message : String(error) })
      }
    }
    if (rule?.[2] === 'release' && req.method === 'POST') {
      return sendJson(res, 200, { released: faults.release(rule[1]!) })
    }
    if (path === '/_emulator/held' && req.method === 'GET') {
      return sendJson(res, 200, { held: faults.heldRequests().map(describeHeld) })
    }
    if (path === '/_emulator/stats' && req.method === 'GET') {
      return sendJson(res, 200, { ...state.stats, byRoute: summarize(state.stats) })
    }
    if (path === '/_emulator/stats' && req.method === 'DELETE') {
      resetStats(state.stats)
      return sendJson(res, 200, state.stats)
    }
    if (path === '/_emulator/expire-upload-urls' && req.method === 'POST') {
      state.signer.expireAll()
      return sendJson(res, 200, { expired: state.signer.signatures().length })
    }
    if (path === '/_emulator/upload-url-signatures' && req.method === 'GET') {
      return sendJson(res, 200, { signatures: state.signer.signatures() })
    }
    sendError(res, new HubHttpError(404, `Unknown emulator control endpoint ${req.method} ${path}`))
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    sendError(res, error instanceof HubHttpError ? error : new HubHttpError(400, message))
  }
}

function describeHeld(held: { ruleId: string; method: string; path: string; stage: string }): Record<string, string> {
  return { ruleId: held.ruleId, method: held.method, path: held.path, stage: held.stage }
}

/** Requests per route and status, for counting retries from another process. */
function summarize(stats: HubStats): Record<string, { count: number; statuses: Record<string, number> }> {
  const byRoute: Record<string, { count: number; statuses: Record<string, number> }> = {}
  for (const request of stats.requests) {
    const entry = (byRoute[request.route] ??= { count: 0, statuses: {} })
    entry.count++
    entry.statuses[String(request.status)] = (entry.statuses[String(request.status)] ?? 0) + 1
  }
  return byRoute
}
