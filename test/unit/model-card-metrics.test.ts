import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cardMetrics } from '../../src/card/build-card.ts'
import { CardError } from '../../src/card/card-error.ts'
import { extractMetrics, metricTypeFor, numberAtPath, parseMetricRules } from '../../src/card/metrics.ts'

const seedReport = { fid: 41.7, inception_score: 3.12, precision: 0.61, recall: 0.48, steps: 200000 }

test('without rules, every top-level number of the seed report becomes a metric, in report order', () => {
  assert.deepEqual(extractMetrics(seedReport, []), [
    { type: 'fid', name: 'FID', value: 41.7, path: 'fid', better: 'lower' },
    { type: 'inception_score', name: 'Inception Score', value: 3.12, path: 'inception_score', better: 'higher' },
    { type: 'precision', name: 'Precision', value: 0.61, path: 'precision', better: 'higher' },
    { type: 'recall', name: 'Recall', value: 0.48, path: 'recall', better: 'higher' },
    // a count, not a score: a readable name, and no direction
    { type: 'steps', name: 'Training steps', value: 200000, path: 'steps' }
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
    { type: 'fid', name: 'FID', value: 40, path: 'FID', better: 'lower' },
    // a sample-count suffix keeps the direction, not the common name (the path says more)
    { type: 'scores_is_10k', name: 'scores.IS@10k', value: 3.1, path: 'scores.IS@10k', better: 'higher' },
    // "fid" lower-cases to the same type as "FID": the later one is renamed, not dropped, and keeps its path
    { type: 'fid_2', name: 'fid', value: 41.7, path: 'fid', better: 'lower' }
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
    // renamed to a type the table knows: its common name and direction
    { type: 'inception_score', name: 'Inception Score', value: 3.12, path: 'scores.inception', better: 'higher' },
    { type: 'fid', name: 'FID', value: 41.7, path: 'fid', better: 'lower' },
    { type: 'scores_lr_final', name: 'scores.lr.final', value: 0.001, path: 'scores.lr.final' },
    { type: 'ab', name: 'ab', value: 7, path: 'a.b' },
    // "last_loss" is not "loss" with a split in front: no direction is guessed
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

test('a readable name in double quotes, after the path or the type; a bad one is reported with its line', () => {
  const { rules, problems } = parseMetricRules(
    [
      'fid50k "FID (50k samples)"',
      'scores.is -> inception_score   "IS, 10k samples"  # a comment after it',
      'eval_loss',
      'acc -> top1 ""',
      'x "a" "b"',
      `y "${'n'.repeat(101)}"`,
      'z "tab\there"'
    ].join('\n')
  )
  assert.deepEqual(rules.slice(0, 3), [
    { line: 1, path: 'fid50k', type: 'fid50k', label: 'FID (50k samples)' },
    { line: 2, path: 'scores.is', type: 'inception_score', label: 'IS, 10k samples' },
    { line: 3, path: 'eval_loss', type: 'eval_loss' }
  ])
  assert.equal(problems.length, 4, problems.join('\n'))
  assert.match(problems[0]!, /^line 4 .*name in double quotes is empty/)
  assert.match(problems[1]!, /^line 5 .*double quote outside the readable name/)
  assert.match(problems[2]!, /^line 6 .*at most 100 characters/)
  assert.match(problems[3]!, /^line 7 .*without control characters/)
  const report = { fid50k: 12.3, scores: { is: 9.1 }, eval_loss: 0.4 }
  assert.deepEqual(extractMetrics(report, rules.slice(0, 3)), [
    // the given name wins; the direction still comes from the table ("fid" with a sample count)
    { type: 'fid50k', name: 'FID (50k samples)', value: 12.3, path: 'fid50k', better: 'lower' },
    { type: 'inception_score', name: 'IS, 10k samples', value: 9.1, path: 'scores.is', better: 'higher' },
    // a split in front keeps the direction, and the report's own name
    { type: 'eval_loss', name: 'eval_loss', value: 0.4, path: 'eval_loss', better: 'lower' }
  ])
})

test("the gate's metric is shown with gate-direction: the user said which way is better", () => {
  const entry = { pathInRepo: 'evaluation_report.json', localPath: '', size: 1, sha256: 'a'.repeat(64), gitOid: '' }
  const report = { entry, content: { my_score: 0.7, fid: 41.7 } }
  const metrics = cardMetrics(report, { metrics: [] }, { metric: 'my_score', direction: 'higher' })
  assert.deepEqual(
    metrics.map((m) => [m.type, m.better]),
    [
      ['my_score', 'higher'],
      ['fid', 'lower']
    ]
  )
  // over the table's direction too: a project that gates on "fid" as higher knows its own number
  const flipped = cardMetrics(report, { metrics: [] }, { metric: 'fid', direction: 'higher' })
  assert.equal(flipped.find((m) => m.type === 'fid')!.better, 'higher')
  assert.equal(cardMetrics(report, { metrics: [] })[0]!.better, undefined, 'unknown, and no gate: nothing is guessed')
})
