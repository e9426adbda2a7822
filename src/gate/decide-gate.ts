/**
 * The metric gate against the branch head: the value on the Hub is read from the published
 * evaluation report, else from the card's model-index, then judged (metric-gate.ts).
 */
import { CARD_PATH } from '../card/build-card.ts'
import { publishedMetric } from '../card/validate-card.ts'
import { numberAtPath, type CardMetric } from '../card/metrics.ts'
import { ActionError } from '../errors.ts'
import type { HubClient } from '../hub/hub-client.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import { judgeMetric, type GateDecision, type GateSettings } from './metric-gate.ts'

/** Throws (stage "gate") when the gate cannot judge, or judges "fail". */
export async function decideGate(
  hub: Pick<HubClient, 'readText'>,
  gate: GateSettings,
  head: string | undefined,
  report: { entry: ManifestEntry; content: unknown } | undefined,
  metrics: readonly CardMetric[]
): Promise<GateDecision> {
  if (report === undefined) {
    throw new ActionError(
      `gate-metric "${gate.metric}" needs an evaluation report among the published files ` +
        '(e.g. evaluation_report.json, or set evaluation-report)',
      'gate'
    )
  }
  const current = numberAtPath(report.content, gate.metric)
  const previous = head ? await publishedValue(hub, head, gate.metric, report.entry, metrics) : undefined
  let decision: GateDecision
  try {
    decision = judgeMetric(gate, current, previous)
  } catch (error) {
    throw new ActionError(`gate-metric: ${(error as Error).message}`, 'gate', { cause: error })
  }
  if (decision.outcome === 'regressed' && decision.action === 'fail') {
    throw new ActionError(`Metric gate: ${decision.reason}. Nothing was published (on-regression: fail)`, 'gate')
  }
  return decision
}

/** The value currently on the Hub: from the published evaluation report, else from the card's model-index. */
async function publishedValue(
  hub: Pick<HubClient, 'readText'>,
  head: string,
  path: string,
  reportEntry: ManifestEntry,
  metrics: readonly CardMetric[]
): Promise<number | undefined> {
  const publishedReport = await hub.readText(reportEntry.pathInRepo, head)
  const fromReport =
    publishedReport === undefined ? undefined : numberAtPath(parseJsonOrUndefined(publishedReport), path)
  if (fromReport !== undefined) return fromReport
  const card = await hub.readText(CARD_PATH, head)
  const type = metrics.find((m) => m.path === path)?.type ?? path
  return card === undefined ? undefined : publishedMetric(card, type)
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
