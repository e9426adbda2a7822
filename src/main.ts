/**
 * The orchestrator: runs the phases in order and is the only place that fails the step.
 *
 *   inputs → trigger (which Train run, may it be published) → download (its artifacts)
 *   → upload (one commit) → report; on failure, the failure issue.
 */
import { rm } from 'node:fs/promises'
import { downloadArtifacts, type DownloadedArtifacts } from './artifacts/download-artifacts.ts'
import { defaultDeps, type Deps } from './deps.ts'
import { ActionError, describeError, type Stage } from './errors.ts'
import type { GitHubApi } from './github/github-api.ts'
import { readSettings, type Settings } from './inputs.ts'
import { closeFailureIssue, openFailureIssue, type IssueContext } from './issue-stage.ts'
import { escapeHtml, redact } from './report/escape.ts'
import { skippedOutputs, writeOutputs } from './report/outputs.ts'
import type { RunResult } from './report/run-result.ts'
import { renderSummary } from './report/summary.ts'
import { readRunContext, type RunContext } from './trigger/run-context.ts'
import { resolveTrainRun } from './trigger/resolve-train-run.ts'
import type { WorkflowRun } from './trigger/workflow-run.ts'
import { runHistory } from './modes/history-mode.ts'
import { runPublish } from './modes/publish-mode.ts'
import { runRollback } from './modes/rollback-mode.ts'
import { runVerify } from './modes/verify-mode.ts'

export async function run(deps: Deps = defaultDeps()): Promise<void> {
  const { core } = deps
  const secrets = maskSecrets(deps)
  const ctx = readRunContext(deps.env)
  let settings: Settings | undefined
  let stage: Stage = 'inputs'
  let trainRun: WorkflowRun | undefined
  const github = memo(() => (settings ? gitHubApi(deps, settings, ctx) : undefined))

  try {
    settings = await core.group('Resolve inputs', async () => readSettings((name) => core.getInput(name)))
    const s = settings
    if (s.mode !== 'publish') {
      stage = s.mode === 'verify' ? 'verify' : 'upload'
      const result = await runOtherMode(deps, s, ctx)
      await report(deps, s, ctx, github, secrets, result)
      return
    }

    stage = 'trigger'
    const source = await core.group('Check the Train run', () =>
      resolveTrainRun(ctx, s, () => requireGitHub(github(), 'find the Train run'))
    )
    if (source.kind === 'skip') {
      core.notice(`Skipped: ${source.reason}`)
      for (const [name, value] of Object.entries(skippedOutputs(source.reason, source.run.id)))
        core.setOutput(name, value)
      await core.writeSummary(`## Hugging Face Hub: skipped\n\n<p>${escapeHtml(source.reason)}</p>\n`)
      return
    }
    if (source.kind === 'publish') {
      trainRun = source.run
      core.info(
        `Publishing Train run ${trainRun.id} (${trainRun.html_url}), commit ${trainRun.head_sha} on ${trainRun.head_branch}`
      )
    } else {
      core.info(`Event "${ctx.eventName || 'none'}": publishing workspace files only (no Train run).`)
    }

    stage = 'download'
    const downloaded = trainRun
      ? await core.group('Download artifacts', () => download(deps, s, ctx, trainRun!, github))
      : undefined

    stage = 'upload'
    // The extracted artifacts are untrusted scratch data: gone once published, whatever happens.
    const result = await runPublish(deps, s, ctx, downloaded, trainRun).finally(() =>
      downloaded ? rm(downloaded.root, { recursive: true, force: true }) : undefined
    )

    stage = 'report'
    await report(deps, s, ctx, github, secrets, result)
  } catch (error) {
    const failedStage = error instanceof ActionError ? error.stage : stage
    // Our own errors say what to do; anything else gets its cause chain (fetch hides the reason there).
    const message = redact(error instanceof ActionError ? error.message : describeError(error), secrets)
    if (settings && failedStage !== 'inputs') {
      const url = await openFailureIssue(
        issueContext(deps, settings, ctx, github, secrets),
        failedStage,
        message,
        trainRun
      )
      if (url) core.setOutput('issue-url', url)
    }
    core.setFailed(message)
  }
}

/** Registers every secret input with the runner before anything can print it. */
function maskSecrets(deps: Deps): string[] {
  const secrets = ['hf-token', 'github-token'].map((name) => deps.core.getInput(name)).filter((v) => v.length > 0)
  for (const secret of secrets) deps.core.setSecret(secret.trim())
  return secrets.flatMap((s) => [s, s.trim()])
}

async function download(
  deps: Deps,
  settings: Settings,
  ctx: RunContext,
  trainRun: WorkflowRun,
  github: () => GitHubApi | undefined
): Promise<DownloadedArtifacts> {
  const api = requireGitHub(github(), 'download the Train run’s artifacts')
  const repo = ctx.repository!
  const downloader = deps.createArtifactDownloader({ token: settings.githubToken, owner: repo.owner, repo: repo.repo })
  const result = await downloadArtifacts(api, downloader, {
    runId: trainRun.id,
    rules: settings.artifacts,
    runnerTemp: ctx.runnerTemp,
    workspace: ctx.workspace,
    log: (line) => deps.core.info(line)
  })
  deps.core.info(`Artifacts extracted into ${result.root} (outside the workspace; removed after the upload)`)
  for (const a of result.artifacts)
    deps.core.info(`Artifact "${a.name}" → ${a.folder || '.'}/ (digest ${a.digest ?? 'none'})`)
  return result
}

function runOtherMode(deps: Deps, settings: Settings, ctx: RunContext): Promise<RunResult> {
  switch (settings.mode) {
    case 'verify':
      return runVerify(deps, settings, ctx)
    case 'rollback':
      return runRollback(deps, settings, ctx)
    default:
      return runHistory(deps, settings)
  }
}

/** Outputs, summary, and closing a failure issue this success resolves. */
async function report(
  deps: Deps,
  settings: Settings,
  ctx: RunContext,
  github: () => GitHubApi | undefined,
  secrets: readonly string[],
  result: RunResult
): Promise<void> {
  const { core } = deps
  const resolves = !settings.dryRun && result.skippedReason === undefined && result.mode !== 'history'
  if (resolves)
    result.closedIssueUrl = await closeFailureIssue(issueContext(deps, settings, ctx, github, secrets), {
      commitUrl: result.commit?.url,
      changed: result.changed
    })
  await core.group('Report', async () => {
    writeOutputs((name, value) => core.setOutput(name, redact(value, secrets)), result)
    await core.writeSummary(redact(renderSummary(result), secrets))
    core.info(
      result.pullRequestUrl
        ? `Pull request: ${result.pullRequestUrl}`
        : result.commit
          ? `Commit: ${result.commit.url}`
          : 'No commit.'
    )
  })
}

function gitHubApi(deps: Deps, settings: Settings, ctx: RunContext): GitHubApi | undefined {
  if (!settings.githubToken || !ctx.repository) return undefined
  return deps.createGitHubApi({
    token: settings.githubToken,
    apiUrl: ctx.apiUrl,
    owner: ctx.repository.owner,
    repo: ctx.repository.repo
  })
}

function requireGitHub(api: GitHubApi | undefined, purpose: string): GitHubApi {
  if (api) return api
  throw new ActionError(
    `github-token is empty (or GITHUB_REPOSITORY is unknown), so the action cannot ${purpose}. Pass github-token: \${{ github.token }} with "permissions: actions: read"`,
    'trigger'
  )
}

function issueContext(
  deps: Deps,
  settings: Settings,
  ctx: RunContext,
  github: () => GitHubApi | undefined,
  secrets: readonly string[]
): IssueContext {
  return { deps, settings, ctx, github, secrets }
}

function memo<T>(make: () => T): () => T {
  let made = false
  let value: T
  return () => (made ? value : ((made = true), (value = make())))
}
