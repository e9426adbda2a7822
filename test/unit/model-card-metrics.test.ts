import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CardError } from '../../src/card/card-error.ts'
import { extractMetrics, metricTypeFor, numberAtPath, parseMetricRules } from '../../src/card/metrics.ts'

const seedReport = { fid: 41.7, inception_score: 3.12, precision: 0.61, recall: 0.48, steps: 200000 }

test('without rules, every top-level number of the seed report becomes a metric, in report order', () => {
  assert.deepEqual(extractMetrics(seedReport, []), [
    { type: 'fid', name: 'fid', value: 41.7, path: 'fid' },
    { type: 'inception_score', name: 'inception_score', value: 3.12, path: 'inception_score' },
    { type: 'precision', name: 'precision', value: 0.61, path: 'precision' },
    { type: 'recall', name: 'recall', value: 0.48, path: 'recall' },
    { type: 'steps', name: 'steps', value: 200000, path: 'steps' }
  ])
})

test('the default mapping goes one level down, skips non-numbers and deeper values, and keeps types unique', () => {
  const report = {
    FID: 40,
    scores: { 'IS@10k': 3.1, deeper: { x: 1 }, label: 'best', list: [1, 2] },
    device: 'cpu',
    ok: true,
    nothing: null,
    losses: [0.3, 0.2],
    fid: 41.7
  }
  assert.deepEqual(extractMetrics(report, []), [
    { type: 'fid', name: 'FID', value: 40, path: 'FID' },
    { type: 'scores_is_10k', name: 'scores.IS@10k', value: 3.1, path: 'scores.IS@10k' },
    // "fid" lower-cases to the same type as "FID": the later one is renamed, not dropped
    { type: 'fid_2', name: 'fid', value: 41.7, path: 'fid' }
  ])
  assert.equal(metricTypeFor('Top-1 Acc.'), 'top_1_acc_')
})

test('metric rules: renames, derived types, comments and line numbers', () => {
  const { rules, problems } = parseMetricRules(`
    # what the card shows
    fid
    scores.inception -> inception_score   # renamed
    top#1 -> top1
  `)
  assert.deepEqual(problems, [])
  assert.deepEqual(rules, [
    { line: 3, path: 'fid', type: 'fid' },
    { line: 4, path: 'scores.inception', type: 'inception_score' },
    { line: 5, path: 'top#1', type: 'top1' }
  ])
  assert.deepEqual(parseMetricRules('  \n# only a comment\n'), { rules: [], problems: [] })
})

test('every bad rule is reported with its line', () => {
  const { problems } = parseMetricRules('-> fid\na -> b -> c\nscores..fid\nfid -> has space\nfid\nFID')
  assert.equal(problems.length, 5, problems.join('\n'))
  assert.match(problems[0]!, /^line 1 .*path in the evaluation report is empty/)
  assert.match(problems[1]!, /^line 2 .*more than one "->"/)
  assert.match(problems[2]!, /^line 3 .*empty key/)
  assert.match(problems[3]!, /^line 4 .*may only hold letters/)
  assert.match(problems[4]!, /^line 6 .*"fid" is already given on line 5/)
})

test('with rules, exactly those paths, in rule order, renamed ones named after their type', () => {
  const report = {
    fid: 41.7,
    scores: { inception: 3.12, 'lr.final': 0.001 },
    'a.b': 7,
    losses: [0.5, 0.25],
    steps: 200000
  }
  const { rules } = parseMetricRules(
    'scores.inception -> inception_score\nfid\nscores.lr.final\na.b -> ab\nlosses.1 -> last_loss'
  )
  assert.deepEqual(extractMetrics(report, rules), [
    { type: 'inception_score', name: 'inception_score', value: 3.12, path: 'scores.inception' },
    { type: 'fid', name: 'fid', value: 41.7, path: 'fid' },
    { type: 'scores_lr_final', name: 'scores.lr.final', value: 0.001, path: 'scores.lr.final' },
    { type: 'ab', name: 'ab', value: 7, path: 'a.b' },
    { type: 'last_loss', name: 'last_loss', value: 0.25, path: 'losses.1' }
  ])
})

test('rules that miss report every problem and list the numeric paths the report has', () => {
  const report = { fid: 41.7, scores: { inception: 3.12 }, device: 'cpu' }
  const { rules } = parseMetricRules('scores.inceptoin\ndevice\nfid')
  assert.throws(
    () => extractMetrics(report, rules),
    (error: unknown) => {
      assert.ok(error instanceof CardError)
      assert.equal(error.name, 'CardError')
      assert.match(
        error.message,
        /card-metrics line 1 \("scores\.inceptoin"\): the evaluation report has no field "scores\.inceptoin"/
      )
      assert.match(error.message, /card-metrics line 2 \("device"\): the value is "cpu", not a number/)
      assert.doesNotMatch(error.message, /line 3/)
      assert.match(error.message, /Numeric fields in the evaluation report: fid, scores\.inception\./)
      return true
    }
  )
})

test('a report that is not a JSON object is a clear error, with or without rules', () => {
  assert.throws(() => extractMetrics([1, 2], []), /evaluation report is a list, not a JSON object/)
  assert.throws(
    () => extractMetrics(null, parseMetricRules('fid').rules),
    /evaluation report is empty, not a JSON object/
  )
})

test('numberAtPath finds own numeric fields only', () => {
  const report = { a: { b: 2, s: '3' }, list: [10, 20], inf: Infinity }
  assert.equal(numberAtPath(report, 'a.b'), 2)
  assert.equal(numberAtPath(report, 'list.1'), 20)
  assert.equal(numberAtPath(report, 'a.s'), undefined)
  assert.equal(numberAtPath(report, 'a.missing'), undefined)
  assert.equal(numberAtPath(report, 'inf'), undefined)
  // inherited or built-in properties are not report fields
  assert.equal(numberAtPath(report, 'list.length'), undefined)
  assert.equal(numberAtPath('text', 'length'), undefined)
  assert.equal(numberAtPath({}, 'constructor.length'), undefined)
  assert.equal(numberAtPath({ a: 1 }, '__proto__.a'), undefined)
})
