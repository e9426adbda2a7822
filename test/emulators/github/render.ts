/**
 * Turns the emulator's records into the JSON shapes GitHub sends: REST objects (schemas
 * `full-repository`, `minimal-repository`, `simple-user`, `workflow-run`, `artifact`, `issue`,
 * `issue-comment`, `label` of GitHub's OpenAPI description) and the objects inside webhook payloads.
 *
 * Key order follows real responses, which makes captured output easy to compare with GitHub's.
 * API URLs point at the emulator (`api`), so a client that follows one stays on loopback; web URLs
 * (`html_url`) point at https://github.com like the real ones.
 */
import type { ArtifactRecord, Comment, Issue, LabelRecord, Repo, RunRecord, WorkflowRecord } from './store.ts'

export const WEB = 'https://github.com'

/** Real identities of the bot a workflow's GITHUB_TOKEN acts as, so captured issues look genuine. */
const KNOWN_USERS: Record<string, { id: number; node_id: string; avatar_url: string; html_url: string }> = {
  'github-actions[bot]': {
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    html_url: 'https://github.com/apps/github-actions'
  }
}

/** Legacy global node id: base64 of `0<len(Type)>:<Type><id>`, e.g. `010:Repository1001`, `04:User42`. */
export function nodeId(type: string, id: number): string {
  return Buffer.from(`0${type.length}:${type}${id}`).toString('base64')
}

/** A stable id per login (FNV-1a), so the same user has the same id across restarts. */
export function userId(login: string): number {
  const known = KNOWN_USERS[login]
  if (known) return known.id
  let hash = 0x811c9dc5
  for (const ch of login.toLowerCase()) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0
  return 1_000_000 + (hash % 90_000_000)
}

export function simpleUser(login: string, api: string) {
  const known = KNOWN_USERS[login]
  const id = userId(login)
  const isBot = login.endsWith('[bot]')
  const url = `${api}/users/${encodeURIComponent(login)}`
  return {
    login,
    id,
    node_id: known?.node_id ?? nodeId(isBot ? 'Bot' : 'User', id),
    avatar_url: known?.avatar_url ?? `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: known?.html_url ?? `${WEB}/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: isBot ? 'Bot' : 'User',
    user_view_type: 'public',
    site_admin: false
  }
}
export type SimpleUser = ReturnType<typeof simpleUser>

/** The 46 keys GitHub puts in `workflow_run.repository` / `head_repository` (REST and webhook). */
export function minimalRepository(repo: Repo, api: string) {
  const url = `${api}/repos/${repo.full_name}`
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: repo.full_name,
    private: repo.private,
    owner: simpleUser(repo.owner, api),
    html_url: `${WEB}/${repo.full_name}`,
    description: repo.description,
    fork: repo.fork,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`
  }
}

/** `GET /repos/{o}/{r}` (`full-repository`); also the top-level `repository` of webhook payloads. */
export function fullRepository(repo: Repo, api: string, openIssues: number) {
  const host = new URL(WEB).host
  return {
    ...minimalRepository(repo, api),
    created_at: repo.created_at,
    updated_at: repo.pushed_at,
    pushed_at: repo.pushed_at,
    git_url: `git://${host}/${repo.full_name}.git`,
    ssh_url: `git@${host}:${repo.full_name}.git`,
    clone_url: `${WEB}/${repo.full_name}.git`,
    svn_url: `${WEB}/${repo.full_name}`,
    homepage: null,
    size: 1024,
    stargazers_count: 0,
    watchers_count: 0,
    language: 'Python',
    has_issues: true,
    has_projects: true,
    has_downloads: true,
    has_wiki: true,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: openIssues,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [] as string[],
    visibility: repo.private ? 'private' : 'public',
    forks: 0,
    open_issues: openIssues,
    watchers: 0,
    default_branch: repo.default_branch,
    custom_properties: {},
    network_count: 0,
    subscribers_count: 1
  }
}

export interface RunContext {
  repo: Repo
  headRepo: Repo
  api: string
}

/** `workflow-run` exactly as `GET /repos/{o}/{r}/actions/runs/{id}` returns it. */
export function workflowRun(run: RunRecord, { repo, headRepo, api }: RunContext) {
  const url = `${api}/repos/${repo.full_name}/actions/runs/${run.id}`
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId('WorkflowRun', run.id),
    head_branch: run.head_branch,
    head_sha: run.head_sha,
    path: run.path,
    display_title: run.display_title,
    run_number: run.run_number,
    event: run.event,
    status: run.status,
    conclusion: run.conclusion,
    workflow_id: run.workflow_id,
    check_suite_id: run.check_suite_id,
    check_suite_node_id: nodeId('CheckSuite', run.check_suite_id),
    url,
    html_url: `${WEB}/${repo.full_name}/actions/runs/${run.id}`,
    pull_requests: run.pull_requests,
    created_at: run.created_at,
    updated_at: run.updated_at,
    actor: simpleUser(run.actor, api),
    run_attempt: run.run_attempt,
    referenced_workflows: run.referenced_workflows,
    run_started_at: run.run_started_at,
    triggering_actor: simpleUser(run.triggering_actor, api),
    jobs_url: `${url}/jobs`,
    logs_url: `${url}/logs`,
    check_suite_url: `${api}/repos/${repo.full_name}/check-suites/${run.check_suite_id}`,
    artifacts_url: `${url}/artifacts`,
    cancel_url: `${url}/cancel`,
    rerun_url: `${url}/rerun`,
    previous_attempt_url: run.run_attempt > 1 ? `${url}/attempts/${run.run_attempt - 1}` : null,
    workflow_url: `${api}/repos/${repo.full_name}/actions/workflows/${run.workflow_id}`,
    head_commit: run.head_commit,
    repository: minimalRepository(repo, api),
    head_repository: minimalRepository(headRepo, api),
    head_repository_id: headRepo.id
  }
}
export type WorkflowRun = ReturnType<typeof workflowRun>

/** The `workflow` object at the top of `workflow_run` webhook payloads (`webhooks_workflow`). */
export function webhookWorkflow(workflow: WorkflowRecord, repo: Repo, api: string) {
  return {
    badge_url: `${WEB}/${repo.full_name}/workflows/${encodeURIComponent(workflow.name)}/badge.svg`,
    created_at: workflow.created_at,
    html_url: `${WEB}/${repo.full_name}/blob/${repo.default_branch}/${workflow.path}`,
    id: workflow.id,
    name: workflow.name,
    node_id: nodeId('Workflow', workflow.id),
    path: workflow.path,
    state: 'active',
    updated_at: workflow.created_at,
    url: `${api}/repos/${repo.full_name}/actions/workflows/${workflow.id}`
  }
}

export function artifact(record: ArtifactRecord, run: RunRecord, repo: Repo, headRepo: Repo, api: string) {
  const url = `${api}/repos/${repo.full_name}/actions/artifacts/${record.id}`
  return {
    id: record.id,
    node_id: nodeId('Artifact', record.id),
    name: record.name,
    size_in_bytes: record.size_in_bytes,
    url,
    archive_download_url: `${url}/zip`,
    expired: record.expired,
    digest: record.digest,
    created_at: record.created_at,
    updated_at: record.updated_at,
    expires_at: record.expires_at,
    workflow_run: {
      id: run.id,
      repository_id: repo.id,
      head_repository_id: headRepo.id,
      head_branch: run.head_branch ?? '',
      head_sha: run.head_sha
    }
  }
}
export type Artifact = ReturnType<typeof artifact>

export function label(record: LabelRecord, repo: Repo, api: string) {
  return {
    id: record.id,
    node_id: nodeId('Label', record.id),
    url: `${api}/repos/${repo.full_name}/labels/${encodeURIComponent(record.name)}`,
    name: record.name,
    color: record.color,
    default: record.default,
    description: record.description
  }
}

function reactions(url: string) {
  return { url, total_count: 0, '+1': 0, '-1': 0, laugh: 0, hooray: 0, confused: 0, heart: 0, rocket: 0, eyes: 0 }
}

/** GitHub reports OWNER for the repository owner; a bot or outsider is NONE. */
function authorAssociation(login: string, repo: Repo): 'OWNER' | 'NONE' {
  return login.toLowerCase() === repo.owner.toLowerCase() ? 'OWNER' : 'NONE'
}

export function issue(record: Issue, repo: Repo, labels: LabelRecord[], api: string) {
  const url = `${api}/repos/${repo.full_name}/issues/${record.number}`
  const kind = record.is_pull_request ? 'pull' : 'issues'
  return {
    url,
    repository_url: `${api}/repos/${repo.full_name}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${WEB}/${repo.full_name}/${kind}/${record.number}`,
    id: record.id,
    node_id: nodeId(record.is_pull_request ? 'PullRequest' : 'Issue', record.id),
    number: record.number,
    title: record.title,
    user: simpleUser(record.user, api),
    labels: labels.map((l) => label(l, repo, api)),
    state: record.state,
    locked: record.locked,
    assignee: null,
    assignees: [] as unknown[],
    milestone: null,
    comments: record.comments.length,
    created_at: record.created_at,
    updated_at: record.updated_at,
    closed_at: record.closed_at,
    author_association: authorAssociation(record.user, repo),
    type: null,
    active_lock_reason: null,
    ...(record.is_pull_request ? pullRequestLinks(repo, record.number, api) : {}),
    body: record.body,
    closed_by: record.closed_by ? simpleUser(record.closed_by, api) : null,
    reactions: reactions(`${url}/reactions`),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
    state_reason: record.state_reason
  }
}

function pullRequestLinks(repo: Repo, number: number, api: string) {
  return {
    draft: false,
    pull_request: {
      url: `${api}/repos/${repo.full_name}/pulls/${number}`,
      html_url: `${WEB}/${repo.full_name}/pull/${number}`,
      diff_url: `${WEB}/${repo.full_name}/pull/${number}.diff`,
      patch_url: `${WEB}/${repo.full_name}/pull/${number}.patch`,
      merged_at: null
    }
  }
}

export function issueComment(record: Comment, issueNumber: number, repo: Repo, api: string) {
  const url = `${api}/repos/${repo.full_name}/issues/comments/${record.id}`
  return {
    url,
    html_url: `${WEB}/${repo.full_name}/issues/${issueNumber}#issuecomment-${record.id}`,
    issue_url: `${api}/repos/${repo.full_name}/issues/${issueNumber}`,
    id: record.id,
    node_id: nodeId('IssueComment', record.id),
    user: simpleUser(record.user, api),
    created_at: record.created_at,
    updated_at: record.updated_at,
    author_association: authorAssociation(record.user, repo),
    body: record.body,
    reactions: reactions(`${url}/reactions`),
    performed_via_github_app: null
  }
}
