/**
 * The stage for the hostile-input suite (issue 7): both emulators, dist/index.js run as the runner
 * runs it, and the checks every hostile case shares. Each case publishes to its own Hub repo, so its
 * failure issue and its "no new commit" are its own.
 *
 * `expectRefused` asserts what a refused run must look like from outside:
 * - exit status 1 and exactly one `::error`, as the runner parses stdout (stop-commands honoured),
 *   matching what the case expects (the input it names);
 * - no other command a hostile string could have started (no set-output, add-path, add-mask of
 *   anything but our tokens, no second error, no warning carrying the case's marker);
 * - no new commit on the Hub repo and no LFS upload (basic or part) reaching storage;
 * - no secret in any captured byte: stdout, stderr, outputs, summary and every issue and comment,
 *   in every form the leak scan knows (raw, percent-encoded, base64 as in the checkout's auth
 *   header), and no presigned URL signature the Hub emulator handed out.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from './capture.ts'
// @ts-expect-error plain ESM helper shared with the test runner
import { findTokenLeaks } from './leak-scan.mjs'
import { runDist, type DistRun } from './run-dist.ts'
import { runnerCommands, type RunnerCommand } from './runner-commands.ts'
import { GH_TOKEN, HF_TOKEN } from './tokens.ts'

export const GITHUB_REPO = 'd4oit/tiny-cats-model'
/** Embedded in hostile names and values, so a command or a warning they started can be told apart. */
export const MARKER = 'pwned'

export interface Stage {
  hub: HubEmulator
  gh: GithubEmulator
  close(): Promise<void>
}

export async function startStage(name: string, hubOptions: { multipartThreshold?: number; chunkSize?: number } = {}) {
  const gh = await startGithubEmulator({
    dataDir: captureFolder(`gh-${name}`),
    tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } }
  })
  const hub = await startHubEmulator({
    dataDir: captureFolder(`hub-${name}`),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } },
    ...hubOptions
  })
  gh.addRepo(GITHUB_REPO, { id: 1001 })
  return { hub, gh, close: async () => void (await Promise.all([hub.close(), gh.close()])) } satisfies Stage
}

export interface TrainRunSpec {
  artifacts: Array<{ name: string; files?: Record<string, string | Buffer>; zip?: Buffer; digest?: string | null }>
  headBranch?: string
}

export interface CaseSpec {
  name: string
  workspace: string
  /** Inputs over the defaults (tokens, repo-id, hub-url); `files` is required unless given here. */
  inputs: Record<string, string>
  /** A Train run to publish (workflow_run event); without it the event is `push` (workspace only). */
  trainRun?: TrainRunSpec
  /** Runs against the stage while dist/index.js runs (e.g. waits for a held request). */
  during?: (stage: Stage, repo: string) => Promise<void>
  /** Prepares the Hub repo (e.g. a file already on the branch) before the run. */
  seedHub?: (stage: Stage, repo: string) => Promise<void>
}

export interface CaseResult {
  run: DistRun
  repo: string
  commands: RunnerCommand[]
  commitsBefore: string[]
  commitsAfter: string[]
  lfsUploads: number
}

let repoCounter = 0

export async function runCase(stage: Stage, spec: CaseSpec): Promise<CaseResult> {
  const repo = `d4oit/hostile-${++repoCounter}-${spec.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`
    .replace(/-+$/, '')
    .replace(/--+/g, '-')
  await stage.hub.createRepo(repo)
  await spec.seedHub?.(stage, repo)
  const commitsBefore = (await stage.hub.listCommits(repo)).map((c) => c.oid)
  stage.hub.resetStats()
  const eventDir = captureFolder('event')
  const env: Record<string, string> = {
    GITHUB_REPOSITORY: GITHUB_REPO,
    GITHUB_API_URL: stage.gh.url,
    GITHUB_RUN_ID: '900',
    GITHUB_WORKFLOW: 'Upload to HuggingFace Hub',
    GITHUB_EVENT_NAME: 'push'
  }
  if (spec.trainRun) {
    const run = stage.gh.addWorkflowRun(
      GITHUB_REPO,
      spec.trainRun.headBranch ? { head_branch: spec.trainRun.headBranch } : {}
    )
    for (const a of spec.trainRun.artifacts) {
      await stage.gh.addArtifact(GITHUB_REPO, run.id, {
        name: a.name,
        files: a.zip ? { zip: a.zip } : (a.files ?? {}),
        ...(a.digest !== undefined ? { digest: a.digest } : {})
      })
    }
    await writeFile(join(eventDir, 'event.json'), JSON.stringify(stage.gh.workflowRunPayload(GITHUB_REPO, run.id)))
    env.GITHUB_EVENT_NAME = 'workflow_run'
    env.GITHUB_EVENT_PATH = join(eventDir, 'event.json')
  }
  const running = runDist({
    name: `hostile-${spec.name}`,
    workspace: spec.workspace,
    inputs: {
      'hf-token': HF_TOKEN,
      'github-token': GH_TOKEN,
      'repo-id': repo,
      'hub-url': stage.hub.url,
      ...spec.inputs
    },
    env
  })
  await spec.during?.(stage, repo)
  const run = await running
  return {
    run,
    repo,
    commands: runnerCommands(run.stdout),
    commitsBefore,
    commitsAfter: (await stage.hub.listCommits(repo)).map((c) => c.oid),
    lfsUploads: stage.hub.requestCount('lfs-upload') + stage.hub.requestCount('lfs-part')
  }
}

/** The commands the action itself issues; a resume token follows each stop-commands. */
const OWN_COMMANDS = new Set(['add-mask', 'group', 'endgroup', 'error', 'warning', 'notice', 'debug', 'stop-commands'])

export function expectRefused(
  stage: Stage,
  result: CaseResult,
  expected: RegExp,
  options: { uploadsAllowed?: boolean } = {}
): void {
  const { run, commands } = result
  const transcript = `${run.stdout}\n${run.stderr}`
  assert.equal(run.code, 1, transcript)
  const errors = commands.filter((c) => c.command === 'error')
  assert.equal(errors.length, 1, `exactly one ::error, as the runner reads it:\n${transcript}`)
  assert.match(errors[0]!.data, expected)
  expectNoInjectedCommands(commands)
  assert.deepEqual(result.commitsAfter, result.commitsBefore, 'no new commit on the Hub')
  if (!options.uploadsAllowed) assert.equal(result.lfsUploads, 0, 'no LFS upload reached storage')
  expectNoSecrets(stage, result)
}

export function expectNoInjectedCommands(commands: readonly RunnerCommand[]): void {
  const resumeTokens = new Set(commands.filter((c) => c.command === 'stop-commands').map((c) => c.data.toLowerCase()))
  for (const c of commands) {
    assert.ok(OWN_COMMANDS.has(c.command) || resumeTokens.has(c.command), `unexpected runner command ::${c.command}::`)
    if (c.command === 'add-mask') assert.ok([HF_TOKEN, GH_TOKEN].includes(c.data), 'only our tokens are masked')
    if (c.command === 'warning' || c.command === 'notice' || c.command === 'debug')
      assert.ok(!c.data.includes(MARKER), `a hostile string became a ::${c.command}::`)
  }
}

/** Everything the run left that a person or GitHub could read: log, outputs, summary, issues. */
export function capturedText(stage: Stage, result: CaseResult): string {
  return [result.run.stdout, besidesStdout(stage, result)].join('\n')
}

/** All but stdout, where an `::add-mask::` line is no command the runner swallows but text anyone reads. */
function besidesStdout(stage: Stage, result: CaseResult): string {
  const issues = stage.gh
    .issues(GITHUB_REPO)
    .flatMap((i) => [i.title, i.body ?? '', ...i.comments.map((c: { body?: string | null }) => c.body ?? '')])
  return [result.run.stderr, result.run.summary, ...Object.values(result.run.outputs), ...issues].join('\n')
}

export function expectNoSecrets(stage: Stage, result: CaseResult): void {
  const secrets = [HF_TOKEN, GH_TOKEN, ...stage.hub.uploadUrlSignatures()]
  const leaks = [
    ...findTokenLeaks(result.run.stdout, secrets),
    ...findTokenLeaks(besidesStdout(stage, result), secrets, { masksExempt: false })
  ] as Array<{ line: number; secret: string }>
  assert.deepEqual(
    leaks.map((l) => `line ${l.line}: ${l.secret.slice(0, 12)}…`),
    [],
    'no token, auth header or signature in any captured byte'
  )
}

/** The failure issue this case's run opened (one per Hub repo). */
export function issueOf(stage: Stage, result: CaseResult) {
  return stage.gh.issues(GITHUB_REPO).find((i) => (i.body ?? '').includes(`model:${result.repo}@`))
}
