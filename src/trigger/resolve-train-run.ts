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
import { ActionError, describeError } from '../errors.ts'
import { gitHubErrorHint, type GitHubApi } from '../github/github-api.ts'
import type { Settings } from '../inputs.ts'
import type { RunContext } from './run-context.ts'
import { branchesAllowed, judgeTrainRun, normaliseWorkflowPath, type TrustPolicy } from './trust.ts'
import { checkWorkflowRun, type RepoRef, type WorkflowRun } from './workflow-run.ts'

export type TrainRunSource =
  | { kind: 'workspace-only' }
  | { kind: 'skip'; run: WorkflowRun; reason: string }
  | { kind: 'publish'; run: WorkflowRun }

export const SUPPORTED_EVENTS = ['workflow_run', 'workflow_dispatch'] as const

/**
 * A run that must not be published, with the run itself, so the failure issue can link it, name its
 * source commit and give the command that re-runs the publish for it.
 */
export class TrainRunRefused extends ActionError {
  constructor(
    message: string,
    readonly run: WorkflowRun
  ) {
    super(message, 'trigger')
    this.name = 'TrainRunRefused'
  }
}

/** Throws an ActionError (stage "trigger") when the run must not be published. */
export async function resolveTrainRun(
  ctx: RunContext,
  settings: Settings,
  github: () => GitHubApi
): Promise<TrainRunSource> {
  if (ctx.eventName === 'workflow_run') return fromWorkflowRunEvent(ctx, settings, github)
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

async function fromWorkflowRunEvent(
  ctx: RunContext,
  settings: Settings,
  github: () => GitHubApi
): Promise<TrainRunSource> {
  const action = ctx.payload.action
  if (!ctx.payload.workflow_run || typeof ctx.payload.workflow_run !== 'object')
    throw new ActionError(
      'The workflow_run event carries no workflow_run object; cannot tell which Train run to publish',
      'trigger'
    )
  const sent = checked(ctx.payload.workflow_run, 'workflow_run', 'The workflow_run event payload', true)
  if (action !== 'completed') {
    throw new TrainRunRefused(
      `The workflow_run event is "${String(action)}", not "completed": the Train run has not finished. Use "on: ` +
        `workflow_run: types: [completed]"`,
      sent
    )
  }
  // The payload was written when the run completed; a job that waited in a concurrency queue reads it
  // much later, when the run may have been re-run. Judge the run as it is now.
  const api = github()
  const run = checked(
    await api.getWorkflowRun(sent.id).catch((error: unknown) => {
      throw new TrainRunRefused(
        `Could not read Train run ${sent.id} from GitHub to check its current state: ${describeError(error)}` +
          gitHubErrorHint(error),
        sent
      )
    }),
    'run',
    `GitHub's answer for Train run ${sent.id}`
  )
  const attempt = run.run_attempt ?? 1
  if (attempt > (sent.run_attempt ?? 1) && run.status !== 'completed') {
    return {
      kind: 'skip',
      run,
      reason:
        `Train run ${run.id} is being re-run (attempt ${attempt} is "${run.status}"); the event for attempt ` +
        `${sent.run_attempt ?? 1} is stale. That attempt's own workflow_run event publishes it when it completes`
    }
  }
  return judged(run, policyFor(settings, repositoryOf(ctx, run)))
}

async function fromDispatch(ctx: RunContext, settings: Settings, github: GitHubApi): Promise<TrainRunSource> {
  const repo = repositoryFromPayload(ctx) ?? (await github.getRepo())
  const policy = policyFor(settings, repo)
  if (settings.runId !== undefined) {
    const run = await github.getWorkflowRun(settings.runId)
    return judged(checked(run, 'run', `GitHub's answer for run-id ${settings.runId}`), policy)
  }
  const file = normaliseWorkflowPath(settings.workflow).split('/').pop()!
  const branches = branchesAllowed(policy)
  // GitHub filters by one branch and one event per query: ask for each allowed pair, newest first,
  // page by page, and stop each query at its first run that passes every check.
  let best: WorkflowRun | undefined
  let refused: WorkflowRun | undefined
  let looked = 0
  for (const branch of branches) {
    for (const event of policy.allowedEvents) {
      for await (const run of github.listSuccessfulRuns(file, { branch, event })) {
        looked++
        if (judgeTrainRun(run, policy).kind === 'publish') {
          if (!best || newer(run, best)) best = run
          break
        }
        if (!refused || newer(run, refused)) refused = run
      }
    }
  }
  if (best) return { kind: 'publish', run: best }
  const why = refused
    ? ` The newest, run ${refused.id}, fails a check: ${describe(judgeTrainRun(refused, policy))}`
    : ''
  throw new ActionError(
    `No successful run of ${settings.workflow} on ${branches.join(', ')} started by ` +
      `${policy.allowedEvents.join(', ')} ` +
      `may be published (looked at ${looked} run${looked === 1 ? '' : 's'}).${why} Pass run-id to pick one`,
    'trigger'
  )
}

function newer(a: WorkflowRun, b: WorkflowRun): boolean {
  const at = (r: WorkflowRun) => Date.parse(r.run_started_at ?? '') || 0
  return at(a) !== at(b) ? at(a) > at(b) : a.id > b.id
}

function checked(value: unknown, where: string, source: string, fromPayload = false): WorkflowRun {
  try {
    return checkWorkflowRun(value, where)
  } catch (error) {
    const message =
      `Refusing to publish: ${source} is incomplete: ${(error as Error).message}. Nothing was downloaded or ` +
      'uploaded'
    // What the payload does say (its id, link, commit) still goes into the failure issue.
    const known = fromPayload ? partialRun(value) : undefined
    throw known ? new TrainRunRefused(message, known) : new ActionError(message, 'trigger')
  }
}

/** The fields of a malformed payload's run that the failure issue can still use, when its id is there. */
function partialRun(value: unknown): WorkflowRun | undefined {
  const run = value as Partial<Record<keyof WorkflowRun, unknown>> | null
  if (!run || typeof run.id !== 'number') return undefined
  const text = (v: unknown) => (typeof v === 'string' ? v : '')
  return {
    id: run.id,
    path: text(run.path),
    event: text(run.event),
    status: null,
    conclusion: null,
    head_branch: typeof run.head_branch === 'string' ? run.head_branch : null,
    head_sha: text(run.head_sha),
    html_url: text(run.html_url),
    run_number: typeof run.run_number === 'number' ? run.run_number : 0,
    head_repository: null,
    repository: { id: 0, full_name: '' }
  }
}

function judged(run: WorkflowRun, policy: TrustPolicy): TrainRunSource {
  const decision = judgeTrainRun(run, policy)
  if (decision.kind === 'publish') return { kind: 'publish', run }
  if (decision.kind === 'skip') return { kind: 'skip', run, reason: decision.reason }
  throw new TrainRunRefused(`Refusing to publish: ${decision.reason}. Nothing was downloaded or uploaded.`, run)
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
