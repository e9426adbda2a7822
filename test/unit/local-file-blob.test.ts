import assert from 'node:assert/strict'
import { truncate, writeFile } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { LocalFileBlob, localFileBlob } from '../../src/lib/local-file-blob.ts'
import { makeWorkspace, pseudoRandomBytes } from '../support/workspace.ts'

const data = pseudoRandomBytes(1_000_003, 'blob')
let path: string

before(async () => {
  path = join(await makeWorkspace({ 'f.bin': data }), 'f.bin')
})

async function streamed(blob: Blob): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of blob.stream() as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk))
  return Buffer.concat(chunks)
}

test('is a Blob whose stream, bytes and text read the file lazily', async () => {
  const blob = localFileBlob(path, data.length)
  assert.ok(blob instanceof Blob)
  assert.equal(Object.prototype.toString.call(blob), '[object Blob]')
  assert.equal(blob.type, '')
  assert.equal(blob.size, data.length)
  assert.ok((await streamed(blob)).equals(data))
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(data))
})

test('slices like Blob.slice, including negative and out-of-range bounds', async () => {
  const blob = localFileBlob(path, data.length)
  const cases: Array<[number | undefined, number | undefined]> = [
    [0, 10],
    [10, 300_000],
    [-5, undefined],
    [999_000, 2_000_000],
    [50, 20],
    [undefined, undefined]
  ]
  for (const [start, end] of cases) {
    // The reference: what an in-memory Blob of the same bytes answers.
    const expected = Buffer.from(await new Blob([new Uint8Array(data)]).slice(start, end).arrayBuffer())
    const slice = blob.slice(start, end)
    assert.equal(slice.size, expected.length, `${start}..${end}`)
    assert.ok((await streamed(slice)).equals(expected), `${start}..${end} streamed`)
    assert.ok(Buffer.from(await slice.arrayBuffer()).equals(expected), `${start}..${end} arrayBuffer`)
  }
  assert.ok(
    (await streamed(blob.slice(100, 200_000).slice(50, 60))).equals(data.subarray(150, 160)),
    'slices of slices'
  )
})

test('a file that shrank is an error, not silently short content', async () => {
  const other = join(await makeWorkspace({ 'g.bin': data }), 'g.bin')
  const blob = LocalFileBlob.of(other, 0, data.length)
  await truncate(other, 1000)
  await assert.rejects(streamed(blob), /shorter than expected/)
  await assert.rejects(blob.arrayBuffer(), /shorter than expected/)
  await writeFile(other, data)
})

/**
 * A slow sink: it acknowledges each write a few milliseconds later and only then takes its bytes,
 * as a socket hands them to the kernel when the write completes. It also records a write that
 * arrives in a buffer an unacknowledged write still occupies (a buffer refilled too early).
 */
function laggingSink(options: { failAtWrite?: number } = {}) {
  const chunks: Buffer[] = []
  const pending = new Set<ArrayBufferLike>()
  let reusedTooEarly = 0
  let writes = 0
  const sink = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      const failed = options.failAtWrite === ++writes
      if (pending.has(chunk.buffer)) reusedTooEarly++
      pending.add(chunk.buffer)
      setTimeout(() => {
        pending.delete(chunk.buffer)
        chunks.push(Buffer.from(chunk))
        callback(failed ? new Error('the server answered early') : null)
      }, 5)
    }
  })
  return { sink, chunks, writes: () => writes, reusedTooEarly: () => reusedTooEarly }
}

test('writeTo sends the exact range and reuses a buffer only after its write was acknowledged', async () => {
  const slice = localFileBlob(path, data.length).slice(12_345, 900_000)
  const { sink, chunks, reusedTooEarly } = laggingSink()
  await slice.writeTo(sink)
  assert.equal(reusedTooEarly(), 0, 'a buffer was refilled before its write was acknowledged')
  // Had a buffer been refilled while the sink still held it, the kept chunks would show later bytes.
  assert.ok(Buffer.concat(chunks).equals(data.subarray(12_345, 900_000)))
  assert.ok(chunks.length >= 2, 'several chunks, so buffers came round again')
  assert.equal(sink.writableEnded, false, 'the caller ends the request')
})

test('writeTo stops at the first failed write and rejects', async () => {
  const { sink, writes } = laggingSink({ failAtWrite: 1 })
  sink.on('error', () => {})
  await assert.rejects(localFileBlob(path, data.length).writeTo(sink), /answered early/)
  assert.ok(writes() <= 2, `stopped after ${writes()} writes`)
})
