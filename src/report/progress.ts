/**
 * Progress lines for long transfers: bytes done, percent, throughput and ETA, at most one line
 * every few seconds so a multi-GiB upload leaves a readable log rather than thousands of lines.
 */

export interface ProgressSnapshot {
  done: number
  total: number
  elapsedMs: number
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/** "512 MiB / 1.0 GiB (50%), 210.3 MB/s, ETA 3s" */
export function formatProgress({ done, total, elapsedMs }: ProgressSnapshot): string {
  const percent = total > 0 ? Math.floor((done / total) * 100) : 100
  const seconds = elapsedMs / 1000
  const rate = seconds > 0 ? done / seconds : 0
  const eta = rate > 0 ? ((total - done) / rate) * 1000 : undefined
  const rateText = `${(rate / 1e6).toFixed(1)} MB/s`
  return `${formatBytes(done)} / ${formatBytes(total)} (${percent}%), ${rateText}, ETA ${eta === undefined ? '?' : formatDuration(eta)}`
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
      `${this.label}: ${formatProgress({ done: this.total, total: this.total, elapsedMs: this.now() - this.startedAt })}`
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
