/**
 * Writing the failure issue never decides the step's outcome: when it cannot be written the
 * action warns (naming the permission to add) and the original result stands.
 */
import type { Deps } from './deps.ts'
import { describeError, type Stage } from './errors.ts'
import type { GitHubApi } from './github/github-api.ts'
import type { FailureFacts } from './issues/failure-issue.ts'
import { reportFailure, resolveFailure } from './issues/failure-reporter.ts'
import type { Settings } from './inputs.ts'
import { redact } from './report/escape.ts'
import { thisRunUrl, type RunContext } from './trigger/run-context.ts'
import type { WorkflowRun } from './trigger/workflow-run.ts'
import { hubRepoUrl } from './upload-stage.ts'

export interface IssueContext {
  deps: Deps
  settings: Settings
  ctx: RunContext
  github: () => GitHubApi | undefined
  secrets: readonly string[]
}

function target(settings: Settings) {
  return { type: settings.repo.type, name: settings.repo.name, branch: settings.branch, url: hubRepoUrl(settings) }
}

function workflowName(ctx: RunContext): string {
  return ctx.workflow ?? 'hf-upload-action'
}

export async function openFailureIssue(
  ic: IssueContext,
  stage: Stage,
  message: string,
  trainRun?: WorkflowRun
): Promise<string | undefined> {
  const api = ic.settings.failureIssue ? ic.github() : undefined
  if (!api) return undefined
  const repoUrl = ic.ctx.repository ? `${ic.ctx.serverUrl}/${ic.ctx.repository.fullName}` : undefined
  const facts: FailureFacts = {
    stage,
    message: redact(message, ic.secrets),
    target: target(ic.settings),
    workflow: workflowName(ic.ctx),
    trainRun: trainRun && {
      id: trainRun.id,
      url: trainRun.html_url,
      headSha: trainRun.head_sha,
      headBranch: trainRun.head_branch,
      attempt: trainRun.run_attempt
    },
    thisRunUrl: thisRunUrl(ic.ctx),
    sourceCommitUrl: trainRun && repoUrl ? `${repoUrl}/commit/${trainRun.head_sha}` : undefined,
    actor: trainRun?.triggering_actor?.login ?? trainRun?.actor?.login ?? ic.ctx.actor,
    workflowFile: workflowFileFromRef(ic.deps.env.GITHUB_WORKFLOW_REF)
  }
  try {
    const { url, created } = await reportFailure(api, facts, ic.settings.issueLabels)
    ic.deps.core.info(`${created ? 'Opened' : 'Commented on'} the failure issue ${url}`)
    return url
  } catch (error) {
    ic.deps.core.warning(issueWriteProblem('open or update the failure issue', error))
    return undefined
  }
}

export async function closeFailureIssue(
  ic: IssueContext,
  recovery: { commitUrl?: string; changed: boolean }
): Promise<string | undefined> {
  const api = ic.settings.failureIssue ? ic.github() : undefined
  if (!api) return undefined
  try {
    const url = await resolveFailure(
      api,
      { target: target(ic.settings), workflow: workflowName(ic.ctx), labels: ic.settings.issueLabels },
      { ...recovery, thisRunUrl: thisRunUrl(ic.ctx) }
    )
    if (url) ic.deps.core.info(`Closed the failure issue ${url}`)
    return url
  } catch (error) {
    ic.deps.core.warning(issueWriteProblem('close the failure issue', error))
    return undefined
  }
}

function issueWriteProblem(what: string, error: unknown): string {
  const status = (error as { status?: number }).status
  const hint =
    status === 403 || status === 401 ? ' Give the job "permissions: issues: write" (and pass github-token).' : ''
  return `Could not ${what}: ${describeError(error)}.${hint}`
}

/** "o/r/.github/workflows/publish.yml@refs/heads/main" → "publish.yml" */
function workflowFileFromRef(ref: string | undefined): string | undefined {
  return ref?.replace(/@.*$/, '').split('/').pop() || undefined
}
