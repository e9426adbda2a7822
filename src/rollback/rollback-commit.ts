/**
 * The Hub side of a rollback: find the commit `rollback-to` names, commit the target's tree as one
 * new commit of LFS pointers (the Hub still stores their objects: no byte is uploaded), re-sent
 * regular files and deletions, guarded by parentCommit, and read the branch back to compare.
 */
import { ActionError } from '../errors.ts'
import { sameMessage } from '../hub/commit.ts'
import type { HubClient, PointerCommitRequest } from '../hub/hub-client.ts'
import { commitEnding, describeEnding } from '../hub/hub-errors.ts'
import { DEFAULT_RETRY_POLICY, pauseBeforeRetry, type RetryPolicy } from '../lib/retry.ts'
import type { RemoteFile } from '../hub/upload-plan.ts'
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
  /** The target's tree as read for the plan (a commit's tree never changes): what verification compares with. */
  targetTree: ReadonlyMap<string, RemoteFile>
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
  /** The run's deadline: once passed, a rollback in flight is settled (read back), never sent again. */
  deadline?: { readonly passed: boolean; readonly signal: AbortSignal; enterGrace(): void }
  /** Backoff between commits the Hub refused as busy (409); its `retries` bounds them. */
  retryPolicy?: RetryPolicy
}

/**
 * One rollback commit, planned on the head it names as parentCommit. Unlike a publish, a rollback
 * never plans again over a branch that moved: whatever landed meanwhile (a new publish) is what
 * the user would be reverting without having seen it, so the rollback stops and names it. An
 * unclear ending (lost answer, gateway error, timeout) is settled by reading the branch back; a
 * refusal because another commit was being written (409) is waited out, on its own budget.
 */
export async function commitRollback(hub: HubClient, request: RollbackRequest): Promise<RollbackOutcome> {
  const { branch, target } = request
  const targetTree = await hub.listTree(target.oid)
  const head = await hub.headCommit(branch)
  if (!head) throw new ActionError(`branch "${branch}" does not exist`, 'upload')
  const plan = planRollback(targetTree, await hub.listTree(head))
  logPlan(request.log, plan)
  if (!plan.changed || request.dryRun) return { plan, commit: head, changed: false, targetTree }
  const pointers: PointerCommitRequest = {
    title: `Roll back ${branch} to ${target.oid.slice(0, 12)}`,
    description: formatDescription(
      { artifacts: [], metrics: [], files: [], rollbackOf: target.oid, actor: request.actor },
      `Restores the tree of ${target.oid} (${target.how}).`
    ),
    branch,
    parentCommit: head,
    lfsFiles: plan.restoreLfs.map((f) => ({ path: f.path, oid: f.lfs!.oid, size: f.lfs!.size })),
    regularFiles: await Promise.all(
      plan.restoreRegular.map(async (f) => ({ path: f.path, content: await regularContent(hub, f.path, target.oid) }))
    ),
    deletions: plan.remove
  }
  const policy = request.retryPolicy ?? DEFAULT_RETRY_POLICY
  let lost = false
  let busy = 0
  for (let attempt = 1; ; attempt++) {
    try {
      const commit = await hub.commitPointers(pointers)
      request.log(`Committed the rollback as ${commit.oid}.`)
      return { plan, commit: commit.oid, changed: true, targetTree }
    } catch (error) {
      if (request.deadline?.passed) request.deadline.enterGrace()
      const ending = commitEnding(error)
      if (ending === 'refused' && !lost) throw error
      if (ending === 'ambiguous') {
        lost = true
        request.warn(`The rollback commit's answer was lost (${describeEnding(error)}); reading the branch back.`)
      }
      const now = await hub.headCommit(branch)
      if (now && now !== head) {
        const landed = await ourRollback(hub, branch, pointers, targetTree)
        if (landed) {
          request.log(`The rollback whose answer was lost did land, as ${landed}; using it.`)
          return { plan, commit: landed, changed: true, targetTree }
        }
        throw await branchMoved(hub, branch, head, target.oid)
      }
      if (ending === 'busy') {
        if (++busy > policy.retries || request.deadline?.passed) throw error
        attempt--
        request.warn(
          `The Hub is writing another commit on the repo (409); waiting, then sending the rollback again if the ` +
            `branch has not moved (${busy} of ${policy.retries} such waits).`
        )
        await pauseBeforeRetry(policy, busy, request.deadline?.signal)
        continue
      }
      if (ending === 'refused' || attempt >= MAX_ATTEMPTS || request.deadline?.passed) throw error
      request.warn(`The rollback did not land; sending it again (attempt ${attempt + 1} of ${MAX_ATTEMPTS}).`)
    }
  }
}

/** Our rollback commit, if it landed: the child of the planned head, with our message, holding the target tree. */
async function ourRollback(
  hub: HubClient,
  branch: string,
  sent: PointerCommitRequest,
  targetTree: ReadonlyMap<string, RemoteFile>
): Promise<string | undefined> {
  const commits = await hub.listCommits(branch, 100)
  const index = commits.findIndex((c) => c.oid === sent.parentCommit)
  const child = index > 0 ? commits[index - 1] : undefined
  if (!child || !sameMessage(child, sent)) return undefined
  return compareTrees(targetTree, await hub.listTree(child.oid)).length === 0 ? child.oid : undefined
}

/** The branch moved under the rollback: name what landed, and let the user decide (never revert it unseen). */
async function branchMoved(hub: HubClient, branch: string, planned: string, target: string): Promise<ActionError> {
  const commits = await hub.listCommits(branch, 100).catch(() => [])
  const index = commits.findIndex((c) => c.oid === planned)
  const landed = (index >= 0 ? commits.slice(0, index) : commits.slice(0, 1)).reverse()
  const names = landed
    .slice(-5)
    .map((c) => `${c.oid} ("${c.title}")`)
    .join(', ')
  const what = names ? `${names} landed` : 'another commit landed'
  return new ActionError(
    `Branch "${branch}" moved while the rollback was planned on ${planned.slice(0, 12)}: ${what}. The rollback was ` +
      `not committed, so that commit is not overwritten. Check it, then re-run the rollback if ` +
      `${target.slice(0, 12)} ` +
      'should still be restored over it (it plans again against the new head)',
    'upload'
  )
}

/** The tree differences between the target and the rollback commit; empty when they are equal. */
export async function differencesAfterRollback(
  hub: HubClient,
  targetTree: ReadonlyMap<string, RemoteFile>,
  commit: string
): Promise<string[]> {
  return compareTrees(targetTree, await hub.listTree(commit))
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
