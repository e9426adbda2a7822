// Black-box: dist/index.js triggered by a workflow_run event, as on a runner, against both
// emulators. Exercises the bundled @actions/artifact and Octokit (loaded lazily) end to end.
// CI runs this file on Node 20 and Node 24.
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { fileHashes, hubFileHashes } from '../support/hub-files.ts'
import { runDist } from '../support/run-dist.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'
import {
  SEED_FILES_MAPPING,
  makeWorkspace,
  pseudoRandomBytes,
  seedCheckout,
  seedPublished,
  seedTrainOutput
} from '../support/workspace.ts'

const REPO = 'd4oit/tiny-cats-model'
const HUB_REPO = { type: 'model' as const, name: 'd4oit/tiny-cats-model' }
let gh: GithubEmulator
let hub: HubEmulator
let workspace: string

before(async () => {
  gh = await startGithubEmulator({
    dataDir: captureFolder('gh-e2e'),
    tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } }
  })
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-e2e-train'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } }
  })
  gh.addRepo(REPO, { id: 1001 })
  await hub.createRepo(HUB_REPO)
  workspace = await makeWorkspace(seedCheckout())
})
after(async () => {
  await gh.close()
  await hub.close()
})

async function runFor(payload: object, name: string) {
  const dir = captureFolder('event')
  await writeFile(join(dir, 'event.json'), JSON.stringify(payload))
  return runDist({
    name,
    workspace,
    inputs: {
      'hf-token': HF_TOKEN,
      'github-token': GH_TOKEN,
      'repo-id': HUB_REPO.name,
      'hub-url': hub.url,
      artifacts: 'checkpoints\nevaluation-report -> evaluation/',
      files: SEED_FILES_MAPPING
    },
    env: {
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '900',
      GITHUB_WORKFLOW: 'Upload to HuggingFace Hub'
    }
  })
}

test(`the seed flow through dist/index.js on Node ${process.versions.node}: workflow_run → one commit`, async () => {
  const checkpoint = pseudoRandomBytes(2_000_000, 'e2e-ckpt')
  const report = '{"fid": 40.2}'
  const run = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'tinydit_final.pt': checkpoint } })
  await gh.addArtifact(REPO, run.id, { name: 'evaluation-report', files: { 'evaluation_report.json': report } })
  const before = (await hub.listCommits(HUB_REPO)).length
  const result = await runFor(gh.workflowRunPayload(REPO, run.id), 'e2e-train-ok')
  assert.equal(result.code, 0, result.stdout)
  assert.equal(result.outputs['train-run-id'], String(run.id))
  assert.equal(result.outputs.changed, 'true')
  assert.equal(JSON.parse(result.outputs.files!).length, 8)
  const commits = await hub.listCommits(HUB_REPO)
  assert.equal(commits.length, before + 1, 'one commit')
  assert.equal(result.outputs['commit-sha'], commits[0]!.oid)
  // The artifacts' files and the checkout's, byte for byte, and the generated card: nothing else.
  const onHub = await hubFileHashes(hub, HUB_REPO, commits[0]!.oid)
  const published = seedPublished({
    ...seedTrainOutput(),
    'checkpoints/tinydit_final.pt': checkpoint,
    'evaluation/evaluation_report.json': report
  })
  assert.deepEqual(onHub, { ...fileHashes(published), 'README.md': onHub['README.md'] })
  assert.ok(onHub['README.md'], 'the model card is there')
  assert.match(result.stdout, /::group::Download artifacts/)
  const extracted = /Artifacts extracted into (\S+)/.exec(result.stdout)?.[1]
  assert.ok(extracted?.startsWith(result.dir), 'artifacts were extracted under RUNNER_TEMP')
  assert.ok(
    !(await readdir(result.dir)).some((d) => d.startsWith('hf-upload-artifacts-')),
    'and removed after the upload'
  )
})

test('a fork’s Train run is refused by dist/index.js and reported in one issue', async () => {
  const before = (await hub.listCommits(HUB_REPO)).length
  const run = gh.addWorkflowRun(REPO, { headRepository: 'mallory/tiny-cats-model' })
  const result = await runFor(gh.workflowRunPayload(REPO, run.id), 'e2e-train-fork')
  assert.equal(result.code, 1)
  assert.equal(result.errors.length, 1)
  assert.match(result.errors[0]!, /Refusing to publish: .*mallory\/tiny-cats-model/)
  assert.equal((await hub.listCommits(HUB_REPO)).length, before)
  assert.match(result.outputs['issue-url']!, /\/issues\/\d+$/)
  const issue = gh.issues(REPO).find((i) => i.state === 'open')!
  assert.match(issue.body!, /\*\*Stage:\*\* trigger/)
})
