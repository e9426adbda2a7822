/**
 * "Upload only if the model improved": compares a metric of the evaluation report with the same
 * metric of the last publish and decides. Pure: the caller reads the report and the history.
 */
import { formatNumber } from '../lib/format.ts'

export interface GateSettings {
  /** Dot path into the evaluation report, e.g. "metrics.fid". */
  metric: string
  /** Which way is better. */
  direction: 'lower' | 'higher'
  /** How much better (≥ 0) the metric must be to count as improved. */
  minDelta: number
  onRegression: 'skip' | 'pull-request' | 'fail'
}

export type GateDecision =
  /** Nothing published carries the metric: there is nothing to compare with, so publish. */
  | { outcome: 'first-publish'; current: number; reason: string }
  | { outcome: 'improved'; current: number; previous: number; delta: number; reason: string }
  | {
      outcome: 'regressed'
      current: number
      previous: number
      delta: number
      action: GateSettings['onRegression']
      reason: string
    }

/**
 * Judges `current` against `previous` (the last published value). `delta` is current − previous,
 * signed; the improvement (delta, or −delta when lower is better) must be at least `minDelta`, so
 * with minDelta 0 an equal value passes as "not worse". Reasons say what was compared and why it
 * passed or not, without a final period: the caller adds what happens next (skip, pull request…).
 * Throws when the evaluation report has no such metric: a gate that cannot judge must not pass.
 */
export function judgeMetric(
  settings: GateSettings,
  current: number | undefined,
  previous: number | undefined
): GateDecision {
  const { metric, direction, minDelta, onRegression } = settings
  if (current === undefined || !Number.isFinite(current)) {
    const found = current === undefined ? 'has no number at' : `has ${current}, not a number, at`
    throw new Error(
      `the evaluation report ${found} "${metric}"; set gate-metric to the dot path of a number in it, e.g. ` +
        `"metrics.fid"`
    )
  }
  if (!(minDelta >= 0)) throw new Error(`gate-min-delta must be a number ≥ 0, got ${minDelta}`)
  if (previous === undefined) {
    return {
      outcome: 'first-publish',
      current,
      reason:
        `${metric} ${formatNumber(current)}: no earlier publish records ${metric}, so there is nothing to ` +
        `compare with`
    }
  }
  const delta = current - previous
  const improvement = direction === 'lower' ? -delta : delta
  // Float subtraction is inexact (0.3 − 0.2 = 0.09999999999999998); a margin relative to the
  // values keeps an improvement of exactly minDelta from failing on rounding, at any scale.
  const tolerance = 1e-9 * Math.max(Math.abs(current), Math.abs(previous))
  const rule = `${direction} is better; at least ${formatNumber(minDelta)} required`
  const comparison =
    `${metric} ${formatNumber(current)} ` +
    `${compare(improvement, tolerance, formatNumber(previous), formatNumber(Math.abs(delta)))}`
  const reason = `${comparison} (${rule})`
  if (improvement >= minDelta - tolerance) return { outcome: 'improved', current, previous, delta, reason }
  return { outcome: 'regressed', current, previous, delta, action: onRegression, reason }
}

function compare(improvement: number, tolerance: number, previous: string, distance: string): string {
  if (Math.abs(improvement) <= tolerance) return `equals the published ${previous}`
  return `is ${improvement > 0 ? 'better' : 'worse'} than the published ${previous} by ${distance}`
}
