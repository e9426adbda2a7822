// Hostile-input suite (issue 7), part 3: what the action writes, through dist/index.js against both
// emulators. Failing uploads to the Hub emulator's presigned storage URLs (real AWS-style signatures
// it checks), Hub and GitHub answers that echo secrets or carry commands, and hostile names and
// report values that must stay inert in the log, the summary and the model card.
// Points 1 (no credential in any message), 5 (inert Markdown) and 7 (bounded output).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { FaultRule } from '../emulators/hub/types.ts'
import { checkoutAuthHeader } from '../support/git-checkout.ts'
import {
  GITHUB_REPO,
  MARKER,
  capturedText,
  expectNoInjectedCommands,
  expectNoSecrets,
  expectRefused,
  issueOf,
  runCase,
  startStage,
  type Stage
} from '../support/hostile-stage.ts'
import { splitCode } from '../support/markdown.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace, pseudoRandomBytes } from '../support/workspace.ts'

const MiB = 1024 * 1024
let stage: Stage
let workspace: string

/** Names a person may give files, which must never act as a command, HTML, a link or a table cell break. */
const INERT_NAMES = [
  `::warning::${MARKER}.png`,
  `##[error]${MARKER}.png`,
  `::add-mask::main.png`,
  'www.evil.example.png',
  '<img src=x onerror=alert(1)>.png',
  'a|b|c.png',
  '[click](javascript:alert(1)).png',
  '@octocat ping.png'
]

before(async () => {
  stage = await startStage('hostile-messages', { multipartThreshold: MiB, chunkSize: 512 * 1024 })
  workspace = await makeWorkspace({
    // LFS files (NUL bytes): one basic upload, one multipart upload in three parts.
    'weights/small.bin': pseudoRandomBytes(64 * 1024, 'small'),
    'weights/large.bin': pseudoRandomBytes(1.5 * MiB, 'large'),
    'notes.txt': 'notes',
    ...Object.fromEntries(INERT_NAMES.map((n) => [`inert/${n}`, `image ${n}`])),
    'eval/evaluation_report.json': JSON.stringify({
      '<b>fid</b>': 41.7,
      'www.evil.example': 1,
      'a|b': 2,
      'https://evil.example/x?q=1#top': 3
    }),
    'eval/benchmark_report.json': JSON.stringify({
      device: '<script>alert(1)</script> www.evil.example',
      'lat|ency_ms': 12.5,
      '`code`': 1
    })
  })
})
after(() => stage.close())

const STORAGE_URL = /URL: http:\/\/127\.0\.0\.1:\d+\/hf-hub-lfs-emulator\/[^\s?#]+(\s|\.|$)/m

test('refused: a basic upload that storage refuses; the presigned URL is shown without its signature', async () => {
  stage.hub.faults.add({ route: 'lfs-upload', status: 403, times: -1 })
  try {
    const result = await runCase(stage, { name: 'basic put 403', workspace, inputs: { files: 'weights/small.bin' } })
    expectRefused(stage, result, /Error while uploading weights\/small\.bin to LFS storage/, { uploadsAllowed: true })
    assert.match(result.run.errors[0]!, STORAGE_URL, 'the URL is there, without its query')
    assert.ok(stage.hub.uploadUrlSignatures().length > 0, 'signatures were handed out (and appear nowhere)')
  } finally {
    stage.hub.faults.clear()
  }
})

test('refused: a failing part upload (500), retried: no signature in retry lines, error or issue', async () => {
  stage.hub.faults.add({ route: 'lfs-part', status: 500, times: -1 })
  try {
    const result = await runCase(stage, { name: 'part put 503', workspace, inputs: { files: 'weights/large.bin' } })
    expectRefused(stage, result, /Error while uploading part \d+ of weights\/large\.bin to LFS storage/, {
      uploadsAllowed: true
    })
    assert.match(
      result.run.stdout,
      /PUT http:\/\/127\.0\.0\.1:\d+\/hf-hub-lfs-emulator\/\S+ failed \(HTTP 500\); retrying/
    )
    assert.match(issueOf(stage, result)!.body!, STORAGE_URL)
  } finally {
    stage.hub.faults.clear()
  }
})

// An expired part URL is planned again with fresh URLs (issue 8): the run recovers, and the expired
// URL's signature still appears nowhere, not even in the warning that says what happened.
test('recovered: a part URL that expired on the way (S3 "Request has expired"): its signature is nowhere', async () => {
  const result = await runCase(stage, {
    name: 'part url expired',
    workspace,
    inputs: { files: 'weights/large.bin' },
    during: async (s) => {
      const hold = s.hub.faults.add({ route: 'lfs-part', hold: 'before', times: 1 })
      const held = await hold.held(20_000)
      s.hub.expireUploadUrls()
      held.release()
    }
  })
  assert.equal(result.run.code, 0, result.run.stdout)
  assert.ok(
    result.run.warnings.some((w) =>
      /storage refused an upload URL \(HTTP 403\); planning again with fresh URLs/.test(w)
    ),
    result.run.stdout
  )
  assert.equal(result.commitsAfter.length, result.commitsBefore.length + 1)
  expectNoInjectedCommands(result.commands)
  expectNoSecrets(stage, result)
})

test('refused: a multipart completion the Hub refuses; its signed URL loses the signature', async () => {
  stage.hub.faults.add({ route: 'lfs-complete', status: 403, times: -1 })
  try {
    const result = await runCase(stage, { name: 'completion 403', workspace, inputs: { files: 'weights/large.bin' } })
    expectRefused(stage, result, /Emulated fault on lfs-complete/, { uploadsAllowed: true })
    assert.match(result.run.errors[0]!, /URL: http:\/\/127\.0\.0\.1:\d+\/api\/complete_multipart(\.|\s|$)/)
  } finally {
    stage.hub.faults.clear()
  }
})

const hubFault = (name: string, fault: FaultRule, files: string, expected: RegExp): void => {
  test(`refused: ${name}`, async () => {
    stage.hub.faults.add({ times: -1, ...fault })
    try {
      const result = await runCase(stage, { name, workspace, inputs: { files } })
      expectRefused(stage, result, expected)
    } finally {
      stage.hub.faults.clear()
    }
  })
}

hubFault(
  'a Hub answer that echoes hf-token',
  { route: 'preupload', status: 400, body: { error: `Token ${HF_TOKEN} is not valid for this repo` } },
  'notes.txt',
  /Hub said: Token \*\*\* is not valid/
)
hubFault(
  "a Hub answer that echoes the checkout's auth header (base64 of the GitHub token)",
  { route: 'commit', status: 403, body: { error: `refused ${checkoutAuthHeader(GH_TOKEN)}` } },
  'notes.txt',
  /Hub said: refused AUTHORIZATION: basic \S*\*\*\*/
)
hubFault(
  'a Hub answer that carries somebody else’s presigned URL',
  {
    route: 'lfs-batch',
    status: 403,
    body: { message: `see https://s3.example/b/o?X-Amz-Credential=AKIA&X-Amz-Signature=${'ab'.repeat(32)}&x=1` }
  },
  'weights/small.bin',
  /see https:\/\/s3\.example\/b\/o(\.|\s)/
)
hubFault(
  'a Hub answer with line breaks and workflow commands',
  {
    route: 'preupload',
    status: 400,
    body: { error: `bad\n::set-output name=commit-sha::${MARKER}\n##[add-path]/tmp/${MARKER}\n::warning::${MARKER}` }
  },
  'notes.txt',
  /Hub said: bad\n::set-output name=commit-sha::pwned/
)

test('refused: a 200 KB Hub answer gives an ::error capped with a count, the issue a cut fence', async () => {
  stage.hub.faults.add({ route: 'preupload', status: 400, body: { error: 'x'.repeat(200_000) }, times: -1 })
  try {
    const result = await runCase(stage, { name: 'giant error', workspace, inputs: { files: 'notes.txt' } })
    expectRefused(stage, result, /… \(\d+ more characters left out\)$/)
    assert.ok(result.run.errors[0]!.length < 4200, `${result.run.errors[0]!.length} characters`)
    assert.match(issueOf(stage, result)!.body!, /… \(truncated\)\n```/)
  } finally {
    stage.hub.faults.clear()
  }
})

test('refused: a GitHub answer that echoes the GitHub token, when listing the artifacts', async () => {
  stage.gh.faults.add({
    route: 'artifacts-list',
    status: 404,
    body: { message: `Not Found for ${GH_TOKEN} (${checkoutAuthHeader(GH_TOKEN)})` }
  })
  try {
    const result = await runCase(stage, {
      name: 'github echo',
      workspace,
      inputs: { files: 'notes.txt' },
      trainRun: { artifacts: [{ name: 'checkpoints', files: { 'model.pt': 'w' } }] }
    })
    expectRefused(stage, result, /Could not list the artifacts of Train run \d+: Not Found for \*\*\*/)
  } finally {
    stage.gh.faults.clear()
  }
})

// Point 5: published, with every untrusted string inert.

/**
 * The rendered part of the model card: what follows the YAML front matter, outside code blocks. The
 * front matter is data for the Hub's widgets (shown as text), checked by the Hub's card validator
 * when committed; a code block (the SHA-256 list keeps the names exactly, for sha256sum) renders as
 * text too, as long as it cannot be closed early, which splitCode asserts.
 */
async function cardBody(repo: string): Promise<string> {
  const card = (await stage.hub.readFile(repo, 'main', 'README.md'))!.toString('utf8')
  const end = card.startsWith('---\n') ? card.indexOf('\n---\n', 4) : -1
  const { prose } = splitCode(card.slice(end < 0 ? 0 : end + 5))
  // Link destinations are ours: percent-encoded repo paths, the source repo and run. Not text.
  return prose.replace(/\]\(([^)\s]*)\)/g, (_, href: string) => {
    const ours = (href + '/').startsWith(`https://github.com/${GITHUB_REPO}/`) || href.startsWith(`${stage.hub.url}/`)
    assert.ok(ours || !/^[a-z]+:/i.test(href), `a relative link or one of ours: ${href}`)
    return '](…)'
  })
}

const HOSTILE_MARKUP = [/<img/i, /<script/i, /<b>/, /www\.evil/i, /https?:\/\/evil/i, /\]\(javascript:/, /@octocat/]

test('published: command-looking and markup-looking names and report values stay inert everywhere', async () => {
  const result = await runCase(stage, {
    name: 'inert names',
    workspace,
    // A license gives the card metadata: without any, the Hub warns (rightly) that it has none.
    inputs: { files: 'inert/ -> samples/\neval/ -> evaluation/', license: 'mit' }
  })
  const { run } = result
  assert.equal(run.code, 0, run.stdout)
  assert.equal(result.commitsAfter.length, result.commitsBefore.length + 1, 'one commit')
  assert.equal(result.commands.filter((c) => c.command === 'error').length, 0)
  expectNoInjectedCommands(result.commands)
  assert.deepEqual(
    result.commands.filter((c) => c.command === 'warning').map((c) => c.data),
    []
  )
  // The names reached the log verbatim, inside stop-commands blocks.
  for (const name of INERT_NAMES) assert.ok(run.stdout.includes(`samples/${name}`), name)
  assert.ok(result.commands.some((c) => c.command === 'stop-commands'))
  const card = await cardBody(result.repo)
  for (const [where, text] of [
    ['summary', run.summary],
    ['card', card]
  ] as const) {
    for (const pattern of HOSTILE_MARKUP) assert.ok(!pattern.test(text), `${where} has no ${pattern}`)
  }
  // Table rows are not broken by "|" in a name or a key: each file row of the card has 3 cells.
  const rows = card.split('\n').filter((l) => l.startsWith('| <code>samples/'))
  assert.equal(rows.length, INERT_NAMES.length)
  for (const row of rows) assert.equal(row.split('|').length, 5, row)
  // The data itself is kept exactly: the files output lists the real names.
  const listed = (JSON.parse(run.outputs.files!) as Array<{ path: string }>).map((f) => f.path)
  for (const name of INERT_NAMES) assert.ok(listed.includes(`samples/${name}`), name)
  expectNoSecrets(stage, result)
})

test('published: an artifact whose name looks like a link and HTML stays inert in the card', async () => {
  const name = 'www.evil.example <img src=x onerror=alert(1)>'
  const result = await runCase(stage, {
    name: 'inert artifact',
    workspace,
    inputs: { files: 'ckpt/model.pt -> model.pt', artifacts: `${name} -> ckpt/` },
    trainRun: { artifacts: [{ name, files: { 'model.pt': 'weights' } }] }
  })
  assert.equal(result.run.code, 0, result.run.stdout)
  expectNoInjectedCommands(result.commands)
  const card = await cardBody(result.repo)
  assert.match(card, /Artifacts of the Train run/)
  for (const pattern of HOSTILE_MARKUP) assert.ok(!pattern.test(card), `card has no ${pattern}`)
  assert.ok(!capturedText(stage, result).includes(`::error::`))
  expectNoSecrets(stage, result)
  assert.equal(stage.gh.issues(GITHUB_REPO).filter((i) => (i.body ?? '').includes(result.repo)).length, 0)
})
