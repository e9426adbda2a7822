import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  failureMarker,
  renderFailureIssue,
  renderRecoveryComment,
  renderRepeatComment,
  type FailureFacts
} from '../../src/issues/failure-issue.ts'

const facts = (over: Partial<FailureFacts> = {}): FailureFacts => ({
  stage: 'upload',
  message: 'The Hub failed with 503 even after retries',
  target: {
    type: 'model',
    name: 'd4oit/tiny-cats-model',
    branch: 'main',
    url: 'https://huggingface.co/d4oit/tiny-cats-model'
  },
  workflow: 'Publish',
  trainRun: {
    id: 19000000001,
    url: 'https://github.com/d4oit/tiny-cats-model/actions/runs/19000000001',
    headSha: 'c'.repeat(40),
    attempt: 2
  },
  thisRunUrl: 'https://github.com/d4oit/tiny-cats-model/actions/runs/555',
  sourceCommitUrl: 'https://github.com/d4oit/tiny-cats-model/commit/' + 'c'.repeat(40),
  actor: 'octocat',
  workflowFile: 'publish.yml',
  ...over
})

test('the issue names the stage, the error, both runs, the commit, the actor and how to re-run', () => {
  const { title, body } = renderFailureIssue(facts())
  assert.equal(title, 'Publishing to the Hugging Face Hub failed: d4oit/tiny-cats-model')
  assert.ok(body.startsWith(failureMarker(facts().target, 'Publish')))
  assert.match(body, /\*\*Stage:\*\* upload \(Hub commit\)/)
  assert.match(body, /\*\*Train run:\*\* \[19000000001\]\(https:\/\/github.com\/.*\/runs\/19000000001\) \(attempt 2\)/)
  assert.match(body, /\*\*This run:\*\* https:\/\/github.com\/.*\/runs\/555/)
  assert.match(body, /\*\*Source commit:\*\* \[`cccccccccccc`\]/)
  assert.match(body, /\*\*Actor:\*\* `octocat`/)
  assert.match(body, /gh workflow run publish\.yml -f run-id=19000000001/)
  assert.match(body, /The Hub failed with 503/)
})

test('one marker per Hub repo, branch and workflow', () => {
  const t = facts().target
  assert.notEqual(failureMarker(t, 'Publish'), failureMarker({ ...t, branch: 'dev' }, 'Publish'))
  assert.notEqual(failureMarker(t, 'Publish'), failureMarker(t, 'Other'))
  const marker = failureMarker(t, 'evil --> <b>')
  assert.equal(marker.indexOf('-->'), marker.length - 3, 'a workflow name cannot close the marker early')
})

test('an error message cannot break out of its fence, ping anyone or inject markup', () => {
  const hostile = 'boom ``` \n# Heading\n@octocat <img src=x onerror=alert(1)> ````'
  const { body } = renderFailureIssue(facts({ message: hostile }))
  const fence = /(`{5,})text\n([\s\S]*?)\n\1/.exec(body)
  assert.ok(fence, 'fenced with more backticks than the message contains')
  assert.equal(fence[2], hostile)
  assert.ok(!/^@octocat/m.test(body.replace(fence[0], '')))
  assert.ok(!body.replace(fence[0], '').includes('<img'))
})

test('very long messages are truncated to stay far below the body limit', () => {
  const { body } = renderFailureIssue(facts({ message: 'x'.repeat(100_000) }))
  assert.ok(body.length < 12_000)
  assert.match(body, /… \(truncated\)/)
})

test('repeat and recovery comments', () => {
  assert.match(renderRepeatComment(facts()), /^Failed again\.\n\n\*\*Stage:\*\*/)
  assert.equal(
    renderRecoveryComment({
      commitUrl: 'https://huggingface.co/d4oit/x/commit/abc',
      changed: true,
      thisRunUrl: 'https://github.com/r/actions/runs/9'
    }),
    'Published: https://huggingface.co/d4oit/x/commit/abc\n\nRun: https://github.com/r/actions/runs/9\n\nClosing ' +
      'this issue.'
  )
})
