import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bufferedResponse } from '../../src/lib/buffered-response.ts'

test('a buffered answer keeps its status, headers and body, and takes the fallback URL when it has none', async () => {
  const original = new Response('{"ok":true}', {
    status: 409,
    statusText: 'Conflict',
    headers: { 'x-error-code': 'A' }
  })
  const copy = await bufferedResponse(original, 'https://hub.example/api/models/o/n/commit/main')
  assert.equal(original.bodyUsed, true)
  assert.equal(copy.status, 409)
  assert.equal(copy.statusText, 'Conflict')
  assert.equal(copy.headers.get('x-error-code'), 'A')
  assert.equal(copy.url, 'https://hub.example/api/models/o/n/commit/main')
  assert.deepEqual(await copy.json(), { ok: true })
})

test('a 204 is buffered as an answer without a body (a Response with one would throw)', async () => {
  const copy = await bufferedResponse(new Response(null, { status: 204 }))
  assert.equal(copy.status, 204)
  assert.equal(copy.body, null)
  assert.equal(copy.url, '')
})

test('a body that breaks half-way rejects while buffering, inside the attempt that can retry it', async () => {
  const broken = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"par'))
      controller.error(new TypeError('terminated'))
    }
  })
  await assert.rejects(bufferedResponse(new Response(broken, { status: 200 })), /terminated/)
})
