import assert from 'node:assert/strict'
import { test } from 'node:test'
import { mapConcurrent } from '../../src/lib/concurrency.ts'

test('mapConcurrent keeps the order of the items and never runs more than the limit at once', async () => {
  let running = 0
  let peak = 0
  const results = await mapConcurrent(
    Array.from({ length: 100 }, (_, i) => i),
    7,
    async (i) => {
      running++
      peak = Math.max(peak, running)
      // Later items finish first: the order of results must not follow completion.
      await new Promise<void>((resolve) => setImmediate(resolve))
      if (i % 2 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
      running--
      return i * 2
    }
  )
  assert.deepEqual(
    results,
    Array.from({ length: 100 }, (_, i) => i * 2)
  )
  assert.equal(peak, 7)
})

test('mapConcurrent rejects with the first failure, and handles an empty list', async () => {
  await assert.rejects(
    mapConcurrent([1, 2, 3], 2, (i) => (i === 2 ? Promise.reject(new Error('no 2')) : Promise.resolve(i))),
    /no 2/
  )
  assert.deepEqual(await mapConcurrent([], 4, () => Promise.resolve(1)), [])
})
