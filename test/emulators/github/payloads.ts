/**
 * Webhook payloads for the two events the action runs on, shaped like the real examples in
 * `@octokit/webhooks-examples` (`workflow_run` completed/requested, `workflow_dispatch`): the same
 * top-level keys, a full repository object on top, the minimal repository objects inside the run.
 */
import type { Model } from './model.ts'
import { fullRepository, simpleUser, webhookWorkflow } from './render.ts'

/** The consumer workflow of the first user's design (ADR-039), which a dispatch event names. */
export const DISPATCH_WORKFLOW_PATH = '.github/workflows/upload-hub.yml'

export function workflowRunPayload(
  model: Model,
  fullName: string,
  runId: number,
  action: 'completed' | 'requested',
  api: string
) {
  const repo = model.requireRepo(fullName)
  const run = model.store.findRun(repo.full_name, runId)
  if (!run) throw new Error(`no run ${runId} in ${fullName}`)
  const workflow = model.store.findWorkflowById(run.workflow_id)
  if (!workflow) throw new Error(`run ${runId} has no workflow`)
  // Webhook runs carry no head_repository_id (only the REST shape has it).
  const { head_repository_id: _omitted, ...restRun } = model.runView(run, api)
  // A `requested` delivery describes the run as it was queued, before any conclusion existed.
  const workflowRun =
    action === 'requested' ? { ...restRun, status: 'queued', conclusion: null, updated_at: run.created_at } : restRun
  return {
    action,
    repository: fullRepository(repo, api, model.openIssueCount(repo)),
    sender: simpleUser(run.triggering_actor, api),
    workflow: webhookWorkflow(workflow, repo, api),
    workflow_run: workflowRun
  }
}

export function workflowDispatchPayload(model: Model, fullName: string, inputs: Record<string, unknown>, api: string) {
  const repo = model.requireRepo(fullName)
  return {
    inputs,
    ref: `refs/heads/${repo.default_branch}`,
    repository: fullRepository(repo, api, model.openIssueCount(repo)),
    sender: simpleUser(repo.owner, api),
    workflow: DISPATCH_WORKFLOW_PATH
  }
}
