import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HubApiError } from '@huggingface/hub'
import { ActionError, describeError, HubError } from '../../src/errors.ts'
import { explainHubError, isNetworkError } from '../../src/hub/hub-errors.ts'

const ctx = {
  hubUrl: 'https://huggingface.co',
  repoId: 'd4oit/tiny',
  branch: 'main',
  doing: 'publishing',
  stage: 'upload' as const
}
const api = (status: number) =>
  new HubApiError(
    'https://huggingface.co/api/models/d4oit/tiny/commit/main',
    status,
    'Root=1-abc',
    `Hub said ${status}`
  )

test('each Hub status becomes advice naming the input to change, keeping the Hub message and request id', () => {
  const cases: Array<[number, RegExp]> = [
    [401, /rejected hf-token \(401 Unauthorized\)/],
    [403, /hf-token may not write to d4oit\/tiny \(403/],
    [404, /d4oit\/tiny or its branch "main" was not found .*create-repo: true/],
    [412, /kept moving .*concurrency group/],
    [413, /too large/],
    [429, /refused the commit for its rate limit \(429\)\. A commit is never re-sent automatically/],
    [503, /failed with 503 .*never re-sent blindly/]
  ]
  for (const [status, advice] of cases) {
    const error = explainHubError(api(status), ctx)
    assert.ok(error instanceof HubError)
    assert.equal(error.status, status)
    assert.equal(error.requestId, 'Root=1-abc')
    assert.equal(error.stage, 'upload')
    assert.match(error.message, advice, String(status))
    assert.match(error.message, new RegExp(`while publishing; Hub said: Hub said ${status}`))
  }
})

test('our own errors pass through unchanged, keeping their stage', () => {
  const gate = new ActionError('Metric gate: fid regressed', 'gate')
  assert.equal(explainHubError(gate, ctx), gate)
})

test('a network failure names hub-url and the underlying reason', () => {
  const failure = new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
  })
  assert.equal(isNetworkError(failure), true)
  const message = explainHubError(failure, ctx).message
  assert.match(message, /Could not reach hub-url https:\/\/huggingface\.co while publishing: /)
  assert.match(message, /while publishing: fetch failed: connect ECONNREFUSED 127\.0\.0\.1:9/)
  assert.equal(isNetworkError(new Error('plain')), false)
})

test('describeError follows causes and copes with non-Error throws', () => {
  assert.equal(describeError(new Error('outer', { cause: new Error('inner') })), 'outer: inner')
  assert.equal(describeError('text'), 'text')
  assert.equal(describeError({ a: 1 }), '{"a":1}')
  assert.equal(describeError(undefined), 'unknown error')
})
