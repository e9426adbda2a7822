/** The one module that sets step outputs. */
import type { RunResult } from './run-result.ts'

export interface FileOutput {
  path: string
  size: number
  sha256: string
  status: 'added' | 'updated' | 'unchanged'
}

export function computeOutputs(result: RunResult): Record<string, string> {
  const files: FileOutput[] = result.files.map((f) => ({ path: f.pathInRepo, size: f.size, sha256: f.sha256, status: f.status }))
  return {
    'commit-sha': result.commit?.oid ?? '',
    'commit-url': result.commit?.url ?? '',
    changed: String(result.changed),
    files: JSON.stringify(files),
    skipped: 'false',
    'issue-url': result.closedIssueUrl ?? '',
    'train-run-id': result.trainRun ? String(result.trainRun.id) : ''
  }
}

/** Outputs of a run that skipped a Train run that did not succeed. */
export function skippedOutputs(reason: string, trainRunId: number): Record<string, string> {
  return { skipped: 'true', 'skip-reason': reason, changed: 'false', 'commit-sha': '', 'commit-url': '', files: '[]', 'issue-url': '', 'train-run-id': String(trainRunId) }
}

export function writeOutputs(setOutput: (name: string, value: string) => void, result: RunResult): void {
  for (const [name, value] of Object.entries(computeOutputs(result))) setOutput(name, value)
}
