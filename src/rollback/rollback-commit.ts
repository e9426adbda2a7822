/**
 * The Hub side of a rollback: find the commit `rollback-to` names, commit the target's tree as one
 * new commit of LFS pointers (the Hub still stores their objects: no byte is uploaded), re-sent
 * regular files and deletions, guarded by parentCommit, and read the branch back to compare.
 */
import { HubApiError } from '@huggingface/hub'
import { ActionError } from '../errors.ts'
import type { HubClient } from '../hub/hub-client.ts'
import { publishHistory } from '../history/history.ts'
import { formatDescription } from '../provenance/trailers.ts'
import { compareTrees, planRollback, resolveRollbackTarget, type RollbackPlan } from './rollback-plan.ts'

const MAX_ATTEMPTS = 3

export interface RollbackTarget {
  oid: string
  /** How `rollback-to` was matched, e.g. "tag v3". */
  how: string
}

export interface RollbackOutcome {
  plan: RollbackPlan
  /** The new commit, or the head when nothing had to change (or on a dry run). */
  commit: string
  changed: boolean
}

export async function findRollbackTarget(hub: HubClient, branch: string, rollbackTo: string): Promise<RollbackTarget> {
  const [commits, tags] = await Promise.all([hub.listCommits(branch, 1000), hub.listTags()])
  const publishes = new Map(publishHistory(commits, commits.length).map((r) => [r.oid, r.provenance]))
  const described = commits.map((c) => ({ oid: c.oid, title: c.title, provenance: publishes.get(c.oid) }))
  try {
    return resolveRollbackTarget(rollbackTo, described, tags)
  } catch (error) {
    throw new ActionError(`rollback-to: ${(error as Error).message}`, 'upload', { cause: error })
  }
}

export interface RollbackRequest {
  branch: string
  target: RollbackTarget
  dryRun: boolean
  actor?: string
  log: (line: string) => void
  warn: (line: string) => void
}

export async function commitRollback(hub: HubClient, request: RollbackRequest): Promise<RollbackOutcome> {
  const { branch, target } = request
  const targetTree = await hub.listTree(target.oid)
  for (let attempt = 1; ; attempt++) {
    const head = await hub.headCommit(branch)
    if (!head) throw new ActionError(`branch "${branch}" does not exist`, 'upload')
    const plan = planRollback(targetTree, await hub.listTree(head))
    logPlan(request.log, plan)
    if (!plan.changed || request.dryRun) return { plan, commit: head, changed: false }
    try {
      const commit = await hub.commitPointers({
        title: `Roll back ${branch} to ${target.oid.slice(0, 12)}`,
        description: formatDescription(
          { artifacts: [], metrics: [], files: [], rollbackOf: target.oid, actor: request.actor },
          `Restores the tree of ${target.oid} (${target.how}).`
        ),
        branch,
        parentCommit: head,
        lfsFiles: plan.restoreLfs.map((f) => ({ path: f.path, oid: f.lfs!.oid, size: f.lfs!.size })),
        regularFiles: await Promise.all(
          plan.restoreRegular.map(async (f) => ({
            path: f.path,
            content: await regularContent(hub, f.path, target.oid)
          }))
        ),
        deletions: plan.remove
      })
      request.log(`Committed the rollback as ${commit.oid}.`)
      return { plan, commit: commit.oid, changed: true }
    } catch (error) {
      if (!(error instanceof HubApiError && error.statusCode === 412) || attempt >= MAX_ATTEMPTS) throw error
      request.warn(
        `Branch "${branch}" moved while rolling back (412); planning again (attempt ${attempt + 1} of ${MAX_ATTEMPTS}).`
      )
    }
  }
}

/** The tree differences between the target and the rollback commit; empty when they are equal. */
export async function differencesAfterRollback(hub: HubClient, target: string, commit: string): Promise<string[]> {
  return compareTrees(await hub.listTree(target), await hub.listTree(commit))
}

async function regularContent(hub: HubClient, path: string, revision: string): Promise<Uint8Array> {
  const bytes = await hub.readBytes(path, revision)
  if (!bytes) throw new ActionError(`${path} could not be read at ${revision}`, 'upload')
  return bytes
}

function logPlan(log: (line: string) => void, plan: RollbackPlan): void {
  for (const f of plan.restoreLfs) log(`restore (LFS pointer) ${f.path}`)
  for (const f of plan.restoreRegular) log(`restore (re-send)    ${f.path}`)
  for (const path of plan.remove) log(`delete               ${path}`)
  const restored = plan.restoreLfs.length + plan.restoreRegular.length
  log(`${restored} to restore, ${plan.remove.length} to delete, ${plan.unchanged} unchanged.`)
}
