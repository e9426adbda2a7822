/**
 * Actions routes: one workflow run, the runs of one workflow, a run's artifacts, one artifact, and
 * the artifact download redirect — the requests `@actions/artifact` (`findBy`) and
 * `octokit.rest.actions.*` make.
 */
import type { BlobTickets } from './blobs.ts'
import { ApiError, invalidRequest, json, notFound, paginate, type Reply } from './http.ts'
import type { Model } from './model.ts'
import { numericParam, type Route, type RouteRequest } from './router.ts'
import type { RunRecord } from './store.ts'

const DOCS_RUNS = 'https://docs.github.com/rest/actions/workflow-runs'
const DOCS_ARTIFACTS = 'https://docs.github.com/rest/actions/artifacts'
const READ_ACTIONS = { scope: 'actions', level: 'read' } as const

/** Values of `status` that are run statuses; every other accepted value is a conclusion. */
const RUN_STATUSES = new Set(['completed', 'in_progress', 'queued', 'requested', 'waiting', 'pending'])
/** "This endpoint will return up to 1,000 results for each search when using the following parameters". */
const SEARCH_FILTERS = ['actor', 'branch', 'check_suite_id', 'created', 'event', 'head_sha', 'status']
const MAX_SEARCH_RESULTS = 1000

export function actionsRoutes(model: Model, tickets: BlobTickets): Route[] {
  const store = model.store
  const repoLink = (req: RouteRequest, rest: string) => `${req.api}/repositories/${req.repo.id}${rest}`

  const requireRun = (req: RouteRequest, docs: string): RunRecord => {
    const id = numericParam(req.params.run_id)
    const run = id === undefined ? undefined : store.findRun(req.repo.full_name, id)
    if (!run) throw notFound(docs)
    return run
  }

  const runView = (run: RunRecord, req: RouteRequest) => {
    const view = model.runView(run, req.api)
    return req.query.get('exclude_pull_requests') === 'true' ? { ...view, pull_requests: [] } : view
  }

  return [
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/actions/runs/{run_id}',
      docs: `${DOCS_RUNS}#get-a-workflow-run`,
      permission: READ_ACTIONS,
      handle: (req) => json(200, runView(requireRun(req, `${DOCS_RUNS}#get-a-workflow-run`), req))
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}',
      docs: `${DOCS_RUNS}#get-a-workflow-run-attempt`,
      permission: READ_ACTIONS,
      handle(req) {
        const run = requireRun(req, this.docs)
        const n = numericParam(req.params.attempt_number)
        const attempt = n === undefined ? undefined : model.attemptOf(run, n)
        if (!attempt) throw notFound(this.docs)
        return json(200, runView(attempt, req))
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
      docs: `${DOCS_RUNS}#list-workflow-runs-for-a-workflow`,
      permission: READ_ACTIONS,
      handle(req) {
        const workflow = store.findWorkflow(req.repo.full_name, req.params.workflow_id ?? '')
        if (!workflow) throw notFound(this.docs)
        const runs = store
          .runsOf(req.repo.full_name)
          .filter((run) => run.workflow_id === workflow.id && matchesRunFilters(run, req.query))
          .sort(newestFirst)
        // A filtered list stops at 1,000 runs; total_count still counts every match.
        const searched = SEARCH_FILTERS.some((key) => req.query.has(key))
        const { page, link } = paginate(
          searched ? runs.slice(0, MAX_SEARCH_RESULTS) : runs,
          req.query,
          repoLink(req, `/actions/workflows/${req.params.workflow_id}/runs`)
        )
        const body = { total_count: runs.length, workflow_runs: page.map((run) => runView(run, req)) }
        return json(200, body, link ? { link } : undefined)
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/actions/runs/{run_id}/artifacts',
      docs: `${DOCS_ARTIFACTS}#list-workflow-run-artifacts`,
      permission: READ_ACTIONS,
      handle(req) {
        const run = requireRun(req, this.docs)
        const name = req.query.get('name')
        const direction = req.query.get('direction') ?? 'desc'
        if (direction !== 'asc' && direction !== 'desc') {
          throw invalidRequest(
            this.docs,
            `For 'direction', ${JSON.stringify(direction)} is not one of ["asc", "desc"].`
          )
        }
        // Every attempt's artifacts, newest first by default (`direction`); the REST artifact says
        // nothing about the attempt, and ids are not in upload order across attempts.
        const artifacts = store
          .artifactsOfRun(req.repo.full_name, run.id)
          .filter((a) => name === null || a.name === name)
          .sort(
            (a, b) =>
              (Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id) * (direction === 'asc' ? 1 : -1)
          )
        const { page, link } = paginate(artifacts, req.query, repoLink(req, `/actions/runs/${run.id}/artifacts`))
        const body = { total_count: artifacts.length, artifacts: page.map((a) => model.artifactView(a, req.api)) }
        return json(200, body, link ? { link } : undefined)
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}',
      docs: `${DOCS_ARTIFACTS}#get-an-artifact`,
      permission: READ_ACTIONS,
      handle(req) {
        const id = numericParam(req.params.artifact_id)
        const artifact = id === undefined ? undefined : store.findArtifact(req.repo.full_name, id)
        if (!artifact) throw notFound(this.docs)
        return json(200, model.artifactView(artifact, req.api))
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}',
      docs: `${DOCS_ARTIFACTS}#download-an-artifact`,
      permission: READ_ACTIONS,
      handle(req): Reply {
        const id = numericParam(req.params.artifact_id)
        const artifact = id === undefined ? undefined : store.findArtifact(req.repo.full_name, id)
        if (!artifact || req.params.archive_format !== 'zip') throw notFound(this.docs)
        if (artifact.expired) throw new ApiError(410, 'Artifact has expired', this.docs)
        const ticket = tickets.mint(artifact.blob, artifact.name)
        return { status: 302, headers: { location: `${req.api}/_blobs/${ticket}.zip` } }
      }
    }
  ]
}

function newestFirst(a: RunRecord, b: RunRecord): number {
  return Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id
}

/** The query filters of "list workflow runs for a workflow"; unknown parameters are ignored, as on GitHub. */
function matchesRunFilters(run: RunRecord, query: URLSearchParams): boolean {
  const branch = query.get('branch')
  const event = query.get('event')
  const status = query.get('status')
  const actor = query.get('actor')
  const headSha = query.get('head_sha')
  const checkSuiteId = query.get('check_suite_id')
  const created = query.get('created')
  if (branch !== null && run.head_branch !== branch) return false
  if (event !== null && run.event !== event) return false
  if (status !== null && (RUN_STATUSES.has(status) ? run.status : run.conclusion) !== status) return false
  if (actor !== null && run.actor.toLowerCase() !== actor.toLowerCase()) return false
  if (headSha !== null && run.head_sha !== headSha) return false
  if (checkSuiteId !== null && String(run.check_suite_id) !== checkSuiteId) return false
  if (created !== null && !matchesDateRange(run.created_at, created)) return false
  return true
}

/**
 * GitHub's search-style date qualifiers: `2026-11-01`, `>=2026-11-01`, `<2026-11-01T10:00:00Z`,
 * `2026-11-01..2026-11-30` (a bare date means that whole day).
 */
export function matchesDateRange(timestamp: string, expr: string): boolean {
  const t = Date.parse(timestamp)
  const range = expr.split('..')
  if (range.length === 2) return t >= dayStart(range[0] ?? '') && t < dayEnd(range[1] ?? '')
  const m = /^(>=|<=|>|<)?(.+)$/.exec(expr)
  const [, op, value = ''] = m ?? []
  switch (op) {
    case '>=':
      return t >= dayStart(value)
    case '>':
      return t >= dayEnd(value)
    case '<=':
      return t < dayEnd(value)
    case '<':
      return t < dayStart(value)
    default:
      return t >= dayStart(value) && t < dayEnd(value)
  }
}

const isBareDate = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value)
const dayStart = (value: string) => Date.parse(isBareDate(value) ? `${value}T00:00:00Z` : value)
const dayEnd = (value: string) => (isBareDate(value) ? dayStart(value) + 86_400_000 : Date.parse(value) + 1)
