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
