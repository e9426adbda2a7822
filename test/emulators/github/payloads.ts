/**
 * Webhook payloads for the two events the action runs on, shaped like the real examples in
 * `@octokit/webhooks-examples` (`workflow_run` completed/requested, `workflow_dispatch`): the same
 * top-level keys, a full repository object on top, the minimal repository objects inside the run.
 */
import type { Model } from './model.ts'
import { fullRepository, simpleUser, webhookWorkflow } from './render.ts'

/** The consumer workflow of the first user's design (ADR-039), which a dispatch event names. */
export const DISPATCH_WORKFLOW_PATH = '.github/workflows/upload-hub.yml'

export interface PayloadOptions {
  /** The attempt the delivery describes (default: the current one). Older attempts give stale payloads. */
  attempt?: number
  /** Values to put at dotted paths, e.g. `{ 'workflow_run.head_branch': null }`. Applied after `omit`. */
  set?: Record<string, unknown>
  /** Dotted paths to delete, e.g. `['workflow_run.path']`, for payloads missing a field. */
  omit?: string[]
}

export function workflowRunPayload(
  model: Model,
  fullName: string,
  runId: number,
  action: 'completed' | 'requested',
  api: string,
  options: PayloadOptions = {}
) {
  const repo = model.requireRepo(fullName)
  const current = model.requireRun(fullName, runId)
  const run = model.attemptOf(current, options.attempt ?? current.run_attempt)
  if (!run) throw new Error(`run ${runId} has no attempt ${options.attempt}; it is at ${current.run_attempt}`)
  const workflow = model.store.findWorkflowById(run.workflow_id)
  if (!workflow) throw new Error(`run ${runId} has no workflow`)
  // Webhook runs carry no head_repository_id (only the REST shape has it).
  const { head_repository_id: _omitted, ...restRun } = model.runView(run, api)
  // A `requested` delivery describes the run as it was queued, before any conclusion existed.
  const workflowRun =
    action === 'requested'
      ? { ...restRun, status: 'queued', conclusion: null, updated_at: run.run_started_at }
      : restRun
  const payload = {
    action,
    repository: fullRepository(repo, api, model.openIssueCount(repo)),
    sender: simpleUser(run.triggering_actor, api),
    workflow: webhookWorkflow(workflow, repo, api),
    workflow_run: workflowRun
  }
  return reshape(payload, options)
}

/** Applies `omit`, then `set`, at dotted paths; intermediate objects are created for `set`. */
export function reshape<T extends object>(payload: T, { omit = [], set = {} }: PayloadOptions): T {
  const copy = structuredClone(payload) as Record<string, unknown>
  const walk = (path: string, create: boolean) => {
    const keys = path.split('.')
    const last = keys.pop() ?? ''
    let node: Record<string, unknown> | undefined = copy
    for (const key of keys) {
      if (node[key] === undefined && create) node[key] = {}
      const next: unknown = node[key]
      if (next === null || typeof next !== 'object') return undefined
      node = next as Record<string, unknown>
    }
    return { node, last }
  }
  for (const path of omit) {
    const at = walk(path, false)
    if (at) delete at.node[at.last]
  }
  for (const [path, value] of Object.entries(set)) {
    const at = walk(path, true)
    if (!at) throw new Error(`cannot set ${path}: a parent is not an object`)
    at.node[at.last] = value
  }
  return copy as T
}

export function workflowDispatchPayload(
  model: Model,
  fullName: string,
  inputs: Record<string, unknown>,
  api: string,
  options: PayloadOptions = {}
) {
  const repo = model.requireRepo(fullName)
  const payload = {
    inputs,
    ref: `refs/heads/${repo.default_branch}`,
    repository: fullRepository(repo, api, model.openIssueCount(repo)),
    sender: simpleUser(repo.owner, api),
    workflow: DISPATCH_WORKFLOW_PATH
  }
  return reshape(payload, options)
}
