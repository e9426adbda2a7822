/**
 * mode: history — the last publishes, read back from the Hub's commit descriptions (their
 * provenance trailers): the audit log, kept where the model is.
 */
import type { Deps } from '../deps.ts'
import { checkToken, connectHub, hubErrorContext } from '../hub/connect.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import { publishHistory, renderMetricTrend, served } from '../history/history.ts'
import type { Settings } from '../inputs.ts'
import { hubCommit } from '../lib/urls.ts'
import { emptyResult, type RunResult } from '../report/run-result.ts'

export async function runHistory(deps: Deps, settings: Settings): Promise<RunResult> {
  const hub = connectHub(deps, settings)
  return deps.core.group('Read the publish history', async () => {
    await checkToken(hub, settings, false, 'report')
    try {
      const commits = await hub.listCommits(settings.branch, Math.min(1000, settings.historyLimit * 10))
      const records = publishHistory(commits, settings.historyLimit)
      deps.core.info(
        `${records.length} publishes by hf-upload-action among the last ${commits.length} commits of ` +
          `${settings.branch}.`
      )
      const metric = settings.gate?.metric ?? records.flatMap((r) => served(r).metrics.map((m) => m.name))[0]
      return {
        ...emptyResult(settings, 'history'),
        commit: records[0] && hubCommit(settings.hubUrl, settings.repo, records[0].oid),
        history: records,
        trend: metric ? renderMetricTrend(records, metric) : undefined
      }
    } catch (error) {
      throw explainHubError(error, hubErrorContext(settings, 'reading the history', 'report'))
    }
  })
}
