/**
 * mode: publish — resolve and hash the files, plan against the branch head, commit once (with
 * the model card and provenance), verify what landed, tag it.
 */
import type { DownloadedArtifacts } from '../artifacts/download-artifacts.ts'
import { defaultCommitTitle, sourceFacts } from '../commit-message.ts'
import type { Deps } from '../deps.ts'
import { ActionError } from '../errors.ts'
import { resolveLocalFiles, type SourceRoot } from '../files/resolve-files.ts'
import type { HubClient } from '../hub/hub-client.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import type { PublishResult } from '../hub/publish.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import { publishHistory, renderMetricTrend, type PublishRecord } from '../history/history.ts'
import type { Settings } from '../inputs.ts'
import { PUBLISHED_BY, type Provenance } from '../provenance/trailers.ts'
import { formatBytes } from '../report/progress.ts'
import type { RunResult } from '../report/run-result.ts'
import type { RunContext } from '../trigger/run-context.ts'
import type { WorkflowRun } from '../trigger/workflow-run.ts'
import { checkToken, createHub, hashFiles, hubCommit, hubContext, hubRepoUrl, uploadToHub } from '../upload-stage.ts'
import { describeMismatches } from '../verify/verify-files.ts'
import { createCommitPreparer } from './commit-preparer.ts'
import { expectedFromManifest, expectsCard, verifyRevision } from './verify-revision.ts'

export async function runPublish(
  deps: Deps,
  settings: Settings,
  ctx: RunContext,
  downloaded: DownloadedArtifacts | undefined,
  trainRun: WorkflowRun | undefined
): Promise<RunResult> {
  const { core } = deps
  const roots: SourceRoot[] = [
    ...(downloaded ? [{ dir: downloaded.root, label: 'artifacts' }] : []),
    { dir: ctx.workspace, label: 'workspace' }
  ]
  const files = await core.group('Resolve files', async () => {
    const resolved = await resolveLocalFiles(settings.files, { roots })
    for (const f of resolved) core.info(`${f.pathInRepo} <- ${f.origin}: ${f.localPath} (${formatBytes(f.size)})`)
    return resolved
  })
  const hub = createHub(deps, settings)
  const facts = sourceFacts(ctx, trainRun)
  const provenance = provenanceOf(ctx, trainRun, downloaded)
  const repositoryUrl = facts.repository ? `${facts.serverUrl}/${facts.repository}` : undefined

  const { published, details } = await core.group('Upload to Hugging Face', async () => {
    // Hashing needs no answer from the Hub: it runs while the token is checked, and stops if the token is refused.
    const hashing = new AbortController()
    const tokenChecked = checkToken(hub, hubContext(settings)).catch((error: unknown) => {
      hashing.abort()
      throw error
    })
    const [, manifest] = await Promise.all([tokenChecked, hashFiles(deps, files, hashing.signal)])
    const preparer = createCommitPreparer({
      settings,
      hub,
      manifest,
      provenance,
      source: {
        repository: facts.repository,
        repositoryUrl,
        commitUrl: repositoryUrl && facts.sha ? `${repositoryUrl}/commit/${facts.sha}` : undefined,
        trainRun: trainRun && { id: trainRun.id, url: trainRun.html_url, attempt: trainRun.run_attempt }
      },
      artifacts: downloaded?.artifacts ?? [],
      workspace: ctx.workspace
    })
    const published = await uploadToHub(deps, settings, hub, {
      manifest,
      title: settings.commitMessage ?? defaultCommitTitle(files.length, facts),
      prepareCommit: (head) => preparer.prepare(head)
    })
    return { published, details: preparer.last() }
  })

  const result = baseResult(settings, published, trainRun, downloaded)
  result.metrics = details?.metrics.map((m) => ({ name: m.type, value: m.value }))
  result.gate = details?.gate
  if (settings.dryRun || published.skipped) return result

  const revision = published.commit?.oid
  if (revision) {
    await core.group('Verify upload', () =>
      verifyPublished(deps, settings, hub, revision, published.plan.files, result)
    )
    if (settings.tag && published.changed && !published.pullRequestUrl)
      result.tag = await tagCommit(deps, settings, hub, revision, ctx, trainRun)
  }
  const trendMetric = metricToChart(settings, details?.metrics ?? [])
  const reRun = !published.changed && provenance.workflowRun !== undefined
  if (reRun || trendMetric) {
    // One read of the recent publishes serves both the re-run lookup and the trend chart.
    const recent = await recentPublishes(hub, settings).catch((error: unknown) => {
      core.warning(`Could not read the publish history: ${(error as Error).message}`)
      return []
    })
    if (reRun) result.commit = earlierPublishOf(recent, settings, provenance) ?? result.commit
    if (trendMetric) result.trend = metricTrend(recent.slice(0, 30), trendMetric, result)
  }
  return result
}

function provenanceOf(
  ctx: RunContext,
  trainRun: WorkflowRun | undefined,
  downloaded: DownloadedArtifacts | undefined
): Omit<Provenance, 'files' | 'metrics'> {
  const facts = sourceFacts(ctx, trainRun)
  return {
    sourceRepository: facts.repository ? `${facts.serverUrl}/${facts.repository}` : undefined,
    sourceCommit: facts.sha,
    workflowRun: facts.run?.url,
    workflowRunAttempt: trainRun?.run_attempt ?? (ctx.runAttempt ? Number(ctx.runAttempt) : undefined),
    trainRunId: trainRun?.id,
    actor: trainRun?.triggering_actor?.login ?? trainRun?.actor?.login ?? ctx.actor,
    artifacts: (downloaded?.artifacts ?? []).map((a) => ({ name: a.name, digest: a.digest }))
  }
}

function baseResult(
  settings: Settings,
  published: PublishResult,
  trainRun: WorkflowRun | undefined,
  downloaded: DownloadedArtifacts | undefined
): RunResult {
  return {
    mode: 'publish',
    repo: { ...settings.repo, url: hubRepoUrl(settings) },
    branch: settings.branch,
    dryRun: settings.dryRun,
    changed: published.changed,
    commit: settings.dryRun ? undefined : published.commit,
    pullRequestUrl: published.pullRequestUrl,
    skippedReason: published.skipped,
    files: published.plan.files,
    bytesUploaded: published.changed ? published.plan.bytesToUpload : 0,
    createdRepo: published.createdRepo,
    trainRun: trainRun && { id: trainRun.id, url: trainRun.html_url },
    artifacts: downloaded?.artifacts
  }
}

async function recentPublishes(hub: HubClient, settings: Settings): Promise<PublishRecord[]> {
  return publishHistory(await hub.listCommits(settings.branch, 200), 200)
}

/** Re-publishing a run that is already on the Hub: point at the commit that published it. */
function earlierPublishOf(
  recent: readonly PublishRecord[],
  settings: Settings,
  provenance: Pick<Provenance, 'workflowRun'>
): RunResult['commit'] {
  const earlier = recent.find((r) => r.provenance.workflowRun === provenance.workflowRun)
  return earlier && hubCommit(settings, earlier.oid)
}

async function verifyPublished(
  deps: Deps,
  settings: Settings,
  hub: HubClient,
  revision: string,
  files: readonly ManifestEntry[],
  result: RunResult
): Promise<void> {
  const wanted = settings.expectedFiles
  const expected = expectedFromManifest(wanted.length ? files.filter((f) => wanted.includes(f.pathInRepo)) : files)
  const card = expectsCard(settings)
  const report = await verifyRevision(hub, revision, { files: expected, paths: wanted, card }).catch(
    (error: unknown) => {
      throw explainHubError(error, { ...hubContext(settings), doing: 'verifying the commit', stage: 'verify' })
    }
  )
  result.verified = report.ok
  if (!report.ok) throw new ActionError(describeMismatches(report, revision), 'verify')
  deps.core.info(
    `Verified ${report.checked} files at ${revision}: sizes and hashes match${card ? ', and the model card parses' : ''}.`
  )
}

async function tagCommit(
  deps: Deps,
  settings: Settings,
  hub: HubClient,
  revision: string,
  ctx: RunContext,
  trainRun: WorkflowRun | undefined
): Promise<string | undefined> {
  const sha = trainRun?.head_sha ?? ctx.sha ?? ''
  const values: Record<string, string> = {
    run_number: String(trainRun?.run_number ?? ''),
    run_id: String(trainRun?.id ?? ctx.runId ?? ''),
    short_sha: sha.slice(0, 7),
    sha,
    date: new Date().toISOString().slice(0, 10)
  }
  const tag = settings.tag!.replace(/\{([a-z_]+)\}/g, (whole, key: string) => values[key] ?? whole)
  try {
    await hub.createTag(tag, revision, `Published by ${PUBLISHED_BY}`)
    deps.core.info(`Tagged ${revision} as "${tag}".`)
    return tag
  } catch (error) {
    // The commit is made and verified; a tag that cannot be created must not turn that into a failure.
    deps.core.warning(
      `Could not create the tag "${tag}": ${(error as Error).message}. The commit stands; check the tag input (placeholders make tags unique per run).`
    )
    return undefined
  }
}

/** The metric the trend chart follows: the gate's, else the first one of the card. */
function metricToChart(settings: Settings, metrics: ReadonlyArray<{ path: string; type: string }>): string | undefined {
  return (settings.gate && metrics.find((m) => m.path === settings.gate!.metric)?.type) ?? metrics[0]?.type
}

/** A Mermaid chart of that metric over recent publishes, plus this run when it is not on the branch (a PR, a skip). */
function metricTrend(records: readonly PublishRecord[], metric: string, result: RunResult): string | undefined {
  const current = result.metrics?.find((m) => m.name === metric)
  const onBranch = result.commit && records.some((r) => r.oid === result.commit!.oid)
  return renderMetricTrend(
    records,
    metric,
    !onBranch && current ? { label: 'this run', value: current.value } : undefined
  )
}
