// The one scrubbing gate (issue 7, point 1): secrets in every form, URL queries, control
// characters, workflow commands, caps.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { secretForms } from '../../src/lib/redact.ts'
import type { GitHubApi } from '../../src/github/github-api.ts'
import { MAX_ANNOTATION_CHARS, MAX_SUMMARY_BYTES, safeCore, safeGitHub } from '../../src/report/safe-core.ts'
import { Scrubber, capDocument, capText, mayContainCommand, stripUrlQueries } from '../../src/report/scrub.ts'
import { runnerCommands } from '../support/runner-commands.ts'
import { recordingCore } from '../support/recording-core.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'

const checkoutHeader = (token: string) =>
  `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`

test('a secret is redacted raw, trimmed, percent-encoded and base64-encoded inside a longer value', () => {
  const scrub = new Scrubber([` ${GH_TOKEN}\n`, HF_TOKEN])
  for (const text of [
    `token ${GH_TOKEN} here`,
    `url ?t=${encodeURIComponent(` ${GH_TOKEN}`)}`,
    checkoutHeader(GH_TOKEN),
    // Any user, any alignment, either base64 alphabet.
    `basic ${Buffer.from(`me:${GH_TOKEN}`).toString('base64')}`,
    `basic ${Buffer.from(`ab:${HF_TOKEN}:x`).toString('base64url')}`,
    `Bearer ${HF_TOKEN}`
  ]) {
    const out = scrub.text(text)
    assert.ok(!out.includes(GH_TOKEN) && !out.includes(HF_TOKEN), out)
    assert.match(out, /\*\*\*/, `${text} → ${out}`)
  }
  // Every base64 form of the checkout header is among what the leak scan looks for, too.
  const encoded = checkoutHeader(GH_TOKEN).split(' ').pop()!
  assert.ok(secretForms(GH_TOKEN).some((form) => encoded.includes(form)))
})

test('short values are left alone, so "***" does not replace every common word', () => {
  assert.equal(new Scrubber(['main', 'ab']).text('main is main, ab'), '*** is ***, ab')
  assert.equal(new Scrubber(['a']).text('a b'), 'a b')
})

test('every URL loses its query and fragment; signature parameters go wherever they are', () => {
  const signed =
    'https://s3.example/bucket/obj?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&' +
    'X-Amz-Signature=abcdef0123456789#frag'
  assert.equal(stripUrlQueries(`PUT ${signed} failed.`), 'PUT https://s3.example/bucket/obj failed.')
  assert.equal(stripUrlQueries(`"url":"${signed}"}`), '"url":"https://s3.example/bucket/obj"}')
  assert.equal(stripUrlQueries(`<a href="${signed}">x</a>`), '<a href="https://s3.example/bucket/obj">x</a>')
  assert.equal(stripUrlQueries('HTTP://H/p?q=1 and http://h/x#y'), 'HTTP://H/p and http://h/x')
  // Percent-encoded inside another value, or cut by a line break: the signature still goes.
  assert.equal(stripUrlQueries('next=%2Fo%3FX-Amz-Signature%3Ddeadbeef'), 'next=%2Fo%3FX-Amz-Signature%3D***')
  assert.equal(stripUrlQueries('...&sig=abc123&se=2026'), '...&sig=***&se=2026')
  assert.equal(stripUrlQueries('https://huggingface.co/a/b/commit/0123'), 'https://huggingface.co/a/b/commit/0123')
})

test('control and bidi characters are written visibly; newlines and tabs of our own text stay', () => {
  const scrub = new Scrubber()
  assert.equal(scrub.text('a\u001b[31mred\u202egnp.exe\rX'), 'a\\u001B[31mred\\u202Egnp.exe\\u000DX')
  assert.equal(scrub.text('line 1\n\tline 2'), 'line 1\n\tline 2')
})

test('a line the runner would read as a command is recognised, wherever it starts', () => {
  assert.ok(mayContainCommand('::error::x'))
  assert.ok(mayContainCommand('ok\n   ::set-output name=a::b'))
  assert.ok(mayContainCommand('text ##[error]x'))
  assert.ok(mayContainCommand('a\r::warning::b'))
  assert.ok(!mayContainCommand('a :: b'))
  assert.ok(!mayContainCommand('path/a.txt <- workspace'))
})

test('the safe core writes command-looking info between stop-commands markers the text cannot end', () => {
  const inner = recordingCore({})
  let n = 0
  const tokens = ['abc', 'f00d'] // the first occurs in the text, so a fresh one is drawn
  const core = safeCore(inner, new Scrubber([HF_TOKEN]), () => tokens[n++]!)
  core.info(`::error::pwned abc ${HF_TOKEN}`)
  core.info('plain line')
  assert.deepEqual(inner.log, ['::stop-commands::f00d', '::error::pwned abc ***', '::f00d::', 'plain line'])
  // As the runner parses it: no error annotation, only the stop/resume pair.
  const parsed = runnerCommands(inner.log.join('\n'))
  assert.deepEqual(
    parsed.map((c) => c.command),
    ['stop-commands', 'f00d']
  )
})

test('every writer of the safe core scrubs; annotations and the summary are capped with a count', async () => {
  const inner = recordingCore({})
  const core = safeCore(inner, new Scrubber([HF_TOKEN]))
  const secretUrl = `https://s3.example/o?X-Amz-Signature=${'f'.repeat(64)}`
  core.warning(`w ${HF_TOKEN} ${secretUrl}`)
  core.notice(`n ${HF_TOKEN}`)
  core.setOutput('o', `v ${HF_TOKEN}`)
  core.setFailed(`${HF_TOKEN} ${'x'.repeat(MAX_ANNOTATION_CHARS * 2)}`)
  await core.group(`g ${HF_TOKEN}`, () => Promise.resolve(core.debug(`d ${secretUrl}`)))
  let summary = ''
  inner.writeSummary = (md) => Promise.resolve(void (summary = md))
  // The secret comes first: at the end, the cap would cut it off whether or not it was scrubbed.
  await core.writeSummary(`${HF_TOKEN} ${secretUrl}\n${'row\n'.repeat(MAX_SUMMARY_BYTES / 2)}`)
  const all = [...inner.log, ...Object.values(inner.outputs), summary].join('\n')
  assert.ok(!all.includes(HF_TOKEN) && !all.includes('f'.repeat(64)))
  assert.match(inner.failures[0]!, /… \(\d+ more characters left out\)$/)
  assert.ok(inner.failures[0]!.length < MAX_ANNOTATION_CHARS + 100)
  assert.ok(Buffer.byteLength(summary) <= MAX_SUMMARY_BYTES)
  assert.match(summary, /\*\*Summary cut:\*\* \d+ bytes left out/)
  assert.ok(summary.startsWith('*** https://s3.example/o\n'), 'scrubbed before the cut, and kept')
})

test('every write to GitHub (the failure issue, its comments) is scrubbed', async () => {
  const sent: string[] = []
  const inner = {
    createIssue: (issue: { title: string; body: string }) => {
      sent.push(issue.title, issue.body)
      return Promise.resolve({ number: 1, url: 'u', body: issue.body })
    },
    commentOnIssue: (_: number, body: string) => Promise.resolve(void sent.push(body))
  } as Partial<GitHubApi> as GitHubApi
  const github = safeGitHub(inner, new Scrubber([GH_TOKEN]))
  const secretUrl = `https://s3.example/o?X-Amz-Signature=${'f'.repeat(64)}`
  await github.createIssue({ title: `t ${GH_TOKEN}`, body: `b ${secretUrl} \u001b[2J`, labels: [] })
  await github.commentOnIssue(1, `c Bearer ${GH_TOKEN}`)
  assert.deepEqual(sent, ['t ***', 'b https://s3.example/o \\u001B[2J', 'c Bearer ***'])
})

test('capText and capDocument leave short text alone', () => {
  assert.equal(capText('abc', 3), 'abc')
  assert.equal(capText('abcd', 3), 'abc\n… (1 more characters left out)')
  assert.equal(capDocument('a\nb\n', 100, 'X'), 'a\nb\n')
  const cut = capDocument(`${'é'.repeat(100)}\n${'é'.repeat(100)}\n`, 300, 'X')
  assert.ok(!cut.includes('\uFFFD') && Buffer.byteLength(cut) <= 300, cut)
})
