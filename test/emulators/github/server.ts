/**
 * A local GitHub REST API emulator (node:http, 127.0.0.1) for the requests the action's real
 * libraries make: `@actions/artifact` with `findBy` (list, get by name, 302 download redirect, blob
 * GET) and Octokit from `@actions/github` (workflow runs, issues, comments, labels).
 *
 * It speaks GitHub's protocol rather than mocking functions: JSON answers with
 * `application/json; charset=utf-8`, GitHub's error bodies and status codes, `Link` pagination,
 * `token`/`Bearer` authentication with 401/403 answers, and rate-limit headers. Faults can be injected
 * per route, in-process or over HTTP (`/_emulator/faults`), so a child process can be tested too.
 * State persists as JSON in `dataDir`; tokens live in memory only and are never logged or stored.
 *
 * See README.md next to this file for the route table and what differs from GitHub.
 */
import { randomBytes } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { azureError, BlobTickets } from './blobs.ts'
import { ApiError, DOCS, errorBody, readJsonBody, type Reply } from './http.ts'
import { Model, type ArtifactSeed, type IssueSeed, type RepoOptions, type WorkflowRunSeed } from './model.ts'
import { workflowDispatchPayload, workflowRunPayload } from './payloads.ts'
import type { Artifact, WorkflowRun } from './render.ts'
import { Router, type Level, type Route, type Scope } from './router.ts'
import { actionsRoutes } from './routes-actions.ts'
import { issuesRoutes } from './routes-issues.ts'
import { repoRoutes } from './routes-repos.ts'
import { Store, type Issue, type LabelRecord, type Repo } from './store.ts'

export type { Artifact, WorkflowRun } from './render.ts'
export type { Comment, Issue, LabelRecord, Repo } from './store.ts'
export type { ArtifactSeed, IssueSeed, RepoOptions, WorkflowRunSeed } from './model.ts'
export { buildZip, listZipEntries, renameZipEntries, type ZipEntry, type ZipEntryInfo } from './zip.ts'

export interface TokenGrant {
  login: string
  /** Defaults: `actions: 'read'`, `issues: 'write'` (what the action's workflow grants). */
  permissions?: { actions?: 'read' | 'none'; issues?: 'write' | 'read' | 'none' }
}

export interface GithubEmulatorOptions {
  dataDir: string
  /** 0 (default) picks a free port. */
  port?: number
  host?: string
  /** Accepted tokens, in memory only. Unset or empty: any token is `github-actions[bot]` with every permission. */
  tokens?: Record<string, TokenGrant>
  /** Fixes the time used for seeded and created objects (reproducible fixtures); default: real time. */
  clock?: () => Date
}

export interface FaultRule {
  /** A route name from `emulator.routes` (e.g. `GET /repos/{owner}/{repo}/issues`), or `*` for all. */
  route: string
  /** Answer with this status (and `body`, default a GitHub error body) instead of the real answer. */
  status?: number
  /** How many requests the rule applies to; unlimited when omitted. */
  times?: number
  /** Wait this long before answering (with `status`, or normally when no status is given). */
  delayMs?: number
  body?: unknown
}

export interface RequestRecord {
  method: string
  /** Path plus query; values of parameters that could carry anything sensitive are replaced by `*`. */
  path: string
  status: number
  route: string
}

export interface GithubEmulator {
  /** API base URL, e.g. `http://127.0.0.1:5123`; use it as `GITHUB_API_URL`. */
  url: string
  /** Every route name the emulator serves, including the blob route. */
  routes: string[]
  close(): Promise<void>
  faults: { add(rule: FaultRule): void; clear(): void }
  requests: RequestRecord[]
  addRepo(fullName: string, opts?: RepoOptions): Repo
  addWorkflowRun(fullName: string, run?: WorkflowRunSeed): WorkflowRun
  /** The run as `GET …/actions/runs/{id}` would return it, or undefined. */
  findWorkflowRun(fullName: string, runId: number): WorkflowRun | undefined
  /** Async because yazl zips through a stream. */
  addArtifact(fullName: string, runId: number, artifact: ArtifactSeed): Promise<Artifact>
  /** Seeds an existing issue (e.g. an open failure issue from an earlier run). */
  addIssue(fullName: string, issue: IssueSeed): Issue
  /** Seeds a pull request, which `GET /repos/{o}/{r}/issues` lists among the issues, as GitHub does. */
  addPullRequest(fullName: string, pr: IssueSeed): Issue
  workflowRunPayload(fullName: string, runId: number, action?: 'completed' | 'requested'): object
  workflowDispatchPayload(fullName: string, inputs?: Record<string, unknown>): object
  issues(fullName: string): Issue[]
  labels(fullName: string): LabelRecord[]
}

export const BLOB_ROUTE = 'GET /_blobs/{ticket}.zip'
const DEFAULT_LOGIN = 'github-actions[bot]'
const RATE_LIMIT = 5000
const LEVELS: Record<'none' | Level, number> = { none: 0, read: 1, write: 2 }
/** Query parameters whose values are shown in `requests[]`; all others appear as `key=*`. */
const LOGGED_QUERY_KEYS = new Set([
  'page',
  'per_page',
  'name',
  'state',
  'labels',
  'creator',
  'sort',
  'direction',
  'since',
  'branch',
  'event',
  'status',
  'actor',
  'head_sha',
  'exclude_pull_requests',
  'created',
  'check_suite_id'
])

interface Caller {
  login: string
  permissions: Record<Scope, 'none' | Level>
}

export async function startGithubEmulator(opts: GithubEmulatorOptions): Promise<GithubEmulator> {
  const model = new Model(new Store(opts.dataDir), opts.clock)
  const tickets = new BlobTickets()
  const router = new Router([...repoRoutes(model), ...actionsRoutes(model, tickets), ...issuesRoutes(model)])
  const faults = new Faults([...router.names, BLOB_ROUTE])
  const requests: RequestRecord[] = []
  const rateLimit = new RateLimit()
  let api = ''

  const context: HandlerContext = {
    model,
    tickets,
    router,
    faults,
    requests,
    rateLimit,
    tokens: opts.tokens,
    api: () => api
  }
  const server = createServer((req, res) => {
    handleRequest(context, req, res).catch((error: unknown) => {
      console.error('github emulator: unexpected error', error)
      if (!res.headersSent) sendReply(res, { status: 500, json: errorBody(500, 'Server Error', DOCS) }, {})
      else res.destroy()
    })
  })
  const host = opts.host ?? '127.0.0.1'
  await listen(server, opts.port ?? 0, host)
  api = `http://${host}:${(server.address() as AddressInfo).port}`

  return {
    url: api,
    routes: [...router.names, BLOB_ROUTE],
    close: () => closeServer(server),
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    requests,
    addRepo: (fullName, repoOpts) => model.addRepo(fullName, repoOpts),
    addWorkflowRun: (fullName, run) => model.runView(model.addWorkflowRun(fullName, run), api),
    findWorkflowRun: (fullName, runId) => {
      const run = model.store.findRun(model.store.findRepo(fullName)?.full_name ?? '', runId)
      return run ? model.runView(run, api) : undefined
    },
    addArtifact: async (fullName, runId, artifact) =>
      model.artifactView(await model.addArtifact(fullName, runId, artifact), api),
    addIssue: (fullName, issue) => structuredClone(model.addIssue(fullName, issue)),
    addPullRequest: (fullName, pr) => structuredClone(model.addIssue(fullName, pr, true)),
    workflowRunPayload: (fullName, runId, action = 'completed') =>
      workflowRunPayload(model, fullName, runId, action, api),
    workflowDispatchPayload: (fullName, inputs = {}) => workflowDispatchPayload(model, fullName, inputs, api),
    issues: (fullName) => structuredClone(model.store.issuesOf(model.requireRepo(fullName).full_name)),
    labels: (fullName) => structuredClone(model.store.labelsOf(model.requireRepo(fullName).full_name))
  }
}

interface HandlerContext {
  model: Model
  tickets: BlobTickets
  router: Router
  faults: Faults
  requests: RequestRecord[]
  rateLimit: RateLimit
  tokens: Record<string, TokenGrant> | undefined
  api: () => string
}

async function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.api())
  const method = req.method ?? 'GET'
  if (url.pathname.startsWith('/_emulator/')) return handleControl(ctx, req, res, url)
  if (method === 'GET' && url.pathname.startsWith('/_blobs/')) {
    const reply = await serveBlob(ctx, url.pathname)
    sendReply(res, reply, {})
    ctx.requests.push({ method, path: '/_blobs/{ticket}.zip', status: reply.status, route: BLOB_ROUTE })
    return
  }
  const { reply, route, login } = await answerApi(ctx, req, method, url)
  sendReply(res, reply, githubHeaders(ctx.rateLimit.use(login ?? 'anonymous')))
  ctx.requests.push({ method, path: loggedPath(url), status: reply.status, route })
}

/** Routing, faults, authentication, repository lookup and permissions, in GitHub's order. */
async function answerApi(ctx: HandlerContext, req: IncomingMessage, method: string, url: URL) {
  const path = resolveRepositoryAlias(ctx.model, url.pathname)
  const match = path === undefined ? undefined : ctx.router.match(method, path)
  if (!match) return { reply: errorReply(new ApiError(404, 'Not Found')), route: '(unmatched)' }
  let login: string | undefined
  try {
    const fault = await ctx.faults.apply(match.name)
    if (fault) return { reply: faultReply(fault, match.route.docs), route: match.name }
    const caller = authenticate(req.headers.authorization, ctx.tokens)
    login = caller.login
    const repo = ctx.model.store.findRepo(`${match.params.owner}/${match.params.repo}`)
    if (!repo) throw new ApiError(404, 'Not Found', match.route.docs)
    authorize(caller, match.route)
    const body = method === 'POST' || method === 'PATCH' ? await readJsonBody(req) : undefined
    const reply = await match.route.handle({
      method,
      params: match.params,
      query: url.searchParams,
      body,
      login,
      api: ctx.api(),
      repo
    })
    return { reply, route: match.name, login }
  } catch (error) {
    return { reply: errorReply(error), route: match.name, login }
  }
}

/** GitHub's `Link` URLs use `/repositories/{id}/…`; they are served as the `/repos/{owner}/{repo}/…` path. */
function resolveRepositoryAlias(model: Model, pathname: string): string | undefined {
  const m = /^\/repositories\/(\d+)(\/.*)?$/.exec(pathname)
  if (!m) return pathname
  const repo = model.store.findRepoById(Number(m[1]))
  return repo ? `/repos/${repo.full_name}${m[2] ?? ''}` : undefined
}

function authenticate(header: string | undefined, tokens: Record<string, TokenGrant> | undefined): Caller {
  if (!header) throw new ApiError(401, 'Requires authentication')
  const m = /^(?:token|bearer)\s+(\S+)\s*$/i.exec(header)
  const open = !tokens || Object.keys(tokens).length === 0
  if (!m) throw new ApiError(401, 'Bad credentials')
  if (open) return { login: DEFAULT_LOGIN, permissions: { actions: 'write', issues: 'write' } }
  const grant = Object.hasOwn(tokens, m[1] ?? '') ? tokens[m[1] ?? ''] : undefined
  if (!grant) throw new ApiError(401, 'Bad credentials')
  return {
    login: grant.login,
    permissions: { actions: grant.permissions?.actions ?? 'read', issues: grant.permissions?.issues ?? 'write' }
  }
}

/** A GITHUB_TOKEN without the scope gets GitHub's integration wording. */
function authorize(caller: Caller, route: Route): void {
  const needed = route.permission
  if (needed && LEVELS[caller.permissions[needed.scope]] < LEVELS[needed.level]) {
    throw new ApiError(403, 'Resource not accessible by integration', route.docs)
  }
}

async function serveBlob(ctx: HandlerContext, pathname: string): Promise<Reply> {
  const fault = await ctx.faults.apply(BLOB_ROUTE)
  if (fault?.status !== undefined) {
    const body = fault.body === undefined ? azureError('ServerBusy', 'Injected fault') : String(fault.body)
    return { status: fault.status, bytes: Buffer.from(body), headers: { 'content-type': 'application/xml' } }
  }
  const ticket = ctx.tickets.resolve(/^\/_blobs\/([\w-]+)\.zip$/.exec(pathname)?.[1] ?? '')
  if (!ticket) {
    const xml = azureError('AuthenticationFailed', 'Signed expiry time has passed or the signature is unknown.')
    return { status: 403, bytes: Buffer.from(xml), headers: { 'content-type': 'application/xml' } }
  }
  const bytes = ctx.model.store.readBlob(ticket.blob)
  const fileName = encodeURIComponent(`${ticket.name}.zip`)
  return {
    status: 200,
    bytes,
    headers: {
      'content-type': 'application/zip',
      'content-disposition': `attachment; filename=${fileName}; filename*=UTF-8''${fileName}`,
      'x-ms-request-id': randomBytes(16).toString('hex'),
      'x-ms-version': '2021-12-02',
      'x-ms-blob-type': 'BlockBlob'
    }
  }
}

/** `/_emulator/*`: the test-control plane (no auth, loopback only). */
async function handleControl(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method} ${url.pathname}`
  try {
    if (route === 'POST /_emulator/faults') {
      const body = await readJsonBody(req)
      for (const rule of Array.isArray(body) ? body : [body]) ctx.faults.add(rule as FaultRule)
      return sendReply(res, { status: 201, json: { faults: ctx.faults.count } }, {})
    }
    if (route === 'DELETE /_emulator/faults') {
      ctx.faults.clear()
      return sendReply(res, { status: 204 }, {})
    }
    if (route === 'GET /_emulator/state') return sendReply(res, { status: 200, json: ctx.model.store.snapshot() }, {})
    if (route === 'GET /_emulator/requests') return sendReply(res, { status: 200, json: ctx.requests }, {})
    sendReply(res, { status: 404, json: { message: `unknown control route ${route}` } }, {})
  } catch (error) {
    sendReply(res, { status: 400, json: { message: error instanceof Error ? error.message : String(error) } }, {})
  }
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) {
    return { status: error.status, json: errorBody(error.status, error.message, error.documentationUrl, error.errors) }
  }
  throw error
}

function faultReply(fault: FaultRule & { status: number }, docs: string): Reply {
  return {
    status: fault.status,
    json: fault.body ?? errorBody(fault.status, STATUS_CODES[fault.status] ?? 'Error', docs)
  }
}

function sendReply(res: ServerResponse, reply: Reply, headers: Record<string, string>): void {
  const body = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : (reply.bytes ?? Buffer.alloc(0))
  const contentType: Record<string, string> =
    reply.json !== undefined ? { 'content-type': 'application/json; charset=utf-8' } : {}
  res.writeHead(reply.status, { ...headers, ...contentType, ...reply.headers, 'content-length': String(body.length) })
  res.end(body)
}

function githubHeaders(limit: { remaining: number; used: number; reset: number }): Record<string, string> {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return {
    server: 'github.com',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': `${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}:${hex(4)}`,
    'x-ratelimit-limit': String(RATE_LIMIT),
    'x-ratelimit-remaining': String(limit.remaining),
    'x-ratelimit-reset': String(limit.reset),
    'x-ratelimit-used': String(limit.used),
    'x-ratelimit-resource': 'core'
  }
}

function loggedPath(url: URL): string {
  const query = [...url.searchParams].map(([k, v]) => `${k}=${LOGGED_QUERY_KEYS.has(k) ? encodeURIComponent(v) : '*'}`)
  return query.length ? `${url.pathname}?${query.join('&')}` : url.pathname
}

/** Counts requests per login in hourly windows; the numbers only feed the headers, nothing is refused. */
class RateLimit {
  private readonly used = new Map<string, { window: number; count: number }>()

  use(login: string): { remaining: number; used: number; reset: number } {
    const window = Math.floor(Date.now() / 3_600_000)
    const entry = this.used.get(login)
    const count = entry?.window === window ? entry.count + 1 : 1
    this.used.set(login, { window, count })
    return { remaining: Math.max(0, RATE_LIMIT - count), used: count, reset: (window + 1) * 3600 }
  }
}

class Faults {
  private rules: Array<FaultRule & { left: number }> = []

  constructor(private readonly routeNames: string[]) {}

  get count(): number {
    return this.rules.length
  }

  add(rule: FaultRule): void {
    if (!rule || typeof rule.route !== 'string') throw new Error('fault rule needs a "route"')
    if (rule.route !== '*' && !this.routeNames.includes(rule.route)) {
      throw new Error(`unknown route ${JSON.stringify(rule.route)}; known: ${this.routeNames.join(', ')}`)
    }
    if (rule.status === undefined && rule.delayMs === undefined)
      throw new Error('fault rule needs "status" and/or "delayMs"')
    if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 200 && rule.status <= 599)) {
      throw new Error(`fault status must be an HTTP status, got ${rule.status}`)
    }
    this.rules.push({ ...rule, left: rule.times ?? Number.POSITIVE_INFINITY })
  }

  clear(): void {
    this.rules = []
  }

  /** Consumes one use of the first rule for `route`, after its delay; returns it if it sets a status. */
  async apply(route: string): Promise<(FaultRule & { status: number }) | undefined> {
    const rule = this.rules.find((r) => r.route === route || r.route === '*')
    if (!rule) return undefined
    if (--rule.left <= 0) this.rules = this.rules.filter((r) => r !== rule)
    if (rule.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs))
    return rule.status === undefined ? undefined : { ...rule, status: rule.status }
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
