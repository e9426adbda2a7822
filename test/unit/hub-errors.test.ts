import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HubApiError } from '@huggingface/hub'
import { ActionError, describeError, HubError } from '../../src/errors.ts'
import {
  commitEnding,
  endpointOf,
  explainHubError,
  isExpiredUpload,
  isNetworkError,
  RetryAfterTooLongError
} from '../../src/hub/hub-errors.ts'

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
    [429, /refused the commit for its rate limit \(429\)\. A refused commit is not waited for and sent again/],
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

const at = (url: string, status: number, message = `Api error with status ${status}`) =>
  new HubApiError(url, status, undefined, `${message}. URL: ${url}`)
const STORAGE = 'https://hf-hub-lfs-us-east-1.s3.amazonaws.com/repos/ab/cd/oid?X-Amz-Signature=deadbeef&partNumber=1'
const COMPLETION = 'https://huggingface.co/api/complete_multipart?uploadId=u&signature=cafe'

test('which endpoint answered: storage, completion, LFS batch, commit or the Hub API', () => {
  assert.equal(endpointOf(at(STORAGE, 403), ctx.hubUrl), 'storage')
  assert.equal(endpointOf(at(COMPLETION, 404), ctx.hubUrl), 'completion')
  assert.equal(
    endpointOf(at('https://huggingface.co/d4oit/tiny.git/info/lfs/objects/batch', 500), ctx.hubUrl),
    'lfs-batch'
  )
  assert.equal(endpointOf(at('https://huggingface.co/api/models/d4oit/tiny/commit/main', 429), ctx.hubUrl), 'commit')
  assert.equal(endpointOf(at('https://huggingface.co/api/models/d4oit/tiny/tree/main', 404), ctx.hubUrl), 'hub-api')
})

test('a 403 or 404 from storage or the completion is not a token or repo problem', () => {
  const expired = explainHubError(
    at(STORAGE, 403, 'Api error with status 403. Error while uploading part 1 of model.pt to LFS storage'),
    ctx
  )
  assert.match(
    expired.message,
    /storage refused the upload of model\.pt \(403 from the presigned upload URL\): the URL expired/
  )
  assert.match(expired.message, /not about hf-token/)
  assert.doesNotMatch(expired.message, /may not write/)
  const gone = explainHubError(at(STORAGE, 404), ctx)
  assert.match(gone.message, /storage no longer knows the upload \(404 from the upload URL\).*not about repo-id/)
  assert.doesNotMatch(gone.message, /was not found on/)
  const refused = explainHubError(at(COMPLETION, 404), ctx)
  assert.match(refused.message, /Hub refused to complete the multipart upload \(404 from the completion URL\)/)
  assert.ok(isExpiredUpload(at(STORAGE, 403), ctx.hubUrl))
  assert.ok(isExpiredUpload(at(COMPLETION, 404), ctx.hubUrl))
  assert.ok(!isExpiredUpload(at('https://huggingface.co/api/models/d4oit/tiny/tree/main', 403), ctx.hubUrl))
})

test('a wait beyond the cap says how long the Hub asked for', () => {
  const error = explainHubError(
    new RetryAfterTooLongError(
      'GET',
      'https://huggingface.co/api/models/d4oit/tiny/tree/main',
      429,
      3_600_000,
      120_000
    ),
    ctx
  )
  assert.match(
    error.message,
    /answered 429 \(rate limit\) to GET \/api\/models\/d4oit\/tiny\/tree\/main and asked to wait 3600 s, longer than/
  )
  assert.match(error.message, /Re-run the workflow in about 60 minutes/)
})

test('how a commit attempt ended: refused, the branch moved, the repo busy, or unknown until read back', () => {
  const commitUrl = 'https://huggingface.co/api/models/d4oit/tiny/commit/main'
  assert.equal(commitEnding(at(commitUrl, 412)), 'conflict')
  assert.equal(commitEnding(at(commitUrl, 409)), 'busy', 'another commit is being written: nothing of ours landed')
  for (const status of [400, 401, 403, 404, 413, 422, 429]) assert.equal(commitEnding(at(commitUrl, status)), 'refused')
  for (const status of [408, 500, 502, 503, 504]) assert.equal(commitEnding(at(commitUrl, status)), 'ambiguous')
  assert.equal(commitEnding(new TypeError('fetch failed')), 'ambiguous')
  assert.equal(commitEnding(new DOMException('The operation timed out', 'TimeoutError')), 'ambiguous')
  assert.equal(commitEnding(new ActionError('the card is invalid', 'plan')), 'refused')
})
