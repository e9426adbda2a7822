// The Hub emulator's fault hooks, which issue 8's fault matrix drives: for every endpoint class a
// fault can answer a status (with Retry-After / RateLimit), reset the request after N bytes, reset
// the answer after N body bytes, drop or replace the answer after the route ran, delay, or hold a
// request until the test releases it. Observed over raw sockets, so partial answers are visible.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { uploadFiles } from '@huggingface/hub'
import { startHubEmulator, type FaultRule, type HubEmulator, type RouteName } from '../emulators/hub/server.ts'

const TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const REPO = 'tester/faults'
const KiB = 1024
const CHUNK = 64 * KiB

let hub: HubEmulator
const auth = { authorization: `Bearer ${TOKEN}` }

before(async () => {
  const dataDir = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-faults-'))
  hub = await startHubEmulator({
    dataDir,
    tokens: { [TOKEN]: { user: 'tester' } },
    multipartThreshold: 2 * CHUNK,
    chunkSize: CHUNK
  })
  await hub.createRepo(REPO)
  await uploadFiles({
    hubUrl: hub.url,
    accessToken: TOKEN,
    repo: REPO,
    files: [
      { path: 'README.md', content: new Blob(['---\nlicense: mit\n---\n# Faults\n']) },
      { path: 'notes/a.txt', content: new Blob(['a regular file\n']) }
    ]
  })
})

after(() => hub?.close())

interface Exchange {
  /** Status line received (undefined when the connection broke before it). */
  status?: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** Set when the connection broke: before the status line (`error`) or mid-body (`broken`). */
  error?: string
  broken?: boolean
}

/** One request over node:http, reporting exactly what arrived before the socket broke, if it did. */
function exchange(
  method: string,
  url: string,
  options: { headers?: Record<string, string>; body?: Buffer | string } = {}
): Promise<Exchange> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body)
  return new Promise((resolve) => {
    const headers = { ...options.headers, ...(body && { 'content-length': String(body.length) }) }
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      const done = (broken: boolean): void =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks), broken })
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => done(false))
      res.on('aborted', () => done(true))
      res.on('error', () => done(true))
    })
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ headers: {}, body: Buffer.alloc(0), error: error.code })
    )
    req.end(body)
  })
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const md5 = (bytes: Buffer): string => createHash('md5').update(bytes).digest('hex')
let counter = 0
const unique = (): number => ++counter

function bytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 7) & 0xff
  out[0] = 0
  return out
}

interface BatchObject {
  oid: string
  size: number
  actions?: { upload: { href: string; header: Record<string, string> }; verify?: { href: string } }
}

async function batch(content: Buffer): Promise<BatchObject> {
  const answer = await exchange('POST', `${hub.url}/${REPO}.git/info/lfs/objects/batch`, {
    headers: { ...auth, 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({
      operation: 'upload',
      transfers: ['basic', 'multipart'],
      hash_algo: 'sha256',
      objects: [{ oid: sha256(content), size: content.length }]
    })
  })
  assert.equal(answer.status, 200, answer.body.toString())
  return (JSON.parse(answer.body.toString()) as { objects: BatchObject[] }).objects[0]!
}

function partUrls(object: BatchObject): string[] {
  const header = object.actions!.upload.header
  return Object.keys(header)
    .filter((key) => /^\d+$/.test(key))
    .sort()
    .map((key) => header[key]!)
}

async function putAllParts(object: BatchObject, content: Buffer): Promise<string[]> {
  const etags: string[] = []
  for (const [i, url] of partUrls(object).entries()) {
    const answer = await exchange('PUT', url, { body: content.subarray(i * CHUNK, (i + 1) * CHUNK) })
    assert.equal(answer.status, 200)
    etags.push(String(answer.headers.etag))
  }
  return etags
}

function completion(object: BatchObject, etags: string[]): Promise<Exchange> {
  return exchange('POST', object.actions!.upload.href, {
    headers: { 'content-type': 'application/vnd.git-lfs+json', accept: 'application/vnd.git-lfs+json' },
    body: JSON.stringify({ oid: object.oid, parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })) })
  })
}

function commitBody(path: string, content = `content of ${path}\n`, parentCommit?: string): string {
  return [
    { key: 'header', value: { summary: `add ${path}`, description: '', ...(parentCommit && { parentCommit }) } },
    { key: 'file', value: { path, content: Buffer.from(content).toString('base64'), encoding: 'base64' } }
  ]
    .map((line) => JSON.stringify(line))
    .join('\n')
}

const ndjson = { ...auth, 'content-type': 'application/x-ndjson' }
const jsonHeaders = { ...auth, 'content-type': 'application/json' }

/**
 * One probe per endpoint class of the fault matrix: it sends a fresh request of that class (set up
 * as needed) and, when the route has an effect, reports whether the effect happened.
 */
interface Probe {
  route: RouteName
  hasBody: boolean
  send(): Promise<{ answer: Exchange; applied?: () => Promise<boolean> }>
}

const probes: Probe[] = [
  {
    route: 'whoami',
    hasBody: false,
    send: async () => ({ answer: await exchange('GET', `${hub.url}/api/whoami-v2`, { headers: auth }) })
  },
  {
    route: 'repo-info',
    hasBody: false,
    send: async () => ({ answer: await exchange('GET', `${hub.url}/api/models/${REPO}`, { headers: auth }) })
  },
  {
    route: 'model-info',
    hasBody: false,
    send: async () => ({
      answer: await exchange('GET', `${hub.url}/api/models/${REPO}/revision/main`, { headers: auth })
    })
  },
  {
    route: 'commits',
    hasBody: false,
    send: async () => ({
      answer: await exchange('GET', `${hub.url}/api/models/${REPO}/commits/main`, { headers: auth })
    })
  },
  {
    route: 'tree',
    hasBody: false,
    send: async () => ({
      answer: await exchange('GET', `${hub.url}/api/models/${REPO}/tree/main?recursive=True&expand=False`, {
        headers: auth
      })
    })
  },
  {
    route: 'paths-info',
    hasBody: true,
    send: async () => ({
      answer: await exchange('POST', `${hub.url}/api/models/${REPO}/paths-info/main`, {
        headers: jsonHeaders,
        body: JSON.stringify({ paths: ['README.md', 'notes'], expand: false })
      })
    })
  },
  {
    route: 'resolve',
    hasBody: false,
    send: async () => ({
      answer: await exchange('GET', `${hub.url}/${REPO}/resolve/main/notes/a.txt`, { headers: auth })
    })
  },
  {
    route: 'validate-yaml',
    hasBody: true,
    send: async () => ({
      answer: await exchange('POST', `${hub.url}/api/validate-yaml`, {
        headers: jsonHeaders,
        body: JSON.stringify({ content: '---\nlicense: mit\n---\n', repoType: 'model' })
      })
    })
  },
  {
    route: 'preupload',
    hasBody: true,
    send: async () => ({
      answer: await exchange('POST', `${hub.url}/api/models/${REPO}/preupload/main`, {
        headers: jsonHeaders,
        body: JSON.stringify({ files: [{ path: 'x.txt', size: 3, sample: 'eHh4' }] })
      })
    })
  },
  {
    route: 'lfs-batch',
    hasBody: true,
    send: async () => {
      const content = bytes(100, unique())
      const answer = await exchange('POST', `${hub.url}/${REPO}.git/info/lfs/objects/batch`, {
        headers: { ...auth, 'content-type': 'application/vnd.git-lfs+json' },
        body: JSON.stringify({
          operation: 'upload',
          hash_algo: 'sha_256',
          objects: [{ oid: sha256(content), size: 100 }]
        })
      })
      return { answer }
    }
  },
  {
    route: 'lfs-upload',
    hasBody: true,
    send: async () => {
      const content = bytes(CHUNK, unique())
      const object = await batch(content)
      const answer = await exchange('PUT', object.actions!.upload.href, { body: content })
      return { answer, applied: () => hub.hasLfsObject(REPO, object.oid) }
    }
  },
  {
    route: 'lfs-part',
    hasBody: true,
    send: async () => {
      const content = bytes(3 * CHUNK, unique())
      const object = await batch(content)
      const answer = await exchange('PUT', partUrls(object)[0]!, { body: content.subarray(0, CHUNK) })
      return { answer }
    }
  },
  {
    route: 'lfs-complete',
    hasBody: true,
    send: async () => {
      const content = bytes(3 * CHUNK, unique())
      const object = await batch(content)
      const answer = await completion(object, await putAllParts(object, content))
      return { answer, applied: () => hub.hasLfsObject(REPO, object.oid) }
    }
  },
  {
    route: 'commit',
    hasBody: true,
    send: async () => {
      const path = `commits/${unique()}.txt`
      const answer = await exchange('POST', `${hub.url}/api/models/${REPO}/commit/main`, {
        headers: ndjson,
        body: commitBody(path)
      })
      return { answer, applied: async () => (await hub.readFile(REPO, 'main', path)) !== null }
    }
  },
  {
    route: 'tag',
    hasBody: true,
    send: async () => {
      const tag = `v${unique()}`
      const answer = await exchange('POST', `${hub.url}/api/models/${REPO}/tag/main`, {
        headers: jsonHeaders,
        body: JSON.stringify({ tag, message: 'a tag' })
      })
      const refs = async (): Promise<Array<{ name: string }>> =>
        (
          JSON.parse(
            (await exchange('GET', `${hub.url}/api/models/${REPO}/refs`, { headers: auth })).body.toString()
          ) as {
            tags: Array<{ name: string }>
          }
        ).tags
      return { answer, applied: async () => (await refs()).some((entry) => entry.name === tag) }
    }
  }
]

function lastFault(): { route: string; kind: string } | undefined {
  return hub.stats.faults.at(-1)
}

for (const probe of probes) {
  test(`${probe.route}: status faults, with and without Retry-After or RateLimit, in the surface's shape`, async () => {
    const storage = probe.route === 'lfs-upload' || probe.route === 'lfs-part'
    hub.faults.add({ route: probe.route, status: 503, retryAfter: 7 })
    const limited = (await probe.send()).answer
    assert.equal(limited.status, 503)
    assert.equal(limited.headers['retry-after'], '7')
    assert.equal(limited.headers['content-type'], storage ? 'application/xml' : 'application/json; charset=utf-8')
    if (storage) assert.match(limited.body.toString(), /<Code>SlowDown<\/Code>/)
    else assert.match(JSON.parse(limited.body.toString()).error, /Emulated fault/)
    assert.deepEqual(lastFault(), { ...lastFault(), route: probe.route, kind: 'status' })

    hub.faults.add({ route: probe.route, status: 429, rateLimit: true })
    const rate = (await probe.send()).answer
    assert.equal(rate.status, 429)
    assert.equal(rate.headers['ratelimit'], '"api";r=0;t=55')
    assert.equal(rate.headers['ratelimit-policy'], '"fixed window";"api";q=500;w=300')
    assert.equal(rate.headers['retry-after'], undefined)

    hub.faults.add({ route: probe.route, status: 500 })
    assert.equal((await probe.send()).answer.status, 500)
    // Each rule hits once by default: the next request of the class goes through.
    const ok = await probe.send()
    assert.ok(
      (ok.answer.status ?? 0) < 300,
      `${probe.route} answered ${ok.answer.status}: ${ok.answer.body.toString()}`
    )
    if (ok.applied) assert.ok(await ok.applied())
  })

  test(`${probe.route}: the answer is cut after N bytes, dropped, or replaced by a gateway error`, async () => {
    hub.faults.add({ route: probe.route, resetResponseAtByte: 3 })
    const cut = await probe.send()
    if (cut.answer.status === undefined) {
      // Body-less answers (S3's PUT answers) cannot be cut after their headers: they are dropped.
      assert.equal(lastFault()?.kind, 'drop-response')
      assert.ok(cut.answer.error)
    } else {
      assert.equal(cut.answer.broken, true)
      // N bytes, or all but the last byte of a shorter body (a whole body would not be a fault).
      assert.equal(cut.answer.body.length, Math.min(3, Number(cut.answer.headers['content-length']) - 1))
      assert.equal(lastFault()?.kind, 'reset-response')
    }
    if (cut.applied) assert.ok(await cut.applied(), 'the route ran although the answer broke')

    hub.faults.add({ route: probe.route, dropResponse: true })
    const dropped = await probe.send()
    assert.equal(dropped.answer.status, undefined)
    assert.match(String(dropped.answer.error), /ECONNRESET|EPIPE|socket hang up/)
    if (dropped.applied) assert.ok(await dropped.applied(), 'the route ran, then its answer was dropped')

    hub.faults.add({ route: probe.route, gatewayError: 502 })
    const gateway = await probe.send()
    assert.equal(gateway.answer.status, 502)
    assert.equal(gateway.answer.headers['content-type'], 'text/html')
    assert.equal(gateway.answer.headers['x-cache'], 'Error from cloudfront')
    assert.match(gateway.answer.body.toString(), /502 Bad Gateway ERROR/)
    if (gateway.applied) assert.ok(await gateway.applied(), 'the route ran before the gateway answered')
  })

  if (probe.hasBody) {
    test(`${probe.route}: a request reset after N body bytes never reaches the route`, async () => {
      const before = hub.stats.lfsBytesReceived
      hub.faults.add({ route: probe.route, resetRequestAtByte: 10 })
      const reset = await probe.send()
      assert.equal(reset.answer.status, undefined)
      assert.ok(reset.answer.error)
      assert.equal(lastFault()?.kind, 'reset-request')
      if (reset.applied) assert.equal(await reset.applied(), false, 'nothing was stored or committed')
      const counted = hub.stats.lfsBytesReceived - before
      const upload = probe.route === 'lfs-upload' || probe.route === 'lfs-part'
      // Setup requests of the probe upload nothing else, so the counter shows exactly the N bytes read.
      assert.equal(counted, probe.route === 'lfs-complete' ? 3 * CHUNK : upload ? 10 : 0)
    })
  }
}

test('rules match by method, path and skip, hit `times` requests, and count in requestCount and stats', async () => {
  hub.resetStats()
  const content = bytes(3 * CHUNK, unique())
  const object = await batch(content)
  // Only the second part PUT of this object fails, twice; -1 would mean until cleared.
  hub.faults.add({ route: 'lfs-part', skip: 1, times: 2, status: 500, pathIncludes: object.oid })
  const parts = partUrls(object)
  const put = (i: number): Promise<Exchange> =>
    exchange('PUT', parts[i]!, { body: content.subarray(i * CHUNK, (i + 1) * CHUNK) })
  assert.equal((await put(0)).status, 200)
  assert.equal((await put(1)).status, 500)
  assert.equal((await put(1)).status, 500)
  const retried = await put(1)
  assert.equal(retried.status, 200)
  assert.equal(retried.headers.etag, `"${md5(content.subarray(CHUNK, 2 * CHUNK))}"`, 'S3 ETag: quoted MD5 of the part')
  assert.equal((await put(2)).status, 200)
  assert.equal(hub.requestCount('lfs-part'), 5)
  assert.equal(hub.requestCount('lfs-part', { status: 500 }), 2)
  assert.equal(hub.requestCount('lfs-part', { method: 'PUT', status: 200 }), 3)
  assert.equal(hub.stats.lfsBytesReceived, 5 * CHUNK)
  assert.deepEqual(
    hub.stats.requests.filter((entry) => entry.route === 'lfs-part').map((entry) => entry.surface),
    ['storage', 'storage', 'storage', 'storage', 'storage']
  )
  const stats = (await (await fetch(`${hub.url}/_emulator/stats`)).json()) as {
    byRoute: Record<string, { count: number; statuses: Record<string, number> }>
  }
  assert.deepEqual(stats.byRoute['lfs-part'], { count: 5, statuses: { '200': 3, '500': 2 } })
  assert.deepEqual(hub.faults.pending(), [])
  assert.throws(() => hub.faults.add({ route: 'commit', dropResponse: true, status: 500 }), /cannot go with status/)
  assert.throws(() => hub.faults.add({ route: 'commit', gatewayError: 500 as 502 }), /502, 503 or 504/)
  assert.throws(() => hub.faults.add({ route: 'commit', nope: 1 } as unknown as FaultRule), /Unknown fault rule field/)
})

test('a repeated multipart completion after the object was stored is refused like S3 (NoSuchUpload)', async () => {
  const content = bytes(3 * CHUNK, unique())
  const object = await batch(content)
  const etags = await putAllParts(object, content)
  // The completion lands, but its answer is lost: the client cannot know, and sends it again.
  hub.faults.add({ route: 'lfs-complete', dropResponse: true })
  assert.ok((await completion(object, etags)).error)
  const repeat = await completion(object, etags)
  assert.equal(repeat.status, 404)
  assert.deepEqual(JSON.parse(repeat.body.toString()), {
    error:
      'The specified upload does not exist. The upload ID may be invalid, ' +
      'or the upload may have been aborted or completed.'
  })
  // What a client should do then: ask whether the object is stored (it is).
  assert.equal(await hub.hasLfsObject(REPO, object.oid), true)
  assert.equal((await batch(content)).actions, undefined, 'the batch endpoint reports it as stored')
})

test('a held commit stages a race without sleeping: the other commit lands first, the held one gets 412', async () => {
  const [head] = await hub.listCommits(REPO)
  const held = hub.faults.add({ route: 'commit', hold: true, pathIncludes: '/commit/main' })
  const first = exchange('POST', `${hub.url}/api/models/${REPO}/commit/main`, {
    headers: ndjson,
    body: commitBody('race/held.txt', 'held\n', head!.oid)
  })
  const request = await held.held()
  assert.deepEqual(
    { stage: request.stage, path: request.path },
    { stage: 'before', path: `/api/models/${REPO}/commit/main` }
  )
  // The rule hit once: this commit goes through while the first one waits.
  const second = await exchange('POST', `${hub.url}/api/models/${REPO}/commit/main`, {
    headers: ndjson,
    body: commitBody('race/other.txt', 'other\n', head!.oid)
  })
  assert.equal(second.status, 200)
  assert.equal(held.release(), 1)
  const answer = await first
  assert.equal(answer.status, 412)
  assert.equal(await hub.readFile(REPO, 'main', 'race/held.txt'), null)
  assert.equal(held.hits(), 1)
})

test("hold 'after' runs the route, then withholds its answer: the commit lands while the client waits", async () => {
  const held = hub.faults.add({ route: 'commit', hold: 'after' })
  const pending = exchange('POST', `${hub.url}/api/models/${REPO}/commit/main`, {
    headers: ndjson,
    body: commitBody('held/after.txt')
  })
  const request = await held.held()
  assert.equal(request.stage, 'after')
  assert.ok(await hub.readFile(REPO, 'main', 'held/after.txt'), 'already committed')
  request.release()
  const answer = await pending
  assert.equal(answer.status, 200)
  assert.equal(JSON.parse(answer.body.toString()).commitOid, (await hub.listCommits(REPO))[0]?.oid)
})

test('holds, releases and expiry are driven over the control plane too (for a child process)', async () => {
  const add = await fetch(`${hub.url}/_emulator/faults`, {
    method: 'POST',
    body: JSON.stringify({ route: 'tag', hold: true, delayMs: 5 })
  })
  const { ids } = (await add.json()) as { ids: string[] }
  const pending = exchange('POST', `${hub.url}/api/models/${REPO}/tag/main`, {
    headers: jsonHeaders,
    body: JSON.stringify({ tag: 'held-tag' })
  })
  const held = (await (await fetch(`${hub.url}/_emulator/faults/${ids[0]}/held?timeoutMs=5000`)).json()) as {
    held: { path: string; stage: string }
  }
  assert.deepEqual(held.held, { ruleId: ids[0], method: 'POST', path: `/api/models/${REPO}/tag/main`, stage: 'before' })
  const list = (await (await fetch(`${hub.url}/_emulator/held`)).json()) as { held: unknown[] }
  assert.equal(list.held.length, 1)
  const release = await fetch(`${hub.url}/_emulator/faults/${ids[0]}/release`, { method: 'POST' })
  assert.deepEqual(await release.json(), { released: 1 })
  assert.equal((await pending).status, 200)
  assert.equal(hub.stats.faults.at(-1)?.kind, 'hold')
  const none = await fetch(`${hub.url}/_emulator/faults/${ids[0]}/held?timeoutMs=1`)
  assert.equal(none.status, 408, 'waiting for a hold that never comes ends, bounded')
  await none.arrayBuffer()

  const object = await batch(bytes(100, unique()))
  const expire = await fetch(`${hub.url}/_emulator/expire-upload-urls`, { method: 'POST' })
  assert.equal(expire.status, 200)
  await expire.arrayBuffer()
  const late = await exchange('PUT', object.actions!.upload.href, { body: bytes(100, counter) })
  assert.equal(late.status, 403)
  const signatures = (await (await fetch(`${hub.url}/_emulator/upload-url-signatures`)).json()) as {
    signatures: string[]
  }
  assert.ok(signatures.signatures.includes(new URL(object.actions!.upload.href).searchParams.get('X-Amz-Signature')!))
})

test('clearing the rules releases held requests, so nothing stays stuck', async () => {
  const held = hub.faults.add({ route: 'whoami', hold: true })
  const pending = exchange('GET', `${hub.url}/api/whoami-v2`, { headers: auth })
  await held.held()
  hub.faults.clear()
  assert.equal((await pending).status, 200)
  await assert.rejects(hub.faults.add({ route: 'whoami', hold: true }).held(1), /No request was held/)
  hub.faults.clear()
})
