/**
 * How many LFS uploads (basic PUTs and multipart parts) run at once, adapted to the link.
 *
 * One connection rarely fills a runner's uplink: each is capped by its window over the round
 * trip, and each part pays a round trip between its last byte and the next part's first. How many
 * connections fill it depends on the link, which the action cannot know in advance, so it measures:
 * it starts at `initial`, and after every epoch (enough completed uploads at the current limit)
 * compares the bytes per second with the previous epoch's. While a step up gains at least `gain`,
 * it keeps stepping up (×1.5, up to `max`); once a step gains less, it goes back to the best limit
 * and holds it, probing a step up again every `reprobeEpochs` epochs (an epoch spoilt by a busy
 * machine must not pin a multi-GiB upload to a low limit). A link that saturates early (loopback:
 * the CPU) stays near `initial`; a long fat pipe climbs. Storage asking to slow down (429, 503)
 * halves the limit and stops the climb for good.
 *
 * Memory stays flat whatever the limit: an upload in flight holds two fixed buffers
 * (LocalFileBlob.writeTo) and its socket, nothing that grows with the file.
 */
import { abortReason } from '../lib/retry.ts'

export interface UploadSlotsOptions {
  initial: number
  min: number
  max: number
  /** Relative throughput gain a step up must bring to be kept, e.g. 0.1. */
  gain: number
  /** An epoch lasts at least this long (short uploads would otherwise measure noise). */
  minEpochMs: number
  /** Epochs held at the best limit before a step up is probed again. */
  reprobeEpochs: number
  now: () => number
}

export const DEFAULT_UPLOAD_SLOTS: UploadSlotsOptions = {
  initial: 4,
  min: 2,
  max: 16,
  gain: 0.1,
  minEpochMs: 250,
  reprobeEpochs: 4,
  now: () => performance.now()
}

/**
 * The most uploads the library is asked to offer at once (per file, and files at once; its own
 * default is 5 of each): the slots decide how many of them actually run.
 */
export const MAX_PARALLEL_UPLOADS = DEFAULT_UPLOAD_SLOTS.max

export interface UploadOutcome {
  bytes: number
  /** HTTP status of the answer, or undefined when the connection failed. */
  status?: number
}

export class UploadSlots {
  private active = 0
  private readonly waiting: Array<() => void> = []
  private current: number
  private phase: 'climbing' | 'holding' | 'backed-off' = 'climbing'
  private heldEpochs = 0
  private best: { limit: number; bytesPerMs: number } | undefined
  /** The current epoch; it starts when its first upload does (hashing comes before any upload). */
  private epoch: { start?: number; bytes: number; completed: number } = { bytes: 0, completed: 0 }
  /** Limits in the order they were tried, for the log and the tests. */
  readonly history: number[]

  constructor(private readonly options: UploadSlotsOptions = DEFAULT_UPLOAD_SLOTS) {
    this.current = options.initial
    this.history = [this.current]
  }

  get limit(): number {
    return this.current
  }

  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.active < this.current) return this.start()
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(grant)
        if (index >= 0) this.waiting.splice(index, 1)
        reject(abortReason(signal!))
      }
      const grant = () => {
        signal?.removeEventListener('abort', onAbort)
        this.start()
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(grant)
    })
  }

  private start(): void {
    this.active++
    this.epoch.start ??= this.options.now()
  }

  /** Frees the slot and learns from how the upload went. */
  release(outcome: UploadOutcome): void {
    this.active--
    this.learn(outcome)
    while (this.active < this.current && this.waiting.length > 0) this.waiting.shift()!()
  }

  private learn({ bytes, status }: UploadOutcome): void {
    if (status === 429 || status === 503) {
      // Storage asks for less (S3's SlowDown): back off at once, and do not climb again.
      this.setLimit(Math.max(this.options.min, Math.floor(this.current / 2)))
      this.phase = 'backed-off'
      return
    }
    if (this.phase === 'backed-off') return
    this.epoch.bytes += bytes
    this.epoch.completed++
    const elapsed = this.options.now() - this.epoch.start!
    // Two rounds at the current limit, so that uploads started under the previous one are diluted.
    if (this.epoch.completed < 2 * this.current || elapsed < this.options.minEpochMs) return
    const bytesPerMs = this.epoch.bytes / elapsed
    if (this.phase === 'holding') {
      // Held at the best limit found; every few epochs, probe a step up again from what it does
      // now: a climb that ended on a noisy epoch (a busy machine) gets another chance.
      if (++this.heldEpochs < this.options.reprobeEpochs) return this.startEpoch()
      this.best = { limit: this.current, bytesPerMs }
      return this.stepUp()
    }
    if (!this.best || bytesPerMs >= this.best.bytesPerMs * (1 + this.options.gain)) {
      this.best = { limit: this.current, bytesPerMs }
      this.stepUp()
    } else {
      this.hold(this.best.limit)
    }
  }

  private stepUp(): void {
    const next = Math.min(this.options.max, Math.ceil(this.current * 1.5))
    if (next === this.current) this.hold(this.current)
    else {
      this.phase = 'climbing'
      this.setLimit(next)
    }
  }

  private hold(limit: number): void {
    this.phase = 'holding'
    this.heldEpochs = 0
    if (limit === this.current) this.startEpoch()
    else this.setLimit(limit)
  }

  private setLimit(limit: number): void {
    this.current = limit
    this.history.push(limit)
    this.startEpoch()
  }

  private startEpoch(): void {
    // The uploads in flight belong to the new epoch: it starts now.
    this.epoch = { start: this.active > 0 ? this.options.now() : undefined, bytes: 0, completed: 0 }
  }
}
