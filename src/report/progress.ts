/**
 * Progress lines for long transfers: bytes done, percent, throughput and ETA, at most one line
 * every few seconds so a multi-GiB upload leaves a readable log rather than thousands of lines.
 */
import type { CommitProgressEvent } from '@huggingface/hub'
import type { UploadPlan } from '../hub/upload-plan.ts'
import { formatBytes, formatDuration } from '../lib/format.ts'

export interface ProgressSnapshot {
  done: number
  total: number
  elapsedMs: number
}

/** "512 MiB / 1.0 GiB (50%), 210.3 MB/s, ETA 3s" */
export function formatProgress({ done, total, elapsedMs }: ProgressSnapshot): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100
  const seconds = elapsedMs / 1000
  const rate = seconds > 0 ? done / seconds : 0
  const eta = rate > 0 ? ((total - done) / rate) * 1000 : undefined
  const rateText = `${(rate / 1e6).toFixed(1)} MB/s`
  return (
    `${formatBytes(done)} / ${formatBytes(total)} (${percent}%), ${rateText}, ETA ` +
    `${eta === undefined ? '?' : formatDuration(eta)}`
  )
}

/**
 * Tracks per-file progress (fractions from the Hub library, or byte counts from hashing) and
 * logs a line when `intervalMs` has passed since the last one.
 */
export class ProgressReporter {
  private readonly doneByKey = new Map<string, number>()
  private readonly startedAt: number
  private lastLogAt: number

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly log: (line: string) => void,
    private readonly intervalMs = 5000,
    private readonly now: () => number = Date.now
  ) {
    this.startedAt = now()
    this.lastLogAt = this.startedAt
  }

  /** Sets the bytes done for one file (e.g. fraction × size). */
  set(key: string, bytesDone: number): void {
    this.doneByKey.set(key, bytesDone)
    this.maybeLog()
  }

  /** Adds bytes done for one file. */
  add(key: string, bytes: number): void {
    this.set(key, (this.doneByKey.get(key) ?? 0) + bytes)
  }

  get done(): number {
    let sum = 0
    for (const value of this.doneByKey.values()) sum += value
    return Math.min(sum, this.total)
  }

  /** Logs the final line: everything is done (small files travel inside the commit, without progress events). */
  finish(): void {
    this.log(
      `${this.label}: ` +
        `${formatProgress({ done: this.total, total: this.total, elapsedMs: this.now() - this.startedAt })}`
    )
  }

  private maybeLog(): void {
    const now = this.now()
    if (now - this.lastLogAt < this.intervalMs) return
    this.lastLogAt = now
    this.log(
      `${this.label}: ${formatProgress({ done: this.done, total: this.total, elapsedMs: now - this.startedAt })}`
    )
  }
}

const PHASE_LINES = {
  preuploading: 'negotiating uploads',
  uploadingLargeFiles: 'uploading large files',
  committing: 'committing'
} as const

/**
 * Turns the Hub library's commit events into log lines: one per phase, and upload progress (the
 * library reports a fraction per file) every few seconds. `finish()` logs the last line.
 */
export function commitProgressLog(log: (line: string) => void): {
  onEvent: (event: CommitProgressEvent, plan: UploadPlan) => void
  finish: () => void
} {
  // Everything follows the plan the events belong to: a moved head brings a new plan, with its own
  // files and total. Sizes by path: a lookup per event, and a 10,000-file commit sends tens of thousands.
  let current: { plan: UploadPlan; sizes: Map<string, number>; uploading: ProgressReporter } | undefined
  return {
    onEvent(event, plan) {
      if (current?.plan !== plan) {
        const sizes = new Map(plan.toUpload.map((f) => [f.pathInRepo, f.size]))
        current = { plan, sizes, uploading: new ProgressReporter('Uploading', plan.bytesToUpload, log) }
      }
      if (event.event === 'phase') return log(`Hub commit: ${PHASE_LINES[event.phase]}`)
      if (event.state !== 'uploading') return
      current.uploading.set(event.path, event.progress * (current.sizes.get(event.path) ?? 0))
    },
    finish: () => current?.uploading.finish()
  }
}
