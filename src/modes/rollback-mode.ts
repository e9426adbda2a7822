/**
 * mode: rollback — one new commit on the branch whose tree equals the target's. LFS files are
 * restored by pointer (the Hub still stores their objects: no byte is uploaded), regular files
 * are re-sent, files the target lacks are deleted. Guarded by parentCommit; history is kept.
 * Afterwards the branch is read back and compared with the target tree.
 */
import { HubApiError } from '@huggingface/hub'
import type { Deps } from '../deps.ts'
import { ActionError } from '../errors.ts'
import type { HubClient } from '../hub/hub-client.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import type { Settings } from '../inputs.ts'
import { publishHistory } from '../history/history.ts'
import { formatDescription } from '../provenance/trailers.ts'
import type { RunResult } from '../report/run-result.ts'
import { compareTrees, planRollback, resolveRollbackTarget, type RollbackPlan } from '../rollback/rollback-plan.ts'
import type { RunContext } from '../trigger/run-context.ts'
import { checkToken, createHub, hubCommit, hubContext, resultWithoutUpload } from '../upload-stage.ts'

const MAX_ATTEMPTS = 3

export async function runRollback(deps: Deps, settings: Settings, ctx: RunContext): Promise<RunResult> {
  const hub = createHub(deps, settings)
  const wrap = (doing: string) => (error: unknown) => {
    throw explainHubError(error, { ...hubContext(settings), doing, stage: 'upload' })
  }
  const result = await deps.core.group('Roll back', async () => {
    await checkToken(hub, hubContext(settings), !settings.dryRun).catch(wrap('checking hf-token'))
    const target = await findTarget(hub, settings).catch(wrap('finding the rollback target'))
    deps.core.info(`Rolling ${settings.branch} back to ${target.oid} (${target.how}).`)
    return rollBackTo(deps, settings, ctx, hub, target).catch(wrap('committing the rollback'))
  })
  if (result.changed && !settings.dryRun)
    await deps.core.group('Verify rollback', () => verifyRollback(hub, settings, result))
  return result
}

async function findTarget(hub: HubClient, settings: Settings): Promise<{ oid: string; how: string }> {
  const [commits, tags] = await Promise.all([hub.listCommits(settings.branch, 1000), hub.listTags()])
  const publishes = new Map(publishHistory(commits, commits.length).map((r) => [r.oid, r.provenance]))
  const described = commits.map((c) => ({ oid: c.oid, title: c.title, provenance: publishes.get(c.oid) }))
  try {
    return resolveRollbackTarget(settings.rollbackTo!, described, tags)
  } catch (error) {
    throw new ActionError(`rollback-to: ${(error as Error).message}`, 'upload', { cause: error })
  }
}

async function rollBackTo(
  deps: Deps,
  settings: Settings,
  ctx: RunContext,
  hub: HubClient,
  target: { oid: string; how: string }
): Promise<RunResult> {
  const targetTree = await hub.listTree(target.oid)
  for (let attempt = 1; ; attempt++) {
    const head = await hub.headCommit(settings.branch)
    if (!head) throw new ActionError(`branch "${settings.branch}" does not exist`, 'upload')
    const plan = planRollback(targetTree, await hub.listTree(head))
    logPlan(deps, plan)
    if (!plan.changed || settings.dryRun) return result(settings, target, plan, hubCommit(settings, head), false)
    try {
      const commit = await hub.commitPointers({
        title: `Roll back ${settings.branch} to ${target.oid.slice(0, 12)}`,
        description: formatDescription(
          { artifacts: [], metrics: [], files: [], rollbackOf: target.oid, actor: ctx.actor },
          `Restores the tree of ${target.oid} (${target.how}).`
        ),
        branch: settings.branch,
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
      deps.core.info(`Committed the rollback as ${commit.oid}.`)
      return result(settings, target, plan, commit, true)
    } catch (error) {
      if (!(error instanceof HubApiError && error.statusCode === 412) || attempt >= MAX_ATTEMPTS) throw error
      deps.core.warning(
        `Branch "${settings.branch}" moved while rolling back (412); planning again (attempt ${attempt + 1} of ${MAX_ATTEMPTS}).`
      )
    }
  }
}

async function regularContent(hub: HubClient, path: string, revision: string): Promise<Uint8Array> {
  const bytes = await hub.readBytes(path, revision)
  if (!bytes) throw new ActionError(`${path} could not be read at ${revision}`, 'upload')
  return bytes
}

async function verifyRollback(hub: HubClient, settings: Settings, result: RunResult): Promise<void> {
  const differences = compareTrees(await hub.listTree(result.rollback!.target), await hub.listTree(result.commit!.oid))
  result.verified = differences.length === 0
  if (differences.length)
    throw new ActionError(
      `After the rollback commit ${result.commit!.oid}, ${settings.branch} differs from the target:\n- ${differences.join('\n- ')}`,
      'verify'
    )
}

function logPlan(deps: Deps, plan: RollbackPlan): void {
  for (const f of plan.restoreLfs) deps.core.info(`restore (LFS pointer) ${f.path}`)
  for (const f of plan.restoreRegular) deps.core.info(`restore (re-send)    ${f.path}`)
  for (const path of plan.remove) deps.core.info(`delete               ${path}`)
  deps.core.info(
    `${plan.restoreLfs.length + plan.restoreRegular.length} to restore, ${plan.remove.length} to delete, ${plan.unchanged} unchanged.`
  )
}

function result(
  settings: Settings,
  target: { oid: string; how: string },
  plan: RollbackPlan,
  commit: { oid: string; url: string },
  changed: boolean
): RunResult {
  return {
    ...resultWithoutUpload(settings, 'rollback'),
    changed,
    commit: settings.dryRun ? undefined : commit,
    rollback: { target: target.oid, how: target.how, plan }
  }
}
