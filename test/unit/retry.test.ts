// Backoff with jitter, deterministic under an injected random and sleep; and the run's deadline.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DeadlineError, isDeadline, RunDeadline } from '../../src/lib/deadline.ts'
import { backoffMs, requestedWaitMs, withRetries, type RetryPolicy } from '../../src/lib/retry.ts'

const base: RetryPolicy = { retries: 4, baseDelayMs: 100, maxDelayMs: 400, maxRetryAfterMs: 10_000 }

test('backoff doubles up to the cap, with half of it jittered', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffMs(base, n, () => 0)),
    [50, 100, 200, 200, 200],
    'the fixed half'
  )
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffMs(base, n, () => 0.999999)),
    [100, 200, 400, 400, 400],
    'never above the exponential delay or the cap'
  )
})

test('two clients that fail together do not retry in lockstep', () => {
  const a = [1, 2, 3].map((n) => backoffMs(base, n, () => 0.1))
  const b = [1, 2, 3].map((n) => backoffMs(base, n, () => 0.9))
  assert.ok(a.every((wait, i) => wait !== b[i]))
})

class Transient extends Error {}

function recorder(random = 0.5) {
  const waits: number[] = []
  const policy: RetryPolicy = {
    ...base,
    random: () => random,
    sleep: (ms) => {
      waits.push(ms)
      return Promise.resolve()
    }
  }
  return { waits, policy }
}

test('retries what the verdict allows, waiting the backoff or the server’s ask, whichever is longer', async () => {
  const { waits, policy } = recorder()
  let calls = 0
  const result = await withRetries(
    () => {
      calls++
      if (calls < 4) throw new Transient(`try ${calls}`)
      return Promise.resolve('done')
    },
    {
      policy,
      verdict: (e) =>
        e instanceof Transient ? { reason: e.message, waitAtLeastMs: calls === 2 ? 1000 : 0 } : undefined
    }
  )
  assert.equal(result, 'done')
  assert.equal(calls, 4)
  assert.deepEqual(waits, [75, 1000, 300], 'jittered backoff, then the server’s 1 s, then backoff again')
})

test('the verdict is asked once per failed attempt, so a verdict that counts rounds is not spent twice', async () => {
  // Like the artifact download: one more round after the first failure, then give up with that failure.
  const { waits, policy } = recorder()
  let asked = 0
  let calls = 0
  await assert.rejects(
    withRetries(() => Promise.reject(new Transient(`try ${++calls}`)), {
      policy,
      verdict: () => (++asked <= 1 ? { reason: 'x', waitAtLeastMs: 0 } : undefined)
    }),
    /try 2/
  )
  assert.equal(calls, 2)
  assert.equal(asked, 2)
  assert.equal(waits.length, 1)
})

test('what is not worth repeating fails at once, as itself', async () => {
  const { waits, policy } = recorder()
  const refusal = new Error('401')
  await assert.rejects(
    withRetries(() => Promise.reject(refusal), { policy, verdict: () => undefined }),
    (e) => e === refusal
  )
  assert.deepEqual(waits, [])
})

test('the retries are bounded and the last error is the one thrown', async () => {
  const { waits, policy } = recorder()
  let calls = 0
  await assert.rejects(
    withRetries(() => Promise.reject(new Transient(`try ${++calls}`)), {
      policy,
      verdict: () => ({ reason: 'x', waitAtLeastMs: 0 })
    }),
    /try 5/
  )
  assert.equal(calls, base.retries + 1)
  assert.equal(waits.length, base.retries)
})

test('a stopped run does not retry', async () => {
  const { policy } = recorder()
  const stop = new AbortController()
  stop.abort(new DeadlineError(1))
  let calls = 0
  await assert.rejects(
    withRetries(() => Promise.reject(new Transient(`try ${++calls}`)), {
      policy,
      signal: stop.signal,
      verdict: () => ({ reason: 'x', waitAtLeastMs: 0 })
    })
  )
  assert.equal(calls <= 1, true)
})

test('requested waits come from Retry-After seconds or date, or RateLimit t=', () => {
  assert.equal(requestedWaitMs(new Headers({ 'retry-after': '7' })), 7000)
  assert.equal(requestedWaitMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4000), 6000)
  assert.equal(requestedWaitMs(new Headers({ ratelimit: '"api";r=0;t=55' })), 55_000)
  assert.equal(requestedWaitMs(new Headers()), 0)
})

test('the deadline aborts its signal, races calls that take none, and leaves a grace period', async () => {
  const deadline = new RunDeadline(0.0005, 200) // 30 ms, then 200 ms of grace
  // The deadline's timer does not keep a process alive on its own (a finished run must exit): this does.
  const alive = setInterval(() => {}, 1000)
  const never = new Promise<never>(() => {})
  await assert.rejects(deadline.race(never), (e) => e instanceof DeadlineError && isDeadline(e))
  clearInterval(alive)
  assert.equal(deadline.passed, true)
  assert.equal(deadline.signal.aborted, true)
  deadline.enterGrace()
  assert.equal(deadline.signal.aborted, false, 'reporting may still use the network')
  assert.equal(await deadline.race(Promise.resolve('reported')), 'reported')
  assert.ok(isDeadline(new Error('wrapped', { cause: new DeadlineError(5) })))
  assert.match(new DeadlineError(5).message, /deadline-minutes: 5\).*below the job's timeout-minutes/)
  deadline.dispose()
})
