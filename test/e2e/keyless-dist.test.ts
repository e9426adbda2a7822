// Black-box: keyless publishing (issue 10) through dist/index.js, as on a runner, against both
// emulators. The job "has" `permissions: id-token: write` when its environment carries the GitHub
// emulator's ACTIONS_ID_TOKEN_REQUEST_* variables; the Hub emulator's Trusted Publisher of the
// repo checks the ID token's signature and claims and issues an `hf_jwt_` token for that repo.
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { commit } from '@huggingface/hub'
import { startGithubEmulator, type GithubEmulator, type OidcJob } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
// @ts-expect-error plain ESM helper shared with the test runner
import { findMintedSecretLeaks, findTokenLeaks } from '../support/leak-scan.mjs'
import { fileHashes, hubFileHashes } from '../support/hub-files.ts'
import { KEYLESS_REPO, PUBLISHER_CLAIMS } from '../support/keyless.ts'
import { runDist, type DistRun } from '../support/run-dist.ts'
import { GH_TOKEN } from '../support/tokens.ts'
import {
  SEED_FILES_MAPPING,
  makeWorkspace,
  pseudoRandomBytes,
  seedCheckout,
  seedPublished,
  seedTrainOutput
} from '../support/workspace.ts'

const REPO = KEYLESS_REPO
const HUB_REPO = { type: 'model' as const, name: KEYLESS_REPO }

let gh: GithubEmulator
let hub: HubEmulator
let workspace: string
let job: OidcJob
/**
 * Both services' clock (GitHub's for ID tokens, the Hub's for exchanged tokens). A test moves it
 * while an upload is held, as if that upload had taken that long; the action's own clock (another
 * process) does not move.
 */
let offsetMs = 0
const servicesNow = (): number => Date.now() + offsetMs

before(async () => {
  gh = await startGithubEmulator({
    dataDir: captureFolder('gh-keyless'),
    tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } },
    clock: () => new Date(servicesNow())
  })
  // No hf_ token is accepted at all: every Hub call of these runs is keyless.
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-keyless'),
    tokens: {},
    trustedPublishers: { now: servicesNow }
  })
  gh.addRepo(REPO, { id: 1001 })
  await hub.createRepo(HUB_REPO)
  await hub.createRepo('d4oit/other-model')
  await hub.createRepo('d4oit/no-publisher')
  hub.trustedPublishers.add({ repo: HUB_REPO.name, issuer: gh.oidc.issuer, claims: PUBLISHER_CLAIMS })
  job = gh.oidc.addJob(REPO, { environment: 'hub' })
  workspace = await makeWorkspace(seedCheckout(0.25))
})
after(async () => {
  await gh.close()
  await hub.close()
})

const REPORT = '{"fid": 40.2}'
const checkpointOf = (seed: string) => pseudoRandomBytes(300_000, seed)

async function trainRun(seed: string) {
  const run = gh.addWorkflowRun(REPO, {})
  await gh.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'tinydit_final.pt': checkpointOf(seed) } })
  await gh.addArtifact(REPO, run.id, { name: 'evaluation-report', files: { 'evaluation_report.json': REPORT } })
  return run
}

interface KeylessRun {
  name: string
  env?: Record<string, string>
  /** The job's OIDC variables; null: the job has no `id-token: write`. */
  job?: OidcJob | null
  inputs?: Record<string, string>
  event?: { name: string; payload: object }
}

async function runKeyless(options: KeylessRun): Promise<DistRun> {
  const dir = captureFolder('keyless-event')
  const event = options.event ?? { name: 'workflow_dispatch', payload: gh.workflowDispatchPayload(REPO) }
  writeFileSync(join(dir, 'event.json'), JSON.stringify(event.payload))
  const oidcJob = options.job === undefined ? job : options.job
  const run = await runDist({
    name: options.name,
    workspace,
    inputs: {
      'github-token': GH_TOKEN,
      'repo-id': HUB_REPO.name,
      'hub-url': hub.url,
      artifacts: 'checkpoints\nevaluation-report -> evaluation/',
      files: SEED_FILES_MAPPING,
      ...options.inputs
    },
    env: {
      GITHUB_EVENT_NAME: event.name,
      GITHUB_EVENT_PATH: join(dir, 'event.json'),
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '900',
      GITHUB_WORKFLOW: 'Upload to HuggingFace Hub',
      ...(oidcJob ? oidcJob.env : {}),
      ...options.env
    }
  })
  assertNoMintedSecret(run)
  return run
}

/**
 * Neither the ID token nor the exchanged token appears anywhere but in `::add-mask::` lines: by its
 * shape, and every masked secret in every form the leak scan knows (raw, percent-encoded, base64).
 */
function assertNoMintedSecret(run: DistRun): void {
  const written = [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs), ...run.errors].join('\n')
  assert.deepEqual(findMintedSecretLeaks(written), [], 'a minted secret outside ::add-mask::')
  assert.deepEqual(findTokenLeaks(written, maskedSecrets(run)), [], 'a masked secret was printed')
}

/** The secrets the run registered with the runner. */
function maskedSecrets(run: DistRun): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length))
}

/** A push: workspace files only, so an error test needs no Train run. */
const PUSH = { name: 'push', payload: { ref: 'refs/heads/main' } }
const WORKSPACE_ONLY = { artifacts: '', files: 'benchmark_report.json -> benchmarks/', 'failure-issue': 'false' }

const routeCount = (route: string, from = 0) => hub.stats.requests.slice(from).filter((r) => r.route === route).length

describe('keyless publishing through dist/index.js', () => {
  let firstCommit: string

  test('a workflow_run after Train publishes with no Hub secret at all, as [OIDC]', async () => {
    const from = hub.stats.requests.length
    const before = (await hub.listCommits(HUB_REPO)).length
    const run = await trainRun('keyless-1')
    const result = await runKeyless({
      name: 'keyless-publish',
      event: { name: 'workflow_run', payload: gh.workflowRunPayload(REPO, run.id) }
    })
    assert.equal(result.code, 0, result.stdout)
    assert.equal(result.outputs.changed, 'true')
    assert.equal(result.outputs['train-run-id'], String(run.id))
    const commits = await hub.listCommits(HUB_REPO)
    assert.equal(commits.length, before + 1, 'one commit')
    firstCommit = commits[0]!.oid
    assert.equal(result.outputs['commit-sha'], firstCommit)
    const onHub = await hubFileHashes(hub, HUB_REPO, firstCommit)
    const published = seedPublished({
      ...seedTrainOutput(0.25),
      'checkpoints/tinydit_final.pt': checkpointOf('keyless-1'),
      'evaluation/evaluation_report.json': REPORT
    })
    assert.deepEqual(onHub, { ...fileHashes(published), 'README.md': onHub['README.md'] }, 'the files, byte for byte')
    assert.equal(result.outputs.verified, 'true')
    assert.match(result.summary, /Authentication: keyless \(GitHub OIDC/)
    assert.deepEqual([routeCount('oauth-token', from), routeCount('whoami', from)], [1, 0], 'one exchange, no whoami')
    assert.match(result.stdout, /Keyless: exchanged this job's GitHub OIDC ID token for a Hub token scoped to model/)

    // Both secrets were masked: the ID token (a JWT) and the exchanged token.
    const masked = maskedSecrets(result)
    assert.ok(
      masked.some((s) => /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(s)),
      'the ID token is masked'
    )
    const exchanged = masked.find((s) => s.startsWith('hf_jwt_'))
    assert.ok(exchanged, 'the exchanged token is masked')
    // That token writes to this repo only.
    await assert.rejects(
      commit({
        hubUrl: hub.url,
        accessToken: exchanged,
        repo: 'd4oit/other-model',
        title: 'not allowed',
        operations: [{ operation: 'addOrUpdate', path: 'x.txt', content: new Blob(['x']) }]
      }),
      (error: { statusCode?: number }) => error.statusCode === 403
    )
    assert.equal((await hub.listCommits('d4oit/other-model')).length, 1, 'nothing landed on the other repo')
  })

  test('verify, history and rollback run keyless too', async () => {
    const verify = await runKeyless({ name: 'keyless-verify', inputs: { mode: 'verify', files: '', artifacts: '' } })
    assert.equal(verify.code, 0, verify.stdout)
    assert.equal(verify.outputs.verified, 'true')
    assert.match(verify.summary, /Authentication: keyless/)

    const history = await runKeyless({ name: 'keyless-history', inputs: { mode: 'history', files: '', artifacts: '' } })
    assert.equal(history.code, 0, history.stdout)
    assert.equal(JSON.parse(history.outputs.history!)[0].commit, firstCommit)

    const initial = (await hub.listCommits(HUB_REPO)).at(-1)!.oid
    const rollback = await runKeyless({
      name: 'keyless-rollback',
      inputs: { mode: 'rollback', 'rollback-to': initial, files: '', artifacts: '' }
    })
    assert.equal(rollback.code, 0, rollback.stdout)
    assert.deepEqual([rollback.outputs['rolled-back-to'], rollback.outputs.verified], [initial, 'true'])
    assert.equal(await hub.readFile(HUB_REPO, 'main', 'generator/model.pt'), null)
  })

  test('an upload that outlives the exchanged token: the commit goes out with a token exchanged again', async () => {
    const from = hub.stats.requests.length
    const run = await trainRun('keyless-long-upload')
    // Held once stored, its answer withheld: meanwhile 70 minutes pass for GitHub and the Hub.
    const upload = hub.faults.add({ route: 'lfs-upload', hold: 'after' })
    const running = runKeyless({
      name: 'keyless-long-upload',
      event: { name: 'workflow_run', payload: gh.workflowRunPayload(REPO, run.id) }
    })
    await upload.held()
    offsetMs += 70 * 60_000
    upload.release()
    const result = await running
    assert.equal(result.code, 0, result.stdout)
    const commits = hub.stats.requests.slice(from).filter((r) => r.route === 'commit')
    assert.deepEqual(
      commits.map((r) => r.status),
      [401, 200],
      'the first token was dead at the commit; the second one committed'
    )
    assert.equal(routeCount('oauth-token', from), 2)
    assert.match(result.stdout, /Keyless: the Hub refused the exchanged token \(401: it expired or was revoked\)/)
    assert.equal(result.outputs.verified, 'true', 'verification ran with the new token')
    assert.equal(new Set(maskedSecrets(result).filter((s) => s.startsWith('hf_jwt_'))).size, 2, 'both tokens masked')
  })
})

describe('keyless errors say what to change', () => {
  test('no id-token: write (the runner variables are absent): a clear error and the failure issue', async () => {
    const run = await runKeyless({
      name: 'keyless-no-permission',
      job: null,
      event: PUSH,
      inputs: { ...WORKSPACE_ONLY, 'failure-issue': 'true' }
    })
    assert.equal(run.code, 1)
    assert.equal(run.errors.length, 1, run.stdout)
    assert.match(run.errors[0]!, /hf-token is empty, so the action publishes keyless/)
    assert.match(run.errors[0]!, /Add "id-token: write" to the permissions: of the job/)
    assert.match(run.errors[0]!, /or pass hf-token/)
    const issue = gh.issues(REPO).find((i) => i.state === 'open')
    assert.match(issue?.body ?? '', /\*\*Authentication:\*\* keyless/)
    assert.match(issue?.body ?? '', /id-token: write/)
  })

  test('a Hub that echoes the exchanged token in an error: the token is scrubbed from every message', async () => {
    // The token is minted mid-run, after the scrubber was set up: it must learn it when it is masked.
    const echo = hub.faults.add({
      route: 'preupload',
      status: 400,
      body: (req: IncomingMessage) => ({ error: `Bad request, sent with ${String(req.headers.authorization)}` })
    })
    const run = await runKeyless({
      name: 'keyless-echoed-token',
      event: PUSH,
      inputs: { ...WORKSPACE_ONLY, 'failure-issue': 'true' }
    })
    echo.remove()
    assert.equal(echo.hits(), 1)
    assert.equal(run.code, 1)
    assert.equal(run.errors.length, 1, run.stdout)
    // The echo reached the message, its secret replaced (runKeyless also scans every output for it).
    assert.match(run.errors[0]!, /Bad request, sent with Bearer \*\*\*/)
    // The failure issue: opened by this run, or commented on when an earlier test left it open.
    const issue = gh.issues(REPO).find((i) => i.state === 'open')
    const written = [issue?.body ?? '', ...(issue?.comments ?? []).map((c) => c.body)].join('\n')
    assert.match(written, /sent with Bearer \*\*\*/)
    assert.deepEqual(findMintedSecretLeaks(written), [], 'the issue holds no minted token')
  })

  test('a claim mismatch (the environment): refused, listing what this job presented', async () => {
    // One through the bundle; a mismatch on each other claim runs in process (keyless-auth.test.ts).
    const run = await runKeyless({
      name: 'keyless-mismatch-environment',
      job: gh.oidc.addJob(REPO, { environment: 'staging' }),
      event: PUSH,
      inputs: WORKSPACE_ONLY
    })
    assert.equal(run.code, 1)
    const message = run.errors[0] ?? ''
    assert.match(message, /refused to exchange this job's OIDC ID token for a token to model .*\(invalid_grant/)
    assert.match(message, /tiny-cats-model exists \(it is public\), so none of its Trusted Publishers matches/)
    assert.match(message, /^ {2}environment = "staging"$/m, 'the value the publisher did not expect')
    for (const name of ['repository', 'ref', 'workflow', 'workflow_ref', 'job_workflow_ref', 'event_name', 'sub'])
      assert.match(message, new RegExp(`^  ${name} = "`, 'm'), `lists ${name}`)
    assert.match(message, new RegExp(`Trusted Publishers at ${hub.url}/d4oit/tiny-cats-model/settings`))
  })

  test('the resource repo does not exist, or has no publisher', async () => {
    const missing = await runKeyless({
      name: 'keyless-no-repo',
      event: PUSH,
      inputs: { ...WORKSPACE_ONLY, 'repo-id': 'd4oit/no-such-model', 'repo-type': 'dataset' }
    })
    assert.equal(missing.code, 1)
    assert.match(
      missing.errors[0]!,
      /not visible without a token: either it does not exist \(check repo-id and repo-type/
    )
    assert.match(missing.errors[0]!, /resource "datasets\/d4oit\/no-such-model"/)
    assert.match(missing.errors[0]!, new RegExp(`${hub.url}/datasets/d4oit/no-such-model/settings`))
    const unconfigured = await runKeyless({
      name: 'keyless-no-publisher',
      event: PUSH,
      inputs: { ...WORKSPACE_ONLY, 'repo-id': 'd4oit/no-publisher' }
    })
    assert.equal(unconfigured.code, 1)
    assert.match(unconfigured.errors[0]!, /no-publisher exists \(it is public\), so none of its Trusted Publishers/)
  })

  test('an exchange that hangs is cut by the attempt limit and sent again with a fresh ID token', async () => {
    const from = hub.stats.requests.length
    // The first exchange never answers; the attempt limit (shortened for tests) ends it.
    const hang = hub.faults.add({ route: 'oauth-token', hold: true })
    const run = await runKeyless({
      name: 'keyless-exchange-hangs',
      event: PUSH,
      inputs: WORKSPACE_ONLY,
      env: { HF_UPLOAD_ACTION_TIMEOUT_MS: '300' }
    })
    hang.release()
    assert.equal(run.code, 0, run.stdout)
    assert.match(
      run.stdout,
      /The token exchange at .*\/oauth\/token failed \(.*\); retrying in .* with a fresh ID token/
    )
    assert.equal(routeCount('oauth-token', from), 2)
    const idTokens = maskedSecrets(run).filter((s) => s.startsWith('eyJ'))
    assert.equal(new Set(idTokens).size, 2, 'each attempt sent its own ID token')
  })

  test('a Hub without the exchange endpoint (self-hosted): use hf-token', async () => {
    hub.faults.add({ route: 'oauth-token', status: 404, body: 'Not Found' })
    const run = await runKeyless({ name: 'keyless-no-endpoint', event: PUSH, inputs: WORKSPACE_ONLY })
    assert.equal(run.code, 1)
    assert.match(run.errors[0]!, /has no token exchange endpoint \(POST \/oauth\/token answered 404\)/)
    assert.match(run.errors[0]!, /Pass hf-token with a token that can write to d4oit\/tiny-cats-model/)
  })
})
