/**
 * Deterministic fault injection for the GitHub emulator, in process (`emulator.faults.add`) or over
 * the control plane (`POST /_emulator/faults`). A rule picks requests by route (a route name, a route
 * class such as `issue-create`, or `*`), optionally by query values and by position (`skip`), and
 * then does one or more of: wait (`delayMs`), hold the request until the test releases it (`hold`),
 * answer with another status (plain, shaped as a primary or secondary rate limit, or as a gateway
 * error), drop the connection without an answer, or cut the answer after a number of body bytes.
 *
 * `phase: 'after'` lets the route act first (an issue is created, a comment stored) and only then
 * spoils what the client gets: the cases where "the server acted but the client never heard it".
 *
 * Nothing here sleeps on a timer except `delayMs`; holds are plain promises, so races are tested by
 * waiting for `handle.held` and calling `handle.release()`.
 */
import { randomBytes } from 'node:crypto'

/** Route classes a fault rule may name instead of a route; each maps to the route names it covers. */
export const ROUTE_CLASSES: Record<string, string[]> = {
  repo: ['GET /repos/{owner}/{repo}'],
  run: [
    'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
    'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}'
  ],
  'runs-list': ['GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs'],
  'artifacts-list': ['GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts'],
  artifact: ['GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}'],
  'artifact-download': ['GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}'],
  blob: ['GET /_blobs/{ticket}.zip'],
  'issues-list': ['GET /repos/{owner}/{repo}/issues'],
  'issue-create': ['POST /repos/{owner}/{repo}/issues'],
  'issue-get': ['GET /repos/{owner}/{repo}/issues/{issue_number}'],
  'issue-update': ['PATCH /repos/{owner}/{repo}/issues/{issue_number}'],
  'comments-list': ['GET /repos/{owner}/{repo}/issues/{issue_number}/comments'],
  'comment-create': ['POST /repos/{owner}/{repo}/issues/{issue_number}/comments'],
  labels: [
    'GET /repos/{owner}/{repo}/labels',
    'POST /repos/{owner}/{repo}/labels',
    'GET /repos/{owner}/{repo}/labels/{name}'
  ],
  'id-token': ['GET /_pipelines/_apis/distributedtask/hubs/Actions/plans/{plan_id}/jobs/{job_id}/idtoken'],
  'oidc-discovery': ['GET /_oidc/.well-known/openid-configuration', 'GET /_oidc/.well-known/jwks']
}

export type RateLimitKind = 'primary' | 'secondary' | 'secondary-content-creation'

export interface FaultRule {
  /** A route name from `emulator.routes`, a route class from `ROUTE_CLASSES`, or `*` for every route. */
  route: string
  /** Only requests whose query has these exact values, e.g. `{ page: '2' }`. */
  query?: Record<string, string>
  /** Let this many matching requests through untouched before the rule applies. */
  skip?: number
  /** How many requests the rule applies to; unlimited when omitted. */
  times?: number
  /**
   * `before` (default): the fault happens instead of the route. `after`: the route acts first (its
   * effect is stored), then the fault replaces, delays, holds, drops or cuts the answer.
   */
  phase?: 'before' | 'after'
  /** Wait this long (before the route in phase `before`, before answering in phase `after`). */
  delayMs?: number
  /** Hold the request until `release()`; `held` resolves once one is being held. */
  hold?: boolean
  /** Answer with this status instead of the real answer. */
  status?: number
  /** Body of the faulted answer: an object is sent as JSON, a string as is. Default: GitHub's body for the status. */
  body?: unknown
  /** Content-Type for a string `body` (default `text/plain; charset=utf-8`). */
  contentType?: string
  /** Extra answer headers. */
  headers?: Record<string, string>
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number
  /**
   * Shape the answer like GitHub's rate limits: `primary` (403 unless `status` says 429,
   * `x-ratelimit-remaining: 0`, reset in `resetIn` seconds), `secondary` (403, "You have exceeded a
   * secondary rate limit…", `retry-after` = `retryAfter` or 60 unless `retryAfter` is 0), or
   * `secondary-content-creation` (the same for creating content).
   */
  rateLimit?: RateLimitKind
  /** Primary rate limit: seconds until `x-ratelimit-reset` (default 60). */
  resetIn?: number
  /** Close the connection without sending any answer (after the route acted in phase `after`). */
  drop?: boolean
  /** Send the status line, the headers and this many body bytes (or half the body), then reset. */
  resetAt?: number | 'half'
}

export interface FaultHandle {
  readonly id: string
  /** Requests the rule has applied to so far. */
  readonly hits: number
  /** Requests held right now. */
  readonly heldCount: number
  /** Resolves once a request is being held (at once if one already is). */
  readonly held: Promise<void>
  /** Resolves once `count` requests have been held in total. */
  waitForHeld(count?: number): Promise<void>
  /** Lets every request held by this rule continue. Later matches are held again while the rule lasts. */
  release(): number
}

/** A fault that applies to one request, with the rule's options. */
export interface AppliedFault extends FaultRule {
  id: string
}

interface Entry {
  rule: AppliedFault
  skipLeft: number
  left: number
  hits: number
  heldTotal: number
  waiting: Array<() => void>
  heldWaiters: Array<{ count: number; resolve: () => void }>
}

const EFFECTS = ['delayMs', 'hold', 'status', 'rateLimit', 'drop', 'resetAt'] as const

export class Faults {
  private entries: Entry[] = []
  /** Exhausted rules stay reachable by id (a test may still wait on or release them). */
  private readonly retired = new Map<string, Entry>()

  constructor(private readonly routeNames: string[]) {}

  get count(): number {
    return this.entries.length
  }

  add(rule: FaultRule): FaultHandle {
    validateRule(rule, this.routeNames)
    const entry: Entry = {
      rule: { ...rule, id: randomBytes(6).toString('hex') },
      skipLeft: rule.skip ?? 0,
      left: rule.times ?? Number.POSITIVE_INFINITY,
      hits: 0,
      heldTotal: 0,
      waiting: [],
      heldWaiters: []
    }
    this.entries.push(entry)
    return handleOf(entry)
  }

  find(id: string): FaultHandle | undefined {
    const entry = this.entries.find((e) => e.rule.id === id) ?? this.retired.get(id)
    return entry ? handleOf(entry) : undefined
  }

  /** Removes every rule and lets every held request continue. */
  clear(): void {
    for (const entry of this.entries) releaseEntry(entry)
    this.entries = []
    this.retired.clear()
  }

  describe(): Array<{ id: string; route: string; hits: number; held: number }> {
    return this.entries.map((e) => ({ id: e.rule.id, route: e.rule.route, hits: e.hits, held: e.waiting.length }))
  }

  /** Consumes one use of the first rule that applies to this request. */
  take(route: string, query: URLSearchParams): { fault: AppliedFault; hold: () => Promise<void> } | undefined {
    const entry = this.entries.find((e) => {
      if (!appliesTo(e.rule, route, query)) return false
      if (e.skipLeft > 0) {
        e.skipLeft--
        return false
      }
      return true
    })
    if (!entry) return undefined
    entry.hits++
    if (--entry.left <= 0) {
      this.entries = this.entries.filter((e) => e !== entry)
      this.retired.set(entry.rule.id, entry)
    }
    return { fault: entry.rule, hold: () => holdOn(entry) }
  }
}

function appliesTo(rule: FaultRule, route: string, query: URLSearchParams): boolean {
  const routeMatches = rule.route === '*' || rule.route === route || (ROUTE_CLASSES[rule.route] ?? []).includes(route)
  if (!routeMatches) return false
  return Object.entries(rule.query ?? {}).every(([key, value]) => query.get(key) === value)
}

function holdOn(entry: Entry): Promise<void> {
  return new Promise((resolve) => {
    entry.waiting.push(resolve)
    entry.heldTotal++
    entry.heldWaiters = entry.heldWaiters.filter((w) => (entry.heldTotal >= w.count ? (w.resolve(), false) : true))
  })
}

function releaseEntry(entry: Entry): number {
  const waiting = entry.waiting
  entry.waiting = []
  for (const resolve of waiting) resolve()
  return waiting.length
}

function handleOf(entry: Entry): FaultHandle {
  const waitForHeld = (count = 1) =>
    new Promise<void>((resolve) => {
      if (entry.heldTotal >= count) resolve()
      else entry.heldWaiters.push({ count, resolve })
    })
  return {
    id: entry.rule.id,
    get hits() {
      return entry.hits
    },
    get heldCount() {
      return entry.waiting.length
    },
    get held() {
      return waitForHeld(1)
    },
    waitForHeld,
    release: () => releaseEntry(entry)
  }
}

function validateRule(rule: FaultRule, routeNames: string[]): void {
  if (!rule || typeof rule.route !== 'string') throw new Error('fault rule needs a "route"')
  const known = rule.route === '*' || routeNames.includes(rule.route) || rule.route in ROUTE_CLASSES
  if (!known) {
    throw new Error(
      `unknown route ${JSON.stringify(rule.route)}; use a route name (${routeNames.join(', ')}), ` +
        `a route class (${Object.keys(ROUTE_CLASSES).join(', ')}) or "*"`
    )
  }
  if (!EFFECTS.some((key) => rule[key] !== undefined && rule[key] !== false)) {
    throw new Error(`fault rule needs one of ${EFFECTS.join(', ')}`)
  }
  if (rule.status !== undefined && !(Number.isInteger(rule.status) && rule.status >= 200 && rule.status <= 599)) {
    throw new Error(`fault status must be an HTTP status, got ${rule.status}`)
  }
  if (rule.drop && (rule.status !== undefined || rule.rateLimit !== undefined || rule.resetAt !== undefined)) {
    throw new Error('a fault that drops the connection sends no status, rate limit or partial body')
  }
  if (rule.resetAt !== undefined && rule.resetAt !== 'half' && !(Number.isInteger(rule.resetAt) && rule.resetAt >= 0)) {
    throw new Error(`resetAt must be a byte offset (integer >= 0) or "half", got ${JSON.stringify(rule.resetAt)}`)
  }
  if (rule.phase !== undefined && rule.phase !== 'before' && rule.phase !== 'after') {
    throw new Error(`phase must be "before" or "after", got ${JSON.stringify(rule.phase)}`)
  }
  const kinds: RateLimitKind[] = ['primary', 'secondary', 'secondary-content-creation']
  if (rule.rateLimit !== undefined && !kinds.includes(rule.rateLimit)) {
    throw new Error(`rateLimit must be one of ${kinds.join(', ')}, got ${JSON.stringify(rule.rateLimit)}`)
  }
  for (const key of ['skip', 'times', 'delayMs', 'retryAfter', 'resetIn'] as const) {
    const value = rule[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw new Error(`${key} must be an integer >= 0, got ${JSON.stringify(value)}`)
    }
  }
}

/** Where a cut answer stops: a byte offset, clamped so at least one byte of a non-empty body is missing. */
export function cutOffset(resetAt: number | 'half', length: number): number {
  const wanted = resetAt === 'half' ? Math.floor(length / 2) : resetAt
  return Math.max(0, Math.min(wanted, length - 1))
}
