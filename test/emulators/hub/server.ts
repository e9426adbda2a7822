// A local Hugging Face Hub that the real `@huggingface/hub` client talks to over HTTP: repos,
// preupload, LFS batch + basic/multipart uploads, NDJSON commits, listings, info, refs and
// downloads, with fault injection and request stats. Routes and disk layout: README.md.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve as resolvePath } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Authenticator } from './auth.ts'
import { HubHttpError } from './errors.ts'
import { FaultInjector, cutResponseMidBody, faultBody, faultHeaders, validateFaultRule } from './faults.ts'
import { readJsonBody, newRequestId, sendError, sendJson, setCommonHeaders, type RequestContext } from './http.ts'
import { parseRepoDesignation } from './repo-names.ts'
import { matchRoute, type MatchedRoute } from './router.ts'
import { trustedPublishersControl } from './routes/oauth.ts'
import { createRepoWithInitialCommit } from './routes/repos.ts'
import type { EmulatorState } from './routes/shared.ts'
import { DEFAULT_BRANCH, HubStore, isCode } from './store.ts'
import { TrustedPublishers, type TrustedPublishersOptions } from './trusted-publishers.ts'
import { UploadSessions } from './uploads.ts'
import type {
  FaultRule,
  HubStats,
  RepoDesignation,
  RepoRef,
  RouteName,
  StatsRoute,
  StoredFile,
  TokenGrant
} from './types.ts'

export type { FaultRule, HubStats, RepoDesignation, RepoRef, RepoType, RouteName, TokenGrant } from './types.ts'
export { FaultInjector } from './faults.ts'
export { ROUTE_NAMES } from './types.ts'

const MiB = 1024 * 1024

export interface HubEmulatorOptions {
  /** State persists here (created if missing); an emulator restarted on the same dir sees the same repos. */
  dataDir: string
  /** Default 0 (a free port). */
  port?: number
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
  /** Tree page size for both plain and expanded listings (default 1000, or 50 with expand). */
  pageSize?: number
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
  close(): Promise<void>
  faults: FaultInjector
  /** Live counters; paths without query strings, never headers. */
  stats: HubStats
  resetStats(): void
  createRepo(repo: RepoDesignation, opts?: { private?: boolean }): Promise<{ headOid: string }>
  /** Newest first. */
  listCommits(repo: RepoDesignation, branch?: string): Promise<CommitSummary[]>
  readFile(repo: RepoDesignation, revision: string, path: string): Promise<Buffer | null>
  /** Where that repo's state lives on disk, for tamper tests. */
  repoDir(repo: RepoDesignation): string
  /** The file on disk holding the content of `path` at `revision` (regular object or LFS object), or null. */
  storedFilePath(repo: RepoDesignation, revision: string, path: string): Promise<string | null>
  /** Publishers per repo, exchanged-token settings and expiry (trusted-publishers.ts). */
  trustedPublishers: TrustedPublishers
}

export async function startHubEmulator(opts: HubEmulatorOptions): Promise<HubEmulator> {
  const store = new HubStore(resolvePath(opts.dataDir))
  await store.init()
  const stats: HubStats = { lfsBytesReceived: 0, requests: [] }
  const state: EmulatorState = {
    store,
    stats,
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
  const auth = new Authenticator(opts.tokens, state.trustedPublishers)
  const host = opts.host ?? '127.0.0.1'

  let baseUrl = ''
  const server = createServer({ highWaterMark: MiB }, (req, res) => {
    handleRequest(req, res, { state, faults, auth, baseUrl: () => baseUrl }).catch((error: unknown) => {
      // Last resort: a bug outside the route's own error handling must not crash the test process.
      console.error('[hub-emulator] unhandled:', error instanceof Error ? error.stack : String(error))
      res.destroy()
    })
  })
  // Multi-GiB uploads may legitimately take longer than Node's default 5-minute request timeout.
  server.requestTimeout = 0
  baseUrl = await listen(server, opts.port ?? 0, host)

  return {
    url: baseUrl,
    faults,
    trustedPublishers: state.trustedPublishers,
    stats,
    resetStats: () => resetStats(stats),
    close: async () => {
      // Stop accepting first, then cut keep-alive and in-flight connections so close() resolves promptly.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
      await state.uploads.closeAll()
    },
    createRepo: async (repo, options) => {
      const ref = parseRepoDesignation(repo)
      const author = ref.name.split('/')[0] ?? 'tester'
      const created = await createRepoWithInitialCommit(
        store,
        { repo: ref, private: options?.private ?? false, files: new Map() },
        author
      )
      if (!created) throw new Error(`Repo ${ref.type}s/${ref.name} already exists`)
      return { headOid: created.commit.oid }
    },
    listCommits: async (repo, branch = DEFAULT_BRANCH) => {
      const ref = parseRepoDesignation(repo)
      const resolved = await store.resolveRevision(ref, branch)
      const commits: CommitSummary[] = []
      if (!resolved) return commits
      for await (const commit of store.history(ref, resolved.oid)) {
        commits.push({ oid: commit.oid, title: commit.title, message: commit.message, parents: [...commit.parents] })
      }
      return commits
    },
    readFile: async (repo, revision, path) => {
      const ref = parseRepoDesignation(repo)
      const file = await storedFileAt(store, ref, revision, path)
      return file ? store.readContent(ref, file) : null
    },
    repoDir: (repo) => store.repoDir(repo),
    storedFilePath: async (repo, revision, path) => {
      const ref = parseRepoDesignation(repo)
      const file = await storedFileAt(store, ref, revision, path)
      return file ? store.contentPath(ref, file) : null
    }
  }
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
}

interface Dependencies {
  state: EmulatorState
  faults: FaultInjector
  auth: Authenticator
  baseUrl: () => string
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, deps: Dependencies): Promise<void> {
  setCommonHeaders(res, newRequestId(req))
  const method = req.method ?? 'GET'
  const url = new URL(req.url ?? '/', 'http://emulator.invalid')
  if (url.pathname.startsWith('/_emulator/')) return handleControl(req, res, url.pathname, deps)

  let matched: MatchedRoute | undefined
  let routingError: HubHttpError | undefined
  try {
    matched = matchRoute(method, url.pathname)
  } catch (error) {
    routingError = error instanceof HubHttpError ? error : new HubHttpError(400, 'Bad request')
  }
  recordWhenDone(res, deps.state.stats, { method, path: url.pathname, route: matched?.route ?? 'unknown' })
  const ctx: RequestContext = {
    req,
    res,
    url,
    origin: requestOrigin(req, deps.baseUrl()),
    identity: deps.auth.identify(req)
  }
  if (!matched) return answerError(ctx, routingError ?? new HubHttpError(404, `Cannot ${method} ${url.pathname}`))

  const fault = deps.faults.take(matched.route, method)
  if (fault && (await applyFault(ctx, fault, matched.route, deps.state)) === 'answered') return
  try {
    await matched.run(ctx, deps.state)
  } catch (error) {
    answerError(ctx, error)
  }
}

function recordWhenDone(
  res: ServerResponse,
  stats: HubStats,
  record: { method: string; path: string; route: StatsRoute }
): void {
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
  if (error instanceof HubHttpError) return sendError(res, error)
  // Unexpected failures are emulator bugs; report them loudly (messages never contain tokens).
  const message = error instanceof Error ? error.message : String(error)
  console.error('[hub-emulator] internal error:', error instanceof Error ? error.stack : message)
  sendError(res, new HubHttpError(500, `Internal emulator error: ${message}`))
}

/** Applies a fault rule; 'answered' means the fault produced the whole (broken) exchange. */
async function applyFault(
  ctx: RequestContext,
  rule: FaultRule,
  route: RouteName,
  state: EmulatorState
): Promise<'answered' | 'continue'> {
  const { req, res } = ctx
  if (rule.delayMs) await sleep(rule.delayMs)
  if (rule.status !== undefined) {
    const { contentType, payload } = faultBody(rule, route)
    res.writeHead(rule.status, {
      ...faultHeaders(rule),
      'Content-Type': contentType,
      'Content-Length': String(payload.length)
    })
    if (rule.resetMidBody) cutResponseMidBody(res)
    res.end(req.method === 'HEAD' ? undefined : payload)
    // Drain the refused body; upload bytes still count as received.
    if (isUploadRoute(route)) req.on('data', (chunk: Buffer) => (state.stats.lfsBytesReceived += chunk.length))
    req.resume()
    return 'answered'
  }
  for (const [name, value] of Object.entries(faultHeaders(rule))) res.setHeader(name, value)
  if (rule.resetMidBody && isUploadRoute(route)) {
    await readPartOfBodyThenReset(req, state.stats)
    return 'answered'
  }
  if (rule.resetMidBody) cutResponseMidBody(res)
  return 'continue'
}

function isUploadRoute(route: RouteName): boolean {
  return route === 'lfs-upload' || route === 'lfs-part'
}

/** Reads about half of the upload (at most 1 MiB), then drops the connection. */
function readPartOfBodyThenReset(req: IncomingMessage, stats: HubStats): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0)
  const target = Math.max(1, Math.min(MiB, Math.floor(declared / 2)))
  return new Promise((resolve) => {
    let received = 0
    let done = false
    const reset = (): void => {
      if (done) return
      done = true
      req.socket.destroy()
      resolve()
    }
    req.on('data', (chunk: Buffer) => {
      received += chunk.length
      stats.lfsBytesReceived += chunk.length
      if (received >= target) reset()
    })
    req.once('end', reset)
    req.once('error', reset)
  })
}

/** `/_emulator/faults` (POST rule(s), DELETE, GET) and `/_emulator/stats` (GET, DELETE), for other processes. */
async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: Dependencies
): Promise<void> {
  try {
    if (path.startsWith('/_emulator/trusted-publishers'))
      return await trustedPublishersControl(req, res, path, deps.state.trustedPublishers)
    if (path === '/_emulator/faults' && req.method === 'POST') {
      const body = await readJsonBody(req)
      const rules: unknown[] = Array.isArray(body) ? body : [body]
      for (const rule of rules) validateFaultRule(rule)
      for (const rule of rules as FaultRule[]) deps.faults.add(rule)
      return sendJson(res, 200, { pending: deps.faults.pending() })
    }
    if (path === '/_emulator/faults' && req.method === 'DELETE') {
      deps.faults.clear()
      return sendJson(res, 200, { pending: [] })
    }
    if (path === '/_emulator/faults' && req.method === 'GET')
      return sendJson(res, 200, { pending: deps.faults.pending() })
    if (path === '/_emulator/stats' && req.method === 'GET') return sendJson(res, 200, deps.state.stats)
    if (path === '/_emulator/stats' && req.method === 'DELETE') {
      resetStats(deps.state.stats)
      return sendJson(res, 200, deps.state.stats)
    }
    sendError(res, new HubHttpError(404, `Unknown emulator control endpoint ${req.method} ${path}`))
  } catch (error) {
    sendError(
      res,
      error instanceof HubHttpError
        ? error
        : new HubHttpError(400, error instanceof Error ? error.message : String(error))
    )
  }
}
