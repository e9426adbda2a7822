/**
 * The failure issue's life: open one on the first failure, comment on it on repeated failures,
 * comment and close it on the next success. Found through the list API (not search, which has
 * its own rate limit and an indexing delay) by label and the hidden marker.
 */
import type { GitHubApi, Issue } from '../github/github-api.ts'
import {
  failureMarker,
  renderFailureIssue,
  renderRecoveryComment,
  renderRepeatComment,
  type FailureFacts
} from './failure-issue.ts'

export interface IssueTarget {
  target: FailureFacts['target']
  workflow: string
  labels: readonly string[]
}

async function findOpen(api: GitHubApi, where: IssueTarget): Promise<Issue | undefined> {
  const marker = failureMarker(where.target, where.workflow)
  const issues = await api.listOpenIssues(where.labels)
  return issues.find((issue) => issue.body.includes(marker))
}

/** Opens or updates the failure issue; returns its URL. */
export async function reportFailure(
  api: GitHubApi,
  facts: FailureFacts,
  labels: readonly string[]
): Promise<{ url: string; created: boolean }> {
  const existing = await findOpen(api, { target: facts.target, workflow: facts.workflow, labels })
  if (existing) {
    await api.commentOnIssue(existing.number, renderRepeatComment(facts))
    return { url: existing.url, created: false }
  }
  const issue = await api.createIssue({ ...renderFailureIssue(facts), labels })
  return { url: issue.url, created: true }
}

/** Comments on and closes the open failure issue for this target, if there is one; returns its URL. */
export async function resolveFailure(
  api: GitHubApi,
  where: IssueTarget,
  recovery: Parameters<typeof renderRecoveryComment>[0]
): Promise<string | undefined> {
  const existing = await findOpen(api, where)
  if (!existing) return undefined
  await api.commentOnIssue(existing.number, renderRecoveryComment(recovery))
  await api.closeIssue(existing.number)
  return existing.url
}
