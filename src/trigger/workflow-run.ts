/** The facts about a Train run the action relies on (a subset of GitHub's `workflow-run`). */

export interface RepoRef {
  id: number
  full_name: string
  default_branch?: string
}

export interface WorkflowRun {
  id: number
  name?: string | null
  path: string
  event: string
  status: string | null
  conclusion: string | null
  head_branch: string | null
  head_sha: string
  html_url: string
  run_number: number
  run_attempt?: number
  actor?: { login: string } | null
  triggering_actor?: { login: string } | null
  head_repository: RepoRef | null
  repository: RepoRef
}
