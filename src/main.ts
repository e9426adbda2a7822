/**
 * The orchestrator: runs the phases in order and is the only place that fails the step.
 *
 *   inputs → trigger (which Train run, may it be published) → download (its artifacts)
 *   → the mode (publish: files → hub plan and commit → verify) → report; on failure, the failure issue.
 */
import { rm } from 'node:fs/promises'
import { downloadArtifacts, type DownloadedArtifacts } from './artifacts/download-artifacts.ts'
import { defaultDeps, type Deps } from './deps.ts'
import { ActionError, describeError, type Stage } from './errors.ts'
import type { GitHubApi } from './github/github-api.ts'
import { readSettings, type Settings } from './inputs.ts'
import { closeFailureIssue, openFailureIssue, type IssueContext } from './issues/failure-reporter.ts'
import { redact } from './lib/redact.ts'
import { runHistory } from './modes/history.ts'
import { runPublish } from './modes/publish.ts'
import { runRollback } from './modes/rollback.ts'
import { runVerify } from './modes/verify.ts'
import { writeOutputs } from './report/outputs.ts'
import { emptyResult, type RunResult } from './report/run-result.ts'
import { renderSummary } from './report/summary.ts'
import { readRunContext, type RunContext } from './trigger/run-context.ts'
import { resolveTrainRun } from './trigger/resolve-train-run.ts'
import type { WorkflowRun } from './trigger/workflow-run.ts'

export async function run(rawDeps: Deps = defaultDeps()): Promise<void> {
  const secrets = maskSecrets(rawDeps)
  const deps = collectLateSecrets(rawDeps, secrets)
  const { core } = deps
  const ctx = readRunContext(deps.env)
  let settings: Settings | undefined
  let stage: Stage = 'inputs'
  let trainRun: WorkflowRun | undefined
  const github = memo(() => (settings ? gitHubApi(deps, settings, ctx) : undefined))

  try {
    settings = await core.group('Resolve inputs', () => Promise.resolve(readSettings((name) => core.getInput(name))))
    const s = settings
    let result: RunResult
    switch (s.mode) {
      case 'publish': {
        stage = 'trigger'
        const source = await core.group('Check the Train run', () =>
          resolveTrainRun(ctx, s, () => requireGitHub(github(), 'find the Train run'))
        )
        if (source.kind === 'skip') {
          core.notice(`Skipped: ${source.reason}`)
          result = { ...emptyResult(s, 'publish'), skippedTrainRun: source.reason, trainRun: runRef(source.run) }
          break
        }
        trainRun = source.kind === 'publish' ? source.run : undefined
        if (trainRun) {
          core.info(
            `Publishing Train run ${trainRun.id} (${trainRun.html_url}), ` +
              `commit ${trainRun.head_sha} on ${trainRun.head_branch}`
          )
        } else {
          core.info(`Event "${ctx.eventName || 'none'}": publishing workspace files only (no Train run).`)
        }
        stage = 'download'
        const run = trainRun
        const downloaded = run
          ? await core.group('Download artifacts', () => download(deps, s, ctx, run, github))
          : undefined
        stage = 'upload'
        // The extracted artifacts are untrusted scratch data: gone once published, whatever happens.
        result = await runPublish(deps, s, ctx, downloaded, trainRun).finally(() =>
          downloaded ? rm(downloaded.root, { recursive: true, force: true }) : undefined
        )
        break
      }
      case 'verify':
        stage = 'verify'
        result = await runVerify(deps, s, ctx)
        break
      case 'rollback':
        stage = 'upload'
        result = await runRollback(deps, s, ctx)
        break
      case 'history':
        stage = 'report'
        result = await runHistory(deps, s)
        break
    }
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

/**
 * Secrets that only exist later in the run (keyless: the job's ID token and the exchanged Hub token)
 * are registered through `core.setSecret`, like the inputs; this makes each of them join the list
 * that outputs, the summary, the failure issue and the error are redacted with.
 */
function collectLateSecrets(deps: Deps, secrets: string[]): Deps {
  const setSecret = (secret: string) => {
    secrets.push(secret)
    deps.core.setSecret(secret)
  }
  return { ...deps, core: { ...deps.core, setSecret } }
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
  for (const a of result.artifacts) {
    deps.core.info(`Artifact "${a.name}" → ${a.folder || '.'}/ (digest ${a.digest ?? 'none'})`)
  }
  return result
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
  const resolves =
    !settings.dryRun &&
    result.skippedReason === undefined &&
    result.skippedTrainRun === undefined &&
    result.mode !== 'history'
  if (resolves) {
    result.closedIssueUrl = await closeFailureIssue(issueContext(deps, settings, ctx, github, secrets), {
      commitUrl: result.commit?.url,
      changed: result.changed
    })
  }
  await core.group('Report', async () => {
    writeOutputs((name, value) => core.setOutput(name, redact(value, secrets)), result)
    await core.writeSummary(redact(renderSummary(result), secrets))
    if (result.skippedTrainRun !== undefined) return
    core.info(
      result.pullRequestUrl
        ? `Pull request: ${result.pullRequestUrl}`
        : result.commit
          ? `Commit: ${result.commit.url}`
          : 'No commit.'
    )
  })
}

function runRef(run: WorkflowRun): RunResult['trainRun'] {
  return { id: run.id, url: run.html_url }
}

function gitHubApi(deps: Deps, settings: Settings, ctx: RunContext): GitHubApi | undefined {
  if (!settings.githubToken || !ctx.repository) return undefined
  const { owner, repo } = ctx.repository
  return deps.createGitHubApi({ token: settings.githubToken, apiUrl: ctx.apiUrl, owner, repo })
}

function requireGitHub(api: GitHubApi | undefined, purpose: string): GitHubApi {
  if (api) return api
  throw new ActionError(
    `github-token is empty (or GITHUB_REPOSITORY is unknown), so the action cannot ${purpose}. ` +
      'Pass github-token: ${{ github.token }} with "permissions: actions: read"',
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
  return { core: deps.core, settings, ctx, github, secrets }
}

function memo<T>(make: () => T): () => T {
  let made = false
  let value: T
  return () => (made ? value : ((made = true), (value = make())))
}
