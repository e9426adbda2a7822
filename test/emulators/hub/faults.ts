// Fault rules: queued in process (`hub.faults.add`) or over HTTP (`POST /_emulator/faults`), each
// hitting the next `times` matching requests (after `skip` of them), deterministically. A rule
// becomes a FaultPlan per request; fault-effects.ts carries the plan out on the socket. Held
// requests wait until the test releases them, so races are tested without sleeps.
import { ROUTE_NAMES, type FaultKind, type FaultRule, type RouteName } from './types.ts'

const MiB = 1024 * 1024

/** A request a `hold` rule is holding. */
export interface HeldRequest {
  ruleId: string
  method: string
  path: string
  /** When in the exchange it is held: before the route runs, or after, with its answer withheld. */
  stage: 'before' | 'after'
  release(): void
}

/** What `faults.add` returns: the rule's id and, for hold rules, the requests it holds. */
export interface FaultHandle {
  readonly id: string
  /** How many requests the rule has hit so far. */
  hits(): number
  /**
   * Resolves with the next request this rule holds that was not handed out yet (at once if one is
   * already held). Rejects after `timeoutMs` (default 10 s), so a test that waits in vain fails.
   */
  held(timeoutMs?: number): Promise<HeldRequest>
  /** Releases every request the rule holds now; returns how many. */
  release(): number
  /** Removes the rule (requests it already holds stay held until released or cleared). */
  remove(): void
}

/** One request's fault, normalised from a rule. */
export interface FaultPlan {
  ruleId: string
  kind: FaultKind
  delayMs: number
  hold?: 'before' | 'after'
  /** Headers added to whatever answer goes out (Retry-After, RateLimit, rule.headers). */
  headers: Record<string, string>
  /** Read this many body bytes, then destroy the socket; the route never runs. */
  resetRequestAt?: number
  /** Answer this instead of running the route. */
  answer?: { status: number; body?: unknown }
  /** What happens to the answer (the route's or `answer`) on its way out. */
  response?: { kind: 'cut'; at: number | 'half' } | { kind: 'drop' } | { kind: 'gateway'; status: 502 | 503 | 504 }
}

interface Entry {
  id: string
  rule: FaultRule
  remaining: number
  skipLeft: number
  hits: number
}

interface HoldState {
  /** Held and not yet handed to a `held()` waiter. */
  unclaimed: HeldRequest[]
  /** Every request held now (claimed or not). */
  active: Set<HeldRequest>
  waiters: Array<(held: HeldRequest) => void>
}

export class FaultInjector {
  private entries: Entry[] = []
  private readonly holds = new Map<string, HoldState>()
  private nextId = 1

  add(rule: FaultRule): FaultHandle {
    validateFaultRule(rule)
    const id = `fault-${this.nextId++}`
    const entry: Entry = { id, rule: { ...rule }, remaining: rule.times ?? 1, skipLeft: rule.skip ?? 0, hits: 0 }
    this.entries.push(entry)
    return {
      id,
      hits: () => entry.hits,
      held: (timeoutMs) => this.waitForHeld(id, timeoutMs),
      release: () => this.release(id),
      remove: () => {
        this.entries = this.entries.filter((candidate) => candidate !== entry)
      }
    }
  }

  /** Removes every rule and releases every held request, so nothing stays stuck. */
  clear(): void {
    this.entries = []
    for (const id of [...this.holds.keys()]) this.release(id)
    this.holds.clear()
  }

  /** Rules that still have hits left, with their ids. */
  pending(): Array<FaultRule & { id: string }> {
    return this.entries.map(({ id, rule, remaining }) => ({ ...rule, id, times: remaining }))
  }

  /** The first rule matching this request, consuming one of its hits, as a plan for the request. */
  take(route: RouteName, method: string, path: string, declaredLength: number): FaultPlan | undefined {
    for (const entry of this.entries) {
      const { rule } = entry
      if (rule.route !== route) continue
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) continue
      if (rule.pathIncludes && !path.includes(rule.pathIncludes)) continue
      if (entry.skipLeft > 0) {
        entry.skipLeft--
        continue
      }
      entry.hits++
      if (entry.remaining > 0 && --entry.remaining === 0) this.entries.splice(this.entries.indexOf(entry), 1)
      return planFor(entry.id, rule, route, declaredLength)
    }
    return undefined
  }

  /** Holds a request for `ruleId` until released; resolves then. */
  hold(ruleId: string, method: string, path: string, stage: 'before' | 'after'): Promise<void> {
    const state = this.holdState(ruleId)
    return new Promise((resolve) => {
      const held: HeldRequest = {
        ruleId,
        method,
        path,
        stage,
        release: () => {
          if (!state.active.delete(held)) return
          state.unclaimed = state.unclaimed.filter((candidate) => candidate !== held)
          resolve()
        }
      }
      state.active.add(held)
      const waiter = state.waiters.shift()
      if (waiter) waiter(held)
      else state.unclaimed.push(held)
    })
  }

  /** Every request held now, oldest first. */
  heldRequests(): HeldRequest[] {
    return [...this.holds.values()].flatMap((state) => [...state.active])
  }

  waitForHeld(ruleId: string, timeoutMs = 10_000): Promise<HeldRequest> {
    const state = this.holdState(ruleId)
    const ready = state.unclaimed.shift()
    if (ready) return Promise.resolve(ready)
    return new Promise((resolve, reject) => {
      const waiter = (held: HeldRequest): void => {
        clearTimeout(timer)
        resolve(held)
      }
      const timer = setTimeout(() => {
        state.waiters = state.waiters.filter((candidate) => candidate !== waiter)
        reject(new Error(`No request was held by fault rule ${ruleId} within ${timeoutMs} ms`))
      }, timeoutMs)
      state.waiters.push(waiter)
    })
  }

  release(ruleId: string): number {
    const state = this.holds.get(ruleId)
    if (!state) return 0
    const held = [...state.active]
    for (const request of held) request.release()
    return held.length
  }

  private holdState(ruleId: string): HoldState {
    let state = this.holds.get(ruleId)
    if (!state) {
      state = { unclaimed: [], active: new Set(), waiters: [] }
      this.holds.set(ruleId, state)
    }
    return state
  }
}

function planFor(ruleId: string, rule: FaultRule, route: RouteName, declaredLength: number): FaultPlan {
  const plan: FaultPlan = {
    ruleId,
    kind: 'headers',
    delayMs: rule.delayMs ?? 0,
    headers: { ...faultHeaders(rule), ...rule.headers }
  }
  if (rule.hold) plan.hold = rule.hold === 'after' ? 'after' : 'before'
  if (rule.status !== undefined) plan.answer = { status: rule.status, body: rule.body }
  if (rule.resetRequestAtByte !== undefined) plan.resetRequestAt = rule.resetRequestAtByte
  if (rule.resetResponseAtByte !== undefined) plan.response = { kind: 'cut', at: rule.resetResponseAtByte }
  if (rule.dropResponse) plan.response = { kind: 'drop' }
  if (rule.gatewayError !== undefined) plan.response = { kind: 'gateway', status: rule.gatewayError }
  if (rule.resetMidBody) {
    // The older spelling: an upload is cut while it arrives, anything else while its answer leaves.
    if (rule.status === undefined && isUploadRoute(route)) {
      plan.resetRequestAt = Math.max(1, Math.min(MiB, Math.floor(declaredLength / 2)))
    } else {
      plan.response = { kind: 'cut', at: 'half' }
    }
  }
  plan.kind = kindOf(plan)
  return plan
}

function kindOf(plan: FaultPlan): FaultKind {
  if (plan.resetRequestAt !== undefined) return 'reset-request'
  if (plan.response?.kind === 'cut') return 'reset-response'
  if (plan.response?.kind === 'drop') return 'drop-response'
  if (plan.response?.kind === 'gateway') return 'gateway-error'
  if (plan.answer) return 'status'
  if (plan.hold) return 'hold'
  if (plan.delayMs > 0) return 'delay'
  return 'headers'
}

export function isUploadRoute(route: RouteName): boolean {
  return route === 'lfs-upload' || route === 'lfs-part'
}

const RULE_KEYS = new Set([
  'route',
  'method',
  'pathIncludes',
  'skip',
  'times',
  'status',
  'body',
  'headers',
  'retryAfter',
  'rateLimit',
  'resetRequestAtByte',
  'resetResponseAtByte',
  'dropResponse',
  'gatewayError',
  'delayMs',
  'hold',
  'resetMidBody'
])

export function validateFaultRule(rule: unknown): asserts rule is FaultRule {
  const candidate = rule as Partial<FaultRule> | null
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    throw new TypeError('A fault rule must be an object')
  }
  const unknownKeys = Object.keys(candidate).filter((key) => !RULE_KEYS.has(key))
  if (unknownKeys.length > 0) {
    throw new TypeError(`Unknown fault rule field(s) ${unknownKeys.join(', ')}; expected ${[...RULE_KEYS].join(', ')}`)
  }
  if (!ROUTE_NAMES.includes(candidate.route as RouteName)) {
    throw new TypeError(
      `Unknown fault route ${JSON.stringify(candidate.route)}; expected one of ${ROUTE_NAMES.join(', ')}`
    )
  }
  const times = candidate.times ?? 1
  if (!Number.isInteger(times) || (times < 1 && times !== -1)) {
    throw new TypeError('times must be a positive integer or -1')
  }
  for (const key of ['skip', 'resetRequestAtByte', 'resetResponseAtByte', 'delayMs'] as const) {
    const value = candidate[key]
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new TypeError(`${key} must be a non-negative integer`)
    }
  }
  if (
    candidate.status !== undefined &&
    !(Number.isInteger(candidate.status) && candidate.status >= 100 && candidate.status <= 599)
  ) {
    throw new TypeError('status must be an HTTP status code')
  }
  if (candidate.gatewayError !== undefined && ![502, 503, 504].includes(candidate.gatewayError)) {
    throw new TypeError('gatewayError must be 502, 503 or 504')
  }
  if (candidate.hold !== undefined && ![true, false, 'before', 'after'].includes(candidate.hold)) {
    throw new TypeError("hold must be true, 'before' or 'after'")
  }
  // One fate per request: these cannot be combined (a status answer may still be cut).
  const fates = [
    candidate.resetRequestAtByte !== undefined && 'resetRequestAtByte',
    candidate.dropResponse && 'dropResponse',
    candidate.gatewayError !== undefined && 'gatewayError',
    candidate.resetResponseAtByte !== undefined && 'resetResponseAtByte',
    candidate.resetMidBody && 'resetMidBody'
  ].filter(Boolean)
  if (fates.length > 1) throw new TypeError(`A fault rule takes one of ${fates.join(', ')}, not several`)
  const replacesRoute = candidate.status !== undefined || candidate.resetRequestAtByte !== undefined
  if (replacesRoute && (candidate.dropResponse || candidate.gatewayError !== undefined)) {
    throw new TypeError('dropResponse and gatewayError act after the route ran; they cannot go with status')
  }
  if (candidate.resetRequestAtByte !== undefined && candidate.status !== undefined) {
    throw new TypeError('resetRequestAtByte never answers; it cannot go with status')
  }
}

/** Headers the faulted answer carries (Retry-After, and the Hub's IETF-draft RateLimit headers, §5.2). */
export function faultHeaders(rule: FaultRule): Record<string, string> {
  const headers: Record<string, string> = {}
  if (rule.retryAfter !== undefined) headers['Retry-After'] = String(rule.retryAfter)
  if (rule.rateLimit) {
    const seconds = typeof rule.retryAfter === 'number' ? rule.retryAfter : 55
    headers['RateLimit'] = `"api";r=0;t=${seconds}`
    headers['RateLimit-Policy'] = '"fixed window";"api";q=500;w=300'
  }
  return headers
}
