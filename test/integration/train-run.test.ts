// The whole seed flow in-process, with the real @actions/artifact, Octokit and @huggingface/hub
// over HTTP against both emulators: which Train runs may be published, artifact download, and
// the failure issue's life (open, comment on repeat, close on success).
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, beforeEach, test } from 'node:test'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { runInProcess } from '../support/run-in-process.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace, pseudoRandomBytes } from '../support/workspace.ts'

const REPO = 'd4oit/tiny-cats-model'
const GH_TOKEN_NO_ISSUES = 'ghs_' + 'no-issue-permission'
const CHECKPOINT = pseudoRandomBytes(1_500_000, 'train-checkpoint')
const REPORT = JSON.stringify({ fid: 41.7, inception_score: 3.12 })
let gh: GithubEmulator
let hub: HubEmulator
let workspace: string
let hubRepoCounter = 0
let hubRepo: string

before(async () => {
  gh = await startGithubEmulator({
    dataDir: captureFolder('gh-train'),
    tokens: {
      [GH_TOKEN]: { login: 'github-actions[bot]' },
      [GH_TOKEN_NO_ISSUES]: { login: 'github-actions[bot]', permissions: { actions: 'read', issues: 'none' } }
    }
  })
  // @actions/artifact reads GITHUB_API_URL once, when it is first imported (lazily, by the action).
  process.env.GITHUB_API_URL = gh.url
  delete process.env.GITHUB_SERVER_URL
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-train'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } }
  })
  gh.addRepo(REPO, { id: 1001, defaultBranch: 'main' })
  // The checked-out repository provides the ONNX export and the benchmark report.
  workspace = await makeWorkspace({
    'frontend/public/models/generator_quantized.onnx': pseudoRandomBytes(300_000, 'onnx'),
    'benchmark_report.json': '{"p50_ms": 12}'
  })
})
after(async () => {
  await gh.close()
  await hub.close()
})
beforeEach(async () => {
  hub.faults.clear()
  gh.faults.clear()
  hubRepo = `d4oit/train-${process.pid}-${++hubRepoCounter}`
  await hub.createRepo({ type: 'model', name: hubRepo })
})

async function trainRun(seed: Parameters<GithubEmulator['addWorkflowRun']>[1] = {}, artifacts = true) {
  const run = gh.addWorkflowRun(REPO, seed)
  if (artifacts) {
    await gh.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'tinydit_final.pt': CHECKPOINT } })
    await gh.addArtifact(REPO, run.id, { name: 'evaluation-report', files: { 'evaluation_report.json': REPORT } })
  }
  return run
}

async function eventFile(payload: object): Promise<string> {
  const dir = captureFolder('event')
  const path = join(dir, 'event.json')
  await writeFile(path, JSON.stringify(payload))
  return path
}

interface RunOptions {
  event?: 'workflow_run' | 'workflow_dispatch' | 'push'
  payload?: object
  inputs?: Record<string, string>
}

async function publish({ event = 'workflow_run', payload, inputs = {} }: RunOptions) {
  const runnerTemp = captureFolder('runner-temp')
  const core = await runInProcess({
    name: `train-${event}`,
    workspace,
    inputs: {
      'hf-token': HF_TOKEN,
      'github-token': GH_TOKEN,
      'repo-id': hubRepo,
      'hub-url': hub.url,
      artifacts: 'checkpoints\nevaluation-report -> evaluation/',
      files: [
        'checkpoints/tinydit_final.pt -> generator/model.pt',
        'frontend/public/models/generator_quantized.onnx -> generator/model.onnx',
        'evaluation/evaluation_report.json -> evaluation/',
        'benchmark_report.json -> benchmarks/'
      ].join('\n'),
      ...inputs
    },
    env: {
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: payload ? await eventFile(payload) : '',
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '555',
      GITHUB_WORKFLOW: 'Publish to Hub',
      GITHUB_WORKFLOW_REF: `${REPO}/.github/workflows/upload-hub.yml@refs/heads/main`,
      RUNNER_TEMP: runnerTemp
    }
  })
  return { core, runnerTemp }
}

const hubCommits = async () => (await hub.listCommits({ type: 'model', name: hubRepo })).length
const downloads = () => gh.requests.filter((r) => r.route.includes('/zip') || r.route.includes('_blobs')).length
const openIssues = () => gh.issues(REPO).filter((i) => i.state === 'open' && !i.is_pull_request)

test('a completed, successful Train run is downloaded and published in one commit', async () => {
  const run = await trainRun()
  const { core, runnerTemp } = await publish({ payload: gh.workflowRunPayload(REPO, run.id) })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs['train-run-id'], String(run.id))
  assert.equal(await hubCommits(), 2)
  const model = await hub.readFile({ type: 'model', name: hubRepo }, 'main', 'generator/model.pt')
  assert.ok(model?.equals(CHECKPOINT), 'the checkpoint came from the artifact')
  assert.equal(
    (await hub.readFile({ type: 'model', name: hubRepo }, 'main', 'evaluation/evaluation_report.json'))?.toString(),
    REPORT
  )
  assert.ok(
    await hub.readFile({ type: 'model', name: hubRepo }, 'main', 'generator/model.onnx'),
    'the ONNX file came from the workspace'
  )
  const commit = (await hub.listCommits({ type: 'model', name: hubRepo }))[0]!
  assert.match(commit.title, new RegExp(`from ${REPO}@${run.head_sha.slice(0, 7)} \\(Train run ${run.id}\\)`))
  assert.match(commit.message, new RegExp(`Workflow-Run: ${run.html_url.replace(/[/.]/g, '\\$&')}`))
  const extracted = core.log.map((l) => /^Artifacts extracted into (\S+)/.exec(l)?.[1]).find(Boolean)
  assert.ok(extracted?.startsWith(runnerTemp), `extracted under RUNNER_TEMP (${extracted})`)
  assert.deepEqual(await readdir(runnerTemp), [], 'and removed after the upload')
  assert.deepEqual(
    await readdir(workspace).then((d) => d.sort()),
    ['benchmark_report.json', 'frontend'],
    'nothing was written into the workspace'
  )
})

test('a Train run that did not succeed is skipped: no download, no commit, no issue', async () => {
  const run = await trainRun({ conclusion: 'failure' })
  const before = downloads()
  const { core } = await publish({ payload: gh.workflowRunPayload(REPO, run.id) })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs.skipped, 'true')
  assert.match(core.outputs['skip-reason']!, /concluded "failure"/)
  assert.match(core.notices[0]!, /Skipped/)
  assert.equal(downloads(), before)
  assert.equal(await hubCommits(), 1)
})

const refusals: Array<{
  name: string
  seed?: Parameters<GithubEmulator['addWorkflowRun']>[1]
  action?: 'requested'
  inputs?: Record<string, string>
  expect: RegExp
}> = [
  { name: 'an event that is not "completed"', action: 'requested', expect: /not "completed"/ },
  {
    name: 'another workflow file named "Train"',
    seed: { path: '.github/workflows/pwn.yml', name: 'Train' },
    expect: /workflow file "\.github\/workflows\/pwn\.yml"/
  },
  {
    name: 'a run on a fork’s code',
    seed: { headRepository: 'mallory/tiny-cats-model', event: 'push' },
    expect: /mallory\/tiny-cats-model.*allow-fork-runs: true/
  },
  { name: 'a pull_request run', seed: { event: 'pull_request' }, expect: /"pull_request" event.*allowed-events/ },
  {
    name: 'a run on another branch',
    seed: { head_branch: 'experiment' },
    expect: /branch "experiment".*allowed-branches/
  },
  {
    name: 'a Train workflow at another path than the input',
    inputs: { workflow: '.github/workflows/train-gpu.yml' },
    expect: /not "\.github\/workflows\/train-gpu\.yml"/
  }
]

for (const r of refusals) {
  test(`refused: ${r.name} — nothing downloaded or uploaded, the issue names the trigger stage`, async () => {
    const run = await trainRun(r.seed)
    const before = downloads()
    const { core } = await publish({ payload: gh.workflowRunPayload(REPO, run.id, r.action), inputs: r.inputs })
    assert.equal(core.failures.length, 1)
    assert.match(core.failures[0]!, r.expect)
    assert.match(core.failures[0]!, /Refusing to publish|not "completed"/)
    assert.equal(downloads(), before, 'no artifact was downloaded')
    assert.equal(await hubCommits(), 1, 'no commit')
    const issue = openIssues().find((i) => i.body?.includes(`target=model:${hubRepo}@main`))
    assert.ok(issue, 'a failure issue was opened')
    assert.match(issue.body!, /\*\*Stage:\*\* trigger/)
  })
}

test('allow-fork-runs: true lets a fork’s run through', async () => {
  const run = await trainRun({ headRepository: 'friend/tiny-cats-model' })
  const { core } = await publish({
    payload: gh.workflowRunPayload(REPO, run.id),
    inputs: { 'allow-fork-runs': 'true' }
  })
  assert.deepEqual(core.failures, [])
  assert.equal(await hubCommits(), 2)
})

test('workflow_dispatch with run-id publishes that run after the same checks', async () => {
  const run = await trainRun()
  const { core } = await publish({
    event: 'workflow_dispatch',
    payload: gh.workflowDispatchPayload(REPO),
    inputs: { 'run-id': String(run.id) }
  })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs['train-run-id'], String(run.id))
  const fork = await trainRun({ headRepository: 'mallory/tiny-cats-model' })
  const refused = await publish({
    event: 'workflow_dispatch',
    payload: gh.workflowDispatchPayload(REPO),
    inputs: { 'run-id': String(fork.id) }
  })
  assert.match(refused.core.failures[0]!, /mallory/)
  assert.equal(await hubCommits(), 2, "only the trusted run's commit")
})

test('workflow_dispatch without run-id takes the newest run that passes every check', async () => {
  const trusted = await trainRun()
  await trainRun({ headRepository: 'mallory/tiny-cats-model' }) // newer, but a fork’s
  await trainRun({ conclusion: 'failure' }, false) // newer still, but failed
  const { core } = await publish({ event: 'workflow_dispatch', payload: gh.workflowDispatchPayload(REPO) })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs['train-run-id'], String(trusted.id))
})

test('asking for a Train run on another event is an error naming the supported events', async () => {
  const { core } = await publish({ event: 'push', payload: {} })
  assert.match(core.failures[0]!, /triggered by "push".*only for workflow_run and workflow_dispatch events/)
  assert.equal(await hubCommits(), 1)
})

test('an artifact whose digest does not match is refused and nothing is used', async () => {
  const run = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, run.id, {
    name: 'checkpoints',
    files: { 'tinydit_final.pt': CHECKPOINT },
    digest: `sha256:${'0'.repeat(64)}`
  })
  await gh.addArtifact(REPO, run.id, { name: 'evaluation-report', files: { 'evaluation_report.json': REPORT } })
  const { core, runnerTemp } = await publish({ payload: gh.workflowRunPayload(REPO, run.id) })
  assert.match(core.failures[0]!, /Artifact "checkpoints" does not match the digest GitHub registered/)
  assert.equal(await hubCommits(), 1)
  assert.deepEqual(await readdir(runnerTemp), [], 'the extracted files were removed')
})

test('expired and missing artifacts name the artifact and list what the run has', async () => {
  const run = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'tinydit_final.pt': CHECKPOINT }, expired: true })
  await gh.addArtifact(REPO, run.id, { name: 'evaluation-report', files: { 'evaluation_report.json': REPORT } })
  const expired = await publish({ payload: gh.workflowRunPayload(REPO, run.id) })
  assert.match(
    expired.core.failures[0]!,
    /artifact "checkpoints" has expired.*\nTrain run \d+ has: "checkpoints" \(expired\), "evaluation-report"/s
  )
  const missing = await publish({ payload: gh.workflowRunPayload(REPO, run.id), inputs: { artifacts: 'weights' } })
  assert.match(missing.core.failures[0]!, /artifact "weights" not found/)
  assert.equal(await hubCommits(), 1)
})

test('a download that GitHub answers with 410 Gone says the artifact expired', async () => {
  const run = await trainRun()
  gh.faults.add({
    route: 'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}',
    status: 410,
    times: 1
  })
  const { core } = await publish({ payload: gh.workflowRunPayload(REPO, run.id) })
  assert.match(core.failures[0]!, /has expired \(410 Gone\)/)
  assert.equal(await hubCommits(), 1, 'nothing landed')
  gh.faults.clear()
})

test('the failure issue: opened once, commented on when failures repeat, closed by the next success', async () => {
  const run = await trainRun()
  const payload = gh.workflowRunPayload(REPO, run.id)
  const mine = () => gh.issues(REPO).filter((i) => i.body?.includes(`target=model:${hubRepo}@main`))

  // A definite refusal (a 5xx would be settled by reading the branch back, and re-sent).
  hub.faults.add({ route: 'commit', status: 422, times: 2 })
  const first = await publish({ payload })
  assert.match(first.core.failures[0]!, /refused the request with 422/)
  assert.equal(mine().length, 1)
  const issue = mine()[0]!
  assert.equal(issue.state, 'open')
  assert.deepEqual(issue.labels, ['hf-upload-failure'])
  assert.match(issue.body!, /\*\*Stage:\*\* upload/)
  assert.match(issue.body!, new RegExp(`\\*\\*Train run:\\*\\* \\[${run.id}\\]`))
  assert.match(issue.body!, /gh workflow run upload-hub\.yml -f run-id=/)
  const issueUrl = `https://github.com/${REPO}/issues/${issue.number}`
  assert.equal(first.core.outputs['issue-url'], issueUrl)

  const second = await publish({ payload })
  assert.equal(second.core.failures.length, 1)
  assert.equal(mine().length, 1, 'no second issue')
  assert.equal(mine()[0]!.comments.length, 1)
  assert.match(mine()[0]!.comments[0]!.body, /^Failed again\./)

  const third = await publish({ payload })
  assert.deepEqual(third.core.failures, [])
  const closed = mine()[0]!
  assert.equal(closed.state, 'closed')
  assert.match(closed.comments.at(-1)!.body, new RegExp(`Published: ${hub.url}/${hubRepo}/commit/[0-9a-f]{40}`))
  assert.equal(third.core.outputs['issue-url'], issueUrl)

  for (const text of gh.issues(REPO).flatMap((i) => [i.title, i.body ?? '', ...i.comments.map((c) => c.body)])) {
    assert.ok(!text.includes(HF_TOKEN) && !text.includes(GH_TOKEN), 'no token in any issue or comment')
  }
})

test('a Hub answer that echoes the token is redacted everywhere it could surface', async () => {
  const run = await trainRun()
  hub.faults.add({ route: 'commit', status: 400, body: { error: `token ${HF_TOKEN} is not allowed here` }, times: 1 })
  const { core } = await publish({ payload: gh.workflowRunPayload(REPO, run.id) })
  assert.match(core.failures[0]!, /token \*\*\* is not allowed/)
  const issue = openIssues().find((i) => i.body?.includes(`target=model:${hubRepo}@main`))!
  assert.ok(issue.body!.includes('token *** is not allowed'))
  assert.ok(!JSON.stringify(gh.issues(REPO)).includes(HF_TOKEN))
})

test('without issues: write the action warns with the permission to add and fails with its error', async () => {
  const run = await trainRun()
  hub.faults.add({ route: 'commit', status: 422, times: 1 })
  const { core } = await publish({
    payload: gh.workflowRunPayload(REPO, run.id),
    inputs: { 'github-token': GH_TOKEN_NO_ISSUES }
  })
  assert.match(core.failures[0]!, /refused the request with 422/)
  assert.ok(
    core.warnings.some((w) => /Could not open or update the failure issue.*permissions: issues: write/.test(w)),
    core.warnings.join('\n')
  )
})

test('failure-issue: false opens no issue', async () => {
  const run = await trainRun({ head_branch: 'nope' })
  const before = gh.issues(REPO).length
  const { core } = await publish({ payload: gh.workflowRunPayload(REPO, run.id), inputs: { 'failure-issue': 'false' } })
  assert.equal(core.failures.length, 1)
  assert.equal(gh.issues(REPO).length, before)
})
