// Per-file log lines are capped with a count, the files that change listed first.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { PlannedFile } from '../../src/hub/upload-plan.ts'
import { MAX_FILE_LINES, cappedLines, planCounts, planLines } from '../../src/report/file-lines.ts'

const file = (i: number, status: PlannedFile['status']): PlannedFile => ({
  pathInRepo: `samples/${i}.json`,
  localPath: `/ws/samples/${i}.json`,
  size: 4096,
  sha256: 'ab'.repeat(32),
  status
})

test('a long list is cut after the cap, with one line that counts the rest', () => {
  const lines = cappedLines(
    Array.from({ length: 10_000 }, (_, i) => i),
    (i) => `file ${i}`
  )
  assert.equal(lines.length, MAX_FILE_LINES + 1)
  assert.equal(lines[0], 'file 0')
  assert.equal(lines.at(-1), `… and ${10_000 - MAX_FILE_LINES} more (10000 in all, not listed)`)
  assert.deepEqual(
    cappedLines([1, 2], (i) => `file ${i}`),
    ['file 1', 'file 2']
  )
})

test('the plan lists changed files before unchanged ones, so a cut never hides what the commit changes', () => {
  const files = [
    ...Array.from({ length: 150 }, (_, i) => file(i, 'unchanged')),
    file(150, 'added'),
    file(151, 'updated')
  ]
  const lines = planLines(files, 10)
  assert.match(lines[0]!, /^added +samples\/150\.json \(4\.0 KiB, sha256 abababababab\)$/)
  assert.match(lines[1]!, /^updated +samples\/151\.json/)
  assert.equal(lines.length, 11)
  assert.equal(planCounts(files), '152 files: 1 added, 1 updated, 150 unchanged')
})

test('10,000 files make a log of a few KB, not megabytes', () => {
  const files = Array.from({ length: 10_000 }, (_, i) => file(i, 'added'))
  const bytes = planLines(files).join('\n').length
  assert.ok(bytes < 20_000, `${bytes} bytes`)
})
