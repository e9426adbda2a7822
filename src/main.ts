/**
 * The orchestrator: runs the phases in order and is the only place that fails the step.
 */
import type { CommitProgressEvent } from '@huggingface/hub'
import { defaultCommitDescription, defaultCommitTitle, sourceFactsFromEnv } from './commit-message.ts'
import { defaultDeps, type Deps } from './deps.ts'
import { HubError, describeError } from './errors.ts'
import { buildManifest } from './files/manifest.ts'
import { resolveLocalFiles, type LocalFile } from './files/resolve-files.ts'
import type { HubClient } from './hub/hub-client.ts'
import { explainHubError } from './hub/hub-errors.ts'
import { publish, type PublishResult } from './hub/publish.ts'
import { createRetryingFetch } from './hub/retrying-fetch.ts'
import type { UploadPlan } from './hub/upload-plan.ts'
import { readSettings, type Settings } from './inputs.ts'
import { redact } from './report/escape.ts'
import { writeOutputs } from './report/outputs.ts'
import { ProgressReporter, formatBytes } from './report/progress.ts'
import type { RunResult } from './report/run-result.ts'
import { renderSummary } from './report/summary.ts'

export async function run(deps: Deps = defaultDeps()): Promise<void> {
  const { core } = deps
  // Mask the token before anything else can print it, even if it turns out to be invalid.
  const rawToken = core.getInput('hf-token')
  if (rawToken) core.setSecret(rawToken.trim())
  const secrets = [rawToken, rawToken.trim()]

  try {
    const settings = await core.group('Resolve inputs', async () => readSettings((name) => core.getInput(name)))
    const workspace = deps.env.GITHUB_WORKSPACE || process.cwd()
    const files = await core.group('Resolve files', async () => {
      const resolved = await resolveLocalFiles(settings.files, { workspace })
      for (const f of resolved) core.info(`${f.pathInRepo} <- ${f.localPath} (${formatBytes(f.size)})`)
      return resolved
    })
    const hub = createHub(deps, settings)
    const result = await core.group('Upload to Hugging Face', () => upload(deps, settings, hub, files))
    await core.group('Report', async () => {
      writeOutputs((name, value) => core.setOutput(name, redact(value, secrets)), result)
      await core.writeSummary(redact(renderSummary(result), secrets))
      core.info(result.commit ? `Commit: ${result.commit.url}` : 'No commit.')
    })
  } catch (error) {
    core.setFailed(redact(error instanceof HubError || error instanceof Error ? error.message : describeError(error), secrets))
  }
}

function createHub(deps: Deps, settings: Settings): HubClient {
  const fetch = createRetryingFetch(deps.fetch, deps.retryPolicy, (n) =>
    deps.core.info(`${n.method} ${n.target} failed (${n.reason}); retrying in ${Math.ceil(n.waitMs / 1000)}s, ${n.retriesLeft} retries left`)
  )
  return deps.createHubClient({ hubUrl: settings.hubUrl, accessToken: settings.hfToken, repo: settings.repo, fetch })
}

async function upload(deps: Deps, settings: Settings, hub: HubClient, files: LocalFile[]): Promise<RunResult> {
  const { core } = deps
  const context = { hubUrl: settings.hubUrl, repoId: settings.repo.name, branch: settings.branch }
  await checkToken(hub, context)

  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  const hashing = new ProgressReporter('Hashing', totalBytes, (line) => core.info(line))
  const manifest = await buildManifest(files, (file, n) => hashing.add(file.pathInRepo, n))
  hashing.finish()

  const facts = sourceFactsFromEnv(deps.env)
  let uploading: ProgressReporter | undefined
  const result = await publish(
    hub,
    {
      manifest,
      branch: settings.branch,
      title: settings.commitMessage ?? defaultCommitTitle(files.length, facts),
      description: settings.commitDescription ?? defaultCommitDescription(facts),
      dryRun: settings.dryRun,
      createRepo: settings.createRepo,
      private: settings.private,
      commitUrl: (oid) => `${repoUrl(settings)}/commit/${oid}`
    },
    {
      info: (line) => core.info(line),
      warning: (line) => core.warning(line),
      onCommitProgress: (event, plan) => {
        uploading ??= new ProgressReporter('Uploading', plan.bytesToUpload, (line) => core.info(line))
        trackCommitProgress(event, plan, uploading, core.info)
      }
    }
  ).catch((error: unknown) => {
    throw explainHubError(error, { ...context, doing: settings.dryRun ? 'planning the upload' : 'publishing', stage: 'upload' })
  })
  uploading?.finish()
  logPlan(core.info, result)
  return toRunResult(settings, result)
}

async function checkToken(hub: HubClient, context: { hubUrl: string; repoId: string; branch: string }): Promise<void> {
  const me = await hub.whoAmI().catch((error: unknown) => {
    throw explainHubError(error, { ...context, doing: 'checking hf-token with the Hub (whoami)', stage: 'upload' })
  })
  if (me.role === 'read') {
    throw new HubError(`hf-token belongs to ${me.name} but is a read-only token; publishing needs a token with write access`, 'upload', 403)
  }
}

function trackCommitProgress(event: CommitProgressEvent, plan: UploadPlan, reporter: ProgressReporter, info: (line: string) => void): void {
  if (event.event === 'phase') {
    info(`Hub commit: ${event.phase === 'preuploading' ? 'negotiating uploads' : event.phase === 'uploadingLargeFiles' ? 'uploading large files' : 'committing'}`)
    return
  }
  if (event.state !== 'uploading') return
  const size = plan.toUpload.find((f) => f.pathInRepo === event.path)?.size ?? 0
  reporter.set(event.path, event.progress * size)
}

function logPlan(info: (line: string) => void, result: PublishResult): void {
  const { plan } = result
  for (const f of plan.files) info(`${f.status.padEnd(9)} ${f.pathInRepo} (${formatBytes(f.size)}, sha256 ${f.sha256.slice(0, 12)})`)
  info(`${plan.toUpload.length} of ${plan.files.length} files to upload, ${formatBytes(plan.bytesToUpload)}.`)
}

function repoUrl(settings: Settings): string {
  const prefix = settings.repo.type === 'model' ? '' : `${settings.repo.type}s/`
  return `${settings.hubUrl}/${prefix}${settings.repo.name}`
}

function toRunResult(settings: Settings, result: PublishResult): RunResult {
  return {
    repo: { ...settings.repo, url: repoUrl(settings) },
    branch: settings.branch,
    dryRun: settings.dryRun,
    changed: result.changed,
    commit: settings.dryRun ? undefined : result.commit,
    files: result.plan.files,
    bytesUploaded: result.plan.bytesToUpload,
    createdRepo: result.createdRepo
  }
}
