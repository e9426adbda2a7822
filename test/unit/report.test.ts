import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { UploadPlan } from '../../src/hub/upload-plan.ts'
import { formatBytes, formatDuration } from '../../src/lib/format.ts'
import { escapeCode, escapeHtml } from '../../src/lib/markdown.ts'
import { computeOutputs } from '../../src/report/outputs.ts'
import { ProgressReporter, commitProgressLog, formatProgress } from '../../src/report/progress.ts'
import { renderFailureSummary, renderSummary } from '../../src/report/summary.ts'
import { knownResultOf, withKnownResult, type RunResult } from '../../src/report/run-result.ts'
import { Scrubber } from '../../src/report/scrub.ts'

const result = (over: Partial<RunResult> = {}): RunResult => ({
  mode: 'publish',
  repo: { type: 'model', name: 'd4oit/tiny', url: 'https://huggingface.co/d4oit/tiny' },
  branch: 'main',
  auth: 'token',
  dryRun: false,
  changed: true,
  commit: { oid: 'a'.repeat(40), url: 'https://huggingface.co/d4oit/tiny/commit/' + 'a'.repeat(40) },
  files: [
    { pathInRepo: 'generator/model.pt', localPath: '/w/m.pt', size: 2048, sha256: 'f'.repeat(64), status: 'added' },
    {
      pathInRepo: '<img src=x onerror=alert(1)>@octocat.png',
      localPath: '/w/x',
      size: 1,
      sha256: 'e'.repeat(64),
      status: 'unchanged'
    }
  ],
  bytesUploaded: 2048,
  createdRepo: false,
  ...over
})

test('bytes, durations and progress lines read well', () => {
  assert.equal(formatBytes(512), '512 B')
  assert.equal(formatBytes(1536), '1.5 KiB')
  assert.equal(formatBytes(1024 ** 3), '1.0 GiB')
  assert.equal(formatDuration(65_000), '1m05s')
  assert.equal(
    formatProgress({ done: 512 * 1024 ** 2, total: 1024 ** 3, elapsedMs: 2000 }),
    '512 MiB / 1.0 GiB (50%), 268.4 MB/s, ETA 2s'
  )
})

test('the progress reporter logs at most once per interval and always at the end', () => {
  let now = 0
  const lines: string[] = []
  const reporter = new ProgressReporter(
    'Uploading',
    100,
    (l) => lines.push(l),
    5000,
    () => now
  )
  reporter.set('a', 10)
  now = 4000
  reporter.set('a', 20)
  assert.equal(lines.length, 0)
  now = 5000
  reporter.add('b', 30)
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /^Uploading: 50 B \/ 100 B \(50%\)/)
  reporter.finish()
  assert.equal(lines.length, 2)
})

test('commit progress follows the latest plan: a moved head brings new files and a new total', () => {
  const plan = (size: number): UploadPlan => {
    const file = { pathInRepo: 'w.bin', localPath: '', size, sha256: 'a'.repeat(64), status: 'added' as const }
    return { baseCommit: undefined, files: [file], toUpload: [file], bytesToUpload: size, changed: true }
  }
  const lines: string[] = []
  const progress = commitProgressLog((line) => lines.push(line))
  const first = plan(4096)
  progress.onEvent({ event: 'phase', phase: 'uploadingLargeFiles' }, first)
  progress.onEvent({ event: 'fileProgress', state: 'uploading', path: 'w.bin', progress: 0.5 }, first)
  progress.onEvent({ event: 'phase', phase: 'committing' }, plan(1024))
  progress.finish()
  assert.deepEqual(lines.slice(0, 2), ['Hub commit: uploading large files', 'Hub commit: committing'])
  assert.match(lines[2]!, /^Uploading: 1\.0 KiB \/ 1\.0 KiB \(100%\)/)
})

test('untrusted text cannot inject HTML or ping people', () => {
  assert.equal(escapeHtml('<b>"x"</b> & @me'), '&lt;b&gt;&quot;x&quot;&lt;/b&gt; &amp; @\u200bme')
  assert.equal(escapeCode('a`b\nc'), "a'b c")
  assert.equal(new Scrubber(['hf_abc123']).text('token hf_abc123 and hf_abc123'), 'token *** and ***')
})

test('the summary escapes file names and links the commit', () => {
  const md = renderSummary(result())
  assert.ok(!md.includes('<img'))
  assert.ok(md.includes('&lt;img src=x onerror=alert(1)&gt;@\u200boctocat.png'))
  const commitUrl = `https://huggingface.co/d4oit/tiny/commit/${'a'.repeat(40)}`
  const commitLink = `<a href="${commitUrl}"><code>${'a'.repeat(12)}</code></a>`
  assert.ok(md.includes(`Commit ${commitLink}: 1 added, 0 updated, 1 unchanged`))
  assert.match(renderSummary(result({ dryRun: true, commit: undefined })), /Dry run: nothing was committed/)
  assert.match(renderSummary(result({ changed: false })), /already on the Hub/)
})

test('outputs are strings; files is JSON with path, size, sha256 and status', () => {
  const out = computeOutputs(result())
  assert.equal(out.changed, 'true')
  assert.equal(out['commit-sha'], 'a'.repeat(40))
  assert.deepEqual(JSON.parse(out.files!)[0], {
    path: 'generator/model.pt',
    size: 2048,
    sha256: 'f'.repeat(64),
    status: 'added'
  })
})

test('a gate skip has its own outputs; skipped keeps meaning the Train run did not succeed', () => {
  const gate = {
    outcome: 'regressed' as const,
    current: 45,
    previous: 39,
    delta: 6,
    action: 'skip' as const,
    reason: 'fid 45 is worse than the published 39 by 6'
  }
  const gated = computeOutputs(result({ changed: false, skippedReason: gate.reason, gate }))
  assert.deepEqual([gated.skipped, gated['skip-reason'], gated['gate-skipped']], ['false', '', 'true'])
  assert.equal(gated['gate-reason'], gate.reason)
  const train = computeOutputs(result({ skippedTrainRun: 'Train run 1 concluded "failure"' }))
  assert.deepEqual([train.skipped, train['gate-skipped']], ['true', 'false'])
  assert.match(train['skip-reason']!, /concluded "failure"/)
})

test('metric-delta is the difference to the decimals its values have, never float noise', () => {
  const delta = (current: number, previous: number) =>
    computeOutputs(
      result({
        gate: { outcome: 'improved', current, previous, delta: current - previous, reason: '' }
      })
    )['metric-delta']
  assert.equal(39 - 41.7, -2.700000000000003, 'what String(delta) would have written')
  assert.equal(delta(39, 41.7), '-2.7')
  assert.equal(delta(0.3, 0.1), '0.2')
  assert.equal(delta(0.8, 0.9), '-0.1')
  assert.equal(delta(41.7, 41.7), '0')
  assert.equal(delta(1.5e-7, 1e-7), '0.00000005', 'no e-notation')
  assert.equal(delta(0.123456789012, 0.1), '0.023456789012', 'every digit the values have')
  const first = computeOutputs(result({ gate: { outcome: 'first-publish', current: 41.7, reason: '' } }))
  assert.equal(first['metric-delta'], '')
})

test('a failed run keeps what it found out: the result travels with the error', async () => {
  const known = result({ verified: false })
  const failure = new Error('verification found problems')
  await assert.rejects(
    withKnownResult(known, () => Promise.reject(failure)),
    (e) => e === failure
  )
  assert.equal(knownResultOf(failure), known)
  assert.equal(knownResultOf(new Error('unrelated')), undefined)
  const summary = renderFailureSummary('verify', 'Verification of 2 files … <b>', known)
  assert.match(summary, /Hugging Face Hub: failed \(verify\)/)
  assert.match(summary, /&lt;b&gt;/, 'the message is escaped')
  assert.match(summary, /A commit landed before the failure: .*aaaaaaaa.*verification found problems with it/)
})
