// The orchestrator in-process with the real @huggingface/hub over real HTTP against the Hub
// emulator: one commit per run, nothing re-uploaded that is already there, optimistic
// concurrency, retries of idempotent calls, and no partial commit on failure.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { commit as hubCommit } from '@huggingface/hub'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { runInProcess } from '../support/run-in-process.ts'
import { HF_TOKEN, HF_TOKEN_READONLY } from '../support/tokens.ts'
import { SEED_FILES_MAPPING, makeWorkspace, pseudoRandomBytes, seedTrainOutput } from '../support/workspace.ts'
import type { HubClient } from '../../src/hub/hub-client.ts'

let hub: HubEmulator
let repoCounter = 0

before(async () => {
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-publish'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' }, [HF_TOKEN_READONLY]: { user: 'reader', role: 'read' } },
    multipartThreshold: 1024 * 1024,
    chunkSize: 512 * 1024
  })
})
after(() => hub.close())

function inputs(repoId: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    'hf-token': HF_TOKEN,
    'repo-id': repoId,
    'hub-url': hub.url,
    files: SEED_FILES_MAPPING,
    'create-repo': 'true',
    ...over
  }
}
const newRepoId = () => `d4oit/publish-${process.pid}-${++repoCounter}`
const modelRepo = (name: string) => ({ type: 'model' as const, name })

test('the seed layout is published in exactly one commit, with outputs and a summary', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  const core = await runInProcess({
    inputs: inputs(repoId),
    workspace,
    env: { GITHUB_REPOSITORY: 'd4oit/tiny-cats-model', GITHUB_SHA: 'abcdef1234567890', GITHUB_RUN_ID: '42' }
  })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs.changed, 'true')
  const commits = await hub.listCommits(modelRepo(repoId))
  assert.equal(commits.length, 2, 'the initial commit plus exactly one')
  assert.equal(core.outputs['commit-sha'], commits[0]!.oid)
  assert.equal(core.outputs['commit-url'], `${hub.url}/${repoId}/commit/${commits[0]!.oid}`)
  // The title counts every file the commit holds, the generated README.md included.
  assert.equal(commits[0]!.title, 'Publish 8 files from d4oit/tiny-cats-model@abcdef1 (run 42)')
  const files = JSON.parse(core.outputs.files!) as Array<{ path: string; status: string; size: number }>
  assert.equal(files.length, 8)
  assert.deepEqual(files.map((f) => f.path).sort(), [
    'README.md',
    'benchmarks/benchmark_report.json',
    'evaluation/evaluation_report.json',
    'generator/model.onnx',
    'generator/model.pt',
    'samples/cat_000.png',
    'samples/cat_001.png',
    'samples/cat_002.png'
  ])
  assert.ok(files.every((f) => f.status === 'added'))
  const stored = await hub.readFile(modelRepo(repoId), 'main', 'generator/model.pt')
  assert.ok(stored?.equals(seedTrainOutput()['checkpoints/tinydit_final.pt'] as Buffer))
  assert.match(core.summaries[0]!, /8 added, 0 updated, 0 unchanged/)
})

test('a re-run with the same content makes no commit and uploads nothing', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await runInProcess({ inputs: inputs(repoId), workspace })
  const head = (await hub.listCommits(modelRepo(repoId)))[0]!.oid
  hub.resetStats()
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs.changed, 'false')
  assert.equal(core.outputs['commit-sha'], head)
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 2)
  assert.equal(hub.stats.lfsBytesReceived, 0)
  assert.ok(!hub.stats.requests.some((r) => r.route === 'commit' || r.route === 'preupload'))
})

test('only changed files are uploaded; the rest are reported unchanged', async () => {
  const output = seedTrainOutput()
  const workspace = await makeWorkspace(output)
  const repoId = newRepoId()
  await runInProcess({ inputs: inputs(repoId), workspace })
  const newCheckpoint = pseudoRandomBytes(output['checkpoints/tinydit_final.pt']!.length, 'retrained')
  await writeFile(join(workspace, 'checkpoints/tinydit_final.pt'), newCheckpoint)
  await writeFile(join(workspace, 'evaluation/evaluation_report.json'), '{"fid": 39.2}')
  hub.resetStats()
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  const statuses = Object.fromEntries(
    (JSON.parse(core.outputs.files!) as Array<{ path: string; status: string }>).map((f) => [f.path, f.status])
  )
  assert.equal(statuses['generator/model.pt'], 'updated')
  assert.equal(statuses['evaluation/evaluation_report.json'], 'updated')
  assert.equal(statuses['generator/model.onnx'], 'unchanged')
  assert.equal(statuses['samples/cat_000.png'], 'unchanged')
  assert.equal(hub.stats.lfsBytesReceived, newCheckpoint.length, 'only the new checkpoint went through LFS')
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 3)
})

test('dry-run prints the plan and commits nothing, not even the repo', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  const core = await runInProcess({ inputs: inputs(repoId, { 'dry-run': 'true' }), workspace })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs.changed, 'true')
  assert.equal(core.outputs['commit-sha'], '')
  assert.ok(core.log.some((l) => /^added +generator\/model\.pt/.test(l)))
  assert.ok(
    core.log.some((l) => /8 of 8 files to upload/.test(l)),
    'seven mapped files and the model card'
  )
  assert.match(core.summaries[0]!, /Dry run: nothing was committed/)
  const exists = await fetch(`${hub.url}/api/models/${repoId}`, { headers: { authorization: `Bearer ${HF_TOKEN}` } })
  assert.equal(exists.status, 404)
})

test('a commit that lands between planning and committing makes the action re-plan, not overwrite', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  let raced = false
  const wrapHub = (client: HubClient): HubClient => ({
    ...client,
    async commit(request) {
      if (!raced) {
        raced = true // another writer commits first, moving the branch under us
        await hubCommit({
          repo: repoId,
          hubUrl: hub.url,
          accessToken: HF_TOKEN,
          title: 'concurrent',
          operations: [{ operation: 'addOrUpdate', path: 'other.txt', content: new Blob(['other']) }]
        })
      }
      return client.commit(request)
    }
  })
  const core = await runInProcess({ inputs: inputs(repoId), workspace, wrapHub })
  assert.deepEqual(core.failures, [])
  assert.ok(
    core.warnings.some((w) => /moved since .* \(412\); planning again/.test(w)),
    core.warnings.join('\n')
  )
  const commits = await hub.listCommits(modelRepo(repoId))
  assert.deepEqual(
    commits
      .map((c) => c.title)
      .slice(0, 2)
      .reverse(),
    ['concurrent', commits[0]!.title]
  )
  assert.equal(commits[0]!.parents[0], commits[1]!.oid, 'our commit sits on top of the concurrent one')
  assert.ok(await hub.readFile(modelRepo(repoId), 'main', 'other.txt'), 'the other writer’s file survived')
})

test('a branch that never stops moving fails cleanly after a bounded number of attempts', async () => {
  const workspace = await makeWorkspace({ 'a.txt': 'a' })
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  let n = 0
  const wrapHub = (client: HubClient): HubClient => ({
    ...client,
    async commit(request) {
      await hubCommit({
        repo: repoId,
        hubUrl: hub.url,
        accessToken: HF_TOKEN,
        title: `racer ${++n}`,
        operations: [{ operation: 'addOrUpdate', path: `r${n}.txt`, content: new Blob([String(n)]) }]
      })
      return client.commit(request)
    }
  })
  const core = await runInProcess({ inputs: inputs(repoId, { files: 'a.txt' }), workspace, wrapHub })
  assert.equal(core.failures.length, 1)
  assert.match(core.failures[0]!, /kept moving .* \(412\)/)
  const titles = (await hub.listCommits(modelRepo(repoId))).map((c) => c.title)
  assert.ok(
    titles.every((t) => t.startsWith('racer') || t === 'initial commit'),
    'no commit of ours landed'
  )
})

test('transient Hub errors on idempotent calls are retried, honouring Retry-After', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  hub.faults.add({ route: 'preupload', status: 503, retryAfter: 1, times: 1 })
  hub.faults.add({ route: 'lfs-batch', status: 429, rateLimit: true, retryAfter: 1, times: 1 })
  hub.faults.add({ route: 'lfs-part', status: 500, times: 2 })
  hub.faults.add({ route: 'lfs-part', resetMidBody: true, times: 1 })
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.deepEqual(core.failures, [])
  assert.ok(core.log.filter((l) => /failed \(.*\); retrying in/.test(l)).length >= 4, core.log.join('\n'))
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 2)
})

test('a rate limit that asks for a longer wait than allowed fails with a clear message, and no commit', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  // RateLimit t=55 is more than the test policy's 5 s wait cap
  hub.faults.add({ route: 'lfs-batch', status: 429, rateLimit: true, times: 1 })
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.match(core.failures[0]!, /answered 429 \(rate limit\) to POST .*asked to wait 55 s, longer than the 5 s/)
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 1)
})

test('a failed upload leaves no commit, and the next run succeeds without re-sending stored objects', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  hub.faults.add({ route: 'commit', status: 422, times: 1 })
  const failed = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.equal(failed.failures.length, 1)
  assert.match(failed.failures[0]!, /refused the request with 422/)
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 1, 'the Hub never saw a partial commit')
  hub.resetStats()
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.deepEqual(core.failures, [])
  assert.equal(hub.stats.lfsBytesReceived, 0, 'LFS objects from the failed run were already stored')
})

test('a connection that breaks after the Hub applied the commit is recognised, not re-sent', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  hub.faults.add({ route: 'commit', resetMidBody: true, times: 1 }) // the commit lands, its answer is cut
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.deepEqual(core.failures, [])
  assert.ok(core.warnings.some((w) => /answer was lost/.test(w)))
  assert.ok(core.log.some((l) => /did land, as [0-9a-f]{40}/.test(l)))
  const commits = await hub.listCommits(modelRepo(repoId))
  assert.equal(commits.length, 2, 'exactly one commit of ours, not two')
  assert.equal(core.outputs['commit-sha'], commits[0]!.oid)
  assert.equal(core.outputs.changed, 'true')
})

test('a connection that breaks before the commit was applied leads to one re-planned commit', async () => {
  const workspace = await makeWorkspace(seedTrainOutput())
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  hub.faults.add({ route: 'commit', status: 503, resetMidBody: true, times: 1 }) // refused, and the answer is cut
  hub.resetStats()
  const core = await runInProcess({ inputs: inputs(repoId), workspace })
  assert.deepEqual(core.failures, [])
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 2)
  assert.equal(
    hub.stats.requests.filter((r) => r.route === 'commit').length,
    2,
    'the broken commit, then one re-planned commit'
  )
})

test('a read-only token is refused before anything is uploaded', async () => {
  const workspace = await makeWorkspace({ 'a.txt': 'a' })
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  const core = await runInProcess({
    inputs: inputs(repoId, { 'hf-token': HF_TOKEN_READONLY, files: 'a.txt' }),
    workspace
  })
  assert.match(core.failures[0]!, /read-only token/)
  assert.equal((await hub.listCommits(modelRepo(repoId))).length, 1)
})

test('a missing repo is an error unless create-repo is true', async () => {
  const workspace = await makeWorkspace({ 'a.txt': 'a' })
  const repoId = newRepoId()
  const core = await runInProcess({ inputs: inputs(repoId, { 'create-repo': 'false', files: 'a.txt' }), workspace })
  assert.match(core.failures[0]!, /repo-id names a repo that does not exist .* set create-repo: true/)
  assert.deepEqual(await hub.listCommits(modelRepo(repoId)), [], 'the repo was not created')
})

test('a missing branch is created from the default branch and committed to', async () => {
  const workspace = await makeWorkspace({ 'a.txt': 'a' })
  const repoId = newRepoId()
  await hub.createRepo(modelRepo(repoId))
  const core = await runInProcess({ inputs: inputs(repoId, { branch: 'staging', files: 'a.txt' }), workspace })
  assert.deepEqual(core.failures, [])
  assert.ok(await hub.readFile(modelRepo(repoId), 'staging', 'a.txt'))
  assert.equal(await hub.readFile(modelRepo(repoId), 'main', 'a.txt'), null)
})

test('dataset repos work the same way', async () => {
  const workspace = await makeWorkspace({ 'data/train.csv': 'a,b\n1,2\n' })
  const repoId = newRepoId()
  const core = await runInProcess({ inputs: inputs(repoId, { 'repo-type': 'dataset', files: 'data/' }), workspace })
  assert.deepEqual(core.failures, [])
  assert.match(core.outputs['commit-url']!, new RegExp(`/datasets/${repoId}/commit/[0-9a-f]{40}$`))
  assert.ok(await hub.readFile({ type: 'dataset', name: repoId }, 'main', 'data/train.csv'))
  assert.equal(
    await hub.readFile({ type: 'dataset', name: repoId }, 'main', 'README.md'),
    null,
    'a dataset README is never generated'
  )
  assert.equal(core.outputs.verified, 'true')
})
