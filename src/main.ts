/**
 * The orchestrator: runs the phases in order and is the only place that fails the step.
 *
 *   inputs → trigger (which Train run, may it be published) → download (its artifacts)
 *   → the mode (publish: files → hub plan and commit → verify) → report; on failure, the failure issue.
 */
import { rm } from 'node:fs/promises'
import { downloadArtifacts, type DownloadedArtifacts } from './artifacts/download-artifacts.ts'
import { LOCAL_ACTION_MARKER } from './artifacts/local-action-extraction.ts'
import { withDownloadRetries } from './artifacts/download-retry.ts'
import { defaultDeps, type Deps } from './deps.ts'
import { ActionError, describeError, type Stage } from './errors.ts'
import type { GitHubApi } from './github/github-api.ts'
import { readSettings, type Settings } from './inputs.ts'
import { closeFailureIssue, openFailureIssue, type IssueContext } from './issues/failure-reporter.ts'
import { RunDeadline } from './lib/deadline.ts'
import { runHistory } from './modes/history.ts'
import { runPublish } from './modes/publish.ts'
import { runRollback } from './modes/rollback.ts'
import { runVerify } from './modes/verify.ts'
import { writeOutputs } from './report/outputs.ts'
import { emptyResult, knownResultOf, type RunResult } from './report/run-result.ts'
import { safeCore, safeGitHub } from './report/safe-core.ts'
import { Scrubber } from './report/scrub.ts'
import { renderFailureSummary, renderSummary } from './report/summary.ts'
import { readRunContext, type RunContext } from './trigger/run-context.ts'
import { resolveTrainRun, TrainRunRefused } from './trigger/resolve-train-run.ts'
import type { WorkflowRun } from './trigger/workflow-run.ts'

export async function run(rawDeps: Deps = defaultDeps()): Promise<void> {
  const scrubber = maskSecrets(rawDeps)
  // Every writer (log, annotations, outputs, summary; the failure issue, in gitHubApi) goes through this scrubber.
  let deps: Deps = { ...rawDeps, core: safeCore(rawDeps.core, scrubber) }
  const { core } = deps
  const ctx = readRunContext(deps.env)
  let settings: Settings | undefined
  let stage: Stage = 'inputs'
  let trainRun: WorkflowRun | undefined
  const github = memo(() => (settings ? gitHubApi(deps, settings, ctx, scrubber) : undefined))

  try {
    settings = await core.group('Resolve inputs', () => Promise.resolve(readSettings((name) => core.getInput(name))))
    const s = settings
    // One deadline for the whole run: every request and every retry wait listens to it.
    deps = { ...deps, deadline: deps.deadline ?? new RunDeadline(s.deadlineMinutes) }
    let result: RunResult
    switch (s.mode) {
      case 'publish': {
        stage = 'trigger'
        const source = await core
          .group('Check the Train run', () =>
            resolveTrainRun(ctx, s, () => requireGitHub(github(), 'find the Train run'))
          )
          .catch((error: unknown) => {
            // A refused run is still named in the failure issue (its link, source commit, the re-run command).
            if (error instanceof TrainRunRefused) trainRun = error.run
            throw error
          })
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
    await report(deps, s, ctx, github, scrubber, result)
  } catch (error) {
    const failedStage = error instanceof ActionError ? error.stage : stage
    // Our own errors say what to do; anything else gets its cause chain (fetch hides the reason there).
    const message = error instanceof ActionError ? error.message : describeError(error)
    // Past the deadline, a short grace period is left for reporting what happened.
    deps.deadline?.enterGrace()
    const known = knownResultOf(error)
    let issueUrl: string | undefined
    if (settings && failedStage !== 'inputs') {
      issueUrl = await openFailureIssue(
        issueContext(deps, settings, ctx, github, scrubber),
        failedStage,
        message,
        trainRun
      )
    }
    // Outputs known at failure time are written too: the commit that landed, verified=false.
    if (known) {
      writeOutputs((name, value) => core.setOutput(name, value), {
        ...known,
        closedIssueUrl: issueUrl
      })
    } else if (issueUrl) {
      core.setOutput('issue-url', issueUrl)
    }
    if (settings && failedStage !== 'inputs') {
      await core.writeSummary(renderFailureSummary(failedStage, message, known)).catch(() => undefined)
    }
    core.setFailed(message)
  } finally {
    deps.deadline?.dispose()
  }
}

/**
 * Registers every secret with the runner before anything can print it, and returns the scrubber
 * that takes them (in every form) out of whatever the action writes. Besides the two token inputs,
 * the runner's own tokens in the environment: a library error could quote them.
 */
function maskSecrets(deps: Deps): Scrubber {
  const inputs = ['hf-token', 'github-token'].map((name) => deps.core.getInput(name))
  const runnerTokens = [deps.env.ACTIONS_RUNTIME_TOKEN, deps.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN]
  const secrets = [...inputs, ...runnerTokens].filter((v): v is string => v !== undefined && v.trim().length > 0)
  for (const secret of inputs.filter((v) => v.trim().length > 0)) deps.core.setSecret(secret.trim())
  return new Scrubber(secrets)
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
  const downloader = withDownloadRetries(
    deps.createArtifactDownloader({ token: settings.githubToken, owner: repo.owner, repo: repo.repo }),
    { policy: deps.retryPolicy, log: (line) => deps.core.info(line), deadline: deps.deadline }
  )
  const result = await downloadArtifacts(api, downloader, {
    runId: trainRun.id,
    attempt: trainRun.run_started_at
      ? { number: trainRun.run_attempt ?? 1, startedAt: trainRun.run_started_at }
      : undefined,
    rules: settings.artifacts,
    runnerTemp: ctx.runnerTemp,
    workspace: ctx.workspace,
    maxBytes: settings.artifactsMaxBytes,
    log: (line) => deps.core.info(line),
    localAction: deps.env[LOCAL_ACTION_MARKER] === undefined ? undefined : { warn: (line) => deps.core.warning(line) }
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
  scrubber: Scrubber,
  result: RunResult
): Promise<void> {
  const { core } = deps
  const resolves =
    !settings.dryRun &&
    result.skippedReason === undefined &&
    result.skippedTrainRun === undefined &&
    result.mode !== 'history'
  if (resolves) {
    result.closedIssueUrl = await closeFailureIssue(issueContext(deps, settings, ctx, github, scrubber), {
      commitUrl: result.commit?.url,
      changed: result.changed
    })
  }
  await core.group('Report', async () => {
    writeOutputs((name, value) => core.setOutput(name, value), result)
    await core.writeSummary(renderSummary(result))
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

/** The GitHub API, its writes (the failure issue) through the same scrubber as the runner's. */
function gitHubApi(deps: Deps, settings: Settings, ctx: RunContext, scrubber: Scrubber): GitHubApi | undefined {
  if (!settings.githubToken || !ctx.repository) return undefined
  const { owner, repo } = ctx.repository
  const api = deps.createGitHubApi({
    token: settings.githubToken,
    apiUrl: ctx.apiUrl,
    owner,
    repo,
    retryPolicy: deps.retryPolicy,
    deadline: deps.deadline,
    log: (line) => deps.core.info(line)
  })
  return safeGitHub(api, scrubber)
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
  scrubber: Scrubber
): IssueContext {
  return { core: deps.core, settings, ctx, github, scrub: (text) => scrubber.text(text) }
}

function memo<T>(make: () => T): () => T {
  let made = false
  let value: T
  return () => (made ? value : ((made = true), (value = make())))
}
