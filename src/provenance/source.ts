/**
 * Where a publish came from, read once from the run: the source repository and commit, and the
 * Train run (or else this publishing run). The commit title, the provenance trailers and the
 * card's provenance section are all written from these facts.
 */
import type { DownloadedArtifact } from '../artifacts/download-artifacts.ts'
import { commitUrl, githubRepoUrl } from '../lib/urls.ts'
import { thisRunUrl, type RunContext } from '../trigger/run-context.ts'
import type { WorkflowRun } from '../trigger/workflow-run.ts'
import type { Provenance } from './trailers.ts'

export interface SourceFacts {
  /** "owner/repo" of this repository. */
  repository?: string
  repositoryUrl?: string
  /** The commit the published files were built from (the Train run's head, else this run's sha). */
  sha?: string
  commitUrl?: string
  /** The Train run, or else this run. */
  run?: { id: string; url: string; label: 'Train run' | 'run'; attempt?: number }
  /** This run, which publishes, whatever triggered it (its page, not one attempt's). */
  publishingRun?: { id: string; url: string }
}

export function sourceFacts(ctx: RunContext, trainRun?: WorkflowRun): SourceFacts {
  const repository = ctx.repository?.fullName
  const repositoryUrl = repository ? githubRepoUrl(ctx.serverUrl, repository) : undefined
  const sha = trainRun ? trainRun.head_sha : ctx.sha
  const url = thisRunUrl(ctx)
  const run = trainRun
    ? { id: String(trainRun.id), url: trainRun.html_url, label: 'Train run' as const, attempt: trainRun.run_attempt }
    : ctx.runId && url
      ? { id: ctx.runId, url, label: 'run' as const, attempt: ctx.runAttempt ? Number(ctx.runAttempt) : undefined }
      : undefined
  return {
    repository,
    repositoryUrl,
    sha,
    commitUrl: repositoryUrl && sha ? commitUrl(repositoryUrl, sha) : undefined,
    run,
    publishingRun: ctx.runId && url ? { id: ctx.runId, url } : undefined
  }
}

/** The trailers' fields that do not depend on the commit's files and metrics. */
export function provenanceOf(
  facts: SourceFacts,
  trainRun: WorkflowRun | undefined,
  actor: string | undefined,
  artifacts: readonly DownloadedArtifact[]
): Omit<Provenance, 'files' | 'metrics'> {
  return {
    sourceRepository: facts.repositoryUrl,
    sourceCommit: facts.sha,
    workflowRun: facts.run?.url,
    workflowRunAttempt: facts.run?.attempt,
    trainRunId: trainRun?.id,
    actor: trainRun?.triggering_actor?.login ?? trainRun?.actor?.login ?? actor,
    artifacts: artifacts.map((a) => ({ name: a.name, digest: a.digest }))
  }
}

/** `fileCount` counts every file the commit holds, the generated README.md included. */
export function defaultCommitTitle(fileCount: number, facts: SourceFacts): string {
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`
  if (!facts.repository) return `Publish ${files} with hf-upload-action`
  const at = facts.sha ? `@${facts.sha.slice(0, 7)}` : ''
  const run = facts.run ? ` (${facts.run.label} ${facts.run.id})` : ''
  return `Publish ${files} from ${facts.repository}${at}${run}`
}
