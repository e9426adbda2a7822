/**
 * Which Train runs may be published. A `workflow_run` workflow runs with this repository's
 * secrets even when the Train run it follows came from a fork, whose author controls the
 * workflow file, the branch name and every byte of the artifacts. So every run is checked, on
 * every trigger, before a single artifact is downloaded. Pure: no I/O.
 */
import type { WorkflowRun } from './workflow-run.ts'

export interface TrustPolicy {
  /** Expected workflow file of the Train run, e.g. ".github/workflows/train.yml". */
  workflowPath: string
  allowForkRuns: boolean
  allowedEvents: readonly string[]
  /** Empty: the repository's default branch only. */
  allowedBranches: readonly string[]
  /** This repository (the one the action runs in). */
  repository: { id: number; fullName: string; defaultBranch: string }
}

export type TrustDecision =
  | { kind: 'publish' }
  /** Not an error: a Train run that did not succeed has nothing to publish. */
  | { kind: 'skip'; reason: string }
  /** A failure: the run must not be published. Says which check failed and how to allow it. */
  | { kind: 'refuse'; check: string; reason: string }

export function judgeTrainRun(run: WorkflowRun, policy: TrustPolicy): TrustDecision {
  if (run.status !== null && run.status !== 'completed') {
    return refuse(
      'status',
      `Train run ${run.id} is "${run.status}", not completed. Trigger on "workflow_run" with "types: [completed]", ` +
        `or pass the run-id of a finished run`
    )
  }
  if (run.conclusion !== 'success') {
    return {
      kind: 'skip',
      reason: `Train run ${run.id} concluded "${run.conclusion ?? 'unknown'}", not "success"; nothing to publish`
    }
  }
  const path = normaliseWorkflowPath(run.path)
  if (path !== normaliseWorkflowPath(policy.workflowPath)) {
    return refuse(
      'workflow',
      `Train run ${run.id} comes from workflow file "${run.path}", not "${policy.workflowPath}" (a workflow's name ` +
        `can be reused by any file; its path cannot). Set the workflow input to the Train workflow's file if it ` +
        `lives elsewhere`
    )
  }
  const fromFork = !run.head_repository || run.head_repository.id !== policy.repository.id
  if (fromFork && !policy.allowForkRuns) {
    return refuse(
      'fork',
      `Train run ${run.id} ran on code from ${run.head_repository?.full_name ?? 'an unknown repository'}, not ` +
        `${policy.repository.fullName}; its artifacts are controlled by that repository's author. Set ` +
        `allow-fork-runs: true only if you trust every fork`
    )
  }
  if (!policy.allowedEvents.includes(run.event)) {
    return refuse(
      'event',
      `Train run ${run.id} was started by a "${run.event}" event, which is not in allowed-events ` +
        `(${policy.allowedEvents.join(', ')}). Add it to allowed-events if runs started that way may publish`
    )
  }
  const branches = branchesAllowed(policy)
  if (!run.head_branch || !branches.includes(run.head_branch)) {
    return refuse(
      'branch',
      `Train run ${run.id} ran on branch "${run.head_branch ?? '(none)'}", which is not in allowed-branches ` +
        `(${branches.join(', ')}${policy.allowedBranches.length ? '' : ', the default branch'}). Add it to ` +
        `allowed-branches if that branch may publish`
    )
  }
  return { kind: 'publish' }
}

/** The branches whose runs may publish: allowed-branches, or else the repository's default branch. */
export function branchesAllowed(policy: TrustPolicy): readonly string[] {
  return policy.allowedBranches.length > 0 ? policy.allowedBranches : [policy.repository.defaultBranch]
}

function refuse(check: string, reason: string): TrustDecision {
  return { kind: 'refuse', check, reason }
}

/** "./.github/workflows/train.yml@refs/heads/main" → ".github/workflows/train.yml" */
export function normaliseWorkflowPath(path: string): string {
  return path.replace(/^\.\//, '').replace(/@.*$/, '')
}
