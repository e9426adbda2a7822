// Which failures of an artifact download are worth another round, and how long to wait first.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { downloadVerdict } from '../../src/artifacts/download-retry.ts'

const apiError = (status: number, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { status, request: { url: '…/zip' }, response: { headers } })

test('the download API call: 5xx and rate limits are retried, honouring Retry-After; refusals are not', () => {
  assert.deepEqual(downloadVerdict(apiError(503, 'No server'), 120_000), { reason: 'HTTP 503', waitAtLeastMs: 0 })
  assert.deepEqual(
    downloadVerdict(apiError(403, 'You have exceeded a secondary rate limit.', { 'retry-after': '30' }), 120_000),
    { reason: 'HTTP 403 (rate limit)', waitAtLeastMs: 30_000 }
  )
  assert.equal(downloadVerdict(apiError(403, 'Resource not accessible by integration'), 120_000), undefined)
  assert.equal(downloadVerdict(apiError(410, 'Artifact has expired'), 120_000), undefined)
  assert.equal(
    downloadVerdict(apiError(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }), 120_000),
    undefined,
    'a spent hourly quota is not waited for'
  )
  assert.equal(
    downloadVerdict(apiError(429, 'slow down', { 'retry-after': '3600' }), 120_000),
    undefined,
    'nor a wait beyond the cap'
  )
})

test('the blob loop giving up is worth one more round with a fresh URL; other errors are final', () => {
  const gaveUp = new Error('Unable to download and extract artifact: Artifact download failed after 5 retries.')
  assert.deepEqual(downloadVerdict(gaveUp, 120_000), { reason: 'blob download failed', waitAtLeastMs: 0 })
  assert.equal(downloadVerdict(new Error('digest mismatch'), 120_000), undefined)
})
