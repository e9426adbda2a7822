// Upload bodies are streamed with their Content-Length, and only a few are in flight at once.
import assert from 'node:assert/strict'
import { truncate } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createStreamingUploadFetch } from '../../src/hub/streaming-upload-fetch.ts'
import { localFileBlob } from '../../src/lib/local-file-blob.ts'
import { makeWorkspace } from '../support/workspace.ts'

let base: string
let active = 0
let peak = 0
const seen: Array<{ length?: string; chunked?: string; bytes: number }> = []
const server = createServer((req, res) => {
  active++
  peak = Math.max(peak, active)
  let bytes = 0
  req.on('data', (d: Buffer) => (bytes += d.length))
  req.on('end', () =>
    setTimeout(() => {
      seen.push({ length: req.headers['content-length'], chunked: req.headers['transfer-encoding'], bytes })
      active--
      res.writeHead(200, { etag: '"x"' }).end()
    }, 30)
  )
})
before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(() => server.close())

test('a Blob PUT is sent as a stream with an explicit Content-Length (storage refuses chunked uploads)', async () => {
  seen.length = 0
  const f = createStreamingUploadFetch(fetch)
  const res = await f(`${base}/part/1`, { method: 'PUT', body: new Blob([new Uint8Array(300_000)]) })
  assert.equal(res.status, 200)
  assert.deepEqual(seen, [{ length: '300000', chunked: undefined, bytes: 300_000 }])
  // Storage's empty answer has no body (no stream made for it), and reads as empty.
  assert.equal(res.body, null)
  assert.equal(res.headers.get('etag'), '"x"')
  assert.equal(await res.text(), '')
})

test('no more than the configured number of uploads run at once', async () => {
  peak = 0
  const f = createStreamingUploadFetch(fetch, 2)
  await Promise.all(
    Array.from({ length: 7 }, (_, i) =>
      f(`${base}/part/${i}`, { method: 'PUT', body: new Blob([new Uint8Array(10_000)]) })
    )
  )
  assert.equal(peak, 2)
})

test('other requests pass through untouched and are not limited', async () => {
  peak = 0
  const f = createStreamingUploadFetch(fetch, 1)
  await Promise.all(Array.from({ length: 3 }, () => f(`${base}/api/x`, { method: 'POST', body: '{}' })))
  assert.equal(peak, 3)
})

test('an early error answer (before the body is read) comes back as a Response the library can read', async () => {
  const early = createServer((_req, res) =>
    res.writeHead(403, { 'content-type': 'application/json' }).end('{"error":"signature expired"}')
  )
  await new Promise<void>((r) => early.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(early.address() as AddressInfo).port}/part/9`
  const res = await createStreamingUploadFetch(fetch)(url, {
    method: 'PUT',
    body: new Blob([new Uint8Array(5_000_000)])
  })
  assert.equal(res.status, 403)
  assert.equal(res.ok, false)
  assert.equal(res.url, url)
  assert.deepEqual(await res.json(), { error: 'signature expired' })
  early.close()
})

/**
 * The two kinds of upload body, `size` bytes each: the action's own file Blob (every LFS upload:
 * written from disk through pooled buffers) and any other Blob (streamed).
 */
async function uploadBodies(size: number): Promise<Array<[string, Blob]>> {
  const path = join(await makeWorkspace({ 'part.bin': '' }), 'part.bin')
  await truncate(path, size) // a sparse file: no time spent writing it
  return [
    ['a file Blob', localFileBlob(path, size)],
    ['an in-memory Blob', new Blob([new Uint8Array(size)])]
  ]
}

test('an early error answer stops the sending at once (not the whole part, not an idle timeout)', async () => {
  const size = 64 * 1024 * 1024
  for (const [kind, body] of await uploadBodies(size)) {
    let received = 0
    let ended: Promise<void> | undefined
    // Like storage refusing an expired URL: it answers after the first bytes and reads whatever still comes.
    const early = createServer((req, res) => {
      // The request is over for the storage when its connection closes (cut short) or its body ends (sent whole).
      ended = new Promise((resolve) => (req.once('end', resolve), req.socket.once('close', resolve)))
      req.once('data', () => res.writeHead(403, { 'content-type': 'application/xml' }).end('<Error>expired</Error>'))
      req.on('data', (d: Buffer) => (received += d.length))
    })
    await new Promise<void>((r) => early.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(early.address() as AddressInfo).port}/part/1`
    const res = await createStreamingUploadFetch(fetch)(url, { method: 'PUT', body })
    assert.equal(res.status, 403, kind)
    assert.equal(await res.text(), '<Error>expired</Error>', kind)
    await ended
    assert.ok(received < size / 4, `${kind}: stopped after ${received} of ${size} bytes`)
    early.closeAllConnections()
    early.close()
  }
})

test('a connection reset half-way through the body rejects, so the retry layer can try again', async () => {
  for (const [kind, body] of await uploadBodies(4 * 1024 * 1024)) {
    // Storage dropping the connection after the first megabyte of the part.
    const rude = createServer((req) => {
      let bytes = 0
      req.on('data', (d: Buffer) => {
        bytes += d.length
        if (bytes > 1024 * 1024) req.socket.destroy()
      })
    })
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(rude.address() as AddressInfo).port}/part/1`
    await assert.rejects(createStreamingUploadFetch(fetch)(url, { method: 'PUT', body }), (error: Error) => {
      const code = (error as { code?: string }).code
      assert.match(`${code} ${error.message}`, /ECONNRESET|EPIPE|socket hang up/, kind)
      return true
    })
    rude.close()
  }
})

test('a Blob POST (the commit) is streamed with its Content-Length and takes no upload slot', async () => {
  seen.length = 0
  peak = 0
  const f = createStreamingUploadFetch(fetch, 1)
  const bodies = Array.from({ length: 3 }, () => new Blob([new Uint8Array(20_000)]))
  await Promise.all(bodies.map((body) => f(`${base}/api/models/x/commit/main`, { method: 'POST', body })))
  assert.equal(peak, 3)
  assert.deepEqual(seen, Array(3).fill({ length: '20000', chunked: undefined, bytes: 20_000 }))
})

test('a 307/308 is followed with its method and body; another origin does not get the Authorization', async (t) => {
  const requests: Array<{ origin: string; method?: string; path?: string; auth?: string; body: string }> = []
  const listen = async (handler: (path: string) => [number, Record<string, string>]) => {
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
        requests.push({ origin, method: req.method, path: req.url, auth: req.headers.authorization, body })
        const [status, headers] = handler(req.url ?? '')
        res.writeHead(status, headers).end(status === 200 ? '{"ok":true}' : 'Temporary Redirect')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    t.after(() => server.close())
    return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
  }
  const other = await listen(() => [200, {}])
  const hub = await listen((path) =>
    path === '/api/models/old/commit/main'
      ? [307, { location: '/api/models/new/commit/main' }]
      : path === '/api/models/new/commit/main'
        ? [308, { location: `${other.origin}/elsewhere` }]
        : [404, {}]
  )
  const response = await createStreamingUploadFetch(fetch)(`${hub.origin}/api/models/old/commit/main`, {
    method: 'POST',
    headers: { authorization: 'Bearer secret', 'content-type': 'application/x-ndjson' },
    body: new Blob(['{"key":"header"}'])
  })
  assert.equal(response.status, 200)
  assert.equal(response.url, `${other.origin}/elsewhere`)
  assert.deepEqual(requests, [
    {
      origin: hub.origin,
      method: 'POST',
      path: '/api/models/old/commit/main',
      auth: 'Bearer secret',
      body: '{"key":"header"}'
    },
    {
      origin: hub.origin,
      method: 'POST',
      path: '/api/models/new/commit/main',
      auth: 'Bearer secret',
      body: '{"key":"header"}'
    },
    { origin: other.origin, method: 'POST', path: '/elsewhere', auth: undefined, body: '{"key":"header"}' }
  ])
})

test('a request stopped by its signal rejects with its reason, as fetch does (a timeout: TimeoutError)', async (t) => {
  const silent = createServer(() => {}) // reads nothing, answers nothing
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  t.after(() => {
    silent.closeAllConnections()
    silent.close()
  })
  const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/api/models/x/commit/main`
  await assert.rejects(
    createStreamingUploadFetch(fetch)(url, {
      method: 'POST',
      body: new Blob(['{"key":"header"}']),
      signal: AbortSignal.timeout(50)
    }),
    (error: unknown) => error instanceof Error && error.name === 'TimeoutError'
  )
})
