/**
 * The run's deadline (`deadline-minutes`): one signal that every network call and every retry wait
 * of the run listens to, so a stuck Hub or GitHub ends the run cleanly, well before the runner's
 * job timeout kills it without a word. After the deadline a short grace period lets the run settle
 * a commit that was in flight, write what it knows and file the failure issue.
 */
import { setMaxListeners } from 'node:events'
import { abortReason } from './retry.ts'

export class DeadlineError extends Error {
  override name = 'DeadlineError'
  constructor(readonly minutes: number) {
    super(
      `The run reached its deadline (deadline-minutes: ${minutes}) and was stopped. Raise deadline-minutes (keep it ` +
        `below the job's timeout-minutes), or publish less per run`
    )
  }
}

export const GRACE_MS = 30_000

export class RunDeadline {
  private readonly work = new AbortController()
  private grace: AbortSignal | undefined
  private readonly timer: NodeJS.Timeout

  constructor(
    readonly minutes: number,
    private readonly graceMs = GRACE_MS
  ) {
    // Every request in flight (up to 25 parallel part uploads) listens to this one signal on purpose.
    setMaxListeners(0, this.work.signal)
    this.timer = setTimeout(() => this.work.abort(new DeadlineError(minutes)), minutes * 60_000)
    // The deadline must not keep a finished run alive.
    this.timer.unref()
  }

  /** Aborts at the deadline; after `enterGrace()`, the grace period's own signal. */
  get signal(): AbortSignal {
    return this.grace ?? this.work.signal
  }

  get passed(): boolean {
    return this.work.signal.aborted
  }

  /** After the deadline: a fresh, short allowance for settling and reporting (once). */
  enterGrace(): void {
    if (this.passed && !this.grace) {
      this.grace = AbortSignal.timeout(this.graceMs)
      setMaxListeners(0, this.grace)
    }
  }

  /** Rejects with the deadline as soon as it passes, whatever `promise` does (for calls that take no signal). */
  race<T>(promise: Promise<T>): Promise<T> {
    const signal = this.signal
    if (signal.aborted) return Promise.reject(abortReason(signal))
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(abortReason(signal))
      signal.addEventListener('abort', onAbort, { once: true })
      promise.then(
        (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
        (error: unknown) => (signal.removeEventListener('abort', onAbort), reject(error as Error))
      )
    })
  }

  dispose(): void {
    clearTimeout(this.timer)
  }
}

/** True when `error` (or one of its causes) is the deadline. */
export function isDeadline(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DeadlineError) return true
  }
  return false
}
