/**
 * Finds the Train run to publish and decides whether it may be published.
 *
 * - `workflow_run`: the run in the event payload.
 * - `workflow_dispatch`: the run named by `run-id`, or else the newest successful run of the Train
 *   workflow that passes every check.
 * - anything else: no Train run; only workspace files are published, and asking for a run
 *   (run-id or artifacts) is an error that names the supported events.
 * Whatever the trigger, the run goes through the same checks (`judgeTrainRun`).
 */
import { ActionError } from '../errors.ts'
import type { GitHubApi } from '../github/github-api.ts'
import type { Settings } from '../inputs.ts'
import type { RunContext } from './run-context.ts'
import { judgeTrainRun, normaliseWorkflowPath, type TrustPolicy } from './trust.ts'
import type { RepoRef, WorkflowRun } from './workflow-run.ts'

export type TrainRunSource =
  | { kind: 'workspace-only' }
  | { kind: 'skip'; run: WorkflowRun; reason: string }
  | { kind: 'publish'; run: WorkflowRun }

export const SUPPORTED_EVENTS = ['workflow_run', 'workflow_dispatch'] as const

/** Throws an ActionError (stage "trigger") when the run must not be published. */
export async function resolveTrainRun(
  ctx: RunContext,
  settings: Settings,
  github: () => GitHubApi
): Promise<TrainRunSource> {
  if (ctx.eventName === 'workflow_run') return fromWorkflowRunEvent(ctx, settings)
  if (ctx.eventName === 'workflow_dispatch') return fromDispatch(ctx, settings, github())
  if (settings.runId !== undefined || settings.artifacts.length > 0) {
    throw new ActionError(
      `This run was triggered by "${ctx.eventName || 'no event'}", but run-id/artifacts ask for a Train run's ` +
        `artifacts, which this action fetches only for ${SUPPORTED_EVENTS.join(' and ')} events. Trigger the ` +
        `publishing workflow with "on: workflow_run" (after Train) or "workflow_dispatch" (with run-id), or drop ` +
        `run-id and artifacts to publish workspace files only`,
      'trigger'
    )
  }
  return { kind: 'workspace-only' }
}

function fromWorkflowRunEvent(ctx: RunContext, settings: Settings): TrainRunSource {
  const action = ctx.payload.action
  const run = ctx.payload.workflow_run as WorkflowRun | undefined
  if (!run || typeof run !== 'object')
    throw new ActionError(
      'The workflow_run event carries no workflow_run object; cannot tell which Train run to publish',
      'trigger'
    )
  if (action !== 'completed') {
    throw new ActionError(
      `The workflow_run event is "${String(action)}", not "completed": the Train run has not finished. Use "on: ` +
        `workflow_run: types: [completed]"`,
      'trigger'
    )
  }
  return judged(run, policyFor(settings, repositoryOf(ctx, run)))
}

async function fromDispatch(ctx: RunContext, settings: Settings, github: GitHubApi): Promise<TrainRunSource> {
  const repo = repositoryFromPayload(ctx) ?? (await github.getRepo())
  const policy = policyFor(settings, repo)
  if (settings.runId !== undefined) return judged(await github.getWorkflowRun(settings.runId), policy)

  const file = normaliseWorkflowPath(settings.workflow).split('/').pop()!
  const candidates = await github.listSuccessfulRuns(file, 50)
  const trusted = candidates.find((run) => judgeTrainRun(run, policy).kind === 'publish')
  if (trusted) return { kind: 'publish', run: trusted }
  const newest = candidates[0]
  const why = newest ? ` The newest, run ${newest.id}, fails a check: ${describe(judgeTrainRun(newest, policy))}` : ''
  throw new ActionError(
    `No successful run of ${settings.workflow} may be published (looked at the ${candidates.length} newest ` +
      `successful runs).${why} Pass run-id to pick one`,
    'trigger'
  )
}

function judged(run: WorkflowRun, policy: TrustPolicy): TrainRunSource {
  const decision = judgeTrainRun(run, policy)
  if (decision.kind === 'publish') return { kind: 'publish', run }
  if (decision.kind === 'skip') return { kind: 'skip', run, reason: decision.reason }
  throw new ActionError(`Refusing to publish: ${decision.reason}. Nothing was downloaded or uploaded.`, 'trigger')
}

function describe(decision: ReturnType<typeof judgeTrainRun>): string {
  return decision.kind === 'publish' ? 'none' : decision.reason
}

function policyFor(settings: Settings, repo: RepoRef & { default_branch?: string }): TrustPolicy {
  return {
    workflowPath: settings.workflow,
    allowForkRuns: settings.allowForkRuns,
    allowedEvents: settings.allowedEvents,
    allowedBranches: settings.allowedBranches,
    repository: { id: repo.id, fullName: repo.full_name, defaultBranch: repo.default_branch ?? 'main' }
  }
}

function repositoryOf(ctx: RunContext, run: WorkflowRun): RepoRef & { default_branch?: string } {
  const fromPayload = repositoryFromPayload(ctx)
  if (fromPayload) return fromPayload
  // The base repository of a workflow_run is always the one the workflow runs in.
  return run.repository
}

function repositoryFromPayload(ctx: RunContext): (RepoRef & { default_branch?: string }) | undefined {
  const repo = ctx.payload.repository as (RepoRef & { default_branch?: string }) | undefined
  return repo && typeof repo.id === 'number' ? repo : undefined
}
