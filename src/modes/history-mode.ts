/**
 * mode: history — the last publishes, read back from the Hub's commit descriptions (their
 * provenance trailers): the audit log, kept where the model is.
 */
import type { Deps } from '../deps.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import { publishHistory, renderMetricTrend } from '../history/history.ts'
import type { Settings } from '../inputs.ts'
import type { RunResult } from '../report/run-result.ts'
import { checkToken, createHub, hubCommit, hubContext, resultWithoutUpload } from '../upload-stage.ts'

export async function runHistory(deps: Deps, settings: Settings): Promise<RunResult> {
  const hub = createHub(deps, settings)
  return deps.core.group('Read the publish history', async () => {
    try {
      await checkToken(hub, hubContext(settings), false)
      const commits = await hub.listCommits(settings.branch, Math.min(1000, settings.historyLimit * 10))
      const records = publishHistory(commits, settings.historyLimit)
      deps.core.info(
        `${records.length} publishes by hf-upload-action among the last ${commits.length} commits of ${settings.branch}.`
      )
      const metric = settings.gate?.metric ?? records.flatMap((r) => r.provenance.metrics.map((m) => m.name))[0]
      return {
        ...resultWithoutUpload(settings, 'history'),
        commit: records[0] && hubCommit(settings, records[0].oid),
        history: records,
        trend: metric ? renderMetricTrend(records, metric) : undefined
      }
    } catch (error) {
      throw explainHubError(error, { ...hubContext(settings), doing: 'reading the history', stage: 'report' })
    }
  })
}
