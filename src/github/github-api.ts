/**
 * The narrow interface the action needs from GitHub's REST API, and its adapter over Octokit
 * (`@actions/github`). The base URL is passed explicitly (GITHUB_API_URL), so GHES and the
 * project's emulator work the same way as api.github.com.
 */
// Types only: the module itself is imported lazily, on first use.
import type { getOctokit } from '@actions/github'
import type { RepoRef, WorkflowRun } from '../trigger/workflow-run.ts'

export interface RunArtifact {
  id: number
  name: string
  size: number
  expired: boolean
  /** "sha256:<hex>", or null for uploads older than upload-artifact v4. */
  digest: string | null
  createdAt?: string
}

export interface Issue {
  number: number
  url: string
  body: string
}

export interface GitHubApi {
  getRepo(): Promise<RepoRef & { default_branch: string }>
  getWorkflowRun(runId: number): Promise<WorkflowRun>
  /** Successful runs of one workflow file, newest first. */
  listSuccessfulRuns(workflowFile: string, limit: number): Promise<WorkflowRun[]>
  listRunArtifacts(runId: number): Promise<RunArtifact[]>
  /** Open issues (not pull requests) carrying every one of `labels`. */
  listOpenIssues(labels: readonly string[]): Promise<Issue[]>
  createIssue(issue: { title: string; body: string; labels: readonly string[] }): Promise<Issue>
  commentOnIssue(issueNumber: number, body: string): Promise<void>
  closeIssue(issueNumber: number): Promise<void>
}

export interface GitHubApiOptions {
  token: string
  apiUrl: string
  owner: string
  repo: string
}

type Octokit = ReturnType<typeof getOctokit>

export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  // Loaded on first use: a run that publishes workspace files never needs Octokit, and not
  // loading it keeps the upload path's memory lower.
  let client: Promise<Octokit> | undefined
  const api = () =>
    (client ??= import('@actions/github').then(({ getOctokit }) =>
      getOctokit(options.token, { baseUrl: options.apiUrl })
    ))
  const where = { owner: options.owner, repo: options.repo }
  return {
    async getRepo() {
      const octokit = await api()
      const { data } = await octokit.rest.repos.get(where)
      return { id: data.id, full_name: data.full_name, default_branch: data.default_branch }
    },
    async getWorkflowRun(runId) {
      const octokit = await api()
      const { data } = await octokit.rest.actions.getWorkflowRun({ ...where, run_id: runId })
      return data
    },
    async listSuccessfulRuns(workflowFile, limit) {
      const octokit = await api()
      const { data } = await octokit.rest.actions.listWorkflowRuns({
        ...where,
        workflow_id: workflowFile,
        status: 'success',
        per_page: limit
      })
      return data.workflow_runs
    },
    async listRunArtifacts(runId) {
      const octokit = await api()
      const artifacts = await octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, {
        ...where,
        run_id: runId,
        per_page: 100
      })
      return artifacts.map((a) => ({
        id: a.id,
        name: a.name,
        size: a.size_in_bytes,
        expired: a.expired,
        digest: a.digest ?? null,
        createdAt: a.created_at ?? undefined
      }))
    },
    async listOpenIssues(labels) {
      const octokit = await api()
      const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
        ...where,
        state: 'open',
        labels: labels.join(','),
        per_page: 100
      })
      return issues
        .filter((i) => !i.pull_request)
        .map((i) => ({ number: i.number, url: i.html_url, body: i.body ?? '' }))
    },
    async createIssue({ title, body, labels }) {
      const octokit = await api()
      const { data } = await octokit.rest.issues.create({ ...where, title, body, labels: [...labels] })
      return { number: data.number, url: data.html_url, body: data.body ?? '' }
    },
    async commentOnIssue(issueNumber, body) {
      const octokit = await api()
      await octokit.rest.issues.createComment({ ...where, issue_number: issueNumber, body })
    },
    async closeIssue(issueNumber) {
      const octokit = await api()
      await octokit.rest.issues.update({
        ...where,
        issue_number: issueNumber,
        state: 'closed',
        state_reason: 'completed'
      })
    }
  }
}
