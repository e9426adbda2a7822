/**
 * mode: publish — resolve and hash the files, plan against the branch head and commit once (with
 * the model card, provenance trailers and the metric gate's verdict, decided again whenever the
 * head moves), verify what landed, tag it, and chart the gate metric.
 */
import type { DownloadedArtifacts } from '../artifacts/download-artifacts.ts'
import { commitPreparer } from '../card/commit-preparer.ts'
import type { Deps } from '../deps.ts'
import { ActionError, LocalFilesError } from '../errors.ts'
import { hashFiles, type KnownDigests } from '../files/manifest.ts'
import { crowdedFolders, describeCrowdedFolders, describeOversizedCommit } from '../files/repo-limits.ts'
import { resolveLocalFiles, type LocalFile, type SourceRoot } from '../files/resolve-files.ts'
import { publishHistory, publishOfRun, renderMetricTrend, type PublishRecord } from '../history/history.ts'
import { publish, type CommitPreparation, type CommitVerdict, type PublishResult } from '../hub/commit.ts'
import { checkToken, connectHub, hubErrorContext } from '../hub/connect.ts'
import type { HubClient } from '../hub/hub-client.ts'
import { createTag } from '../hub/create-tag.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'
import type { Settings } from '../inputs.ts'
import { formatBytes } from '../lib/format.ts'
import { hubCommit } from '../lib/urls.ts'
import { knownArtifactDigests, mappingFingerprint } from '../provenance/known-digests.ts'
import { defaultCommitTitle, provenanceOf, sourceFacts } from '../provenance/source.ts'
import { renderTag } from '../provenance/tag.ts'
import type { Provenance } from '../provenance/trailers.ts'
import { cappedLines, planCounts, planLines } from '../report/file-lines.ts'
import { commitProgressLog } from '../report/progress.ts'
import { emptyResult, withKnownResult, type RunResult } from '../report/run-result.ts'
import type { RunContext } from '../trigger/run-context.ts'
import type { WorkflowRun } from '../trigger/workflow-run.ts'
import { verifyRevision, expectedFromManifest, expectsCard } from '../verify/verify-revision.ts'
import { describeMismatches } from '../verify/verify-files.ts'

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
    const total = resolved.reduce((sum, f) => sum + f.size, 0)
    core.info(`${resolved.length} file${resolved.length === 1 ? '' : 's'}, ${formatBytes(total)}:`)
    const line = (f: LocalFile) => `${f.pathInRepo} <- ${f.origin}: ${f.localPath} (${formatBytes(f.size)})`
    for (const text of cappedLines(resolved, line)) core.info(text)
    // The Hub's folder limit, before a byte is hashed or sent.
    const crowded = crowdedFolders(resolved.map((f) => f.pathInRepo))
    if (crowded.length > 0) throw new LocalFilesError(describeCrowdedFolders(crowded))
    return resolved
  })
  const hub = connectHub(deps, settings)
  const facts = sourceFacts(ctx, trainRun)
  const provenance = {
    ...provenanceOf(facts, trainRun, ctx.actor, downloaded?.artifacts ?? []),
    filesMapping: downloaded ? mappingFingerprint(settings.files, downloaded.artifacts) : undefined
  }

  const { published, prepared } = await core.group('Upload to Hugging Face', async () => {
    // Hashing needs no answer from the Hub: it runs while the token is checked, and stops if the token is refused.
    const hashing = new AbortController()
    const tokenChecked = checkToken(hub, settings, true, 'upload').catch((error: unknown) => {
      hashing.abort()
      throw error
    })
    // A re-run of a published Train run: the artifact files' digests may be known already.
    const known = await knownDigestsOfEarlierPublish(hub, settings, provenance, downloaded, (line) => core.info(line))
    const [, manifest] = await Promise.all([
      tokenChecked,
      hashFiles(files, (line) => core.info(line), hashing.signal, known)
    ])
    const preparer = commitPreparer({
      settings,
      hub,
      manifest,
      provenance,
      facts,
      downloaded,
      workspace: ctx.workspace,
      warn: (line) => core.warning(line)
    })
    const published = await upload(deps, settings, hub, manifest, {
      // The title counts what the commit holds: the mapped files and the generated README.md.
      title:
        settings.commitMessage ?? defaultCommitTitle(files.length + (settings.card.mode === 'keep' ? 0 : 1), facts),
      prepareCommit: (head) => preparer.prepare(head),
      judgeCommit: (head) => preparer.judge(head)
    })
    return { published, prepared: preparer.last() }
  })
  // Per-file lines in a group of their own (collapsed in the job log), the changed ones first.
  await core.group(`Files: ${planCounts(published.plan.files)}`, () => {
    for (const line of planLines(published.plan.files)) core.info(line)
    return Promise.resolve()
  })

  const result: RunResult = {
    ...emptyResult(settings, 'publish'),
    changed: published.changed,
    commit: settings.dryRun ? undefined : published.commit,
    pullRequestUrl: published.pullRequestUrl,
    skippedReason: published.skipped,
    files: published.plan.files,
    bytesUploaded: published.changed ? published.plan.bytesToUpload : 0,
    createdRepo: published.createdRepo,
    trainRun: trainRun && { id: trainRun.id, url: trainRun.html_url },
    artifacts: downloaded?.artifacts,
    metrics: prepared?.metrics.map((m) => ({ name: m.type, value: m.value })),
    gate: prepared?.gate,
    landedUnseen: published.landedUnseen
  }
  if (published.skipped) {
    // A gate skip is not a skipped Train run: it has its own output, and the step log says it too.
    core.notice(`Metric gate: ${published.skipped}. Nothing was committed (on-regression: skip).`)
  }
  if (settings.dryRun || published.skipped) return result

  const revision = published.commit?.oid
  if (revision) {
    // From here on a failure leaves a commit on the Hub: its outputs are written even then.
    await withKnownResult(result, async () => {
      if (deps.deadline?.passed) throw deadlineAfterCommit(deps.deadline.minutes, revision)
      await core.group('Verify upload', () =>
        verifyPublished(deps, settings, hub, revision, published.plan.files, result)
      )
      if (settings.tag && published.changed && !published.pullRequestUrl) {
        result.tag = await tagCommit(deps, settings, hub, revision, ctx, trainRun)
      }
    })
  }
  const trendMetric = metricToChart(settings, prepared?.metrics ?? [])
  const reRun = !published.changed && provenance.workflowRun !== undefined
  if (reRun || trendMetric) {
    // One read of the recent publishes serves both the re-run lookup and the trend chart.
    const recent = await hub
      .listCommits(settings.branch, 200)
      .then((commits) => publishHistory(commits, 200))
      .catch((error: unknown) => {
        core.warning(`Could not read the publish history: ${(error as Error).message}`)
        return []
      })
    const earlier = reRun ? publishOfRun(recent, provenance.workflowRun!) : undefined
    if (earlier) result.commit = hubCommit(settings.hubUrl, settings.repo, earlier.oid)
    if (trendMetric) result.trend = metricTrend(recent.slice(0, 30), trendMetric, result)
  }
  return result
}

/**
 * The digests the earlier publish of this Train run recorded for its artifact files, when the
 * artifacts and their mapping are still the same (provenance/known-digests.ts). Undefined when
 * there are no artifacts, no such publish, or the history cannot be read (then every file is
 * hashed, as always).
 */
async function knownDigestsOfEarlierPublish(
  hub: HubClient,
  settings: Settings,
  provenance: Omit<Provenance, 'files' | 'metrics'>,
  downloaded: DownloadedArtifacts | undefined,
  log: (line: string) => void
): Promise<KnownDigests | undefined> {
  if (!downloaded?.artifacts.length || !provenance.workflowRun || !provenance.filesMapping) return undefined
  const commits = await hub.listCommits(settings.branch, 200).catch(() => [])
  const earlier = publishOfRun(publishHistory(commits, 200), provenance.workflowRun)
  const known = knownArtifactDigests(earlier?.provenance, {
    fingerprint: provenance.filesMapping,
    artifacts: downloaded.artifacts
  })
  if (earlier && !known) log(`This run was published before (${earlier.oid}), but its artifacts or mapping changed.`)
  return known
}

/** The commit loop with progress lines and the plan in the log. */
async function upload(
  deps: Deps,
  settings: Settings,
  hub: HubClient,
  manifest: readonly ManifestEntry[],
  request: {
    title: string
    prepareCommit: (head: string | undefined) => Promise<CommitPreparation>
    judgeCommit: (head: string | undefined) => Promise<CommitVerdict>
  }
): Promise<PublishResult> {
  const { core } = deps
  const progress = commitProgressLog((line) => core.info(line))
  const result = await publish(
    hub,
    {
      manifest,
      branch: settings.branch,
      title: request.title,
      dryRun: settings.dryRun,
      createRepo: settings.createRepo,
      private: settings.private,
      commitUrl: (oid) => hubCommit(settings.hubUrl, settings.repo, oid).url,
      hubUrl: settings.hubUrl,
      deadline: deps.deadline,
      retryPolicy: deps.retryPolicy
    },
    {
      info: (line) => core.info(line),
      warning: (line) => core.warning(line),
      prepareCommit: request.prepareCommit,
      judgeCommit: request.judgeCommit,
      onCommitProgress: progress.onEvent,
      checkPlan: (plan) => {
        // Before any upload, and in a dry run too: it shows what the real run would refuse.
        if (plan.toUpload.length > settings.maxCommitFiles)
          throw new ActionError(describeOversizedCommit(plan.toUpload.length, settings.maxCommitFiles), 'plan')
      }
    }
  ).catch((error: unknown) => {
    throw explainHubError(
      error,
      hubErrorContext(settings, settings.dryRun ? 'planning the upload' : 'publishing', 'upload')
    )
  })
  progress.finish()
  const { plan } = result
  core.info(`${plan.toUpload.length} of ${plan.files.length} files to upload, ${formatBytes(plan.bytesToUpload)}.`)
  return result
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
  const target = { files: expected, paths: wanted, card, content: settings.verifyContent }
  const report = await verifyRevision(hub, revision, target).catch((error: unknown) => {
    throw explainHubError(error, hubErrorContext(settings, 'verifying the commit', 'verify'))
  })
  result.verified = report.ok
  if (!report.ok) throw new ActionError(describeMismatches(report, revision), 'verify')
  const cardNote = card ? ', and the model card parses' : ''
  const contentNote = settings.verifyContent ? '; every file was downloaded again and its SHA-256 matches' : ''
  deps.core.info(`Verified ${report.checked} files at ${revision}: sizes and hashes match${cardNote}${contentNote}.`)
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
  const tag = renderTag(settings.tag!, {
    // Without a Train run (a push or schedule), the publishing workflow's own run number.
    run_number: String(trainRun?.run_number ?? ctx.runNumber ?? ''),
    run_id: String(trainRun?.id ?? ctx.runId ?? ''),
    short_sha: sha.slice(0, 7),
    sha,
    date: new Date(deps.now()).toISOString().slice(0, 10)
  })
  return createTag(hub, tag, revision, {
    info: (line) => deps.core.info(line),
    warning: (line) => deps.core.warning(line)
  })
}

/** The deadline passed while the commit was being settled: it stands, but it was not verified. */
function deadlineAfterCommit(minutes: number, revision: string): ActionError {
  return new ActionError(
    `The run reached its deadline (deadline-minutes: ${minutes}) after the commit ${revision} landed, before it ` +
      'was verified. The commit stands; check it with mode: verify, and raise deadline-minutes for the next runs',
    'verify'
  )
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
