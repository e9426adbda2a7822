/**
 * Everything a publish commit carries besides the mapped files, decided against the branch head
 * it is planned on (and again if the head moves): the model card (README.md), the commit
 * description with its provenance trailers, and the metric gate's verdict. Nothing here pushes a
 * byte: an invalid card or a gate that says "fail" stops the run before the commit starts.
 */
import { readFile } from 'node:fs/promises'
import { posix, relative, resolve } from 'node:path'
import { extractMetrics, numberAtPath, type CardMetric } from '../card/metrics.ts'
import { CardError, publishedMetric, renderModelCard, validateCard, type CardContext } from '../card/model-card.ts'
import type { DownloadedArtifact } from '../artifacts/download-artifacts.ts'
import { ActionError } from '../errors.ts'
import { judgeMetric, type GateDecision } from '../gate/metric-gate.ts'
import type { HubClient } from '../hub/hub-client.ts'
import type { CommitPreparation } from '../hub/publish.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import type { Settings } from '../inputs.ts'
import { gitBlobOid, sha256Of } from '../lib/file-hash.ts'
import { formatDescription, type Provenance } from '../provenance/trailers.ts'

const CARD_PATH = 'README.md'
const MAX_REPORT_BYTES = 16 * 1024 * 1024

export interface PreparerInput {
  settings: Settings
  hub: HubClient
  manifest: readonly ManifestEntry[]
  /** Provenance without files and metrics (added here). */
  provenance: Omit<Provenance, 'files' | 'metrics'>
  /** Source repository facts for the card's provenance section. */
  source: {
    repository?: string
    repositoryUrl?: string
    commitUrl?: string
    trainRun?: { id: number; url: string; attempt?: number }
  }
  artifacts: readonly DownloadedArtifact[]
  /** Absolute path of the workspace, where a card template may be read from. */
  workspace: string
}

/** What the last preparation decided, for outputs and the summary. */
export interface PreparationDetails {
  metrics: CardMetric[]
  gate?: GateDecision
  card?: { path: string; generated: boolean }
}

export function createCommitPreparer(input: PreparerInput): {
  prepare: (head: string | undefined) => Promise<CommitPreparation>
  last: () => PreparationDetails | undefined
} {
  const { settings, manifest } = input
  checkCardConflict(settings, manifest)
  const reportEntry = findEvaluationReport(settings, manifest)
  const benchmarkEntry = manifest.find((f) => /^benchmark[^/]*\.json$/i.test(posix.basename(f.pathInRepo)))
  let details: PreparationDetails | undefined
  let loaded: Promise<{ report?: unknown; benchmark?: unknown; template?: string }> | undefined
  const load = () =>
    (loaded ??= (async () => ({
      report: reportEntry ? await readJson(reportEntry, 'evaluation report') : undefined,
      benchmark: benchmarkEntry ? await readJson(benchmarkEntry, 'benchmark report').catch(() => undefined) : undefined,
      template:
        typeof settings.card.mode === 'object'
          ? await readTemplate(input.workspace, settings.card.mode.template)
          : undefined
    }))())

  return {
    last: () => details,
    async prepare(head) {
      const { report, benchmark, template } = await load()
      const metrics = metricsFrom(report, settings, reportEntry)
      const gate = settings.gate ? await decideGate(input, head, report, reportEntry, metrics) : undefined
      const card =
        settings.card.mode === 'keep'
          ? undefined
          : await buildCard(
              input,
              head,
              metrics,
              reportEntry,
              benchmarkEntry && benchmark !== undefined
                ? { path: benchmarkEntry.pathInRepo, report: benchmark }
                : undefined,
              template
            )
      const files = [...manifest, ...(card ? [card] : [])]
      details = { metrics, gate, card: card ? { path: CARD_PATH, generated: true } : undefined }
      const description = formatDescription(
        {
          ...input.provenance,
          metrics: metrics.map((m) => ({ name: m.type, value: m.value })),
          files: files.map((f) => ({ path: f.pathInRepo, size: f.size, sha256: f.sha256 }))
        },
        settings.commitDescription
      )
      return {
        extraFiles: card ? [card] : [],
        description,
        pullRequest: gate?.outcome === 'regressed' && gate.action === 'pull-request',
        skip: gate?.outcome === 'regressed' && gate.action === 'skip' ? gate.reason : undefined
      }
    }
  }
}

function checkCardConflict(settings: Settings, manifest: readonly ManifestEntry[]): void {
  if (settings.card.mode !== 'keep' && manifest.some((f) => f.pathInRepo === CARD_PATH)) {
    throw new ActionError(
      `files maps a file to README.md, which model-card: ${typeof settings.card.mode === 'string' ? settings.card.mode : 'template'} would overwrite with the generated card. Set model-card: keep to publish your own README.md, or pass it as a template (model-card: path/to/README.md) and drop it from files`,
      'upload'
    )
  }
}

function findEvaluationReport(settings: Settings, manifest: readonly ManifestEntry[]): ManifestEntry | undefined {
  const wanted = settings.card.evaluationReport
  if (wanted) {
    const entry = manifest.find((f) => f.pathInRepo === wanted)
    if (!entry)
      throw new ActionError(
        `evaluation-report: "${wanted}" is not among the published files; it must be a path in the repo that the files mapping publishes`,
        'upload'
      )
    return entry
  }
  return manifest.find((f) => posix.basename(f.pathInRepo) === 'evaluation_report.json')
}

function metricsFrom(report: unknown, settings: Settings, reportEntry: ManifestEntry | undefined): CardMetric[] {
  if (report === undefined) {
    if (settings.card.metrics.length > 0)
      throw new ActionError(
        'card-metrics is set but no evaluation report is published; map one in files (e.g. evaluation_report.json) or set evaluation-report',
        'upload'
      )
    return []
  }
  try {
    return extractMetrics(report, settings.card.metrics)
  } catch (error) {
    throw new ActionError(`${(error as Error).message} (in ${reportEntry?.pathInRepo})`, 'upload', { cause: error })
  }
}

async function decideGate(
  input: PreparerInput,
  head: string | undefined,
  report: unknown,
  reportEntry: ManifestEntry | undefined,
  metrics: CardMetric[]
): Promise<GateDecision> {
  const gate = input.settings.gate!
  if (report === undefined) {
    throw new ActionError(
      `gate-metric "${gate.metric}" needs an evaluation report among the published files (e.g. evaluation_report.json, or set evaluation-report)`,
      'gate'
    )
  }
  const current = numberAtPath(report, gate.metric)
  const previous = head ? await publishedValue(input.hub, head, gate.metric, reportEntry!, metrics) : undefined
  try {
    const decision = judgeMetric(gate, current, previous)
    if (decision.outcome === 'regressed' && decision.action === 'fail')
      throw new ActionError(`Metric gate: ${decision.reason}. Nothing was published (on-regression: fail)`, 'gate')
    return decision
  } catch (error) {
    if (error instanceof ActionError) throw error
    throw new ActionError(`gate-metric: ${(error as Error).message}`, 'gate', { cause: error })
  }
}

/** The value currently on the Hub: from the published evaluation report, else from the card's model-index. */
async function publishedValue(
  hub: HubClient,
  head: string,
  path: string,
  reportEntry: ManifestEntry,
  metrics: CardMetric[]
): Promise<number | undefined> {
  const publishedReport = await hub.readText(reportEntry.pathInRepo, head)
  const fromReport =
    publishedReport === undefined ? undefined : numberAtPath(parseJsonOrUndefined(publishedReport), path)
  if (fromReport !== undefined) return fromReport
  const card = await hub.readText(CARD_PATH, head)
  const type = metrics.find((m) => m.path === path)?.type ?? path
  return card === undefined ? undefined : publishedMetric(card, type)
}

async function buildCard(
  input: PreparerInput,
  head: string | undefined,
  metrics: CardMetric[],
  reportEntry: ManifestEntry | undefined,
  benchmark: CardContext['benchmark'],
  template: string | undefined
): Promise<ManifestEntry> {
  const { settings } = input
  const existing = head ? await input.hub.readText(CARD_PATH, head) : undefined
  const context: CardContext = {
    modelName: settings.repo.name.split('/')[1]!,
    metadata: settings.card,
    metrics,
    provenance: {
      sourceRepository: input.source.repository,
      sourceRepositoryUrl: input.source.repositoryUrl,
      sourceCommit: input.provenance.sourceCommit,
      sourceCommitUrl: input.source.commitUrl,
      trainRun: input.source.trainRun,
      artifacts: input.artifacts.map((a) => ({ name: a.name, digest: a.digest, size: a.size }))
    },
    files: input.manifest.map((f) => ({ path: f.pathInRepo, size: f.size, sha256: f.sha256 })),
    evaluationReportPath: reportEntry?.pathInRepo,
    benchmark
  }
  let text: string
  try {
    text = renderModelCard(context, existing, template)
    validateCard(text)
  } catch (error: unknown) {
    if (error instanceof CardError)
      throw new ActionError(`The generated model card is invalid, so nothing was pushed: ${error.message}`, 'upload', {
        cause: error
      })
    throw error
  }
  const content = new TextEncoder().encode(text)
  return {
    pathInRepo: CARD_PATH,
    localPath: '',
    content,
    size: content.length,
    sha256: sha256Of(content),
    gitOid: gitBlobOid(content)
  }
}

async function readJson(entry: ManifestEntry, what: string): Promise<unknown> {
  if (entry.size > MAX_REPORT_BYTES)
    throw new ActionError(
      `The ${what} ${entry.pathInRepo} is ${entry.size} bytes; at most ${MAX_REPORT_BYTES} are read`,
      'upload'
    )
  const text = await readFile(entry.localPath, 'utf8')
  try {
    return JSON.parse(text)
  } catch (error: unknown) {
    throw new ActionError(`The ${what} ${entry.pathInRepo} is not valid JSON: ${(error as Error).message}`, 'upload', {
      cause: error
    })
  }
}

async function readTemplate(workspace: string, path: string): Promise<string> {
  const absolute = resolve(workspace, path)
  if (relative(workspace, absolute).startsWith('..'))
    throw new ActionError(`model-card: the template ${path} is outside the workspace`, 'upload')
  try {
    return await readFile(absolute, 'utf8')
  } catch {
    throw new ActionError(`model-card: the template ${path} does not exist in the workspace (${absolute})`, 'upload')
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
