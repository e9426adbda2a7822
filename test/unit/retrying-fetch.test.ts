// The retrying fetch against a real local HTTP server: which requests are retried, how long it
// waits, and that it gives the library the Hub's own answer when it gives up.
import assert from 'node:assert/strict'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, test } from 'node:test'
import { RetryAfterTooLongError } from '../../src/hub/hub-errors.ts'
import { createRetryingFetch, type RetryNotice } from '../../src/hub/retrying-fetch.ts'

type Handler = (req: IncomingMessage, res: ServerResponse) => void
let handlers: Handler[] = []
let hits: string[] = []
let base: string
const server = createServer((req, res) => {
  hits.push(`${req.method} ${req.url}`)
  const handler = handlers.shift()
  if (handler) handler(req, res)
  else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
})

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => server.close())

const policy = { retries: 3, baseDelayMs: 5, maxDelayMs: 40, maxRetryAfterMs: 2000 }
const fail =
  (status: number, headers: Record<string, string> = {}): Handler =>
  (_q, res) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(`{"error":"status ${status}"}`)

function setup(...hs: Handler[]) {
  handlers = hs
  hits = []
  const notices: RetryNotice[] = []
  return { fetch: createRetryingFetch(fetch, policy, (n) => notices.push(n)), notices }
}

test('idempotent Hub calls are retried on 429/5xx and succeed', async () => {
  const { fetch: f, notices } = setup(fail(503), fail(429), fail(502))
  const res = await f(`${base}/api/models/a/b/preupload/main`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json' }
  })
  assert.equal(res.status, 200)
  assert.equal(hits.length, 4)
  assert.deepEqual(
    notices.map((n) => n.reason),
    ['HTTP 503', 'HTTP 429', 'HTTP 502']
  )
  assert.equal(notices[0]!.target, `${base}/api/models/a/b/preupload/main`)
})

test('Retry-After is honoured (at least the time asked)', async () => {
  handlers = [fail(429, { 'retry-after': '1' })]
  hits = []
  const waits: number[] = []
  const sleeping = { ...policy, sleep: (ms: number) => (waits.push(ms), Promise.resolve()) }
  const res = await createRetryingFetch(fetch, sleeping)(`${base}/api/models/a/b/tree/main`)
  assert.equal(res.status, 200)
  assert.deepEqual(waits, [1000], 'waited the second the server asked for, not the shorter backoff')
})

test('an answer that breaks after its status line is retried: reading the body is part of the attempt', async () => {
  const { fetch: f, notices } = setup((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' })
    res.write('[{"type":"file","path":"a.bin"')
    setImmediate(() => res.socket?.destroy())
  })
  const res = await f(`${base}/api/models/a/b/tree/main?recursive=true`)
  assert.deepEqual(await res.json(), { ok: true })
  assert.equal(hits.length, 2)
  assert.equal(notices.length, 1)
})

test('an attempt that gets no answer in time is abandoned and retried', async () => {
  handlers = [() => {}] // never answers
  hits = []
  const quick = { ...policy, requestTimeoutMs: 50 }
  const notices: RetryNotice[] = []
  const res = await createRetryingFetch(fetch, quick, (n) => notices.push(n))(`${base}/api/models/a/b`)
  assert.equal(res.status, 200)
  assert.equal(notices[0]!.reason, 'timed out')
})

test('the commit gets the longer time limit, and a refusal with a wait is reported, not retried', async () => {
  setup(fail(429, { 'retry-after': '30' }))
  const reported: Array<{ status: number; askedWaitMs: number }> = []
  const g = createRetryingFetch(fetch, policy, () => {}, { onNotRetried: (n) => reported.push(n) })
  const res = await g(`${base}/api/models/a/b/commit/main`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/x-ndjson' }
  })
  assert.equal(res.status, 429)
  assert.equal(hits.length, 1)
  assert.deepEqual(
    reported.map((r) => [r.status, r.askedWaitMs]),
    [[429, 30_000]]
  )
})

test('a completion whose answer was lost, refused when repeated, succeeds when the Hub stores the object', async () => {
  const oid = 'a'.repeat(64)
  const batch = JSON.stringify({ operation: 'upload', objects: [{ oid, size: 1234 }] })
  const completion = JSON.stringify({ oid, parts: [{ partNumber: 1, etag: '"x"' }] })
  const lfs = { 'content-type': 'application/vnd.git-lfs+json' }
  const asked: Array<[string, number | undefined]> = []
  const run = async (stored: boolean) => {
    handlers = [
      (_q, res) => res.writeHead(200, lfs).end('{"objects":[]}'), // the LFS batch
      (req) => req.socket.destroy(), // the completion's first answer is lost
      fail(404) // its repeat: the upload is gone
    ]
    hits = []
    const g = createRetryingFetch(fetch, policy, () => {}, {
      objectStored: (o, size) => (asked.push([o, size]), Promise.resolve(stored))
    })
    await g(`${base}/a/b.git/info/lfs/objects/batch`, { method: 'POST', body: batch, headers: lfs })
    return g(`${base}/api/complete_multipart?uploadId=1&signature=s`, {
      method: 'POST',
      body: completion,
      headers: lfs
    })
  }
  assert.equal((await run(true)).status, 200, 'the first completion did its work')
  assert.deepEqual(asked, [[oid, 1234]], 'asked about the object, with the size the batch announced')
  assert.equal((await run(false)).status, 404, 'not stored: the refusal stands')
})

test('a completion refused at once is not second-guessed', async () => {
  setup(fail(404))
  let asked = 0
  const g = createRetryingFetch(fetch, policy, () => {}, { objectStored: () => (asked++, Promise.resolve(true)) })
  const res = await g(`${base}/api/complete_multipart?uploadId=1`, {
    method: 'POST',
    body: JSON.stringify({ oid: 'b'.repeat(64), parts: [] }),
    headers: { 'content-type': 'application/vnd.git-lfs+json' }
  })
  assert.equal(res.status, 404)
  assert.equal(asked, 0)
})

test('once the run is stopped nothing is retried', async () => {
  const stop = new AbortController()
  handlers = [(req) => (stop.abort(new Error('deadline')), req.socket.destroy())]
  hits = []
  const g = createRetryingFetch(fetch, policy, () => {}, { signal: () => stop.signal })
  await assert.rejects(g(`${base}/api/models/a/b`))
  assert.equal(hits.length, 1)
})

test('the commit POST and repo creation are never retried', async () => {
  for (const path of ['/api/models/a/b/commit/main', '/api/repos/create']) {
    const { fetch: f } = setup(fail(503))
    const res = await f(`${base}${path}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/x-ndjson' }
    })
    assert.equal(res.status, 503)
    assert.equal(hits.length, 1, path)
  }
})

test('LFS batch, part uploads and completions are retried', async () => {
  let { fetch: f } = setup(fail(500))
  assert.equal(
    (
      await f(`${base}/a/b.git/info/lfs/objects/batch`, {
        method: 'POST',
        body: '{}',
        headers: { 'content-type': 'application/vnd.git-lfs+json' }
      })
    ).status,
    200
  )
  assert.equal(hits.length, 2)
  ;({ fetch: f } = setup(fail(500)))
  assert.equal((await f(`${base}/upload/part/1`, { method: 'PUT', body: new Blob(['abc']) })).status, 200)
  assert.equal(hits.length, 2)
  ;({ fetch: f } = setup(fail(500)))
  const completion = await f(`${base}/api/complete_multipart?uploadId=1`, {
    method: 'POST',
    body: JSON.stringify({ oid: 'c'.repeat(64), parts: [{ partNumber: 1, etag: '"x"' }] }),
    headers: { 'content-type': 'application/vnd.git-lfs+json' }
  })
  assert.equal(completion.status, 200)
  assert.equal(hits.length, 2)
})

test('when retries run out the library gets the Hub answer with its body', async () => {
  const { fetch: f } = setup(fail(503), fail(503), fail(503), fail(503))
  const res = await f(`${base}/api/whoami-v2`)
  assert.equal(res.status, 503)
  assert.deepEqual(await res.json(), { error: 'status 503' })
  assert.equal(hits.length, 4)
})

test('client errors are not retried', async () => {
  const { fetch: f } = setup(fail(401))
  assert.equal((await f(`${base}/api/whoami-v2`)).status, 401)
  assert.equal(hits.length, 1)
})

test('a connection reset is retried', async () => {
  const { fetch: f, notices } = setup((req) => req.socket.destroy())
  assert.equal((await f(`${base}/api/models/a/b`)).status, 200)
  assert.equal(notices.length, 1)
})

test('a Retry-After beyond the limit is not waited for: the error says how long the Hub asked for', async () => {
  const { fetch: f } = setup(fail(429, { 'retry-after': '3600' }))
  await assert.rejects(f(`${base}/api/models/a/b`), (error: RetryAfterTooLongError) => {
    assert.ok(error instanceof RetryAfterTooLongError)
    assert.equal(error.askedMs, 3_600_000)
    assert.equal(error.status, 429)
    assert.match(error.message, /asked to wait 3600 s, longer than the 2 s this action waits/)
    return true
  })
  assert.equal(hits.length, 1)
})
