/**
 * A local GitHub REST API emulator (node:http, 127.0.0.1) for the requests the action's real
 * libraries make: `@actions/artifact` with `findBy` (list, get by name, 302 download redirect, blob
 * GET), Octokit from `@actions/github` (workflow runs and their attempts, issues, comments, labels)
 * and `core.getIDToken` (the job's OIDC ID-token endpoint and the issuer's discovery documents).
 *
 * It speaks GitHub's protocol rather than mocking functions: JSON answers with
 * `application/json; charset=utf-8`, GitHub's error bodies and status codes, `Link` pagination,
 * `token`/`Bearer` authentication with 401/403 answers, rate-limit headers and refusals. Faults
 * (statuses, rate limits, drops, cut bodies, delays, held requests) can be injected per route or
 * route class, in-process or over HTTP (`/_emulator/faults`), so a child process can be tested too.
 * State persists as JSON in `dataDir`; tokens live in memory only and are never logged or stored.
 *
 * See README.md next to this file for the route table and what differs from GitHub.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { azureAuthenticationFailed, azureError, BlobTickets } from './blobs.ts'
import { cutOffset, Faults, type AppliedFault, type FaultHandle, type FaultRule } from './faults.ts'
import {
  ApiError,
  DOCS,
  errorBody,
  primaryRateLimitBody,
  readJsonBody,
  secondaryRateLimitBody,
  serverErrorBody,
  type Reply
} from './http.ts'
import {
  Model,
  type ArtifactSeed,
  type IssueSeed,
  type RepoOptions,
  type RerunSeed,
  type RunUpdate,
  type WorkflowRunSeed
} from './model.ts'
import {
  ID_TOKEN_ROUTE,
  JWKS_ROUTE,
  OIDC_CONFIG_ROUTE,
  OidcProvider,
  type MintOptions,
  type OidcAnswer
} from './oidc.ts'
import type { OidcJob, OidcJobSeed } from './oidc.ts'
import { workflowDispatchPayload, workflowRunPayload, type PayloadOptions } from './payloads.ts'
import { userId, type Artifact, type WorkflowRun } from './render.ts'
import { Router, type Level, type Route, type Scope } from './router.ts'
import { actionsRoutes } from './routes-actions.ts'
import { issuesRoutes } from './routes-issues.ts'
import { repoRoutes } from './routes-repos.ts'
import { Store, type Issue, type LabelRecord, type Repo } from './store.ts'

export type { Artifact, WorkflowRun } from './render.ts'
export type { Comment, Issue, LabelRecord, Repo } from './store.ts'
export type { ArtifactSeed, IssueSeed, RepoOptions, RerunSeed, RunUpdate, WorkflowRunSeed } from './model.ts'
export type { FaultHandle, FaultRule, RateLimitKind } from './faults.ts'
export { ROUTE_CLASSES } from './faults.ts'
export type { MintOptions, OidcJob, OidcJobSeed } from './oidc.ts'
export type { PayloadOptions } from './payloads.ts'
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
  /** Fixes the time used for seeded and created objects, ID tokens and download URL expiry; default: real time. */
  clock?: () => Date
  /**
   * Primary rate limit per login and hour (default 5000). Past it every API request gets GitHub's
   * 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0` until the hour turns.
   */
  rateLimit?: number
}

export interface RequestRecord {
  method: string
  /** Path plus query; values of parameters that could carry anything sensitive are replaced by `*`. */
  path: string
  /** Status sent, or 0 when the connection was dropped before any answer. */
  status: number
  route: string
}

export interface GithubEmulator {
  /** API base URL, e.g. `http://127.0.0.1:5123`; use it as `GITHUB_API_URL`. */
  url: string
  /** Every route name the emulator serves, including the blob and OIDC routes. */
  routes: string[]
  close(): Promise<void>
  faults: {
    /** Adds a rule; the handle counts its hits and holds/releases requests. */
    add(rule: FaultRule): FaultHandle
    /** Removes every rule and lets held requests continue. */
    clear(): void
  }
  requests: RequestRecord[]
  addRepo(fullName: string, opts?: RepoOptions): Repo
  addWorkflowRun(fullName: string, run?: WorkflowRunSeed): WorkflowRun
  /** The run as `GET …/actions/runs/{id}` (or, with `attempt`, `…/attempts/{n}`) returns it, or undefined. */
  findWorkflowRun(fullName: string, runId: number, attempt?: number): WorkflowRun | undefined
  /** Attempt N+1 of the run: same id, new `run_started_at`; the earlier attempt and its artifacts stay. */
  rerunWorkflowRun(fullName: string, runId: number, rerun?: RerunSeed): WorkflowRun
  /** Changes the current attempt (e.g. a run completed after its payload was written). */
  updateWorkflowRun(fullName: string, runId: number, update: RunUpdate): WorkflowRun
  /** Async because yazl zips through a stream. */
  addArtifact(fullName: string, runId: number, artifact: ArtifactSeed): Promise<Artifact>
  /** Seeds an existing issue (e.g. an open failure issue from an earlier run). */
  addIssue(fullName: string, issue: IssueSeed): Issue
  /** Seeds a pull request, which `GET /repos/{o}/{r}/issues` lists among the issues, as GitHub does. */
  addPullRequest(fullName: string, pr: IssueSeed): Issue
  workflowRunPayload(
    fullName: string,
    runId: number,
    action?: 'completed' | 'requested',
    options?: PayloadOptions
  ): object
  workflowDispatchPayload(fullName: string, inputs?: Record<string, unknown>, options?: PayloadOptions): object
  issues(fullName: string): Issue[]
  labels(fullName: string): LabelRecord[]
  oidc: {
    /** `{url}/_oidc`: the `iss` of every ID token; discovery at `{issuer}/.well-known/openid-configuration`. */
    issuer: string
    /** The `kid` new tokens are signed with. */
    readonly currentKid: string
    /** A job with `permissions: id-token: write`: its claims and the env vars the runner would set. */
    addJob(repository: string, seed?: OidcJobSeed): OidcJob
    /** Signs a token for a job directly (expired, foreign key, other audience, …). */
    mintIdToken(jobId: string, options?: MintOptions): string
    /** A new signing key; the old one stays published unless `retireOld`. Returns the new `kid`. */
    rotateSigningKey(options?: { retireOld?: boolean }): string
  }
}

export const BLOB_ROUTE = 'GET /_blobs/{ticket}.zip'
const DEFAULT_LOGIN = 'github-actions[bot]'
const DEFAULT_RATE_LIMIT = 5000
const LEVELS: Record<'none' | Level, number> = { none: 0, read: 1, write: 2 }
/** How long a control-plane request may wait for a held request before it gives up. */
const MAX_HOLD_WAIT_MS = 30_000
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
  'check_suite_id',
  'api-version',
  'audience'
])

interface Caller {
  login: string
  permissions: Record<Scope, 'none' | Level>
}

/** One request's answer before it is sent; `body` is final bytes. */
interface Answer {
  status: number
  body: Buffer
  headers: Record<string, string>
}

/** What the fault pipeline needs to know about one request. */
interface Exchange {
  route: string
  /** Runs the route (it may change state) and gives its answer. */
  act(): Promise<Answer>
  /** The answer a fault's status or rate limit gives, without running the route. */
  faultAnswer(fault: AppliedFault): Answer
}

export async function startGithubEmulator(opts: GithubEmulatorOptions): Promise<GithubEmulator> {
  const clock = opts.clock ?? (() => new Date())
  const model = new Model(new Store(opts.dataDir), clock)
  const tickets = new BlobTickets(() => clock().getTime())
  const router = new Router([...repoRoutes(model), ...actionsRoutes(model, tickets), ...issuesRoutes(model)])
  const routes = [...router.names, BLOB_ROUTE, OIDC_CONFIG_ROUTE, JWKS_ROUTE, ID_TOKEN_ROUTE]
  const faults = new Faults(routes)
  const requests: RequestRecord[] = []
  const rateLimit = new RateLimit(opts.rateLimit ?? DEFAULT_RATE_LIMIT)
  let api = ''
  const oidc = new OidcProvider(model, clock, () => api)

  const context: HandlerContext = {
    model,
    clock,
    tickets,
    router,
    faults,
    requests,
    rateLimit,
    oidc,
    tokens: opts.tokens,
    api: () => api
  }
  const server = createServer((req, res) => {
    handleRequest(context, req, res).catch((error: unknown) => {
      console.error('github emulator: unexpected error', error)
      if (!res.headersSent) send(res, jsonAnswer(500, errorBody(500, 'Server Error', DOCS)))
      else res.destroy()
    })
  })
  const host = opts.host ?? '127.0.0.1'
  await listen(server, opts.port ?? 0, host)
  api = `http://${host}:${(server.address() as AddressInfo).port}`

  return {
    url: api,
    routes,
    close: () => {
      faults.clear()
      return closeServer(server)
    },
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    requests,
    addRepo: (fullName, repoOpts) => model.addRepo(fullName, repoOpts),
    addWorkflowRun: (fullName, run) => model.runView(model.addWorkflowRun(fullName, run), api),
    findWorkflowRun: (fullName, runId, attempt) => {
      const run = model.store.findRun(model.store.findRepo(fullName)?.full_name ?? '', runId)
      return run ? model.attemptView(run, attempt ?? run.run_attempt, api) : undefined
    },
    rerunWorkflowRun: (fullName, runId, rerun) => model.runView(model.rerunWorkflowRun(fullName, runId, rerun), api),
    updateWorkflowRun: (fullName, runId, update) =>
      model.runView(model.updateWorkflowRun(fullName, runId, update), api),
    addArtifact: async (fullName, runId, artifact) =>
      model.artifactView(await model.addArtifact(fullName, runId, artifact), api),
    addIssue: (fullName, issue) => structuredClone(model.addIssue(fullName, issue)),
    addPullRequest: (fullName, pr) => structuredClone(model.addIssue(fullName, pr, true)),
    workflowRunPayload: (fullName, runId, action = 'completed', options) =>
      workflowRunPayload(model, fullName, runId, action, api, options),
    workflowDispatchPayload: (fullName, inputs = {}, options) =>
      workflowDispatchPayload(model, fullName, inputs, api, options),
    issues: (fullName) => structuredClone(model.store.issuesOf(model.requireRepo(fullName).full_name)),
    labels: (fullName) => structuredClone(model.store.labelsOf(model.requireRepo(fullName).full_name)),
    oidc: {
      get issuer() {
        return oidc.issuer
      },
      get currentKid() {
        return oidc.currentKid
      },
      addJob: (repository, seed) => oidc.addJob(repository, seed),
      mintIdToken: (jobId, options) => oidc.mintIdToken(jobId, options),
      rotateSigningKey: (options) => oidc.rotateSigningKey(options)
    }
  }
}

interface HandlerContext {
  model: Model
  clock: () => Date
  tickets: BlobTickets
  router: Router
  faults: Faults
  requests: RequestRecord[]
  rateLimit: RateLimit
  oidc: OidcProvider
  tokens: Record<string, TokenGrant> | undefined
  api: () => string
}

async function handleRequest(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', ctx.api())
  const method = req.method ?? 'GET'
  if (url.pathname.startsWith('/_emulator/')) return handleControl(ctx, req, res, url)
  const exchange =
    oidcExchange(ctx, req, method, url) ??
    (method === 'GET' && url.pathname.startsWith('/_blobs/') ? blobExchange(ctx, url) : apiExchange(ctx, req, url))
  const status = await serve(ctx, req, res, exchange, url.searchParams)
  const path = exchange.route === BLOB_ROUTE ? '/_blobs/{ticket}.zip' : loggedPath(url)
  ctx.requests.push({ method, path, status, route: exchange.route })
}

/**
 * Runs one request through the fault rules: in phase `before` a fault stands in for the route; in
 * phase `after` the route acts first and the fault then spoils the answer. Returns the status sent
 * (0 when the connection was dropped).
 */
async function serve(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
  exchange: Exchange,
  query: URLSearchParams
): Promise<number> {
  const taken = ctx.faults.take(exchange.route, query)
  const fault = taken?.fault
  const replaces = fault !== undefined && (fault.status !== undefined || fault.rateLimit !== undefined)
  const stall = async () => {
    if (fault?.delayMs) await sleep(fault.delayMs)
    if (fault?.hold) await taken?.hold()
  }
  if (fault && fault.phase !== 'after') {
    await stall()
    if (fault.drop) return drop(req, res)
  }
  let answer = fault && fault.phase !== 'after' && replaces ? exchange.faultAnswer(fault) : await exchange.act()
  if (fault?.phase === 'after') {
    await stall()
    if (fault.drop) return drop(req, res)
    if (replaces) answer = exchange.faultAnswer(fault)
  }
  if (fault) {
    answer.headers = {
      ...answer.headers,
      ...(fault.retryAfter !== undefined && fault.rateLimit === undefined
        ? { 'retry-after': String(fault.retryAfter) }
        : {}),
      ...fault.headers
    }
  }
  if (fault?.resetAt !== undefined) return sendCut(req, res, answer, cutOffset(fault.resetAt, answer.body.length))
  send(res, answer)
  return answer.status
}

/** Routing, authentication, rate limit, repository lookup and permissions, in GitHub's order. */
function apiExchange(ctx: HandlerContext, req: IncomingMessage, url: URL): Exchange {
  const method = req.method ?? 'GET'
  const path = resolveRepositoryAlias(ctx.model, url.pathname)
  const match = path === undefined ? undefined : ctx.router.match(method, path)
  if (!match) {
    return {
      route: '(unmatched)',
      act: async () => apiAnswer(errorReply(new ApiError(404, 'Not Found')), ctx.rateLimit.peek('anonymous')),
      faultAnswer: () => apiAnswer(errorReply(new ApiError(404, 'Not Found')), ctx.rateLimit.peek('anonymous'))
    }
  }
  return {
    route: match.name,
    act: async () => {
      let limit = ctx.rateLimit.peek('anonymous')
      try {
        const caller = authenticate(req.headers.authorization, ctx.tokens)
        limit = ctx.rateLimit.use(caller.login)
        if (limit.remaining < 0) return rateLimitAnswer({ status: 403, rateLimit: 'primary' }, caller.login, limit)
        const repo = ctx.model.store.findRepo(`${match.params.owner}/${match.params.repo}`)
        if (!repo) throw new ApiError(404, 'Not Found', match.route.docs)
        authorize(caller, match.route)
        const body = method === 'POST' || method === 'PATCH' ? await readJsonBody(req) : undefined
        const reply = await match.route.handle({
          method,
          params: match.params,
          query: url.searchParams,
          body,
          login: caller.login,
          api: ctx.api(),
          repo
        })
        return apiAnswer(reply, limit)
      } catch (error) {
        return apiAnswer(errorReply(error), limit)
      }
    },
    faultAnswer: (fault) => {
      const login = callerLogin(req.headers.authorization, ctx.tokens)
      const limit = ctx.rateLimit.peek(login)
      if (fault.rateLimit) return rateLimitAnswer(fault, login, limit)
      const status = fault.status ?? 500
      if (fault.body !== undefined) {
        const custom = customBody(fault)
        return { ...custom, status, headers: { ...githubHeaders(limit, newRequestId()), ...custom.headers } }
      }
      if (status >= 500) return edgeAnswer(status)
      return apiAnswer({ status, json: errorBody(status, STATUS_CODES[status] ?? 'Error', match.route.docs) }, limit)
    }
  }
}

function blobExchange(ctx: HandlerContext, url: URL): Exchange {
  return {
    route: BLOB_ROUTE,
    act: async (): Promise<Answer> => {
      const ticket = ctx.tickets.resolve(/^\/_blobs\/([\w-]+)\.zip$/.exec(url.pathname)?.[1] ?? '')
      const requestId = randomUUID()
      const azureHeaders = { 'x-ms-request-id': requestId, 'x-ms-version': '2021-12-02' }
      if ('refused' in ticket) {
        const xml = azureAuthenticationFailed(ticket.refused, requestId, ctx.clock().getTime())
        return {
          status: 403,
          body: Buffer.from(xml),
          headers: { 'content-type': 'application/xml', 'x-ms-error-code': 'AuthenticationFailed', ...azureHeaders }
        }
      }
      const fileName = encodeURIComponent(`${ticket.name}.zip`)
      return {
        status: 200,
        body: ctx.model.store.readBlob(ticket.blob),
        headers: {
          'content-type': 'application/zip',
          'content-disposition': `attachment; filename=${fileName}; filename*=UTF-8''${fileName}`,
          ...azureHeaders,
          'x-ms-blob-type': 'BlockBlob'
        }
      }
    },
    faultAnswer: (fault) => {
      if (fault.body !== undefined) return { ...customBody(fault, 'application/xml'), status: fault.status ?? 503 }
      // Azure throttles with 503 ServerBusy; other statuses get its generic codes.
      const status = fault.status ?? 503
      const code = status === 503 || fault.rateLimit ? 'ServerBusy' : status >= 500 ? 'InternalError' : 'Injected'
      return {
        status,
        body: Buffer.from(azureError(code, 'Injected fault')),
        headers: { 'content-type': 'application/xml' }
      }
    }
  }
}

/** The ID-token service and the issuer's discovery documents (see oidc.ts). */
function oidcExchange(ctx: HandlerContext, req: IncomingMessage, method: string, url: URL): Exchange | undefined {
  if (method !== 'GET') return undefined
  let route: string | undefined
  let answer: () => OidcAnswer = () => ({ status: 404, json: { message: 'Not Found' } })
  if (url.pathname === '/_oidc/.well-known/openid-configuration') {
    route = OIDC_CONFIG_ROUTE
    answer = () => ({ status: 200, json: ctx.oidc.configuration() })
  } else if (url.pathname === '/_oidc/.well-known/jwks') {
    route = JWKS_ROUTE
    answer = () => ({ status: 200, json: ctx.oidc.jwks() })
  } else {
    const m = /^\/_pipelines\/_apis\/distributedtask\/hubs\/Actions\/plans\/([\w-]+)\/jobs\/([\w-]+)\/idtoken$/.exec(
      url.pathname
    )
    if (!m) return undefined
    route = ID_TOKEN_ROUTE
    const params = { plan_id: m[1] ?? '', job_id: m[2] ?? '' }
    answer = () => ctx.oidc.idTokenRequest(params, url.searchParams, req.headers.authorization)
  }
  const toAnswer = (a: OidcAnswer): Answer => ({ ...jsonAnswer(a.status, a.json), headers: jsonHeaders(a.headers) })
  return {
    route,
    act: async () => toAnswer(answer()),
    faultAnswer: (fault) => {
      const status = fault.status ?? 429
      if (fault.body !== undefined) return { ...customBody(fault), status }
      return toAnswer({ status, json: { message: STATUS_CODES[status] ?? 'Error' } })
    }
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

/** The caller's login for headers of a faulted answer; never throws. */
function callerLogin(header: string | undefined, tokens: Record<string, TokenGrant> | undefined): string {
  try {
    return authenticate(header, tokens).login
  } catch {
    return 'anonymous'
  }
}

/** A GITHUB_TOKEN without the scope gets GitHub's integration wording. */
function authorize(caller: Caller, route: Route): void {
  const needed = route.permission
  if (needed && LEVELS[caller.permissions[needed.scope]] < LEVELS[needed.level]) {
    throw new ApiError(403, 'Resource not accessible by integration', route.docs)
  }
}

function errorReply(error: unknown): Reply {
  if (error instanceof ApiError) {
    return { status: error.status, json: errorBody(error.status, error.message, error.documentationUrl, error.errors) }
  }
  throw error
}

interface LimitState {
  limit: number
  remaining: number
  used: number
  reset: number
}

/** A route's reply with GitHub's API headers. */
function apiAnswer(reply: Reply, limit: LimitState, requestId = newRequestId()): Answer {
  const body = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : (reply.bytes ?? Buffer.alloc(0))
  const contentType: Record<string, string> = reply.json !== undefined ? jsonHeaders() : {}
  return {
    status: reply.status,
    body,
    headers: { ...githubHeaders(limit, requestId), ...contentType, ...reply.headers }
  }
}

/** Primary (remaining 0, reset ahead) or secondary (retry-after) rate limit, as GitHub answers them. */
function rateLimitAnswer(
  fault: Pick<FaultRule, 'status' | 'rateLimit' | 'retryAfter' | 'resetIn'>,
  login: string,
  limit: LimitState
): Answer {
  const status = fault.status === 429 ? 429 : 403
  const requestId = newRequestId()
  if (fault.rateLimit === 'primary') {
    const reset =
      fault.resetIn === undefined && limit.remaining < 0 ? limit.reset : nowSeconds() + (fault.resetIn ?? 60)
    const exhausted = { limit: limit.limit, remaining: 0, used: limit.limit, reset }
    const body = primaryRateLimitBody(status, login, userId(login), requestId)
    const retryAfter: Record<string, string> =
      fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) }
    const answer = apiAnswer({ status, json: body }, exhausted, requestId)
    return { ...answer, headers: { ...answer.headers, ...retryAfter } }
  }
  const body = secondaryRateLimitBody(status, fault.rateLimit === 'secondary-content-creation', requestId)
  const answer = apiAnswer({ status, json: body }, limit, requestId)
  // "The Retry-After header can sometimes be blank": retryAfter 0 leaves it out.
  const retryAfter = fault.retryAfter ?? 60
  return { ...answer, headers: { ...answer.headers, ...(retryAfter > 0 ? { 'retry-after': String(retryAfter) } : {}) } }
}

/** 5xx from GitHub's edge: a short JSON message, no API or rate-limit headers. */
function edgeAnswer(status: number): Answer {
  return {
    status,
    body: Buffer.from(JSON.stringify(serverErrorBody(status))),
    headers: { server: 'github.com', 'x-github-request-id': newRequestId(), 'content-type': 'application/json' }
  }
}

function customBody(fault: AppliedFault, defaultStringType = 'text/plain; charset=utf-8'): Answer {
  const isString = typeof fault.body === 'string'
  const body = Buffer.from(isString ? (fault.body as string) : JSON.stringify(fault.body))
  const contentType = fault.contentType ?? (isString ? defaultStringType : 'application/json; charset=utf-8')
  return { status: fault.status ?? 500, body, headers: { 'content-type': contentType } }
}

function jsonAnswer(status: number, json: unknown): Answer {
  return { status, body: Buffer.from(JSON.stringify(json)), headers: jsonHeaders() }
}

function jsonHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': 'application/json; charset=utf-8', ...extra }
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) })
  res.end(answer.body)
}

/** The status line, the headers (with the full Content-Length) and `offset` body bytes, then a reset. */
function sendCut(req: IncomingMessage, res: ServerResponse, answer: Answer, offset: number): Promise<number> {
  res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) })
  return new Promise((resolve) => {
    const cut = () => {
      req.socket.destroy()
      resolve(answer.status)
    }
    if (offset === 0) res.flushHeaders()
    res.write(offset === 0 ? Buffer.alloc(0) : answer.body.subarray(0, offset), () => setImmediate(cut))
  })
}

/** No answer at all: the connection closes (the client sees a reset or "socket hang up"). */
function drop(req: IncomingMessage, _res: ServerResponse): number {
  req.socket.destroy()
  return 0
}

function githubHeaders(limit: LimitState, requestId: string): Record<string, string> {
  return {
    server: 'github.com',
    'x-github-api-version-selected': '2022-11-28',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-request-id': requestId,
    'x-ratelimit-limit': String(limit.limit),
    'x-ratelimit-remaining': String(Math.max(0, limit.remaining)),
    'x-ratelimit-reset': String(limit.reset),
    'x-ratelimit-used': String(Math.min(limit.used, limit.limit)),
    'x-ratelimit-resource': 'core'
  }
}

function newRequestId(): string {
  const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase()
  return `${hex(2)}:${hex(3)}:${hex(4)}:${hex(4)}:${hex(4)}`
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

function loggedPath(url: URL): string {
  const query = [...url.searchParams].map(([k, v]) => `${k}=${LOGGED_QUERY_KEYS.has(k) ? encodeURIComponent(v) : '*'}`)
  return query.length ? `${url.pathname}?${query.join('&')}` : url.pathname
}

/** Counts requests per login in hourly windows; past the limit, requests are refused until the window turns. */
class RateLimit {
  private readonly used = new Map<string, { window: number; count: number }>()

  constructor(private readonly limit: number) {}

  /** Counts one request. `remaining` goes below 0 once the limit is exceeded. */
  use(login: string): LimitState {
    const window = Math.floor(Date.now() / 3_600_000)
    const entry = this.used.get(login)
    const count = entry?.window === window ? entry.count + 1 : 1
    this.used.set(login, { window, count })
    return { limit: this.limit, remaining: this.limit - count, used: count, reset: (window + 1) * 3600 }
  }

  /** The state without counting a request (for answers the emulator gives before authentication). */
  peek(login: string): LimitState {
    const window = Math.floor(Date.now() / 3_600_000)
    const entry = this.used.get(login)
    const count = entry?.window === window ? entry.count : 0
    return { limit: this.limit, remaining: this.limit - count, used: count, reset: (window + 1) * 3600 }
  }
}

/**
 * `/_emulator/*`: the test-control plane (no auth, loopback only): faults and held requests,
 * OIDC jobs, state and the request log.
 */
async function handleControl(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const route = `${req.method} ${url.pathname}`
  const reply = (status: number, json?: unknown) =>
    json === undefined ? send(res, { status, body: Buffer.alloc(0), headers: {} }) : send(res, jsonAnswer(status, json))
  try {
    const faultId = /^\/_emulator\/faults\/([\w-]+)(\/held|\/release)?$/.exec(url.pathname)
    if (route === 'POST /_emulator/faults') {
      const body = await readJsonBody(req)
      const handles = (Array.isArray(body) ? body : [body]).map((rule) => ctx.faults.add(rule as FaultRule))
      return reply(201, { faults: ctx.faults.count, ids: handles.map((h) => h.id) })
    }
    if (route === 'DELETE /_emulator/faults') {
      ctx.faults.clear()
      return reply(204)
    }
    if (route === 'GET /_emulator/faults') return reply(200, { faults: ctx.faults.describe() })
    if (faultId) {
      const handle = ctx.faults.find(faultId[1] ?? '')
      if (!handle) return reply(404, { message: `no fault rule ${faultId[1]}` })
      if (req.method === 'GET' && faultId[2] === '/held') {
        const count = Number(url.searchParams.get('count') ?? '1')
        // The wait is bounded, and its timer is cancelled so it never keeps the process alive.
        const timer = new AbortController()
        const timeout = sleep(MAX_HOLD_WAIT_MS, 'timeout' as const, { signal: timer.signal }).catch(
          () => 'held' as const
        )
        const outcome = await Promise.race([handle.waitForHeld(count).then(() => 'held' as const), timeout])
        timer.abort()
        return reply(outcome === 'held' ? 200 : 408, { held: handle.heldCount, hits: handle.hits })
      }
      if (req.method === 'POST' && faultId[2] === '/release') return reply(200, { released: handle.release() })
      if (req.method === 'GET' && !faultId[2])
        return reply(200, { id: handle.id, hits: handle.hits, held: handle.heldCount })
    }
    if (route === 'POST /_emulator/oidc/jobs') {
      const body = (await readJsonBody(req)) as OidcJobSeed & { repository?: string }
      if (typeof body.repository !== 'string') throw new Error('an OIDC job needs "repository" (owner/name)')
      const job = ctx.oidc.addJob(body.repository, body)
      return reply(201, { id: job.id, env: job.env, claims: job.claims })
    }
    if (route === 'POST /_emulator/oidc/rotate') {
      const body = (await readJsonBody(req)) as { retireOld?: boolean }
      return reply(200, { kid: ctx.oidc.rotateSigningKey(body) })
    }
    if (route === 'GET /_emulator/state') return reply(200, ctx.model.store.snapshot())
    if (route === 'GET /_emulator/requests') return reply(200, ctx.requests)
    reply(404, { message: `unknown control route ${route}` })
  } catch (error) {
    reply(400, { message: error instanceof Error ? error.message : String(error) })
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
