/**
 * The README.md of a publish: the card on the branch head (its hand-written parts survive) or a
 * template, merged with this publish's metadata, metrics, files and provenance, then validated.
 * Nothing is pushed when it is invalid.
 */
import type { DownloadedArtifact } from '../artifacts/download-artifacts.ts'
import { ActionError } from '../errors.ts'
import type { HubClient } from '../hub/hub-client.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import type { GateSettings } from '../gate/metric-gate.ts'
import type { CardSettings } from '../inputs.ts'
import { gitBlobOid, sha256Of } from '../lib/file-hash.ts'
import { foldPath } from '../lib/names.ts'
import type { SourceFacts } from '../provenance/source.ts'
import { extractMetrics, type CardMetric } from './metrics.ts'
import { requireValidCard } from './hub-validation.ts'
import { CardError, renderModelCard, type CardContext } from './model-card.ts'

export const CARD_PATH = 'README.md'

export interface CardRequest {
  /** Everything the card shows except what is read from the branch head. */
  context: CardContext
  /** Contents of a template file, used instead of the card on the branch. */
  template?: string
  /** Where the Hub validator's warnings go (the step log). */
  warn: (line: string) => void
}

/** The card as a manifest entry (in-memory content), built against `head`. */
export async function buildCard(
  hub: Pick<HubClient, 'readText' | 'validateCard'>,
  head: string | undefined,
  request: CardRequest
): Promise<ManifestEntry> {
  const existing = head ? await hub.readText(CARD_PATH, head) : undefined
  let text: string
  try {
    text = renderModelCard(request.context, existing, request.template)
  } catch (error: unknown) {
    if (error instanceof CardError) {
      throw new ActionError(`The model card cannot be generated, so nothing was pushed: ${error.message}`, 'upload', {
        cause: error
      })
    }
    throw error
  }
  await requireValidCard(hub, text, request.warn, 'upload')
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

/** A publish whose files include README.md cannot also generate it: say which input to change. */
export function checkCardConflict(mode: CardSettings['mode'], manifest: readonly ManifestEntry[]): void {
  const lookalike = manifest.find((f) => f.pathInRepo !== CARD_PATH && foldPath(f.pathInRepo) === foldPath(CARD_PATH))
  if (mode !== 'keep' && lookalike) {
    throw new ActionError(
      `files maps a file to ${lookalike.pathInRepo}, which differs from the generated README.md only by case: a ` +
        'clone on macOS or Windows keeps only one of them. Publish it under another name, or set model-card: keep',
      'upload'
    )
  }
  if (mode !== 'keep' && manifest.some((f) => f.pathInRepo === CARD_PATH)) {
    const which = typeof mode === 'string' ? mode : 'template'
    throw new ActionError(
      `files maps a file to README.md, which model-card: ${which} would overwrite with the generated card. ` +
        'Set model-card: keep to publish your own README.md, or pass it as a template ' +
        '(model-card: path/to/README.md) and drop it from files',
      'upload'
    )
  }
}

/**
 * The card's metrics from the evaluation report (undefined: none published). The gate's metric is
 * shown with `gate-direction`: the user said which way is better, which beats the table's guess.
 */
export function cardMetrics(
  report: { entry: ManifestEntry; content: unknown } | undefined,
  card: Pick<CardSettings, 'metrics'>,
  gate?: Pick<GateSettings, 'metric' | 'direction'>
): CardMetric[] {
  if (report === undefined) {
    if (card.metrics.length > 0) {
      throw new ActionError(
        'card-metrics is set but no evaluation report is published; ' +
          'map one in files (e.g. evaluation_report.json) or set evaluation-report',
        'upload'
      )
    }
    return []
  }
  try {
    const metrics = extractMetrics(report.content, card.metrics)
    return metrics.map((m) => (gate && m.path === gate.metric ? { ...m, better: gate.direction } : m))
  } catch (error) {
    throw new ActionError(`${(error as Error).message} (in ${report.entry.pathInRepo})`, 'upload', { cause: error })
  }
}

export interface CardFacts {
  /** "namespace/name" of the Hub repo. */
  repoName: string
  /** The branch published to. */
  branch: string
  card: CardSettings
  metrics: readonly CardMetric[]
  source: SourceFacts
  /** The Train run the files came from, if any. */
  trainRunId?: number
  artifacts: readonly DownloadedArtifact[]
  manifest: readonly ManifestEntry[]
  evaluationReportPath?: string
  benchmark?: CardContext['benchmark']
}

/** What the card shows, from this publish's facts. */
export function cardContext(facts: CardFacts): CardContext {
  const run = facts.trainRunId === undefined ? undefined : facts.source.run
  const publishing = facts.source.publishingRun
  return {
    modelName: facts.repoName.split('/')[1]!,
    repoId: facts.repoName,
    revision: facts.branch,
    metadata: facts.card,
    metrics: facts.metrics,
    provenance: {
      sourceRepository: facts.source.repository,
      sourceRepositoryUrl: facts.source.repositoryUrl,
      sourceCommit: facts.source.sha,
      sourceCommitUrl: facts.source.commitUrl,
      trainRun: run && { id: Number(run.id), url: run.url, attempt: run.attempt },
      publishingRun: publishing && { id: publishing.id, url: publishing.url },
      artifacts: facts.artifacts.map((a) => ({ name: a.name, digest: a.digest, size: a.size }))
    },
    files: facts.manifest.map((f) => ({ path: f.pathInRepo, size: f.size, sha256: f.sha256 })),
    evaluationReportPath: facts.evaluationReportPath,
    benchmark: facts.benchmark
  }
}
