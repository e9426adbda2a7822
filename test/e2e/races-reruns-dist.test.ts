// Races, re-runs and endings a user pays for (issue 8, items 7-16), through dist/index.js against
// both emulators. Races are made with requests the emulator holds until the test releases them,
// never with sleeps.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { commit as hubCommit } from '@huggingface/hub'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { hubFileHashes } from '../support/hub-files.ts'
import { runDist, type DistRun } from '../support/run-dist.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace, pseudoRandomBytes } from '../support/workspace.ts'

const REPO = 'd4oit/tiny-cats-model'
type RepoType = 'model' | 'dataset' | 'space'
let hub: HubEmulator
let gh: GithubEmulator
let counter = 0

before(async () => {
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-races'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } },
    multipartThreshold: 1024 * 1024,
    chunkSize: 512 * 1024
  })
  gh = await startGithubEmulator({
    dataDir: captureFolder('gh-races'),
    tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } }
  })
  gh.addRepo(REPO, { id: 1001 })
})
after(async () => {
  await hub.close()
  await gh.close()
})

const newRepo = (type: RepoType = 'model') => ({ type, name: `d4oit/races-${process.pid}-${++counter}` })

/** A checkout with a model file, a config and an evaluation report whose fid is `fid`. */
async function checkout(version: string, fid = 40.2): Promise<string> {
  return makeWorkspace({
    'model/weights.bin': pseudoRandomBytes(300_000, `weights-${version}`),
    'config.json': `{"version": "${version}"}\n`,
    'evaluation_report.json': `{"fid": ${fid}}\n`
  })
}

const MAPPING = 'model/ -> model/\nconfig.json\nevaluation_report.json'

function publish(
  repo: { type: RepoType; name: string },
  workspace: string,
  name: string,
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<DistRun> {
  return runDist({
    name,
    workspace,
    inputs: {
      'hf-token': HF_TOKEN,
      'github-token': GH_TOKEN,
      'repo-id': repo.name,
      'repo-type': repo.type,
      'hub-url': hub.url,
      files: MAPPING,
      ...inputs
    },
    env: {
      GITHUB_API_URL: gh.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_RUN_ID: '4242',
      GITHUB_RUN_NUMBER: '77',
      GITHUB_WORKFLOW: 'Upload to HuggingFace Hub',
      GITHUB_WORKFLOW_REF: `${REPO}/.github/workflows/upload-hub.yml@refs/heads/main`,
      ...env
    }
  })
}

function ok(run: DistRun): DistRun {
  assert.equal(run.code, 0, run.stdout + run.stderr)
  assert.deepEqual(run.errors, [])
  return run
}

const commitCount = async (repo: { type: RepoType; name: string }) => (await hub.listCommits(repo)).length

describe('races, with held requests', () => {
  test('a rollback never overwrites a publish that landed while it was being committed', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const v1 = ok(await publish(repo, await checkout('v1'), 'race-rollback-v1'))
    ok(await publish(repo, await checkout('v2'), 'race-rollback-v2'))
    const rule = hub.faults.add({ route: 'commit', hold: true, times: 1 })
    const rolling = publish(repo, await checkout('v2'), 'race-rollback', {
      mode: 'rollback',
      'rollback-to': v1.outputs['commit-sha']!,
      files: ''
    })
    const held = await rule.held()
    // Meanwhile a publish lands on the branch.
    const racer = await hubCommit({
      hubUrl: hub.url,
      accessToken: HF_TOKEN,
      repo,
      branch: 'main',
      title: 'Publish v3 (concurrent)',
      operations: [{ operation: 'addOrUpdate', path: 'config.json', content: new Blob(['{"version": "v3"}\n']) }]
    })
    held.release()
    const run = await rolling
    assert.equal(run.code, 1, run.stdout)
    assert.equal(run.errors.length, 1)
    assert.match(
      run.errors[0]!,
      new RegExp(`moved while the rollback was planned .*${racer!.commit.oid} \\("Publish v3`)
    )
    assert.match(run.errors[0]!, /not overwritten.*re-run the rollback/)
    const commits = await hub.listCommits(repo)
    assert.equal(commits[0]!.oid, racer!.commit.oid, 'the concurrent publish is the head: nothing was rolled over it')
    assert.equal((await hub.readFile(repo, 'main', 'config.json'))?.toString(), '{"version": "v3"}\n')
  })

  test('a publish held at its commit while the same content lands: success with that commit, no gate', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    ok(await publish(repo, await checkout('v1', 45), 'race-gate-v1'))
    const before = await commitCount(repo)
    // Improved by 4.8 ≥ 1: passes before the commit; judged again against the racer's equal value it would fail.
    const gate = { 'gate-metric': 'fid', 'gate-min-delta': '1', 'on-regression': 'fail' }
    const workspace = await checkout('v2', 40.2)
    const rule = hub.faults.add({ route: 'commit', hold: true, times: 1 })
    const ours = publish(repo, workspace, 'race-gate-ours', gate)
    const held = await rule.held()
    const racer = ok(await publish(repo, workspace, 'race-gate-racer', gate))
    held.release()
    const run = ok(await ours)
    assert.match(run.stdout, /moved since [0-9a-f]{12} \(412\); planning again/)
    assert.equal(run.outputs.changed, 'false')
    assert.equal(run.outputs['commit-sha'], racer.outputs['commit-sha'], 'the commit that holds our content')
    assert.equal(run.outputs['gate-skipped'], 'false')
    assert.equal(await commitCount(repo), before + 1, 'exactly one new commit')
  })

  test('a commit refused because another is being written (409) waits, and lands on the head it leaves', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    ok(await publish(repo, await checkout('v1'), 'busy-v1'))
    const before = await commitCount(repo)
    // The other writer holds the repo's commit lock: our commit is refused with 409, its answer held.
    const lock = await hub.holdCommitLock(repo)
    const refused = hub.faults.add({ route: 'commit', hold: 'after', times: 1 })
    const ours = publish(repo, await checkout('v2'), 'busy-ours')
    const held = await refused.held()
    lock.release()
    // The other writer's commit lands before our answer arrives.
    const other = await hubCommit({
      hubUrl: hub.url,
      accessToken: HF_TOKEN,
      repo,
      branch: 'main',
      title: 'Another writer',
      operations: [{ operation: 'addOrUpdate', path: 'notes/other.txt', content: new Blob(['theirs\n']) }]
    })
    held.release()
    const run = ok(await ours)
    assert.match(run.stdout, /writing another commit on the repo \(409\); waiting, then planning again/)
    const commits = await hub.listCommits(repo)
    assert.equal(commits.length, before + 2, 'the other writer’s commit and ours, nothing else')
    assert.equal(commits[0]!.oid, run.outputs['commit-sha'])
    assert.deepEqual(commits[0]!.parents, [other!.commit.oid], 'planned again on the head the other commit left')
    const files = await hubFileHashes(hub, repo, 'main')
    assert.ok(files['notes/other.txt'], 'the other writer’s file is kept')
    assert.equal((await hub.readFile(repo, 'main', 'config.json'))?.toString(), '{"version": "v2"}\n')
  })

  test('a repo that stays busy (409 every time) fails with advice after the waits, and nothing lands', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const before = await commitCount(repo)
    const lock = await hub.holdCommitLock(repo)
    let run: DistRun
    try {
      run = await publish(repo, await checkout('v1'), 'busy-always')
    } finally {
      lock.release()
    }
    assert.equal(run.code, 1, run.stdout)
    assert.equal(run.errors.length, 1)
    assert.match(run.errors[0]!, /kept refusing the commit .* with 409 .*concurrency group/)
    assert.match(run.stdout, /\(5 of 5 such waits\)/)
    assert.doesNotMatch(run.stdout, /\(6 of 5/)
    assert.equal(await commitCount(repo), before)
  })

  test('a rollback refused because another commit is being written waits, then rolls back', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const v1 = ok(await publish(repo, await checkout('v1'), 'busy-rollback-v1'))
    ok(await publish(repo, await checkout('v2'), 'busy-rollback-v2'))
    const before = await commitCount(repo)
    const lock = await hub.holdCommitLock(repo)
    const refused = hub.faults.add({ route: 'commit', hold: 'after', times: 1 })
    const rolling = publish(repo, await checkout('v2'), 'busy-rollback', {
      mode: 'rollback',
      'rollback-to': v1.outputs['commit-sha']!,
      files: ''
    })
    const held = await refused.held()
    lock.release()
    held.release()
    const run = ok(await rolling)
    assert.match(run.stdout, /writing another commit on the repo \(409\); waiting, then sending the rollback again/)
    assert.equal(await commitCount(repo), before + 1)
    assert.equal((await hub.readFile(repo, 'main', 'config.json'))?.toString(), '{"version": "v1"}\n')
  })

  test('the deadline stops a stuck run cleanly: the error, the issue, no commit', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const before = await commitCount(repo)
    const rule = hub.faults.add({ route: 'tree', hold: true, times: 1 })
    const run = await publish(repo, await checkout('v1'), 'race-deadline', { 'deadline-minutes': '0.02' })
    rule.release()
    assert.equal(run.code, 1, run.stdout)
    assert.equal(run.errors.length, 1)
    assert.match(run.errors[0]!, /reached its deadline \(deadline-minutes: 0\.02\) and was stopped/)
    assert.match(run.outputs['issue-url']!, /\/issues\/\d+$/, 'the failure issue is filed in the grace period')
    assert.match(run.summary, /Hugging Face Hub: failed/)
    assert.equal(await commitCount(repo), before)
  })

  test('a commit that lands as the deadline passes is found and named, not lost', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const before = await commitCount(repo)
    // The commit is applied, and its answer held back until after the deadline.
    const rule = hub.faults.add({ route: 'commit', hold: 'after', times: 1 })
    const run = await publish(repo, await checkout('v1'), 'race-deadline-commit', { 'deadline-minutes': '0.05' })
    assert.equal(rule.release(), 1)
    assert.equal(run.code, 1, run.stdout)
    const head = (await hub.listCommits(repo))[0]!.oid
    assert.equal(await commitCount(repo), before + 1)
    assert.match(run.errors[0]!, new RegExp(`deadline .* after the commit ${head} landed, before it was verified`))
    assert.equal(run.outputs['commit-sha'], head)
  })
})

describe('the metric gate is judged only when there is something to commit', () => {
  test('a re-run of a published run succeeds with the earlier commit whatever gate-min-delta says', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    ok(await publish(repo, await checkout('v1', 45), 'gate-rerun-v1'))
    const workspace = await checkout('v2', 40.2)
    const gate = { 'gate-metric': 'fid', 'gate-min-delta': '1', 'on-regression': 'fail' }
    const first = ok(await publish(repo, workspace, 'gate-rerun-first', gate))
    assert.equal(first.outputs.improved, 'true')
    const again = ok(await publish(repo, workspace, 'gate-rerun-again', { ...gate, 'gate-min-delta': '100' }))
    assert.equal(again.outputs.changed, 'false')
    assert.equal(again.outputs['commit-sha'], first.outputs['commit-sha'])
    assert.equal(again.outputs.improved, '', 'nothing to commit: the gate did not judge')
  })

  test('our own commit found after its answer was lost counts as passing', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    ok(await publish(repo, await checkout('v1', 45), 'gate-lost-v1'))
    const before = await commitCount(repo)
    hub.faults.add({ route: 'commit', dropResponse: true, times: 1 })
    const run = ok(
      await publish(repo, await checkout('v2', 40.2), 'gate-lost', {
        'gate-metric': 'fid',
        'gate-min-delta': '1',
        'on-regression': 'fail'
      })
    )
    assert.match(run.stdout, /The commit whose answer was lost did land/)
    assert.equal(run.outputs.changed, 'true')
    assert.equal(run.outputs['commit-sha'], (await hub.listCommits(repo))[0]!.oid)
    assert.equal(await commitCount(repo), before + 1, 'found, not sent again')
  })
})

describe('the Train run as it is now', () => {
  async function trainPayloadRun(
    payload: object,
    repo: { type: RepoType; name: string },
    name: string,
    inputs: Record<string, string> = {},
    eventName = 'workflow_run',
    gitHubRepo = REPO
  ): Promise<DistRun> {
    const dir = captureFolder('race-event')
    await writeFile(join(dir, 'event.json'), JSON.stringify(payload))
    return publish(
      repo,
      await checkout('train'),
      name,
      { artifacts: 'weights', files: 'weights/weights.bin -> model/weights.bin\nconfig.json', ...inputs },
      { GITHUB_EVENT_NAME: eventName, GITHUB_EVENT_PATH: join(dir, 'event.json'), GITHUB_REPOSITORY: gitHubRepo }
    )
  }

  test('a stale payload of a run that is being re-run is skipped, not published', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const run = gh.addWorkflowRun(REPO, {})
    await gh.addArtifact(REPO, run.id, { name: 'weights', files: { 'weights.bin': 'attempt one' } })
    const stale = gh.workflowRunPayload(REPO, run.id)
    gh.rerunWorkflowRun(REPO, run.id, { status: 'in_progress', conclusion: null })
    const result = ok(await trainPayloadRun(stale, repo, 'attempt-in-progress'))
    assert.equal(result.outputs.skipped, 'true')
    assert.match(result.outputs['skip-reason']!, /is being re-run \(attempt 2 is "in_progress"\)/)
    assert.equal(await commitCount(repo), 1)
  })

  test('only the artifacts of the attempt being published are taken', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const run = gh.addWorkflowRun(REPO, { conclusion: 'failure' })
    const first = await gh.addArtifact(REPO, run.id, { name: 'weights', files: { 'weights.bin': 'attempt one' } })
    await gh.addArtifact(REPO, run.id, { name: 'extra', files: { 'extra.txt': 'only attempt one' } })
    const stale = gh.workflowRunPayload(REPO, run.id)
    gh.rerunWorkflowRun(REPO, run.id, {})
    // The re-run's artifact gets a lower id than the first attempt's, as GitHub's sometimes do.
    await gh.addArtifact(REPO, run.id, { name: 'weights', files: { 'weights.bin': 'attempt two' }, id: first.id - 7 })
    const result = ok(await trainPayloadRun(stale, repo, 'attempt-two'))
    assert.equal((await hub.readFile(repo, 'main', 'model/weights.bin'))?.toString(), 'attempt two')
    assert.equal(result.outputs['train-run-id'], String(run.id))

    const extraRepo = await newRepoCreated()
    const extra = await trainPayloadRun(gh.workflowRunPayload(REPO, run.id), extraRepo, 'attempt-extra', {
      artifacts: 'weights\nextra'
    })
    assert.equal(extra.code, 1)
    assert.equal(await commitCount(extraRepo), 1, 'nothing landed')
    assert.match(extra.errors[0]!, /artifact "extra" not found in attempt 2 of Train run \d+ \(only an earlier attempt/)
  })

  test('workflow_dispatch without run-id follows the pages to the newest run that passes every check', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    // A repository of its own: no other test's runs compete for "newest".
    const own = 'd4oit/dispatch-pages'
    gh.addRepo(own, { id: 1002 })
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString().replace(/\.\d+Z$/, 'Z')
    const good = gh.addWorkflowRun(own, { created_at: minutesAgo(300), run_started_at: minutesAgo(300) })
    await gh.addArtifact(own, good.id, { name: 'weights', files: { 'weights.bin': 'the good one' } })
    for (let i = 0; i < 105; i++) {
      const t = minutesAgo(200 - i)
      gh.addWorkflowRun(own, { headRepository: 'mallory/dispatch-pages', created_at: t, run_started_at: t })
    }
    const payload = gh.workflowDispatchPayload(own)
    const result = ok(await trainPayloadRun(payload, repo, 'dispatch-pages', {}, 'workflow_dispatch', own))
    assert.equal(result.outputs['train-run-id'], String(good.id))
    assert.equal((await hub.readFile(repo, 'main', 'model/weights.bin'))?.toString(), 'the good one')
  })

  test('a payload missing workflow_run.path is refused naming the field; a refused run is in the issue', async () => {
    const run = gh.addWorkflowRun(REPO, {})
    const payload = gh.workflowRunPayload(REPO, run.id, 'completed', { omit: ['workflow_run.path'] })
    const repo = await newRepoCreated()
    const missing = await trainPayloadRun(payload, repo, 'payload-missing-path')
    assert.equal(missing.code, 1)
    assert.match(missing.errors[0]!, /workflow_run\.path \(a string\)/)
    assert.doesNotMatch(missing.stdout, /Cannot read properties/)
    assert.equal(await commitCount(repo), 1, 'nothing landed')

    const fork = gh.addWorkflowRun(REPO, { headRepository: 'mallory/tiny-cats-model' })
    const refusedRepo = await newRepoCreated()
    const refused = await trainPayloadRun(gh.workflowRunPayload(REPO, fork.id), refusedRepo, 'refused-issue')
    assert.equal(refused.code, 1)
    assert.equal(await commitCount(refusedRepo), 1, 'nothing landed')
    const issue = gh.issues(REPO).find((i) => i.body?.includes(`target=model:${refusedRepo.name}@main`))!
    assert.match(issue.body!, new RegExp(`\\*\\*Train run:\\*\\* \\[${fork.id}\\]\\(https://github\\.com/`))
    assert.match(issue.body!, new RegExp(`\\*\\*Source commit:\\*\\* \\[\`${fork.head_sha.slice(0, 12)}\`\\]`))
    assert.match(issue.body!, new RegExp(`gh workflow run upload-hub\\.yml -f run-id=${fork.id}`))
  })
})

async function newRepoCreated(type: RepoType = 'model') {
  const repo = newRepo(type)
  await hub.createRepo(repo)
  return repo
}

describe('all three repo types: publish, verify, rollback', () => {
  for (const type of ['model', 'dataset', 'space'] as const) {
    test(`${type}: publish, verify through its own info endpoint, roll back`, async () => {
      const repo = newRepo(type)
      await hub.createRepo(repo)
      const v1 = ok(await publish(repo, await checkout('v1'), `${type}-v1`))
      assert.equal(v1.outputs.verified, 'true')
      ok(await publish(repo, await checkout('v2'), `${type}-v2`))
      const verified = ok(await publish(repo, await checkout('v2'), `${type}-verify`, { mode: 'verify', files: '' }))
      assert.equal(verified.outputs.verified, 'true')
      const rolled = ok(
        await publish(repo, await checkout('v2'), `${type}-rollback`, {
          mode: 'rollback',
          'rollback-to': v1.outputs['commit-sha']!,
          files: ''
        })
      )
      assert.equal(rolled.outputs.verified, 'true')
      assert.equal((await hub.readFile(repo, 'main', 'config.json'))?.toString(), '{"version": "v1"}\n')
      const head = (await hub.listCommits(repo))[0]!.oid
      assert.equal(rolled.outputs['commit-sha'], head)
      assert.deepEqual(
        await hubFileHashes(hub, repo, head),
        await hubFileHashes(hub, repo, v1.outputs['commit-sha']!),
        "the branch holds v1's files again, byte for byte"
      )
    })
  }
})

describe('mode verify owns only what it generated; verify-content checks the bytes', () => {
  test('hand edits outside the generated block pass; inside it, they are named', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    ok(await publish(repo, await checkout('v1'), 'card-edit-publish'))
    const card = (await hub.readFile(repo, 'main', 'README.md'))!.toString()
    const edit = (text: string, title: string) =>
      hubCommit({
        hubUrl: hub.url,
        accessToken: HF_TOKEN,
        repo,
        title,
        operations: [{ operation: 'addOrUpdate', path: 'README.md', content: new Blob([text]) }]
      })
    await edit(`${card}\n## Notes by hand\n\nWritten on the Hub, outside the markers.\n`, 'Hand edit')
    ok(await publish(repo, await checkout('v1'), 'card-edit-verify', { mode: 'verify', files: '' }))

    const inside = card.replace('<!-- hf-upload-action:end', 'Edited inside the block.\n\n<!-- hf-upload-action:end')
    await edit(inside, 'Edit inside the generated block')
    const failed = await publish(repo, await checkout('v1'), 'card-edit-inside', { mode: 'verify', files: '' })
    assert.equal(failed.code, 1)
    assert.match(failed.errors[0]!, /README\.md \(model card\): its generated block .* differs/)
    assert.equal(failed.outputs.verified, 'false')
  })

  test('verify-content re-downloads every file: a corrupted stored object is found only then', async () => {
    const repo = newRepo()
    await hub.createRepo(repo)
    const published = ok(await publish(repo, await checkout('v1'), 'content-publish', { 'verify-content': 'true' }))
    assert.match(published.stdout, /every file was downloaded again and its SHA-256 matches/)
    const stored = await hub.storedFilePath(repo, 'main', 'model/weights.bin')
    assert.ok(stored)
    await writeFile(stored, pseudoRandomBytes(300_000, 'corrupted'))
    const listing = ok(await publish(repo, await checkout('v1'), 'content-listing', { mode: 'verify', files: '' }))
    const count = /Verified (\d+) files/.exec(listing.stdout)?.[1]
    assert.ok(count, listing.stdout)
    const deep = await publish(repo, await checkout('v1'), 'content-deep', {
      mode: 'verify',
      files: '',
      'verify-content': 'true'
    })
    assert.equal(deep.code, 1)
    assert.match(
      deep.errors[0]!,
      /model\/weights\.bin: the bytes the Hub serves are SHA-256 [0-9a-f]{64}, SHA-256 [0-9a-f]{64} expected/
    ) // The same files were looked at: a problem found is not one more file checked.
    assert.match(deep.errors[0]!, new RegExp(`Verification of ${count} files .*found 1 problem`))
  })
})
