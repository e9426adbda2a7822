/**
 * `npm run demo`: the seed's whole flow on this machine, with nothing to configure.
 *
 * Starts the Hub and GitHub emulators on free loopback ports, seeds a successful Train run with
 * "checkpoints" and "evaluation-report" artifacts, writes the checked-out repository (ONNX
 * export, benchmark report, sample images) into a scratch workspace, and runs the committed
 * dist/index.js exactly as a runner would for a `workflow_run` event (INPUT_* and GITHUB_*
 * environment). Prints the job summary, the outputs and the commit URL. Builds nothing.
 *
 *   npm run demo                     the happy path: a publish with hf-token, then the next Train
 *                                    run published keyless (GitHub OIDC → the repo's Trusted Publisher)
 *   npm run demo -- --failure        a failing publish opens an issue; a manual re-run
 *                                    (workflow_dispatch with run-id) publishes and closes it
 *   npm run demo -- --keep-running   leave both emulators up to browse them
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startGithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator } from '../emulators/hub/server.ts'
import { samplePng } from '../support/png.ts'
import { DIST_ENTRY, parseOutputFile } from '../support/run-dist.ts'
import { SEED_FILES_MAPPING, pseudoRandomBytes, writeFiles } from '../support/workspace.ts'

const failureVariant = process.argv.includes('--failure')
const keepRunning = process.argv.includes('--keep-running')
const HF_TOKEN = 'hf_' + 'demo'.repeat(9)
const GH_TOKEN = 'ghs_' + 'demo'.repeat(9)
const REPO = 'd4oit/tiny-cats-model'
/** Runs of the action so far (each gets its own GITHUB_RUN_ID). */
let publishingRuns = 0

const root = await mkdtemp(join(tmpdir(), 'hf-upload-action-demo-'))
const hub = await startHubEmulator({
  dataDir: join(root, 'hub-data'),
  tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } }
})
const gh = await startGithubEmulator({
  dataDir: join(root, 'github-data'),
  tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } }
})
console.log(`Hub emulator    ${hub.url}  (data: ${join(root, 'hub-data')})`)
console.log(`GitHub emulator ${gh.url}  (data: ${join(root, 'github-data')})`)

// The Train run and its artifacts, as actions/upload-artifact would have stored them.
gh.addRepo(REPO, { id: 1001, defaultBranch: 'main' })
/** A successful Train run on main, with its checkpoint and evaluation report as artifacts. */
async function addTrainRun(checkpointSeed: string, report: object) {
  const run = gh.addWorkflowRun(REPO, { path: '.github/workflows/train.yml', event: 'push', head_branch: 'main' })
  await gh.addArtifact(REPO, run.id, {
    name: 'checkpoints',
    files: { 'tinydit_final.pt': pseudoRandomBytes(4 * 1024 * 1024, checkpointSeed) }
  })
  await gh.addArtifact(REPO, run.id, {
    name: 'evaluation-report',
    files: { 'evaluation_report.json': JSON.stringify(report, null, 2) }
  })
  return run
}
const train = await addTrainRun('demo-checkpoint', {
  fid: 41.7,
  inception_score: 3.12,
  precision: 0.61,
  recall: 0.48,
  steps: 200000
})
console.log(`Train run ${train.id} (${train.html_url}) succeeded with artifacts "checkpoints" and "evaluation-report"`)

// The checked-out repository: what the files mapping takes from the workspace.
const workspace = join(root, 'workspace')
await writeFiles(workspace, {
  'frontend/public/models/generator_quantized.onnx': pseudoRandomBytes(768 * 1024, 'demo-onnx'),
  'benchmark_report.json': JSON.stringify({ onnx_latency_ms: { p50: 12.5, p95: 19.1 }, device: 'cpu' }, null, 2),
  ...Object.fromEntries(
    [0, 1, 2, 3].map((i) => [`samples/evaluation/cat_${String(i).padStart(3, '0')}.png`, samplePng(i)])
  )
})

let exitCode: number
if (failureVariant) {
  // A 5xx would be settled by reading the branch back and sending again; a rate limit on the commit is
  // a refusal the action does not wait out, so this run fails and files the issue.
  hub.faults.add({ route: 'commit', status: 429, retryAfter: 60, times: 1 })
  console.log('\n=== 1. workflow_run after Train, while the Hub rate-limits the commit (429) ===')
  const failed = await runAction('workflow_run', gh.workflowRunPayload(REPO, train.id), {})
  console.log(`exit code ${failed.code}; issue: ${failed.outputs['issue-url']}`)
  printIssues()
  console.log(`\n=== 2. manual re-run: workflow_dispatch with run-id ${train.id} ===`)
  const rerun = await runAction('workflow_dispatch', gh.workflowDispatchPayload(REPO, { 'run-id': String(train.id) }), {
    'run-id': String(train.id)
  })
  console.log(`exit code ${rerun.code}; published ${rerun.outputs['commit-url']}`)
  printIssues()
  exitCode = failed.code === 1 && rerun.code === 0 ? 0 : 1
} else {
  console.log('\n=== 1. workflow_run after Train, with hf-token (a stored secret) ===')
  const result = await runAction('workflow_run', gh.workflowRunPayload(REPO, train.id), {})
  console.log('\n── Job summary (GITHUB_STEP_SUMMARY) ──\n')
  console.log(result.summary)
  console.log('── Outputs ──')
  for (const [name, value] of Object.entries(result.outputs))
    console.log(`${name}: ${name === 'files' ? JSON.stringify(JSON.parse(value), null, 2) : value}`)
  console.log(`\n${result.code === 0 ? 'Published' : 'FAILED'}: ${result.outputs['commit-url'] || '(no commit)'}`)
  const card = await hub.readFile({ type: 'model', name: REPO }, 'main', 'README.md')
  // The whole card, as the Hub holds it: the README's rendered example is this text.
  if (card) {
    console.log('\n── The generated model card (README.md on the Hub) ──\n')
    console.log(`${card.toString()}── end of card ──`)
  }
  const keyless = await keylessFlow()
  exitCode = result.code === 0 && keyless === 0 ? 0 : 1
}
console.log(`\nThe emulators' data (Hub repos, commits, LFS objects; GitHub runs, issues) is in ${root}`)

if (keepRunning) console.log('Emulators still running; press Ctrl+C to stop.')
else {
  await hub.close()
  await gh.close()
  process.exitCode = exitCode
}

/**
 * The next Train run, published keyless: no hf-token. The job "has" `permissions: id-token: write`
 * (the runner's ACTIONS_ID_TOKEN_REQUEST_* variables), and the Hub repo trusts the publishing
 * workflow of this repository on main.
 */
async function keylessFlow(): Promise<number> {
  const claims = {
    repository: REPO,
    ref: 'refs/heads/main',
    workflow_ref: `${REPO}/.github/workflows/upload-hub.yml@refs/heads/main`
  }
  hub.trustedPublishers.add({ repo: REPO, issuer: gh.oidc.issuer, claims })
  console.log(
    `\n=== 2. the next Train run, keyless: no hf-token; the job's OIDC ID token is exchanged with the ` +
      `repo's Trusted Publisher ===\nTrusted Publisher of ${REPO} (repo settings on the Hub): provider GitHub ` +
      `Actions, issuer ${gh.oidc.issuer}, claims ${JSON.stringify(claims, null, 1).replace(/\n\s*/g, ' ')}`
  )
  const next = await addTrainRun('demo-checkpoint-2', { fid: 39.9, inception_score: 3.2, steps: 220000 })
  const job = gh.oidc.addJob(REPO)
  const result = await runAction('workflow_run', gh.workflowRunPayload(REPO, next.id), {}, job.env)
  console.log('\n── Job summary (GITHUB_STEP_SUMMARY), first lines ──\n')
  console.log(result.summary.split('\n').slice(0, 6).join('\n'))
  const [latest] = await hub.listCommits({ type: 'model', name: REPO })
  console.log(
    `\n${result.code === 0 ? 'Published keyless' : 'FAILED'}: ${result.outputs['commit-url'] || '(no commit)'}` +
      (latest ? ` (commit "${latest.title}")` : '')
  )
  return result.code
}

/** `oidcJob`: the runner variables of a job with `id-token: write`; then no hf-token is passed. */
async function runAction(
  event: string,
  payload: object,
  extraInputs: Record<string, string>,
  oidcJob?: Record<string, string>
) {
  const runnerTemp = await mkdtemp(join(root, 'runner-temp-'))
  await mkdir(runnerTemp, { recursive: true })
  const eventPath = join(runnerTemp, 'event.json')
  const outputFile = join(runnerTemp, 'github_output')
  const summaryFile = join(runnerTemp, 'step_summary.md')
  await writeFile(eventPath, JSON.stringify(payload, null, 2))
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? root,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: REPO,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.com',
    // One id per run of the action, the same on every demo: the printed card is then the README's example.
    GITHUB_RUN_ID: String(20000000001 + publishingRuns++),
    GITHUB_WORKFLOW: 'Upload to HuggingFace Hub',
    GITHUB_WORKFLOW_REF: `${REPO}/.github/workflows/upload-hub.yml@refs/heads/main`,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: runnerTemp,
    ...(oidcJob ? oidcJob : { 'INPUT_HF-TOKEN': HF_TOKEN }),
    'INPUT_GITHUB-TOKEN': GH_TOKEN,
    'INPUT_REPO-ID': REPO,
    'INPUT_HUB-URL': hub.url,
    'INPUT_CREATE-REPO': 'true',
    INPUT_PRIVATE: 'false',
    INPUT_ARTIFACTS: 'checkpoints\nevaluation-report -> evaluation/',
    INPUT_FILES: SEED_FILES_MAPPING,
    INPUT_LICENSE: 'apache-2.0',
    'INPUT_LIBRARY-NAME': 'pytorch',
    'INPUT_PIPELINE-TAG': 'unconditional-image-generation',
    INPUT_TAGS: 'diffusion, cats, tiny',
    INPUT_TAG: 'train-{run_number}',
    ...Object.fromEntries(Object.entries(extraInputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v]))
  }
  console.log(`$ node ${DIST_ENTRY}   (GITHUB_EVENT_NAME=${event}, INPUT_* and GITHUB_* as a runner sets them)\n`)
  const child = spawn(process.execPath, [DIST_ENTRY], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  // As the runner shows the log: ::add-mask:: lines (the secrets themselves) are swallowed.
  let partial = ''
  const show = (text: string) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) {
      if (line.startsWith('::add-mask::')) continue
      process.stdout.write(line.replaceAll(HF_TOKEN, '***').replaceAll(GH_TOKEN, '***') + '\n')
    }
  }
  child.stdout.on('data', (d: Buffer) => show(d.toString()))
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)))
  show('\n')
  return {
    code,
    outputs: parseOutputFile(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8')
  }
}

function printIssues(): void {
  for (const issue of gh.issues(REPO)) {
    console.log(
      `  issue #${issue.number} [${issue.state}] ${issue.title} (${issue.comments.length} ` +
        `comment${issue.comments.length === 1 ? '' : 's'})`
    )
    const last = issue.comments.at(-1)?.body ?? issue.body ?? ''
    console.log(
      last
        .split('\n')
        .filter((l) => l && !l.startsWith('<!--'))
        .slice(0, 6)
        .map((l) => `    | ${l}`)
        .join('\n')
    )
  }
}
