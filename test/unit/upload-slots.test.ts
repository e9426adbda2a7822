// How many uploads run at once: climbs while a step up pays, settles on the best, backs off when
// storage says so. Driven by a simulated link and an injected clock: nothing here is timed.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DEFAULT_UPLOAD_SLOTS, UploadSlots } from '../../src/hub/upload-slots.ts'

const PART = 8 * 1024 * 1024

/**
 * Runs `parts` uploads through the slots over a link whose total throughput (bytes/ms) depends on
 * how many run at once: every round, as many as the slots allow start together and finish together.
 */
async function simulate(
  throughput: (n: number) => number,
  parts: number,
  clock = { ms: 0 },
  s = new UploadSlots({ ...DEFAULT_UPLOAD_SLOTS, now: () => clock.ms })
) {
  let done = 0
  let peak = 0
  /** How many parts went up at each limit. */
  const partsAt = new Map<number, number>()
  while (done < parts) {
    const n = Math.min(s.limit, parts - done)
    for (let i = 0; i < n; i++) await s.acquire()
    peak = Math.max(peak, n)
    partsAt.set(s.limit, (partsAt.get(s.limit) ?? 0) + n)
    clock.ms += (n * PART) / throughput(n)
    for (let i = 0; i < n; i++) s.release({ bytes: PART, status: 200 })
    done += n
  }
  const mostParts = [...partsAt].sort((a, b) => b[1] - a[1])[0]![0]
  return { slots: s, peak, mostParts }
}

test('on a link where each connection pays a round trip per part, it climbs until a step stops paying', async () => {
  // 50 MB/s per connection, 40 ms between parts, 200 MB/s in total (the benchmark's runner link).
  const perConnection = PART / (PART / 50_000 + 40)
  const { slots, mostParts } = await simulate((n) => Math.min(200_000, n * perConnection), 512)
  // 4 → 161 MB/s, 6 → 200 (+24 %), 9 → 200 (+0 %): back to 6, the best, where it spends the upload,
  // probing 9 again now and then.
  assert.deepEqual(slots.history.slice(0, 4), [4, 6, 9, 6])
  assert.deepEqual([...new Set(slots.history.slice(3))], [6, 9])
  assert.equal(mostParts, 6)
})

test('on a link that is full already (loopback, bound by the CPU), it goes back to where it started', async () => {
  const { slots, mostParts } = await simulate(() => 250_000, 256)
  assert.deepEqual(slots.history.slice(0, 3), [4, 6, 4])
  assert.equal(mostParts, 4)
})

test('a climb that ended on a noisy epoch gets another chance at the next probe', async () => {
  // A fat pipe, but the first epoch at 9 is slow (a busy machine): it holds at 6, then probes again.
  let noisy = true
  const { slots, mostParts } = await simulate((n) => {
    if (n !== 9 || !noisy) return n * 20_000
    noisy = false
    return 10_000
  }, 600)
  assert.deepEqual(slots.history.slice(0, 4), [4, 6, 9, 6])
  assert.equal(slots.limit, 16)
  assert.equal(mostParts, 16)
})

test('on a long fat pipe it climbs to the maximum and stops there', async () => {
  const { slots, peak } = await simulate((n) => n * 20_000, 400)
  assert.deepEqual(slots.history.slice(0, 5), [4, 6, 9, 14, 16])
  assert.equal(slots.limit, 16)
  assert.equal(peak, 16)
})

test('storage asking to slow down (503 SlowDown, 429) halves the limit and ends the climb', async () => {
  const clock = { ms: 0 }
  const slots = new UploadSlots({ ...DEFAULT_UPLOAD_SLOTS, initial: 8, now: () => clock.ms })
  for (const status of [503, 429]) {
    await slots.acquire()
    slots.release({ bytes: 0, status })
  }
  assert.equal(slots.limit, 2)
  // The same link that climbs to 16 above stays at 2.
  await simulate((n) => n * 20_000, 100, clock, slots)
  assert.deepEqual(slots.history, [8, 4, 2])
})

test('never more at once than the limit; a waiting upload starts when a slot frees, or fails if aborted', async () => {
  const slots = new UploadSlots({ ...DEFAULT_UPLOAD_SLOTS, initial: 2, min: 2, max: 2 })
  await slots.acquire()
  await slots.acquire()
  let third = false
  const waiting = slots.acquire().then(() => (third = true))
  const aborted = new AbortController()
  const fourth = slots.acquire(aborted.signal)
  await Promise.resolve()
  assert.equal(third, false)
  aborted.abort(new Error('the commit was aborted'))
  await assert.rejects(fourth, /aborted/)
  slots.release({ bytes: 1, status: 200 })
  await waiting
  assert.equal(third, true)
})
