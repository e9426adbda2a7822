/**
 * Per-file lines for the log, capped: a publish of 10,000 files would otherwise write 10,000 lines
 * per list (1.8 MB of log for the resolve and plan lists together). The first `max` are listed,
 * then one line counts the rest. The order and the tally serve the summary's file table too. Pure.
 */
import type { PlannedFile } from '../hub/upload-plan.ts'
import { formatBytes } from '../lib/format.ts'

export const MAX_FILE_LINES = 100

export function cappedLines<T>(items: readonly T[], line: (item: T) => string, max = MAX_FILE_LINES): string[] {
  const lines = items.slice(0, max).map(line)
  if (items.length > max) lines.push(`… and ${items.length - max} more (${items.length} in all, not listed)`)
  return lines
}

/** The files that change before the unchanged ones: a cut list (log or summary) still shows what the run did. */
export function changedFirst(files: readonly PlannedFile[]): PlannedFile[] {
  return [...files.filter((f) => f.status !== 'unchanged'), ...files.filter((f) => f.status === 'unchanged')]
}

/** The plan's files, the ones that change first, each with its status, size and short hash. */
export function planLines(files: readonly PlannedFile[], max = MAX_FILE_LINES): string[] {
  return cappedLines(
    changedFirst(files),
    (f) => `${f.status.padEnd(9)} ${f.pathInRepo} (${formatBytes(f.size)}, sha256 ${f.sha256.slice(0, 12)})`,
    max
  )
}

/** "10002 files: 10001 added, 1 updated, 0 unchanged" */
export function planCounts(files: readonly PlannedFile[]): string {
  return `${files.length} file${files.length === 1 ? '' : 's'}: ${statusTally(files)}`
}

/** "10001 added, 1 updated, 0 unchanged" */
export function statusTally(files: readonly PlannedFile[]): string {
  const count = (status: PlannedFile['status']) => files.filter((f) => f.status === status).length
  return `${count('added')} added, ${count('updated')} updated, ${count('unchanged')} unchanged`
}
