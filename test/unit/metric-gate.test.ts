import assert from 'node:assert/strict'
import { test } from 'node:test'
import { judgeMetric, type GateSettings } from '../../src/gate/metric-gate.ts'

const lower = (over: Partial<GateSettings> = {}): GateSettings => ({
  metric: 'fid',
  direction: 'lower',
  minDelta: 0,
  onRegression: 'skip',
  ...over
})
const higher = (over: Partial<GateSettings> = {}): GateSettings =>
  lower({ metric: 'metrics.accuracy', direction: 'higher', ...over })

test('a better value is an improvement, with a reason that says by how much and under which rule', () => {
  assert.deepEqual(judgeMetric(lower(), 39.2, 41.7), {
    outcome: 'improved',
    current: 39.2,
    previous: 41.7,
    delta: 39.2 - 41.7,
    reason: 'fid 39.2 is better than the published 41.7 by 2.5 (lower is better; at least 0 required)'
  })
  const up = judgeMetric(higher(), 0.91, 0.9)
  assert.equal(up.outcome, 'improved')
  assert.match(up.reason, /^metrics\.accuracy 0\.91 is better than the published 0\.9 by 0\.01 \(higher is better/)
})

test('a worse value is a regression carrying the on-regression action', () => {
  for (const onRegression of ['skip', 'pull-request', 'fail'] as const) {
    const decision = judgeMetric(lower({ onRegression }), 43.1, 41.7)
    assert.equal(decision.outcome, 'regressed')
    assert.equal(decision.outcome === 'regressed' && decision.action, onRegression)
  }
  const down = judgeMetric(higher(), 0.8, 0.9)
  assert.equal(down.outcome, 'regressed')
  assert.equal(
    down.reason,
    'metrics.accuracy 0.8 is worse than the published 0.9 by 0.1 (higher is better; at least 0 required)'
  )
  assert.equal(down.outcome === 'regressed' && down.delta, 0.8 - 0.9)
})

test('with min-delta 0 an equal value is "not worse"; with a positive min-delta it is not enough', () => {
  const equal = judgeMetric(lower(), 41.7, 41.7)
  assert.equal(equal.outcome, 'improved')
  assert.equal(equal.reason, 'fid 41.7 equals the published 41.7 (lower is better; at least 0 required)')
  assert.equal(judgeMetric(lower({ minDelta: 0.5 }), 41.7, 41.7).outcome, 'regressed')
})

test('an improvement smaller than min-delta is a regression; exactly min-delta passes despite float rounding', () => {
  const small = judgeMetric(lower({ minDelta: 0.5 }), 41.6, 41.7)
  assert.equal(small.outcome, 'regressed')
  assert.equal(
    small.reason,
    'fid 41.6 is better than the published 41.7 by 0.1 (lower is better; at least 0.5 required)'
  )
  // 0.3 - 0.2 is 0.09999999999999998 in floating point.
  assert.equal(judgeMetric(lower({ minDelta: 0.1 }), 0.2, 0.3).outcome, 'improved')
  assert.equal(judgeMetric(higher({ minDelta: 0.1 }), 0.3, 0.2).outcome, 'improved')
  assert.equal(judgeMetric(higher({ minDelta: 0.1 }), 0.29, 0.2).outcome, 'regressed')
})

test('nothing published to compare with: first publish', () => {
  const first = judgeMetric(lower(), 39.2, undefined)
  assert.equal(first.outcome, 'first-publish')
  assert.equal(first.current, 39.2)
  assert.match(first.reason, /no earlier publish records fid/)
})

test('a report without the metric stops the gate, naming the path', () => {
  assert.throws(
    () => judgeMetric(lower({ metric: 'metrics.fid' }), undefined, 41.7),
    /evaluation report has no number at "metrics\.fid"/
  )
  assert.throws(() => judgeMetric(lower(), NaN, undefined), /"fid"/)
  assert.throws(() => judgeMetric(lower({ minDelta: -1 }), 1, 2), /gate-min-delta/)
})

test('tiny values are compared at their own scale and read in plain decimals, not e-notation', () => {
  assert.equal(judgeMetric(lower(), 3e-12, 2e-12).outcome, 'regressed')
  assert.equal(
    judgeMetric(lower(), 0.0000002, 0.0000003).reason,
    'fid 0.0000002 is better than the published 0.0000003 by 0.0000001 (lower is better; at least 0 required)'
  )
})
