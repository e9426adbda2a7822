import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseArtifactRules, selectArtifacts } from '../../src/artifacts/select-artifacts.ts'
import type { RunArtifact } from '../../src/github/github-api.ts'

const artifact = (id: number, name: string, over: Partial<RunArtifact> = {}): RunArtifact => ({
  id,
  name,
  size: 10,
  expired: false,
  digest: `sha256:${'0'.repeat(64)}`,
  ...over
})
const run = [
  artifact(1, 'checkpoints'),
  artifact(2, 'evaluation-report'),
  artifact(3, 'samples-a'),
  artifact(4, 'samples-b')
]
const select = (text: string, available = run) => selectArtifacts(available, parseArtifactRules(text).rules, 42)

test('by default every artifact goes to a folder named after it', () => {
  assert.deepEqual(
    select('').map((s) => [s.artifact.name, s.folder]),
    [
      ['checkpoints', 'checkpoints'],
      ['evaluation-report', 'evaluation-report'],
      ['samples-a', 'samples-a'],
      ['samples-b', 'samples-b']
    ]
  )
})

test('names, folders and globs place artifacts where the files mapping expects them', () => {
  assert.deepEqual(
    select('checkpoints\nevaluation-report -> evaluation/\nsamples-* -> samples/').map((s) => [
      s.artifact.name,
      s.folder
    ]),
    [
      ['checkpoints', 'checkpoints'],
      ['evaluation-report', 'evaluation'],
      ['samples-a', 'samples/samples-a'],
      ['samples-b', 'samples/samples-b']
    ]
  )
})

test('a re-run artifact with the same name: the newest wins', () => {
  const picked = select('checkpoints', [artifact(1, 'checkpoints'), artifact(9, 'checkpoints')])
  assert.equal(picked[0]!.artifact.id, 9)
})

test('missing, expired, empty and overlapping selections name the artifact and list the run', () => {
  const inventory = '"checkpoints", "evaluation-report", "samples-a", "samples-b"'
  assert.throws(
    () => select('weights'),
    (e: Error) => e.message.includes(`artifact "weights" not found in Train run 42\nTrain run 42 has: ${inventory}`)
  )
  assert.throws(() => select('nothing-*'), /the pattern "nothing-\*" matches no artifact/)
  assert.throws(
    () => select('checkpoints', [artifact(1, 'checkpoints', { expired: true })]),
    /artifact "checkpoints" has expired .*re-run the Train workflow.*\nTrain run 42 has: "checkpoints" \(expired\)/s
  )
  assert.throws(() => select('', []), /Train run 42 has no artifacts/)
  assert.throws(() => select('checkpoints -> data/\nevaluation-report -> data/'), /overlapping folders/)
  assert.throws(() => select('checkpoints -> .\nevaluation-report'), /overlapping folders/)
})

test('bad lines are reported with their number', () => {
  const { problems } = parseArtifactRules('-> x\na -> /abs\nb -> ../up\nc -> d -> e')
  assert.equal(problems.length, 4)
  assert.match(problems[1]!, /line 2 .*absolute/)
  assert.match(problems[2]!, /line 3 .*"\.\."/)
})

test('only the artifacts of the attempt being published are taken, whatever their ids', () => {
  const attempt = { number: 2, startedAt: '2026-11-02T10:00:00Z' }
  const available = [
    artifact(50, 'weights', { createdAt: '2026-11-02T09:10:00Z' }), // attempt 1, higher id
    artifact(9, 'weights', { createdAt: '2026-11-02T10:20:00Z' }), // attempt 2, lower id
    artifact(51, 'extra', { createdAt: '2026-11-02T09:11:00Z' }) // attempt 1 only
  ]
  const picked = selectArtifacts(available, parseArtifactRules('weights').rules, 42, attempt)
  assert.deepEqual(
    picked.map((s) => s.artifact.id),
    [9]
  )
  assert.deepEqual(
    selectArtifacts(available, [], 42, attempt).map((s) => s.artifact.name),
    ['weights'],
    'the default (all) is all of this attempt'
  )
  assert.throws(
    () => selectArtifacts(available, parseArtifactRules('extra').rules, 42, attempt),
    /artifact "extra" not found in attempt 2 of Train run 42 \(only an earlier attempt uploaded one.*re-run all jobs/
  )
  assert.throws(
    () => selectArtifacts(available.slice(0, 1), [], 42, attempt),
    /attempt 2 of Train run 42 has no artifacts of its own \(earlier attempts uploaded "weights"/
  )
})

test('without attempts, the newest upload of a name wins by creation time, then id', () => {
  const available = [
    artifact(50, 'weights', { createdAt: '2026-11-02T09:10:00Z' }),
    artifact(9, 'weights', { createdAt: '2026-11-02T10:20:00Z' })
  ]
  assert.equal(selectArtifacts(available, [], 42)[0]!.artifact.id, 9)
})

test('a hostile artifact name in the run is listed escaped, never as a line break or a bidi override', () => {
  const hostile = [...run, artifact(9, 'ok\n::error::forged\u202eexe.png')]
  assert.throws(
    () => select('weights', hostile),
    (e: Error) => {
      assert.match(e.message, /"ok\\u000A::error::forged\\u202Eexe\.png"/)
      assert.equal(e.message.split('\n').length, 2, 'one line for the problem, one for the inventory')
      assert.doesNotMatch(e.message, /\u202e/)
      return true
    }
  )
})
