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
  /** When this attempt started; artifacts created before it belong to an earlier attempt. */
  run_started_at?: string | null
  actor?: { login: string } | null
  triggering_actor?: { login: string } | null
  head_repository: RepoRef | null
  repository: RepoRef
}

/**
 * The run as the event payload or the API gave it, checked field by field before any check reads
 * it: a payload without `workflow_run.path` is a refusal that names the field, never
 * "Cannot read properties of undefined". `where` names the source, e.g. "workflow_run" for the payload.
 */
export function checkWorkflowRun(value: unknown, where: string): WorkflowRun {
  const problems: string[] = []
  const run = (value ?? {}) as Record<string, unknown>
  if (typeof value !== 'object' || value === null) problems.push(`${where} (an object)`)
  const need = (field: string, ok: (v: unknown) => boolean, expected: string) => {
    if (!ok(run[field])) problems.push(`${where}.${field} (${expected})`)
  }
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v)
  const isString = (v: unknown) => typeof v === 'string'
  const isRepo = (v: unknown) =>
    typeof v === 'object' && v !== null && isNumber((v as RepoRef).id) && isString((v as RepoRef).full_name)
  if (problems.length === 0) {
    need('id', isNumber, 'a number')
    need('path', isString, 'a string')
    need('event', isString, 'a string')
    need('status', (v) => v === null || isString(v), 'a string or null')
    need('conclusion', (v) => v === null || isString(v), 'a string or null')
    need('head_branch', (v) => v === null || isString(v), 'a string or null')
    need('head_sha', isString, 'a string')
    need('html_url', isString, 'a string')
    need('run_number', isNumber, 'a number')
    need('head_repository', (v) => v === null || isRepo(v), 'a repository object or null')
    need('repository', isRepo, 'a repository object')
    need('run_attempt', (v) => v === undefined || isNumber(v), 'a number')
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.length === 1 ? 'a field is' : 'fields are'} missing or malformed: ${problems.join(', ')}; the ` +
        'checks that decide whether the Train run may be published need them'
    )
  }
  return value as WorkflowRun
}
