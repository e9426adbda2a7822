// Which failures of an artifact download are worth another round, and how long to wait first.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { downloadVerdict, withDownloadRetries } from '../../src/artifacts/download-retry.ts'
import { DEFAULT_RETRY_POLICY } from '../../src/lib/retry.ts'

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

test('a blob loop that gave up gets one fresh round, in an emptied folder; a second give-up is final', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'download-retry-'))
  const gaveUp = () => new Error('Unable to download and extract artifact: Artifact download failed after 5 retries.')
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1, maxDelayMs: 1 }
  const seen: string[][] = []
  let calls = 0
  const flaky = withDownloadRetries(
    {
      async download(request) {
        seen.push(await readdir(request.directory))
        await writeFile(join(request.directory, `half-${++calls}.zip`), 'partial')
        if (calls === 1) throw gaveUp()
        return { digestMismatch: false }
      }
    },
    { policy, log: () => {} }
  )
  const request = { artifactId: 7, expectedDigest: null, directory, runId: 42 }
  assert.deepEqual(await flaky.download(request), { digestMismatch: false })
  assert.deepEqual(seen, [[], []], 'the half-downloaded zip of the first round is gone before the second')

  calls = 0
  const lines: string[] = []
  const broken = withDownloadRetries(
    {
      download() {
        calls++
        return Promise.reject(gaveUp())
      }
    },
    { policy, log: (line) => lines.push(line) }
  )
  await assert.rejects(broken.download(request), /Artifact download failed after 5 retries/)
  assert.equal(calls, 2, 'the library’s own loop, then exactly one fresh round')
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /Downloading artifact 7 failed \(blob download failed\); retrying/)
})
