/** What a model card shows: the inputs' metadata, the metrics, the files and where they came from. */
import type { CardMetric } from './metrics.ts'

/** Card metadata from the action's inputs. Empty values leave the card's own value alone. */
export interface CardMetadataInputs {
  license?: string
  libraryName?: string
  tags: readonly string[]
  pipelineTag?: string
  baseModel: readonly string[]
  datasets: readonly string[]
}

/** Where the published files came from. Every field is optional: a workspace-only publish has no Train run. */
export interface CardProvenance {
  /** "d4oit/tiny-cats-model" */
  sourceRepository?: string
  /** "https://github.com/d4oit/tiny-cats-model" */
  sourceRepositoryUrl?: string
  /** The 40-hex commit the Train run built. */
  sourceCommit?: string
  sourceCommitUrl?: string
  trainRun?: { id: number; url: string; attempt?: number }
  /**
   * The workflow run that publishes, on every trigger (after a Train run, on a push, a schedule, a
   * dispatch). Its URL names the run, not an attempt: a re-run attempt renders the same card.
   */
  publishingRun?: { id: string; url: string }
  artifacts: ReadonlyArray<{ name: string; digest: string | null; size: number }>
}

export interface CardContext {
  /** The repo's name part, e.g. "tiny-cats-model". */
  modelName: string
  /** "namespace/name" of the Hub repo, for the How to use snippets. */
  repoId: string
  /** The branch the files are published to. */
  revision: string
  metadata: CardMetadataInputs
  metrics: readonly CardMetric[]
  provenance: CardProvenance
  /** Every file published at this revision (paths in the repo), README.md excluded. */
  files: ReadonlyArray<{ path: string; size: number; sha256: string }>
  /** Repo path of the evaluation report, for a link. */
  evaluationReportPath?: string
  /** Parsed benchmark report and its repo path, when one is published. */
  benchmark?: { path: string; report: unknown }
}
