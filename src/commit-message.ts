/** The default commit title, naming where the files came from (the description carries trailers: src/provenance). */
import type { RunContext } from './trigger/run-context.ts'
import type { WorkflowRun } from './trigger/workflow-run.ts'

export interface SourceFacts {
  repository?: string
  serverUrl: string
  /** The commit the published files were built from (the Train run's head, else this run's sha). */
  sha?: string
  /** The Train run, or else this run. */
  run?: { id: string; url: string; label: string }
}

export function sourceFacts(ctx: RunContext, trainRun?: WorkflowRun): SourceFacts {
  const repository = ctx.repository?.fullName
  const base = repository ? `${ctx.serverUrl}/${repository}` : undefined
  if (trainRun)
    return {
      repository,
      serverUrl: ctx.serverUrl,
      sha: trainRun.head_sha,
      run: { id: String(trainRun.id), url: trainRun.html_url, label: 'Train run' }
    }
  const run = ctx.runId && base ? { id: ctx.runId, url: `${base}/actions/runs/${ctx.runId}`, label: 'run' } : undefined
  return { repository, serverUrl: ctx.serverUrl, sha: ctx.sha, run }
}

export function defaultCommitTitle(fileCount: number, facts: SourceFacts): string {
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`
  if (!facts.repository) return `Publish ${files} with hf-upload-action`
  const at = facts.sha ? `@${facts.sha.slice(0, 7)}` : ''
  const run = facts.run ? ` (${facts.run.label} ${facts.run.id})` : ''
  return `Publish ${files} from ${facts.repository}${at}${run}`
}
