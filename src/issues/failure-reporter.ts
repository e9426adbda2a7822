/**
 * The failure issue's life: open one on the first failure, comment on it on repeated failures,
 * comment and close it on the next success. Found through the list API (not search, which has
 * its own rate limit and an indexing delay) by label and the hidden marker.
 *
 * Writing the issue never decides the step's outcome: when it cannot be written the action warns
 * (naming the permission to add) and the original result stands.
 */
import type { ActionCore } from '../deps.ts'
import { describeError, type Stage } from '../errors.ts'
import type { GitHubApi, Issue } from '../github/github-api.ts'
import type { Settings } from '../inputs.ts'
import { commitUrl, githubRepoUrl, hubRepoUrl } from '../lib/urls.ts'
import { thisRunUrl, type RunContext } from '../trigger/run-context.ts'
import type { WorkflowRun } from '../trigger/workflow-run.ts'
import {
  failureMarker,
  renderFailureIssue,
  renderRecoveryComment,
  renderRepeatComment,
  type FailureFacts
} from './failure-issue.ts'

/** What the issue writer needs from the run; `github` is undefined without a token or repository. */
export interface IssueContext {
  core: ActionCore
  settings: Settings
  ctx: RunContext
  /** Its writes are scrubbed (report/safe-core.ts, safeGitHub). */
  github: () => GitHubApi | undefined
  /** The same scrubbing, for the error message before the issue cuts it to length. */
  scrub: (text: string) => string
}

/** Opens the failure issue or comments on the open one; returns its URL (undefined when not written). */
export async function openFailureIssue(
  ic: IssueContext,
  stage: Stage,
  message: string,
  trainRun?: WorkflowRun
): Promise<string | undefined> {
  const api = ic.settings.failureIssue ? ic.github() : undefined
  if (!api) return undefined
  const repoUrl = ic.ctx.repository ? githubRepoUrl(ic.ctx.serverUrl, ic.ctx.repository.fullName) : undefined
  const facts: FailureFacts = {
    stage,
    // Scrubbed before the body cuts it to length, so no cut can leave half a secret behind.
    message: ic.scrub(message),
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
    sourceCommitUrl: trainRun && repoUrl ? commitUrl(repoUrl, trainRun.head_sha) : undefined,
    actor: trainRun?.triggering_actor?.login ?? trainRun?.actor?.login ?? ic.ctx.actor,
    workflowFile: ic.ctx.workflowFile,
    auth: ic.settings.auth
  }
  try {
    const existing = await findOpen(api, facts.target, facts.workflow, ic.settings.issueLabels)
    if (existing) {
      await api.commentOnIssue(existing.number, renderRepeatComment(facts))
      ic.core.info(`Commented on the failure issue ${existing.url}`)
      return existing.url
    }
    const { title, body } = renderFailureIssue(facts)
    const issue = await api.createIssue({ title, body, labels: ic.settings.issueLabels })
    ic.core.info(`Opened the failure issue ${issue.url}`)
    return issue.url
  } catch (error) {
    ic.core.warning(issueWriteProblem('open or update the failure issue', error))
    return undefined
  }
}

/** Comments on and closes the open failure issue of this target, if there is one; returns its URL. */
export async function closeFailureIssue(
  ic: IssueContext,
  recovery: { commitUrl?: string; changed: boolean }
): Promise<string | undefined> {
  const api = ic.settings.failureIssue ? ic.github() : undefined
  if (!api) return undefined
  try {
    const existing = await findOpen(api, target(ic.settings), workflowName(ic.ctx), ic.settings.issueLabels)
    if (!existing) return undefined
    const comment = renderRecoveryComment({ ...recovery, thisRunUrl: thisRunUrl(ic.ctx) })
    await api.commentOnIssue(existing.number, comment)
    await api.closeIssue(existing.number)
    ic.core.info(`Closed the failure issue ${existing.url}`)
    return existing.url
  } catch (error) {
    ic.core.warning(issueWriteProblem('close the failure issue', error))
    return undefined
  }
}

async function findOpen(
  api: GitHubApi,
  target: FailureFacts['target'],
  workflow: string,
  labels: readonly string[]
): Promise<Issue | undefined> {
  const marker = failureMarker(target, workflow)
  const issues = await api.listOpenIssues(labels)
  return issues.find((issue) => issue.body.includes(marker))
}

function target(settings: Settings): FailureFacts['target'] {
  const { type, name } = settings.repo
  return { type, name, branch: settings.branch, url: hubRepoUrl(settings.hubUrl, settings.repo) }
}

function workflowName(ctx: RunContext): string {
  return ctx.workflow ?? 'hf-upload-action'
}

function issueWriteProblem(what: string, error: unknown): string {
  const status = (error as { status?: number }).status
  const hint =
    status === 403 || status === 401 ? ' Give the job "permissions: issues: write" (and pass github-token).' : ''
  return `Could not ${what}: ${describeError(error)}.${hint}`
}
