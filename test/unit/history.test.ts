import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  historyJson,
  publishHistory,
  renderHistoryTable,
  renderMetricTrend,
  type CommitRecord,
  type PublishRecord
} from '../../src/history/history.ts'
import { formatDescription, type Provenance } from '../../src/provenance/trailers.ts'

const REPO = 'https://huggingface.co/d4oit/tiny-cats-model'
const SOURCE = 'https://github.com/d4oit/tiny-cats-model'

const provenance = (over: Partial<Provenance> = {}): Provenance => ({ artifacts: [], metrics: [], files: [], ...over })
const published = (n: number, over: Partial<Provenance> = {}, withTitle = true): CommitRecord => {
  const description = formatDescription(
    provenance({ sourceRepository: SOURCE, sourceCommit: String(n).repeat(40), ...over })
  )
  const title = `Publish ${n}`
  return {
    oid: String.fromCharCode(96 + n).repeat(40),
    title,
    message: withTitle ? `${title}\n\n${description}` : description,
    date: `2025-06-0${n}T10:20:30Z`
  }
}
const foreign = (oid: string, message = 'Upload folder using huggingface_hub'): CommitRecord => ({
  oid,
  title: message.split('\n')[0]!,
  message,
  date: '2025-06-01T00:00:00Z'
})
const record = (n: number, over: Partial<Provenance> = {}): PublishRecord => ({
  oid: String.fromCharCode(96 + n).repeat(40),
  date: `2025-06-0${n}T10:20:30Z`,
  title: `Publish ${n}`,
  provenance: provenance({ sourceRepository: SOURCE, sourceCommit: String(n).repeat(40), ...over })
})

test("the history keeps only this action's commits, newest first, whether or not the message has the title", () => {
  const commits = [
    published(4),
    foreign('x'.repeat(40)),
    published(3, {}, false),
    published(2),
    foreign('y'.repeat(40), 'Published-By: hf-upload-action'),
    published(1)
  ]
  const history = publishHistory(commits, 10)
  assert.deepEqual(
    history.map((r) => r.title),
    ['Publish 4', 'Publish 3', 'Publish 2', 'Publish 1']
  )
  assert.equal(history[1]!.provenance.sourceCommit, '3'.repeat(40))
  assert.equal(history[0]!.date, '2025-06-04T10:20:30Z')
})

test('the history stops at the limit', () => {
  const commits = [published(3), published(2), published(1)]
  assert.deepEqual(
    publishHistory(commits, 2).map((r) => r.oid[0]),
    ['c', 'b']
  )
  assert.deepEqual(publishHistory(commits, 0), [])
})

test('the table links the Hub commit, the source commit and the Train run, with metrics', () => {
  const md = renderHistoryTable(
    [
      record(2, {
        trainRunId: 77,
        workflowRun: `${SOURCE}/actions/runs/77`,
        workflowRunAttempt: 2,
        metrics: [
          { name: 'fid', value: 39.2 },
          { name: 'is', value: 8 }
        ]
      }),
      record(1, { sourceRepository: undefined })
    ],
    REPO
  )
  const lines = md.trim().split('\n')
  assert.equal(lines[0], '| Date | Commit | Source commit | Train run | Metrics |')
  assert.equal(lines.length, 4)
  assert.equal(
    lines[2],
    `| 2025-06-02 10:20 UTC | <a href="${REPO}/commit/${'b'.repeat(40)}"><code>bbbbbbb</code></a> | <a ` +
      `href="${SOURCE}/commit/${'2'.repeat(40)}"><code>2222222</code></a> | <a ` +
      `href="${SOURCE}/actions/runs/77">77</a> (attempt 2) | fid=39.2, is=8 |`
  )
  assert.equal(
    lines[3],
    `| 2025-06-01 10:20 UTC | <a href="${REPO}/commit/${'a'.repeat(40)}"><code>aaaaaaa</code></a> | ` +
      `<code>1111111</code> | — | — |`
  )
})

test('untrusted values cannot break the table, inject HTML or links, or ping people', () => {
  const md = renderHistoryTable(
    [
      record(1, {
        metrics: [{ name: 'a|b <img src=x> @octocat [x](http://e)', value: 1 }],
        workflowRun: 'javascript:alert(1)',
        sourceRepository: 'https://e.com/"><script>'
      })
    ],
    REPO
  )
  const row = md.trim().split('\n')[2]!
  assert.equal(row.split('|').length, 7, 'exactly five cells')
  assert.doesNotMatch(md, /<img|<script|javascript:|\[x\]|@octocat/)
  assert.match(md, /&lt;img src=x&gt;/)
  // A repository URL that is not a plain http(s) URL is shown as text, never linked.
  assert.doesNotMatch(md, /href="https:\/\/e\.com/)
  assert.match(md, /<code>1111111<\/code>/)
})

test('an empty history says so instead of an empty table', () => {
  assert.doesNotMatch(renderHistoryTable([], REPO), /\|/)
})

test('the trend charts one metric oldest to newest, labelled by source commit', () => {
  const records = [
    record(3, { metrics: [{ name: 'fid', value: 39.2 }] }),
    record(2),
    record(1, { sourceCommit: undefined, metrics: [{ name: 'fid', value: 41.7 }] })
  ]
  const chart = renderMetricTrend(records, 'fid', { label: 'this run', value: 0.0000001 })!
  assert.equal(
    chart,
    [
      '```mermaid',
      'xychart-beta',
      '  title "fid over publishes"',
      '  x-axis ["aaaaaaa", "3333333", "this run"]',
      '  y-axis "fid"',
      '  line [41.7, 39.2, 0.0000001]',
      '```',
      ''
    ].join('\n')
  )
})

test('no trend from fewer than two points', () => {
  assert.equal(renderMetricTrend([record(1, { metrics: [{ name: 'fid', value: 1 }] })], 'fid'), undefined)
  assert.equal(renderMetricTrend([record(2), record(1)], 'fid', { label: 'now', value: 3 }), undefined)
  assert.ok(renderMetricTrend([record(1, { metrics: [{ name: 'fid', value: 1 }] })], 'fid', { label: 'now', value: 3 }))
})

test('labels and the metric name cannot break the chart; repeated labels stay distinct', () => {
  const records = [
    record(2, { sourceCommit: '1'.repeat(40), metrics: [{ name: 'f"id`%%', value: 2 }] }),
    record(1, { metrics: [{ name: 'f"id`%%', value: 1 }] })
  ]
  const chart = renderMetricTrend(records, 'f"id`%%', { label: '"]\n```\nline [9', value: 3 })!
  const body = chart.split('\n').slice(1, -2)
  assert.equal(body.length, 5, 'no line was added')
  assert.ok(!body.some((l) => l.includes('`')))
  assert.equal(body[1], '  title "fid over publishes"')
  assert.equal(body[2], '  x-axis ["1111111", "1111111 (2)", "line 9"]')
})

test('the JSON form is plain data: metrics by name, a file count instead of the file list', () => {
  const json = historyJson([
    record(1, {
      trainRunId: 5,
      metrics: [{ name: 'fid', value: 39.2 }],
      files: [{ path: 'a', size: 1, sha256: 's' }],
      filesOmitted: 2
    })
  ])
  assert.deepEqual(JSON.parse(JSON.stringify(json)), [
    {
      commit: 'a'.repeat(40),
      date: '2025-06-01T10:20:30Z',
      title: 'Publish 1',
      sourceRepository: SOURCE,
      sourceCommit: '1'.repeat(40),
      trainRunId: 5,
      artifacts: [],
      metrics: { fid: 39.2 },
      fileCount: 3
    }
  ])
})

test('a rollback shows what the branch serves: the metrics of the publish it restored', () => {
  const rollback = (n: number, target: string, over: Partial<Provenance> = {}): CommitRecord => {
    const description = formatDescription(provenance({ rollbackOf: target, actor: 'octocat', ...over }))
    const title = `Roll back main to ${target.slice(0, 12)}`
    return { oid: String(n).repeat(40), title, message: `${title}\n\n${description}`, date: `2025-06-0${n}T10:20:30Z` }
  }
  const fid = (value: number) => ({
    metrics: [{ name: 'fid', value }],
    files: [{ path: 'm', size: 1, sha256: 'e'.repeat(64) }]
  })
  const a = 'a'.repeat(40)
  const commits = [
    rollback(5, '4'.repeat(40)), // a rollback of a rollback: it serves what that one restored
    rollback(4, a),
    published(3, fid(39.2)),
    published(2, fid(40.1)),
    published(1, fid(41.7))
  ]
  // the limit cuts the list, not what a rollback can be resolved against
  const records = publishHistory(commits, 3)
  assert.deepEqual(
    records.map((r) => r.restored?.oid),
    [a, a, undefined]
  )
  const chart = renderMetricTrend(records, 'fid')!
  assert.match(chart, /x-axis \["3333333", "rollback to 1111111", "rollback to 1111111 \(2\)"\]/)
  assert.match(chart, /line \[39\.2, 41\.7, 41\.7\]/)

  const table = renderHistoryTable(records, REPO).trim().split('\n')
  assert.equal(
    table[3],
    `| 2025-06-04 10:20 UTC | <a href="${REPO}/commit/${'4'.repeat(40)}"><code>4444444</code></a> rollback to ` +
      `<a href="${REPO}/commit/${a}"><code>aaaaaaa</code></a> | <a href="${SOURCE}/commit/${'1'.repeat(40)}">` +
      '<code>1111111</code></a> | — | fid=41.7 |'
  )
  const json = JSON.parse(JSON.stringify(historyJson(records))) as Array<Record<string, unknown>>
  assert.deepEqual(
    [json[1]!.rollbackOf, json[1]!.actor, json[1]!.metrics, json[1]!.fileCount],
    [a, 'octocat', { fid: 41.7 }, 1]
  )

  // a rollback to a commit that is not listed (or not a publish) carries no metrics, and no loop hangs
  const lost = publishHistory([rollback(2, 'f'.repeat(40)), published(1, fid(41.7))], 10)
  assert.equal(lost[0]!.restored, undefined)
  const lostRow = renderHistoryTable(lost, REPO)
  assert.match(lostRow, /rollback to <a [^>]+><code>fffffff<\/code><\/a> \| — \| — \| — \|/)
  const loop = publishHistory([rollback(2, '1'.repeat(40)), rollback(1, '2'.repeat(40))], 10)
  assert.deepEqual(
    loop.map((r) => r.restored),
    [undefined, undefined]
  )
})
