// Presigned storage URLs as the real Hub hands them out (issue 7 point 1): upload and part URLs on a
// separate storage origin with an S3 SigV4 query that the emulator checks, no Authorization, and
// S3's answers (403 XML) when expired or tampered; the multipart completion is a signed Hub URL.
// Expiry is driven by an injected clock or expireUploadUrls(), never by waiting.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { HubApiError, commit } from '@huggingface/hub'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'

const TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const REPO = 'tester/presigned'
const CHUNK = 64 * 1024
const TTL_SECONDS = 900
const START = Date.parse('2026-03-01T12:00:00.000Z')

let hub: HubEmulator
let now = START

before(async () => {
  const dataDir = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-presigned-'))
  hub = await startHubEmulator({
    dataDir,
    tokens: { [TOKEN]: { user: 'tester' } },
    multipartThreshold: 2 * CHUNK,
    chunkSize: CHUNK,
    uploadUrlTtlSeconds: TTL_SECONDS,
    clock: () => now
  })
  await hub.createRepo(REPO)
})

after(() => hub?.close())

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

function content(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = (i * 13 + seed) & 0xff
  return out
}

interface UploadAction {
  href: string
  header: Record<string, string>
}

async function uploadAction(bytes: Buffer): Promise<UploadAction> {
  const response = await fetch(`${hub.url}/${REPO}.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/vnd.git-lfs+json' },
    body: JSON.stringify({
      operation: 'upload',
      transfers: ['basic', 'multipart'],
      hash_algo: 'sha_256',
      objects: [{ oid: sha256(bytes), size: bytes.length }]
    })
  })
  const body = (await response.json()) as { objects: Array<{ actions: { upload: UploadAction } }> }
  return body.objects[0]!.actions.upload
}

const put = (url: string, body: Buffer, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, { method: 'PUT', body: new Uint8Array(body), headers })

async function s3Error(response: Response): Promise<{ code: string; message: string; xml: string }> {
  assert.equal(response.headers.get('content-type'), 'application/xml')
  const xml = await response.text()
  return {
    code: /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? '',
    message: /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? '',
    xml
  }
}

test('upload URLs are S3 presigned URLs on the storage origin; they need no Authorization', async () => {
  const bytes = content(1000, 1)
  const action = await uploadAction(bytes)
  const url = new URL(action.href)
  assert.equal(url.origin, hub.storageUrl)
  assert.notEqual(url.origin, hub.url, 'storage is another origin, as S3 is')
  const query = url.searchParams
  assert.equal(query.get('X-Amz-Algorithm'), 'AWS4-HMAC-SHA256')
  assert.match(query.get('X-Amz-Credential') ?? '', /^AKIA[0-9A-F]{16}\/20260301\/us-east-1\/s3\/aws4_request$/)
  assert.equal(query.get('X-Amz-Date'), '20260301T120000Z')
  assert.equal(query.get('X-Amz-Expires'), String(TTL_SECONDS))
  assert.equal(query.get('X-Amz-SignedHeaders'), 'host')
  assert.match(query.get('X-Amz-Signature') ?? '', /^[0-9a-f]{64}$/)
  assert.equal(query.get('x-id'), 'PutObject')
  const stored = await put(action.href, bytes)
  assert.equal(stored.status, 200)
  assert.equal(stored.headers.get('etag'), `"${createHash('md5').update(bytes).digest('hex')}"`)
  assert.ok(stored.headers.get('x-amz-request-id'))
  assert.equal(stored.headers.get('x-request-id'), null, 'storage is not the Hub API')
  assert.equal(await hub.hasLfsObject(REPO, sha256(bytes)), true)
})

test('S3 refuses a presigned URL sent with an Authorization header, and never echoes the token', async () => {
  const bytes = content(1000, 2)
  const action = await uploadAction(bytes)
  const refused = await put(action.href, bytes, { Authorization: `Bearer ${TOKEN}` })
  assert.equal(refused.status, 400)
  const error = await s3Error(refused)
  assert.equal(error.code, 'InvalidArgument')
  assert.match(error.message, /^Only one auth mechanism allowed/)
  assert.doesNotMatch(error.xml, new RegExp(TOKEN))
  assert.equal(await hub.hasLfsObject(REPO, sha256(bytes)), false)
})

test('a tampered URL answers SignatureDoesNotMatch; one without a signature AccessDenied', async () => {
  const bytes = content(1000, 3)
  const action = await uploadAction(bytes)
  const signature = new URL(action.href).searchParams.get('X-Amz-Signature')!
  const longer = new URL(action.href)
  longer.searchParams.set('X-Amz-Expires', '604800')
  const tampered = await put(longer.href, bytes)
  assert.equal(tampered.status, 403)
  const error = await s3Error(tampered)
  assert.equal(error.code, 'SignatureDoesNotMatch')
  // As S3 does, the answer echoes the signature it was given: a client printing error bodies leaks it.
  assert.match(error.xml, new RegExp(`<SignatureProvided>${signature}</SignatureProvided>`))
  const forged = new URL(action.href)
  forged.searchParams.set('X-Amz-Signature', '0'.repeat(64))
  assert.equal((await s3Error(await put(forged.href, bytes))).code, 'SignatureDoesNotMatch')
  const otherObject = new URL(action.href)
  otherObject.pathname = otherObject.pathname.replace(/[0-9a-f]{64}$/, 'f'.repeat(64))
  assert.equal((await s3Error(await put(otherObject.href, bytes))).code, 'SignatureDoesNotMatch')
  const unsigned = new URL(action.href)
  unsigned.search = ''
  const anonymous = await put(unsigned.href, bytes)
  assert.equal(anonymous.status, 403)
  assert.deepEqual((await s3Error(anonymous)).code, 'AccessDenied')
  assert.equal((await put(action.href, bytes)).status, 200, 'the untouched URL still works')
})

test('URLs expire after their TTL on the injected clock: S3 403 "Request has expired", not a Hub error', async () => {
  const small = content(1000, 4)
  const large = content(3 * CHUNK, 5)
  const basic = await uploadAction(small)
  const multipart = await uploadAction(large)
  const partUrl = multipart.header['00001']!
  now = START + (TTL_SECONDS + 1) * 1000
  try {
    for (const [url, body] of [
      [basic.href, small],
      [partUrl, large.subarray(0, CHUNK)]
    ] as const) {
      const expired = await put(url, body)
      assert.equal(expired.status, 403)
      assert.equal(expired.headers.get('x-error-code'), null)
      const error = await s3Error(expired)
      assert.deepEqual([error.code, error.message], ['AccessDenied', 'Request has expired'])
      assert.match(error.xml, /<X-Amz-Expires>900<\/X-Amz-Expires><Expires>2026-03-01T12:15:00Z<\/Expires>/)
      assert.match(error.xml, /<ServerTime>2026-03-01T12:15:01Z<\/ServerTime>/)
    }
    const completion = await fetch(multipart.href, {
      method: 'POST',
      headers: { 'Content-Type': 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ oid: sha256(large), parts: [] })
    })
    assert.equal(completion.status, 403)
    assert.match(((await completion.json()) as { error: string }).error, /expired/)
    // A fresh batch answer hands out fresh URLs.
    const fresh = await uploadAction(small)
    assert.equal((await put(fresh.href, small)).status, 200)
  } finally {
    now = START
  }
})

test('expireUploadUrls() expires every URL handed out so far; uploadUrlSignatures() lists each one', async () => {
  const large = content(3 * CHUNK, 6)
  const action = await uploadAction(large)
  const partSignatures = ['00001', '00002', '00003'].map((key) =>
    new URL(action.header[key]!).searchParams.get('X-Amz-Signature')!
  )
  const completionSignature = new URL(action.href).searchParams.get('signature')!
  assert.equal(new URL(action.href).origin, hub.url, 'the completion goes to the Hub, not to storage')
  assert.equal(new URL(action.href).pathname, '/api/complete_multipart')
  const signatures = hub.uploadUrlSignatures()
  for (const signature of [...partSignatures, completionSignature]) assert.ok(signatures.includes(signature))
  hub.expireUploadUrls()
  const expired = await put(action.header['00001']!, large.subarray(0, CHUNK))
  assert.equal((await s3Error(expired)).message, 'Request has expired')
  const tamperedCompletion = new URL(action.href)
  tamperedCompletion.searchParams.set('expiration', String(Date.parse('2030-01-01')))
  const refused = await fetch(tamperedCompletion, { method: 'POST', body: '{}' })
  assert.equal(refused.status, 403)
  assert.match(((await refused.json()) as { error: string }).error, /Invalid signature/)
})

test("a failing part upload's signature is findable: hub.js puts the full URL into its error", async () => {
  const large = content(3 * CHUNK, 7)
  hub.faults.add({ route: 'lfs-part', status: 500, times: -1 })
  try {
    const before = new Set(hub.uploadUrlSignatures())
    const error = await commit({
      hubUrl: hub.url,
      accessToken: TOKEN,
      repo: REPO,
      title: 'parts that storage refuses',
      useXet: false,
      operations: [{ operation: 'addOrUpdate', path: 'big.bin', content: new Blob([new Uint8Array(large)]) }]
    }).then(
      () => assert.fail('the commit should fail'),
      (thrown: unknown) => thrown
    )
    assert.ok(error instanceof HubApiError)
    assert.equal(error.statusCode, 500)
    const handedOut = hub.uploadUrlSignatures().filter((signature) => !before.has(signature))
    assert.ok(handedOut.length >= 3)
    assert.ok(
      handedOut.some((signature) => error.message.includes(signature)),
      'the signature is in the message: whoever prints it must strip the query'
    )
  } finally {
    hub.faults.clear()
  }
})

test('a presigned PUT can be repeated until it expires, as on S3: a retry after a lost answer succeeds', async () => {
  const bytes = content(2000, 8)
  const action = await uploadAction(bytes)
  hub.faults.add({ route: 'lfs-upload', dropResponse: true })
  await assert.rejects(put(action.href, bytes), 'the answer was lost after the object was stored')
  assert.equal(await hub.hasLfsObject(REPO, sha256(bytes)), true)
  const [again, concurrent] = await Promise.all([put(action.href, bytes), put(action.href, bytes)])
  assert.deepEqual([again.status, concurrent.status], [200, 200])
  const wrong = await put(action.href, Buffer.alloc(bytes.length))
  assert.equal((await s3Error(wrong)).code, 'BadDigest')
  assert.equal((await put(action.href, bytes)).status, 200, 'a refused body does not spend the URL')
})
