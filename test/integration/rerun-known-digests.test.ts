// Re-runs cost nothing: a re-run of a published Train run whose artifacts GitHub still hands out
// with the same digests, mapped the same way, takes the artifact files' SHA-256 from the earlier
// publish's File trailers instead of reading them again, and makes no commit and no upload. Any
// change (an artifact's digest, the mapping) and every file is hashed again. Real @actions/artifact,
// Octokit and @huggingface/hub against both emulators.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, beforeEach, test } from 'node:test'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { runInProcess } from '../support/run-in-process.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace, pseudoRandomBytes } from '../support/workspace.ts'

const REPO = 'd4oit/tiny-cats-model'
const CHECKPOINT = pseudoRandomBytes(1_500_000, 'rerun-checkpoint')
const ONNX = pseudoRandomBytes(300_000, 'rerun-onnx')
const MAPPING = ['checkpoints/tinydit_final.pt -> generator/model.pt', 'model.onnx -> generator/'].join('\n')
let gh: GithubEmulator
let hub: HubEmulator
let workspace: string
let hubRepo: string
let counter = 0

before(async () => {
  gh = await startGithubEmulator({
    dataDir: captureFolder('gh-rerun'),
    tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } }
  })
  // @actions/artifact reads GITHUB_API_URL once, when it is first imported (lazily, by the action).
  process.env.GITHUB_API_URL = gh.url
  delete process.env.GITHUB_SERVER_URL
  hub = await startHubEmulator({ dataDir: captureFolder('hub-rerun'), tokens: { [HF_TOKEN]: { user: 'd4oit' } } })
  gh.addRepo(REPO, { id: 1001, defaultBranch: 'main' })
  workspace = await makeWorkspace({ 'model.onnx': ONNX })
})
after(async () => {
  await gh.close()
  await hub.close()
})
beforeEach(async () => {
  hubRepo = `d4oit/rerun-${++counter}`
  await hub.createRepo({ type: 'model', name: hubRepo })
})

async function publish(runId: number, files = MAPPING) {
  const event = join(captureFolder('event'), 'event.json')
  await writeFile(event, JSON.stringify(gh.workflowRunPayload(REPO, runId)))
  return runInProcess({
    name: 'rerun',
    workspace,
    inputs: {
      'hf-token': HF_TOKEN,
      'github-token': GH_TOKEN,
      'repo-id': hubRepo,
      'hub-url': hub.url,
      artifacts: 'checkpoints',
      files
    },
    env: {
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '555',
      RUNNER_TEMP: captureFolder('runner-temp')
    }
  })
}

const hashingLine = (log: readonly string[]) => log.filter((l) => l.startsWith('Hashing: ')).at(-1)

test('a re-run with the same artifact digests takes their SHA-256 from the trailers and changes nothing', async () => {
  const run = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'tinydit_final.pt': CHECKPOINT } })
  const first = await publish(run.id)
  assert.deepEqual(first.failures, [])
  const head = (await hub.listCommits(hubRepo))[0]!
  assert.match(head.message, /^Files-Mapping: [0-9a-f]{16}$/m)
  assert.match(hashingLine(first.log)!, /^Hashing: 1\.7 MiB \/ 1\.7 MiB/, 'the first run hashed both files')

  hub.resetStats()
  const again = await publish(run.id)
  assert.deepEqual(again.failures, [])
  assert.equal(again.outputs.changed, 'false')
  assert.ok(
    again.log.includes(
      'Not hashing 1 file (1.4 MiB) from artifacts whose digests match the earlier publish of this run: their ' +
        'SHA-256 is in its File trailers.'
    ),
    again.log.join('\n')
  )
  // Only the workspace file (300,000 bytes) was read to hash.
  assert.match(hashingLine(again.log)!, /^Hashing: 293 KiB \/ 293 KiB/)
  assert.equal(again.outputs['commit-sha'], head.oid)
  assert.equal(again.outputs.verified, 'true')
  assert.equal((await hub.listCommits(hubRepo))[0]!.oid, head.oid, 'no commit')
  assert.equal(hub.stats.lfsBytesReceived, 0, 'no upload')
})

test('an artifact with another digest, or another mapping, is hashed again', async () => {
  const run = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'tinydit_final.pt': CHECKPOINT } })
  assert.deepEqual((await publish(run.id)).failures, [])

  // The same run, the mapping changed (the checkpoint now also lands under another name).
  const remapped = await publish(run.id, `${MAPPING}\ncheckpoints/tinydit_final.pt -> generator/copy.pt`)
  assert.deepEqual(remapped.failures, [])
  assert.ok(!remapped.log.some((l) => l.startsWith('Not hashing')))
  assert.ok(remapped.log.some((l) => /artifacts or mapping changed/.test(l)))
  assert.match(hashingLine(remapped.log)!, /^Hashing: 3\.1 MiB \/ 3\.1 MiB/)

  // A new attempt of the same run (same run URL) whose artifact has other bytes: another digest.
  gh.rerunWorkflowRun(REPO, run.id)
  await gh.addArtifact(REPO, run.id, {
    name: 'checkpoints',
    files: { 'tinydit_final.pt': pseudoRandomBytes(1_500_000, 'attempt 2') }
  })
  const attempt = await publish(run.id)
  assert.deepEqual(attempt.failures, [])
  assert.ok(!attempt.log.some((l) => l.startsWith('Not hashing')))
  assert.equal(attempt.outputs.changed, 'true')

  // Another run whose artifact has other bytes: its own first publish, hashed in full.
  const other = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, other.id, {
    name: 'checkpoints',
    files: { 'tinydit_final.pt': pseudoRandomBytes(1_500_000, 'another checkpoint') }
  })
  const fresh = await publish(other.id)
  assert.deepEqual(fresh.failures, [])
  assert.equal(fresh.outputs.changed, 'true')
  assert.ok(!fresh.log.some((l) => l.startsWith('Not hashing')))
})
