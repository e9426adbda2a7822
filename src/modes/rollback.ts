/**
 * mode: rollback — one new commit on the branch whose tree equals the target's (history is kept,
 * nothing is force-pushed), then the branch is read back and compared with the target tree.
 */
import type { Deps } from '../deps.ts'
import { ActionError } from '../errors.ts'
import { checkToken, connectHub, hubErrorContext } from '../hub/connect.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import type { Settings } from '../inputs.ts'
import { hubCommit } from '../lib/urls.ts'
import { emptyResult, withKnownResult, type RunResult } from '../report/run-result.ts'
import {
  commitRollback,
  differencesAfterRollback,
  findRollbackTarget,
  type RollbackOutcome
} from '../rollback/rollback-commit.ts'
import type { RunContext } from '../trigger/run-context.ts'

export async function runRollback(deps: Deps, settings: Settings, ctx: RunContext): Promise<RunResult> {
  const hub = connectHub(deps, settings)
  const { core } = deps
  const wrap = (doing: string) => (error: unknown) => {
    throw explainHubError(error, hubErrorContext(settings, doing, 'upload'))
  }
  let targetTree: RollbackOutcome['targetTree'] | undefined
  const result = await core.group('Roll back', async (): Promise<RunResult> => {
    await checkToken(hub, settings, !settings.dryRun, 'upload')
    const target = await findRollbackTarget(hub, settings.branch, settings.rollbackTo!).catch(
      wrap('finding the rollback target')
    )
    core.info(`Rolling ${settings.branch} back to ${target.oid} (${target.how}).`)
    const outcome = await commitRollback(hub, {
      branch: settings.branch,
      target,
      dryRun: settings.dryRun,
      actor: ctx.actor,
      log: (line) => core.info(line),
      warn: (line) => core.warning(line),
      deadline: deps.deadline,
      retryPolicy: deps.retryPolicy
    }).catch(wrap('committing the rollback'))
    targetTree = outcome.targetTree
    return {
      ...emptyResult(settings, 'rollback'),
      changed: outcome.changed,
      commit: settings.dryRun ? undefined : hubCommit(settings.hubUrl, settings.repo, outcome.commit),
      rollback: { target: target.oid, how: target.how, plan: outcome.plan }
    }
  })
  if (result.changed && !settings.dryRun) {
    // The rollback commit stands whatever verification finds: its outputs are written even on failure.
    await withKnownResult(result, () =>
      core.group('Verify rollback', async () => {
        const differences = await differencesAfterRollback(hub, targetTree!, result.commit!.oid)
        result.verified = differences.length === 0
        if (differences.length) {
          throw new ActionError(
            `After the rollback commit ${result.commit!.oid}, ${settings.branch} differs from the target:\n- ` +
              differences.join('\n- '),
            'verify'
          )
        }
      })
    )
  }
  return result
}
