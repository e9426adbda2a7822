// Fault injection: rules queued in process (`faults.add`) or over HTTP (`POST /_emulator/faults`),
// each hitting the next `times` matching requests.
import type { ServerResponse } from 'node:http'
import { JSON_CONTENT_TYPE } from './http.ts'
import { ROUTE_NAMES, type FaultRule, type RouteName } from './types.ts'

export class FaultInjector {
  private rules: Array<{ rule: FaultRule; remaining: number }> = []

  add(rule: FaultRule): void {
    validateFaultRule(rule)
    this.rules.push({ rule: { ...rule }, remaining: rule.times ?? 1 })
  }

  clear(): void {
    this.rules = []
  }

  /** Rules that still have hits left. */
  pending(): FaultRule[] {
    return this.rules.map(({ rule, remaining }) => ({ ...rule, times: remaining }))
  }

  /** The first rule matching this request, consuming one of its hits. */
  take(route: RouteName, method: string): FaultRule | undefined {
    const index = this.rules.findIndex(
      ({ rule }) => rule.route === route && (!rule.method || rule.method.toUpperCase() === method.toUpperCase())
    )
    const entry = this.rules[index]
    if (!entry) return undefined
    if (entry.remaining > 0 && --entry.remaining === 0) this.rules.splice(index, 1)
    return entry.rule
  }
}

export function validateFaultRule(rule: unknown): asserts rule is FaultRule {
  const candidate = rule as Partial<FaultRule> | null
  if (typeof candidate !== 'object' || candidate === null) throw new TypeError('A fault rule must be an object')
  if (!ROUTE_NAMES.includes(candidate.route as RouteName)) {
    throw new TypeError(
      `Unknown fault route ${JSON.stringify(candidate.route)}; expected one of ${ROUTE_NAMES.join(', ')}`
    )
  }
  const times = candidate.times ?? 1
  if (!Number.isInteger(times) || (times < 1 && times !== -1))
    throw new TypeError('times must be a positive integer or -1')
  if (
    candidate.status !== undefined &&
    !(Number.isInteger(candidate.status) && candidate.status >= 100 && candidate.status <= 599)
  ) {
    throw new TypeError('status must be an HTTP status code')
  }
}

/** Headers the faulted answer carries (Retry-After, and the Hub's IETF-draft RateLimit headers, §5.2). */
export function faultHeaders(rule: FaultRule): Record<string, string> {
  const headers: Record<string, string> = {}
  if (rule.retryAfter !== undefined) headers['Retry-After'] = String(rule.retryAfter)
  if (rule.rateLimit) {
    headers['RateLimit'] = `"api";r=0;t=${rule.retryAfter ?? 55}`
    headers['RateLimit-Policy'] = '"fixed window";"api";q=500;w=300'
  }
  return headers
}

export function faultBody(rule: FaultRule, route: RouteName): { contentType: string; payload: Buffer } {
  if (typeof rule.body === 'string')
    return { contentType: 'text/plain; charset=utf-8', payload: Buffer.from(rule.body) }
  const body = rule.body ?? { error: `Emulated fault on ${route} (HTTP ${rule.status ?? 200})` }
  return { contentType: JSON_CONTENT_TYPE, payload: Buffer.from(JSON.stringify(body)) }
}

/**
 * Makes the answer stop mid-body: whatever the route sends, only the headers and half of the first
 * body chunk reach the client before the socket is destroyed. An answer without a body is cut
 * before anything is sent, so the client always sees a broken exchange.
 */
export function cutResponseMidBody(res: ServerResponse): void {
  const write = res.write.bind(res) as (chunk: Buffer, callback: () => void) => boolean
  let cut = false
  const destroy = (): void => {
    res.socket?.destroy()
  }
  const cutAfterHalf = (chunk: unknown): void => {
    if (cut) return
    cut = true
    const bytes = toBuffer(chunk)
    if (bytes.length === 0) return destroy()
    write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => setImmediate(destroy))
  }
  res.write = ((chunk: unknown) => {
    cutAfterHalf(chunk)
    return false
  }) as ServerResponse['write']
  res.end = ((chunk?: unknown) => {
    if (typeof chunk === 'function' || chunk === undefined || toBuffer(chunk).length === 0) {
      if (!cut) destroy()
      cut = true
    } else {
      cutAfterHalf(chunk)
    }
    return res
  }) as ServerResponse['end']
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk)
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  return Buffer.alloc(0)
}
