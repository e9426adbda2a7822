// Inputs and rendered text under hostile values (issue 7, points 5, 6 and 7), pure.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseByteSize } from '../../src/lib/format.ts'
import { codeSpan, escapeHtml, escapeMarkdown, htmlLink } from '../../src/lib/markdown.ts'
import { MAX_FILES_OUTPUT_BYTES, computeOutputs } from '../../src/report/outputs.ts'
import type { RunResult } from '../../src/report/run-result.ts'
import { MAX_SUMMARY_FILE_ROWS, renderSummary } from '../../src/report/summary.ts'
import { inputProblems as problems, readInputs as read } from '../support/inputs.ts'

test('an http:// hub-url to another host is refused unless allowed; loopback and https pass', () => {
  assert.match(
    problems({ 'hub-url': 'http://hub.internal.example' }),
    /hub-url: http:\/\/hub\.internal\.example is plain http .* hf-token would travel in clear text/
  )
  assert.equal(read({ 'hub-url': 'http://hub.example', 'allow-insecure-hub-url': 'true' }).hubUrl, 'http://hub.example')
  for (const url of ['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9', 'https://hub.example'])
    assert.equal(read({ 'hub-url': url }).hubUrl, url)
  assert.match(problems({ 'allow-insecure-hub-url': 'yes' }), /allow-insecure-hub-url: expected "true" or "false"/)
})

test('a branch, revision or tag with a control or bidi character is refused', () => {
  assert.match(problems({ branch: 'main\u202e' }), /branch: not a valid git branch name/)
  assert.match(problems({ revision: 'v1\u0007' }), /revision: expected a branch/)
  assert.match(problems({ tag: 'v{run_number}\u2066' }), /tag: not a valid tag name/)
})

test('artifacts-max-size takes a size with a unit; the default is 10 GiB', () => {
  assert.equal(read({}).artifactsMaxBytes, 10 * 1024 ** 3)
  assert.equal(read({ 'artifacts-max-size': '500MiB' }).artifactsMaxBytes, 500 * 1024 ** 2)
  assert.equal(parseByteSize('2 GB'), 2e9)
  assert.equal(parseByteSize('1048576'), 1048576)
  assert.match(problems({ 'artifacts-max-size': 'lots' }), /artifacts-max-size: expected a size such as 10GiB/)
  assert.match(problems({ 'artifacts-max-size': '0' }), /artifacts-max-size/)
})

test('a 50 000-line files input fails fast with one short error', () => {
  const files = Array.from({ length: 50_000 }, (_, i) => `f${i}.bin -> out/f${i}.bin`).join('\n')
  const message = problems({ files })
  assert.ok(message.length < 400, message)
  assert.match(message, /files: 50000 lines; at most 10000 lines/)
})

test('many bad lines are listed up to a limit, then counted', () => {
  const files = Array.from({ length: 500 }, (_, i) => `f${i} -> /abs/${i}`).join('\n')
  const message = problems({ files })
  assert.equal(message.split('\n').length, 1 + 20 + 1)
  assert.match(message, /… and 480 more lines with problems/)
})

test('file names and values cannot make links, HTML or mentions in Markdown', () => {
  for (const text of ['www.evil.example', 'https://evil.example/x', 'WWW.EVIL.EXAMPLE', 'x http://e.example']) {
    for (const out of [escapeHtml(text), escapeMarkdown(text), codeSpan(text)]) {
      assert.ok(!/https?:\/\//i.test(out), out)
      assert.ok(!/\bwww\./i.test(out), out)
    }
  }
  assert.equal(escapeMarkdown('a|b<img src=x>'), 'a&#124;b&lt;img src=x&gt;')
  assert.equal(escapeHtml('a\u202eb\u0085c'), 'abc')
  // Our own links keep a working href.
  assert.equal(htmlLink('x', 'https://huggingface.co/a/b'), '<a href="https://huggingface.co/a/b">x</a>')
})

const manyFiles = (n: number): RunResult => ({
  mode: 'publish',
  auth: 'token',
  repo: { type: 'model', name: 'a/b', url: 'https://huggingface.co/a/b' },
  branch: 'main',
  dryRun: false,
  changed: true,
  files: Array.from({ length: n }, (_, i) => ({
    pathInRepo: `samples/${String(i).padStart(6, '0')}-${'x'.repeat(60)}.png`,
    localPath: '',
    size: 1,
    sha256: 'a'.repeat(64),
    status: 'added' as const
  })),
  bytesUploaded: n,
  createdRepo: false,
  commit: { oid: 'c'.repeat(40), url: 'https://huggingface.co/a/b/commit/c' }
})

test('the files output is capped, whole entries only, and says how many it left out', () => {
  const out = computeOutputs(manyFiles(20_000))
  assert.ok(Buffer.byteLength(out.files!) <= MAX_FILES_OUTPUT_BYTES)
  const listed = JSON.parse(out.files!) as unknown[]
  assert.ok(listed.length > 1000)
  assert.equal(Number(out['files-omitted']), 20_000 - listed.length)
  assert.equal(computeOutputs(manyFiles(3))['files-omitted'], '0')
})

test('the summary lists at most so many files and counts the rest', () => {
  const md = renderSummary(manyFiles(MAX_SUMMARY_FILE_ROWS + 250))
  assert.equal(md.split('<tr>').length - 2, MAX_SUMMARY_FILE_ROWS)
  assert.match(md, /… and 250 more files, not shown/)
  assert.ok(Buffer.byteLength(md) < 1024 * 1024)
})

test('a revision the Hub answered is escaped in the summary like every other commit id', () => {
  const md = renderSummary({ ...manyFiles(1), mode: 'verify', verified: true, verifiedRevision: '<img src=x>' })
  assert.ok(!md.includes('<img'), md)
  assert.match(md, /at <code>&lt;img src=x&gt;<\/code>/)
})
