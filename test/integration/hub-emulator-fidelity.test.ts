// Compares the Hub emulator with real Hub answers: the recorded exchanges 01–10 and the values the
// huggingface.js specs assert (hub-js-spec-values.json), both in test/fixtures/hub-recorded/ (a
// missing fixture fails the suite: nothing here may be skipped in a clean clone).
// Recorded values (ids, dates, counters) can never match, so this checks protocol and shape: status,
// Content-Type, X-Request-Id, X-Error-Code, the recursive key set with JSON types, and formats.
// Values are compared exactly wherever they depend only on content (blob oids, LFS pointers, ETags).
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  createBranch,
  createRepo,
  downloadFile,
  fileDownloadInfo,
  fileExists,
  repoExists,
  uploadFiles
} from '@huggingface/hub'
import { lfsFileEntry } from '../emulators/hub/git.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'

const TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/hub-recorded/', import.meta.url))

/**
 * Keys the emulator sends beyond a recording. Each entry is `<scope>:<json path>` → why it is fine.
 */
const ALLOWED_EXTRA: Record<string, string> = {
  'tree-expand:$[].securityFileStatus':
    'the real Hub sends it with expand=true too; the hub.js spec deletes it before comparing ' +
    '(tree-listing-expand.assertion)',
  '10:$.cardData.pipeline_tag':
    'the emulator learns pipeline_tag only from the card (the Hub infers it from config.json), so the seeded card ' +
    'carries it',
  '10:$.cardData.library_name': 'same as cardData.pipeline_tag, for library_name'
}

/**
 * Keys of a recording the emulator does not send. Allowed only for keys neither @huggingface/hub
 * nor the action reads (hub-protocol.md E1/E9: repoExists ignores the body; listFiles passes entries through).
 */
const ALLOWED_MISSING: Record<string, string> = {
  'tree:$[].xetHash': 'emulated repos are not Xet-backed (LFS batch answers transfer=basic), so files have no Xet hash',
  'tree-expand:$[].xetHash': 'same as tree:$[].xetHash',
  'paths-info:$[].xetHash': 'same as tree:$[].xetHash',
  '10:$.inference': 'inference-provider status of a hosted model; not emulated',
  '10:$.mask_token': 'read from tokenizer/config files by the Hub; not emulated',
  '10:$.widgetData': 'widget examples derived from the pipeline; not emulated',
  '10:$.config': 'parsed from config.json by the Hub; not emulated',
  '10:$.transformersInfo': 'derived from config.json by the Hub; not emulated',
  '10:$.safetensors': 'parsed from safetensors headers by the Hub; not emulated'
}

interface RecordedExchange {
  request: {
    method: string
    path: string
    query: Record<string, string>
    headers: Record<string, string>
    bodyFormat: string
    body: unknown
  }
  response: { status: number; headers: Record<string, string>; bodyFormat: string; body: unknown }
}

interface SpecValue {
  id: string
  wire?: unknown
  wireDerived?: unknown
  asserted?: unknown
}

const fixture = (name: string): RecordedExchange =>
  JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as RecordedExchange
const specValue = (id: string): SpecValue => {
  const spec = JSON.parse(readFileSync(join(FIXTURES_DIR, 'hub-js-spec-values.json'), 'utf8')) as {
    values: SpecValue[]
  }
  const value = spec.values.find((entry) => entry.id === id)
  assert.ok(value, `spec value ${id}`)
  return value
}

let emulator: HubEmulator
const hub = (): { hubUrl: string; accessToken: string } => ({ hubUrl: emulator.url, accessToken: TOKEN })

before(async () => {
  const dataDir = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-emulator-fidelity-'))
  // The recorded exchanges were made by user `user`; the emulator maps the test token to that user.
  emulator = await startHubEmulator({ dataDir, tokens: { [TOKEN]: { user: 'user' } } })
})

after(async () => {
  await emulator?.close()
})

// ---- comparison helpers ----

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean'

function jsonType(value: unknown): JsonType {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value as JsonType
}

/** Placeholders of hub-js-spec-values.json ("<number>", "<Date>", …) stand for a JSON type. */
function recordedType(value: unknown): JsonType {
  if (value === '<number>') return 'number'
  return jsonType(value)
}

/** Differences in key sets and JSON types, recursively; array elements are compared with the first recorded element. */
function shapeDifferences(scope: string, recorded: unknown, actual: unknown, path = '$'): string[] {
  const where = `${scope}:${path}`
  if (recordedType(recorded) !== jsonType(actual))
    return [`${where}: type ${jsonType(actual)}, recorded ${recordedType(recorded)}`]
  if (Array.isArray(recorded) && Array.isArray(actual)) {
    const [model] = recorded
    if (model === undefined) return []
    return actual.flatMap((element) => shapeDifferences(scope, model, element, `${path}[]`))
  }
  if (jsonType(recorded) !== 'object') return []
  const recordedObject = recorded as Record<string, unknown>
  const actualObject = actual as Record<string, unknown>
  const differences: string[] = []
  for (const key of Object.keys(recordedObject)) {
    if (key in actualObject)
      differences.push(...shapeDifferences(scope, recordedObject[key], actualObject[key], `${path}.${key}`))
    else if (!ALLOWED_MISSING[`${scope}:${path}.${key}`]) differences.push(`${where}.${key}: missing`)
  }
  for (const key of Object.keys(actualObject)) {
    if (!(key in recordedObject) && !ALLOWED_EXTRA[`${scope}:${path}.${key}`])
      differences.push(`${where}.${key}: not in the recording`)
  }
  return differences
}

function assertSameShape(scope: string, recorded: unknown, actual: unknown): void {
  assert.deepEqual(shapeDifferences(scope, recorded, actual), [], `${scope}: ${JSON.stringify(actual)}`)
}

interface Answer {
  status: number
  headers: Headers
  body: unknown
}

async function send(
  method: string,
  path: string,
  options: { body?: string; headers?: Record<string, string>; token?: boolean } = {}
): Promise<Answer> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { ...options.headers, ...(options.token !== false && { Authorization: `Bearer ${TOKEN}` }) },
    body: options.body
  })
  const text = await response.text()
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json')
  return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text }
}

/** Sends a recorded request as the recording describes it (Python client: NDJSON with a trailing newline). */
function replay(exchange: RecordedExchange, path = exchange.request.path): Promise<Answer> {
  const { request } = exchange
  const query = new URLSearchParams(request.query).toString()
  const body =
    request.bodyFormat === 'json'
      ? JSON.stringify(request.body)
      : request.bodyFormat === 'ndjson'
        ? (request.body as unknown[]).map((line) => JSON.stringify(line)).join('\n') + '\n'
        : undefined
  return send(request.method, `${path}${query ? `?${query}` : ''}`, { body, headers: request.headers })
}

/** Status, Content-Type, X-Request-Id, X-Error-Code and body shape against the recording. */
function assertMatchesRecording(scope: string, exchange: RecordedExchange, answer: Answer): void {
  const recorded = exchange.response
  assert.equal(answer.status, recorded.status, `${scope}: status`)
  const mediaType = (value: string | null | undefined): string | undefined => value?.split(';')[0]?.trim()
  assert.equal(
    mediaType(answer.headers.get('content-type')),
    mediaType(recorded.headers['Content-Type']),
    `${scope}: Content-Type`
  )
  assert.match(answer.headers.get('x-request-id') ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}/, `${scope}: X-Request-Id`)
  assert.equal(
    answer.headers.has('x-error-code'),
    'X-Error-Code' in recorded.headers,
    `${scope}: X-Error-Code presence`
  )
  if (recorded.bodyFormat === 'json') assertSameShape(scope, recorded.body, answer.body)
  else assert.equal(answer.body, recorded.body, `${scope}: body`)
}

const HEX40 = /^[0-9a-f]{40}$/
const HEX24 = /^[0-9a-f]{24}$/
const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const gitBlobSha1 = (content: Buffer): string =>
  createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')

test('every recorded fixture is in the repository (a missing one fails, it is never skipped)', () => {
  const expected = [
    '01-repo-create-200.json',
    '02-preupload-new-file-200.json',
    '03-revision-expand-xetEnabled-200.json',
    '04-commit-200.json',
    '05-preupload-existing-file-200.json',
    '06-commit-empty-file-200.json',
    '07-repo-delete-200.json',
    '08-repo-create-409-already-exists.json',
    '09-model-info-renamed-repo-307.json',
    '10-model-info-200.json',
    'hub-js-spec-values.json',
    'README.md'
  ]
  for (const name of expected) assert.ok(readFileSync(join(FIXTURES_DIR, name)).length > 0, name)
  assert.match(readFileSync(join(FIXTURES_DIR, 'README.md'), 'utf8'), /Apache-2\.0/, 'the licence attribution is kept')
})

// ---- recorded exchanges 01–10 (a Space created, used and deleted, as in the recordings) ----

const SPACE = 'spaces/user/tmp_test_space'
const state = { spaceId: '', commitOid: '' }
const APP_PY = Buffer.from(
  (fixture('04-commit-200.json').request.body as Array<{ value: { content?: string } }>)[1]?.value.content ?? '',
  'base64'
)

test('01 repo create → {url, name, id}', async () => {
  const exchange = fixture('01-repo-create-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('01', exchange, answer)
  const body = answer.body as { url: string; name: string; id: string }
  assert.equal(body.url, `${emulator.url}/spaces/user/tmp_test_space`)
  assert.equal(body.name, 'user/tmp_test_space')
  assert.match(body.id, HEX24)
  state.spaceId = body.id
})

test('02 preupload of a new path → no oid, commitOid = head', async () => {
  const exchange = fixture('02-preupload-new-file-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('02', exchange, answer)
  const body = answer.body as { commitOid: string }
  assert.equal(body.commitOid, (await emulator.listCommits(SPACE))[0]?.oid)
})

test('03 revision info with expand=xetEnabled → only _id, id, xetEnabled', async () => {
  const exchange = fixture('03-revision-expand-xetEnabled-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('03', exchange, answer)
  assert.deepEqual(answer.body, { _id: state.spaceId, id: 'user/tmp_test_space', xetEnabled: false })
})

test('04 NDJSON commit → {success, commitOid, commitUrl, hookOutput}', async () => {
  const exchange = fixture('04-commit-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('04', exchange, answer)
  const body = answer.body as { commitOid: string; commitUrl: string; hookOutput: string }
  assert.match(body.commitOid, HEX40)
  assert.equal(body.commitUrl, `${emulator.url}/spaces/user/tmp_test_space/commit/${body.commitOid}`)
  assert.equal(body.hookOutput, '')
  state.commitOid = body.commitOid
})

test('05 preupload of an existing path → oid = git blob SHA-1 of the stored file (as recorded)', async () => {
  const exchange = fixture('05-preupload-existing-file-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('05', exchange, answer)
  const recorded = exchange.response.body as { files: Array<{ oid: string }> }
  const body = answer.body as { files: Array<{ oid: string; uploadMode: string }>; commitOid: string }
  // Same 152-byte app.py as in the recording, so the same blob id.
  assert.equal(body.files[0]?.oid, recorded.files[0]?.oid)
  assert.equal(body.files[0]?.oid, gitBlobSha1(APP_PY))
  assert.equal(body.files[0]?.uploadMode, 'regular')
  assert.equal(body.commitOid, state.commitOid)
})

test('06 commit replacing a file with empty content', async () => {
  const exchange = fixture('06-commit-empty-file-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('06', exchange, answer)
  assert.deepEqual(await emulator.readFile(SPACE, 'main', 'app.py'), Buffer.alloc(0))
})

test('07 repo delete → text/plain OK', async () => {
  const exchange = fixture('07-repo-delete-200.json')
  assertMatchesRecording('07', exchange, await replay(exchange))
})

test('08 creating an existing repo → 409 {error, url}, no X-Error-Code', async () => {
  const exchange = fixture('08-repo-create-409-already-exists.json')
  assert.equal((await replay(exchange)).status, 200, 'first creation')
  const answer = await replay(exchange)
  assertMatchesRecording('08', exchange, answer)
  assert.deepEqual(answer.body, {
    error: 'You already created this space repo',
    url: `${emulator.url}/spaces/user/tmp_test_space`
  })
  assert.equal(answer.headers.get('x-error-message'), null)
})

const BERT = 'google-bert/bert-base-uncased'
const BERT_CARD = [
  '---',
  'language: en',
  'tags:',
  '- exbert',
  'license: apache-2.0',
  'datasets:',
  '- bookcorpus',
  '- wikipedia',
  'pipeline_tag: fill-mask',
  'library_name: transformers',
  '---',
  '# BERT base model (uncased)',
  ''
].join('\n')
// The real tokenizer_config.json of that repo: its git blob id is the asserted ETag a661b1a1….
const TOKENIZER_CONFIG = '{\n  "do_lower_case": true\n}\n'

test('10 repo info without expand → the full body', async () => {
  await createRepo({ ...hub(), repo: BERT })
  await uploadFiles({
    ...hub(),
    repo: BERT,
    files: [
      { path: 'README.md', content: new Blob([BERT_CARD]) },
      { path: 'config.json', content: new Blob(['{"architectures": ["BertForMaskedLM"], "model_type": "bert"}\n']) },
      { path: 'pytorch_model.bin', content: new Blob(['not really a checkpoint']) },
      { path: 'tf_model.h5', content: new Blob(['not really weights']) },
      { path: 'vocab.txt', content: new Blob(['[PAD]\n[UNK]\n']) },
      { path: 'tokenizer_config.json', content: new Blob([TOKENIZER_CONFIG]) }
    ]
  })
  const exchange = fixture('10-model-info-200.json')
  const answer = await replay(exchange)
  assertMatchesRecording('10', exchange, answer)
  const body = answer.body as Record<string, unknown>
  assert.match(String(body._id), HEX24)
  assert.equal(body.sha, (await emulator.listCommits(BERT))[0]?.oid)
  assert.match(String(body.lastModified), ISO_MS_Z)
  assert.match(String(body.createdAt), ISO_MS_Z)
  assert.equal(body.pipeline_tag, 'fill-mask')
  assert.deepEqual(body.cardData, {
    language: 'en',
    tags: ['exbert'],
    license: 'apache-2.0',
    datasets: ['bookcorpus', 'wikipedia'],
    pipeline_tag: 'fill-mask',
    library_name: 'transformers'
  })
})

test('09 renamed repo → 307 with a relative Location and a text body; following it gives the repo', async () => {
  await emulator.addRepoRedirect('bert-base-uncased', BERT)
  const exchange = fixture('09-model-info-renamed-repo-307.json')
  const answer = await replay(exchange)
  assertMatchesRecording('09', exchange, answer)
  assert.equal(answer.headers.get('location'), exchange.response.headers.Location)
  assert.equal(answer.body, exchange.response.body)
  // The Hub appends the client's X-Amzn-Trace-Id to its request id.
  assert.ok(answer.headers.get('x-request-id')?.endsWith(`;${exchange.request.headers['X-Amzn-Trace-Id']}`))
  const followed = await fetch(`${emulator.url}${exchange.request.path}`, {
    headers: { Authorization: `Bearer ${TOKEN}` }
  })
  assert.equal(followed.status, 200)
  assert.equal(((await followed.json()) as { id: string }).id, BERT)
})

// ---- hub-js-spec-values.json ----

/** Entries of `listed` compared with the wire entry of the same kind (regular file or LFS file). */
function assertEntriesLikeWire(
  scope: string,
  wire: Array<Record<string, unknown>>,
  listed: Array<Record<string, unknown>>
): void {
  const wireRegular = wire.find((entry) => !('lfs' in entry))
  const wireLfs = wire.find((entry) => 'lfs' in entry)
  for (const entry of listed.filter((item) => item.type === 'file')) {
    assertSameShape(scope, [entry.lfs ? wireLfs : wireRegular], [entry])
  }
}

test('tree-listing: entry key sets and types equal the wire; LFS pointer oids reproduce the real ones', async () => {
  const wire = specValue('tree-listing').wire as Array<Record<string, unknown>>
  const answer = await send('GET', `/api/models/${BERT}/tree/main?recursive=false&expand=false`, {
    headers: { accept: 'application/json' }
  })
  assert.equal(answer.status, 200)
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/)
  const listed = answer.body as Array<Record<string, unknown>>
  assertEntriesLikeWire('tree', wire, listed)
  for (const path of ['pytorch_model.bin', 'tf_model.h5'])
    assert.ok(listed.find((entry) => entry.path === path)?.lfs, `${path} is LFS`)
  for (const entry of listed) if (entry.type === 'file') assert.match(String(entry.oid), HEX40)
  // The emulator's pointer rule applied to the real objects gives the real blob oids and pointer sizes.
  for (const real of wire.filter((entry) => 'lfs' in entry)) {
    const lfs = real.lfs as { oid: string; size: number; pointerSize: number }
    assert.deepEqual(lfsFileEntry(lfs.oid, lfs.size), { oid: real.oid, size: real.size, lfs })
  }
  const tokenizer = listed.find((entry) => entry.path === 'tokenizer_config.json')
  assert.equal(tokenizer?.oid, 'a661b1a138dac6dc5590367402d100765010ffd6')
})

test('tree-listing-expand: lastCommit {id, title, date} with ISO dates', async () => {
  const wire = specValue('tree-listing-expand').wire as Array<Record<string, unknown>>
  const answer = await send('GET', `/api/models/${BERT}/tree/main?recursive=false&expand=true`, {
    headers: { accept: 'application/json' }
  })
  const listed = answer.body as Array<Record<string, unknown>>
  assertEntriesLikeWire('tree-expand', wire, listed)
  for (const entry of listed) {
    const lastCommit = entry.lastCommit as { id: string; date: string }
    assert.match(lastCommit.id, HEX40)
    assert.match(lastCommit.date, ISO_MS_Z)
  }
  const gitattributes = listed.find((entry) => entry.path === '.gitattributes') as { lastCommit: { title: string } }
  assert.equal(gitattributes.lastCommit.title, 'initial commit')
})

test('paths-info: same entry shape as the tree; lastCommit only with expand; no lfs on regular files', async () => {
  const wire = specValue('tree-listing').wire as Array<Record<string, unknown>>
  const lfs = await send('POST', `/api/models/${BERT}/paths-info/main`, {
    body: JSON.stringify({ paths: ['tf_model.h5'] }),
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' }
  })
  assert.equal(lfs.status, 200)
  assertSameShape('paths-info', [wire.find((entry) => entry.path === 'tf_model.h5')], lfs.body)
  const [plain] = lfs.body as Array<Record<string, unknown>>
  assert.ok(
    plain && !('lastCommit' in plain) && !('securityFileStatus' in plain),
    'paths-info-lfs: no lastCommit/securityFileStatus without expand'
  )
  const expanded = await send('POST', `/api/models/${BERT}/paths-info/main`, {
    body: JSON.stringify({ paths: ['tf_model.h5'], expand: true }),
    headers: { 'Content-Type': 'application/json' }
  })
  const wireDerived = specValue('paths-info-lfs-expand').wireDerived as { lastCommit: unknown }
  const [entry] = expanded.body as Array<{ lastCommit: { date: string } }>
  assertSameShape('paths-info-expand', wireDerived.lastCommit, entry?.lastCommit)
  assert.match(entry?.lastCommit.date ?? '', ISO_MS_Z)
  const regular = await send('POST', `/api/models/${BERT}/paths-info/main`, {
    body: JSON.stringify({ paths: ['config.json', 'missing'] })
  })
  assert.deepEqual(
    (regular.body as Array<Record<string, unknown>>).map((item) => [item.path, 'lfs' in item]),
    [['config.json', false]]
  )
  const form = await send('POST', `/api/models/${BERT}/paths-info/main`, {
    body: 'paths=vocab.txt&paths=config.json&expand=false',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' }
  })
  assert.deepEqual(
    (form.body as Array<{ path: string }>).map((item) => item.path),
    ['vocab.txt', 'config.json']
  )
})

test('list-commits / count-commits: entry shape, Link pagination and X-Total-Count', async () => {
  for (let n = 0; n < 5; n++)
    await uploadFiles({ ...hub(), repo: BERT, files: [{ path: `notes/${n}.txt`, content: new Blob([String(n)]) }] })
  const total = (await emulator.listCommits(BERT)).length
  const answer = await send('GET', `/api/models/${BERT}/commits/main?limit=5`)
  assert.equal(answer.status, 200)
  const [wireCommit] = specValue('list-commits').wireDerived as unknown[]
  assertSameShape('commits', [wireCommit], answer.body)
  assert.equal((answer.body as unknown[]).length, 5)
  for (const entry of answer.body as Array<{ id: string; date: string }>) {
    assert.match(entry.id, HEX40)
    assert.match(entry.date, ISO_MS_Z)
  }
  assert.equal(answer.headers.get('x-total-count'), String(total))
  // The exact pattern hub.js's parseLinkHeader uses.
  const link = /<(https?:[/][/][^>]+)>;\s+rel="([^"]+)"/.exec(answer.headers.get('link') ?? '')
  assert.equal(link?.[2], 'next')
  assert.ok(link?.[1]?.startsWith(`${emulator.url}/api/models/${BERT}/commits/main?`))
  const count = await send('GET', `/api/models/${BERT}/commits/main?limit=1`)
  assert.equal(count.headers.get('x-total-count'), String(total))
})

test('who-am-i: key set and types of the asserted wire object', async () => {
  const answer = await send('GET', '/api/whoami-v2')
  assert.equal(answer.status, 200)
  assertSameShape('whoami', specValue('who-am-i').asserted, answer.body)
  const auth = (answer.body as { auth: { accessToken: { createdAt: string } } }).auth
  assert.match(auth.accessToken.createdAt, ISO_MS_Z)
  const invalid = await send('GET', '/api/whoami-v2', {
    headers: { Authorization: `Bearer hf_${'z'.repeat(34)}` },
    token: false
  })
  assert.equal(invalid.status, 401)
  assert.deepEqual(invalid.body, { error: 'Invalid credentials in Authorization header' })
})

test('lfs-pointer-after-commit: 1,000,000 bytes of "O123456789" → the exact pointer and ETags', async () => {
  const asserted = specValue('lfs-pointer-after-commit').asserted as { pointerText: string }
  const content = Buffer.from('O123456789'.repeat(100_000))
  await uploadFiles({
    ...hub(),
    repo: BERT,
    files: [
      { path: 'test.txt', content: new Blob(['This is me']) },
      { path: 'test.lfs.txt', content: new Blob([content]) }
    ]
  })
  const raw = await send('GET', `/${BERT}/raw/main/test.lfs.txt`)
  assert.equal(raw.status, 200)
  assert.equal(String(raw.body).trim(), asserted.pointerText)
  const info = await fileDownloadInfo({ ...hub(), repo: BERT, path: 'test.lfs.txt' })
  assert.deepEqual(
    { etag: info?.etag, size: info?.size },
    { etag: '"a3bbce7ee1df7233d85b5f4d60faa3755f93f537804f8b540c72b0739239ddf8"', size: 1_000_000 }
  )
  const pointer = Buffer.from(`${asserted.pointerText}\n`)
  const rawInfo = await fileDownloadInfo({ ...hub(), repo: BERT, path: 'test.lfs.txt', raw: true })
  assert.deepEqual(
    { etag: rawInfo?.etag, size: rawInfo?.size },
    { etag: `"${gitBlobSha1(pointer)}"`, size: pointer.length }
  )
})

test('file-download-info-regular: a regular file’s ETag is its quoted git blob SHA-1 (exact value)', async () => {
  const asserted = specValue('file-download-info-regular').asserted as { size: number; etag: string }
  const info = await fileDownloadInfo({ ...hub(), repo: BERT, path: 'tokenizer_config.json' })
  assert.deepEqual({ etag: info?.etag, size: info?.size }, asserted)
})

test('check-repo-access-missing, repo-exists, file-exists: 401 anonymous / 404 authenticated', async () => {
  const anonymous = await send('GET', '/api/models/i--d/dont', { token: false })
  assert.equal(anonymous.status, 401)
  const authenticated = await send('GET', '/api/models/i--d/dont')
  assert.equal(authenticated.status, 404)
  assert.equal(authenticated.headers.get('x-error-code'), 'RepoNotFound')
  assert.match(authenticated.headers.get('content-type') ?? '', /^application\/json/)
  assert.equal(await repoExists({ ...hub(), repo: BERT }), true)
  assert.equal(await repoExists({ ...hub(), repo: 'google-bert/gpt9000' }), false)
  assert.equal(await fileExists({ ...hub(), repo: BERT, path: 'tf_model.h5' }), true)
  assert.equal(await fileExists({ ...hub(), repo: BERT, path: 'tf_model.h5dadazdzazd' }), false)
})

test('create-repo-url: {hubUrl}/{prefix}{ns}/{name}', async () => {
  const model = await createRepo({ ...hub(), repo: 'user/url-model' })
  assert.equal(model.repoUrl, `${emulator.url}/user/url-model`)
  const dataset = await createRepo({ ...hub(), repo: 'datasets/user/url-dataset' })
  assert.equal(dataset.repoUrl, `${emulator.url}/datasets/user/url-dataset`)
  await assert.rejects(createRepo({ ...hub(), repo: 'canonical' }), TypeError)
})

test('model-info / dataset-info / space-info: expanded fields only, with the asserted types', async () => {
  const modelSpec = specValue('model-info') as SpecValue & { request: { query: { expand: string[] } } }
  const expand = (fields: string[]): string => fields.map((field) => `expand=${field}`).join('&')
  const model = await send('GET', `/api/models/${BERT}/revision/HEAD?${expand(modelSpec.request.query.expand)}`)
  assertSameShape('model-info', modelSpec.wireDerived, model.body)
  assert.match(String((model.body as { lastModified: string }).lastModified), ISO_MS_Z)
  const head = (await emulator.listCommits(BERT)).at(-2)?.oid ?? ''
  const atRevision = await send('GET', `/api/models/${BERT}/revision/${head}?expand=sha&expand=author&expand=siblings`)
  const body = atRevision.body as { sha: string; author: string; siblings: Array<{ rfilename: string }> }
  assert.equal(body.sha, head)
  assert.equal(body.author, 'google-bert')
  assert.ok(body.siblings.some((sibling) => sibling.rfilename === '.gitattributes'))

  await createRepo({ ...hub(), repo: 'datasets/user/info-dataset' })
  const dataset = await send(
    'GET',
    '/api/datasets/user/info-dataset/revision/HEAD?expand=private&expand=downloads&expand=gated' +
      '&expand=likes&expand=lastModified'
  )
  assert.deepEqual(Object.keys(dataset.body as object).sort(), [
    '_id',
    'downloads',
    'gated',
    'id',
    'lastModified',
    'likes',
    'private'
  ])
  await createRepo({ ...hub(), repo: 'spaces/user/info-space', sdk: 'static' })
  const space = await send(
    'GET',
    '/api/spaces/user/info-space/revision/HEAD?expand=sdk&expand=likes&expand=private&expand=lastModified'
  )
  assert.deepEqual(space.body, { ...(space.body as object), sdk: 'static', private: false, likes: 0 })
  assert.deepEqual(Object.keys(space.body as object).sort(), ['_id', 'id', 'lastModified', 'likes', 'private', 'sdk'])
})

test('branches: new branch from main, empty branch, overwrite', async () => {
  await uploadFiles({ ...hub(), repo: BERT, files: [{ path: 'file.txt', content: new Blob(['file content']) }] })
  await createBranch({ ...hub(), repo: BERT, branch: 'new-branch' })
  assert.equal(
    await (await downloadFile({ ...hub(), repo: BERT, path: 'file.txt', revision: 'new-branch' }))?.text(),
    'file content'
  )
  await createBranch({ ...hub(), repo: BERT, branch: 'empty-branch', empty: true })
  assert.equal(await downloadFile({ ...hub(), repo: BERT, path: 'file.txt', revision: 'empty-branch' }), null)
  await createBranch({ ...hub(), repo: BERT, branch: 'overwrite-branch' })
  await createBranch({ ...hub(), repo: BERT, branch: 'overwrite-branch', overwrite: true, empty: true })
  assert.equal(await downloadFile({ ...hub(), repo: BERT, path: 'file.txt', revision: 'overwrite-branch' }), null)
})
