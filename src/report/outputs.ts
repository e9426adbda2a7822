/** The one module that sets step outputs. */
import { historyJson } from '../history/history.ts'
import { formatDifference } from '../lib/format.ts'
import type { RunResult } from './run-result.ts'

export interface FileOutput {
  path: string
  size: number
  sha256: string
  status: 'added' | 'updated' | 'unchanged'
}

/**
 * GitHub refuses a step output over 1 MB (and 50 MB for a whole run); `files` lists at most this
 * many bytes of JSON, whole entries only, and `files-omitted` counts the rest.
 */
export const MAX_FILES_OUTPUT_BYTES = 512 * 1024

export function computeOutputs(result: RunResult): Record<string, string> {
  const files: FileOutput[] = result.files.map((f) => ({
    path: f.pathInRepo,
    size: f.size,
    sha256: f.sha256,
    status: f.status
  }))
  const listed = jsonArrayWithin(files, MAX_FILES_OUTPUT_BYTES)
  const gate = result.gate
  return {
    'commit-sha': result.commit?.oid ?? '',
    'commit-url': result.commit?.url ?? '',
    changed: String(result.changed),
    files: listed.json,
    'files-omitted': String(files.length - listed.count),
    // `skipped` is about the Train run only; the gate's skip has its own output.
    skipped: String(result.skippedTrainRun !== undefined),
    'skip-reason': result.skippedTrainRun ?? '',
    'gate-skipped': String(result.skippedReason !== undefined),
    'gate-reason': gate?.reason ?? '',
    'issue-url': result.closedIssueUrl ?? '',
    'train-run-id': result.trainRun ? String(result.trainRun.id) : '',
    verified: result.verified === undefined ? '' : String(result.verified),
    improved: gate ? String(gate.outcome !== 'regressed') : '',
    // To the decimals the two values have: -2.7, not -2.700000000000003.
    'metric-delta': gate && gate.outcome !== 'first-publish' ? formatDifference(gate.current, gate.previous) : '',
    'pull-request-url': result.pullRequestUrl ?? '',
    tag: result.tag ?? '',
    'rolled-back-to': result.rollback?.target ?? '',
    history: result.history ? JSON.stringify(historyJson(result.history)) : ''
  }
}

/** The longest prefix of `items` whose JSON array fits in `maxBytes`. */
export function jsonArrayWithin(items: readonly unknown[], maxBytes: number): { json: string; count: number } {
  let bytes = 2
  let count = 0
  const parts: string[] = []
  for (const item of items) {
    const part = JSON.stringify(item)
    const size = Buffer.byteLength(part, 'utf8') + (count > 0 ? 1 : 0)
    if (bytes + size > maxBytes) break
    parts.push(part)
    bytes += size
    count++
  }
  return { json: `[${parts.join(',')}]`, count }
}

export function writeOutputs(setOutput: (name: string, value: string) => void, result: RunResult): void {
  for (const [name, value] of Object.entries(computeOutputs(result))) setOutput(name, value)
}
