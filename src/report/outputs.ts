/** The one module that sets step outputs. */
import { historyJson } from '../history/history.ts'
import type { RunResult } from './run-result.ts'

export interface FileOutput {
  path: string
  size: number
  sha256: string
  status: 'added' | 'updated' | 'unchanged'
}

export function computeOutputs(result: RunResult): Record<string, string> {
  const files: FileOutput[] = result.files.map((f) => ({
    path: f.pathInRepo,
    size: f.size,
    sha256: f.sha256,
    status: f.status
  }))
  const gate = result.gate
  return {
    'commit-sha': result.commit?.oid ?? '',
    'commit-url': result.commit?.url ?? '',
    changed: String(result.changed),
    files: JSON.stringify(files),
    // `skipped` is about the Train run only; the gate's skip has its own output.
    skipped: String(result.skippedTrainRun !== undefined),
    'skip-reason': result.skippedTrainRun ?? '',
    'gate-skipped': String(result.skippedReason !== undefined),
    'gate-reason': gate?.reason ?? '',
    'issue-url': result.closedIssueUrl ?? '',
    'train-run-id': result.trainRun ? String(result.trainRun.id) : '',
    verified: result.verified === undefined ? '' : String(result.verified),
    improved: gate ? String(gate.outcome !== 'regressed') : '',
    'metric-delta': gate && gate.outcome !== 'first-publish' ? String(gate.delta) : '',
    'pull-request-url': result.pullRequestUrl ?? '',
    tag: result.tag ?? '',
    'rolled-back-to': result.rollback?.target ?? '',
    history: result.history ? JSON.stringify(historyJson(result.history)) : ''
  }
}

export function writeOutputs(setOutput: (name: string, value: string) => void, result: RunResult): void {
  for (const [name, value] of Object.entries(computeOutputs(result))) setOutput(name, value)
}
