/**
 * What a publish commit carries besides the mapped files, decided against the head it is planned
 * on (and again whenever the head moves): the model card, the commit description with its
 * provenance trailers, and the metric gate's verdict, which reads the same evaluation report (read
 * once, here). Pushes nothing; talks to the Hub only through the card's and the gate's reads.
 */
import type { DownloadedArtifacts } from '../artifacts/download-artifacts.ts'
import { findBenchmarkReport, findEvaluationReport, readJsonFile, readTemplate } from '../files/published-reports.ts'
import { decideGate } from '../gate/decide-gate.ts'
import type { GateDecision } from '../gate/metric-gate.ts'
import type { CommitPreparation, CommitVerdict } from '../hub/commit.ts'
import type { HubClient } from '../hub/hub-client.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import type { Settings } from '../inputs.ts'
import type { SourceFacts } from '../provenance/source.ts'
import { formatDescription, type Provenance } from '../provenance/trailers.ts'
import { buildCard, cardContext, cardMetrics, checkCardConflict } from './build-card.ts'
import type { CardMetric } from './metrics.ts'

export interface PreparerInput {
  settings: Settings
  hub: HubClient
  manifest: readonly ManifestEntry[]
  /** Provenance without files and metrics (added per commit). */
  provenance: Omit<Provenance, 'files' | 'metrics'>
  facts: SourceFacts
  downloaded: DownloadedArtifacts | undefined
  /** Absolute path of the workspace, where a card template may be read from. */
  workspace: string
  warn: (line: string) => void
}

/** What the last preparation decided, for outputs and the summary. */
export interface Prepared {
  metrics: CardMetric[]
  gate?: GateDecision
}

/**
 * Everything a publish commit carries besides the mapped files, decided against the head it is
 * planned on (and again if the head moves): the model card, the description with its trailers,
 * and the gate's verdict. Nothing here pushes a byte: an invalid card or a gate that says "fail"
 * stops the run before the commit starts. The reports and the template are read once.
 */
export function commitPreparer(input: PreparerInput): {
  prepare: (head: string | undefined) => Promise<CommitPreparation>
  judge: (head: string | undefined) => Promise<CommitVerdict>
  last: () => Prepared | undefined
} {
  const { settings, manifest, hub } = input
  checkCardConflict(settings.card.mode, manifest)
  const reportEntry = findEvaluationReport(settings.card.evaluationReport, manifest)
  const benchmarkEntry = findBenchmarkReport(manifest)
  const template =
    settings.card.mode !== 'generate' && settings.card.mode !== 'keep' ? settings.card.mode.template : undefined
  let prepared: Prepared | undefined
  let loaded: Promise<{ report?: unknown; benchmark?: unknown; template?: string }> | undefined
  const load = () =>
    (loaded ??= (async () => ({
      report: reportEntry ? await readJsonFile(reportEntry, 'evaluation report') : undefined,
      // The benchmark only decorates the card: one that does not parse is left out, not fatal.
      benchmark: benchmarkEntry
        ? await readJsonFile(benchmarkEntry, 'benchmark report').catch(() => undefined)
        : undefined,
      template: template === undefined ? undefined : await readTemplate(input.workspace, template)
    }))())
  const reportOf = async () => {
    const content = (await load()).report
    return reportEntry && { entry: reportEntry, content }
  }

  return {
    last: () => prepared,
    async prepare(head) {
      const loadedFiles = await load()
      const metrics = cardMetrics(await reportOf(), settings.card, settings.gate)
      const benchmark =
        benchmarkEntry && loadedFiles.benchmark !== undefined
          ? { path: benchmarkEntry.pathInRepo, report: loadedFiles.benchmark }
          : undefined
      const context = cardContext({
        repoName: settings.repo.name,
        branch: settings.branch,
        card: settings.card,
        metrics,
        source: input.facts,
        trainRunId: input.provenance.trainRunId,
        artifacts: input.downloaded?.artifacts ?? [],
        manifest,
        evaluationReportPath: reportEntry?.pathInRepo,
        benchmark
      })
      const template = loadedFiles.template
      const card =
        settings.card.mode === 'keep' ? undefined : await buildCard(hub, head, { context, template, warn: input.warn })
      const files = [...manifest, ...(card ? [card] : [])]
      // The gate's verdict is only known once judge() is asked (never when nothing would change).
      prepared = { metrics, gate: undefined }
      const description = formatDescription(
        {
          ...input.provenance,
          metrics: metrics.map((m) => ({ name: m.type, value: m.value })),
          files: files.map((f) => ({ path: f.pathInRepo, size: f.size, sha256: f.sha256 }))
        },
        settings.commitDescription
      )
      return { extraFiles: card ? [card] : [], description }
    },
    async judge(head) {
      if (!settings.gate) return {}
      const report = await reportOf()
      const metrics = cardMetrics(report, settings.card, settings.gate)
      const gate = await decideGate(hub, settings.gate, head, report, metrics)
      prepared = { metrics, gate }
      return {
        pullRequest: gate.outcome === 'regressed' && gate.action === 'pull-request',
        skip: gate.outcome === 'regressed' && gate.action === 'skip' ? gate.reason : undefined
      }
    }
  }
}
