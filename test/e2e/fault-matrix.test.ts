// The fault matrix (issue 8): dist/index.js, run as the runner runs it, against both emulators with
// one injected fault per case. Every Hub endpoint class (whoami, repo info, head, tree, paths-info,
// resolve, preupload, LFS batch, basic PUT, part PUT, completion, commit, tag) and every GitHub one
// (run, artifacts list, artifact download, blob, issues) gets statuses with and without
// Retry-After/RateLimit, resets of the request or the answer at a byte offset, answers dropped or
// replaced by a gateway error after the server acted, and delays. Each case asserts the exit
// status, exactly 0 or 1 new commits (and the tree, when there is one), the retries made, a clear
// message, and that no token or upload-URL signature appears anywhere the run wrote.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { startGithubEmulator, type FaultRule as GhFaultRule, type GithubEmulator } from '../emulators/github/server.ts'
import { startHubEmulator, type FaultRule as HubFaultRule, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { fileHashes, hubFileHashes } from '../support/hub-files.ts'
// @ts-expect-error plain ESM helper shared with the test runner
import { findTokenLeaks } from '../support/leak-scan.mjs'
import { runDist, type DistRun } from '../support/run-dist.ts'
import { GH_TOKEN, HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace, pseudoRandomBytes } from '../support/workspace.ts'

const REPO = 'd4oit/tiny-cats-model'
const MiB = 1024 * 1024
/** Multipart above 1 MiB in parts of 512 KiB: the weights go in 3 parts, the small file in one PUT. */
const WEIGHTS = pseudoRandomBytes(1.25 * MiB, 'fault-weights')
const SMALL = pseudoRandomBytes(200_000, 'fault-small')
const CONFIG = '{"channels": 3, "image_size": 64}\n'
const REPORT = '{"fid": 40.2, "inception_score": 3.1}\n'
const MAPPING = ['model/ -> model/', 'config.json', 'evaluation_report.json'].join('\n')
const TRAIN_MAPPING = [
  'weights/weights.bin -> model/weights.bin',
  'model/small.bin -> model/small.bin',
  'config.json',
  'evaluation_report.json'
].join('\n')

let hub: HubEmulator
let gh: GithubEmulator
let workspace: string
let counter = 0

before(async () => {
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-faults'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } },
    multipartThreshold: MiB,
    chunkSize: 512 * 1024
  })
  gh = await startGithubEmulator({
    dataDir: captureFolder('gh-faults'),
    tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } }
  })
  gh.addRepo(REPO, { id: 1001 })
  workspace = await makeWorkspace({
    'model/weights.bin': WEIGHTS,
    'model/small.bin': SMALL,
    'config.json': CONFIG,
    'evaluation_report.json': REPORT
  })
})
after(async () => {
  await hub.close()
  await gh.close()
})

type Flow = 'publish' | 'train'

interface Case {
  name: string
  flow?: Flow
  hub?: HubFaultRule[]
  gh?: GhFaultRule[]
  inputs?: Record<string, string>
  env?: Record<string, string>
  /** Exit status. */
  code: 0 | 1
  /** New commits on the branch. */
  commits?: 0 | 1
  /** Requests each faulted Hub route saw at least, e.g. 2 for one retry. */
  hubRequests?: Partial<Record<HubFaultRule['route'], number>>
  /** The same for GitHub routes (counted in the emulator's request log by route string). */
  ghRequests?: Record<string, number>
  /** In the log (stdout), and for failures in the one ::error::. */
  log?: RegExp[]
  error?: RegExp
  /** Extra checks. */
  check?: (run: DistRun, ctx: CaseContext) => void | Promise<void>
}

interface CaseContext {
  repo: { type: 'model'; name: string }
  before: number
  runId?: number
}

const hubRepo = () => ({ type: 'model' as const, name: `d4oit/faults-${process.pid}-${++counter}` })

async function runCase(c: Case): Promise<void> {
  const repo = hubRepo()
  await hub.createRepo(repo)
  const before = (await hub.listCommits(repo)).length
  const ctx: CaseContext = { repo, before }
  const flow = c.flow ?? 'publish'
  const env: Record<string, string> = {
    GITHUB_API_URL: gh.url,
    GITHUB_REPOSITORY: REPO,
    GITHUB_RUN_ID: '9000',
    GITHUB_RUN_NUMBER: '12',
    GITHUB_WORKFLOW: 'Upload to HuggingFace Hub',
    GITHUB_WORKFLOW_REF: `${REPO}/.github/workflows/upload-hub.yml@refs/heads/main`,
    ...c.env
  }
  const inputs: Record<string, string> = {
    'hf-token': HF_TOKEN,
    'github-token': GH_TOKEN,
    'repo-id': repo.name,
    'hub-url': hub.url,
    files: flow === 'train' ? TRAIN_MAPPING : MAPPING,
    ...c.inputs
  }
  if (flow === 'train') {
    const run = gh.addWorkflowRun(REPO, {})
    await gh.addArtifact(REPO, run.id, { name: 'weights', files: { 'weights.bin': WEIGHTS } })
    const dir = captureFolder('fault-event')
    await writeFile(join(dir, 'event.json'), JSON.stringify(gh.workflowRunPayload(REPO, run.id)))
    Object.assign(env, { GITHUB_EVENT_NAME: 'workflow_run', GITHUB_EVENT_PATH: join(dir, 'event.json') })
    inputs.artifacts = 'weights'
    ctx.runId = run.id
  } else {
    env.GITHUB_EVENT_NAME = 'push'
  }
  hub.resetStats()
  const ghLogStart = gh.requests.length
  const hubRules = (c.hub ?? []).map((rule) => hub.faults.add(rule))
  const ghRules = (c.gh ?? []).map((rule) => gh.faults.add(rule))
  let run: DistRun
  try {
    run = await runDist({ name: `fault-${c.name}`, workspace, inputs, env })
  } finally {
    hub.faults.clear()
    gh.faults.clear()
  }
  const all = `${run.stdout}\n${run.stderr}`
  assert.equal(run.code, c.code, `exit status\n${all}`)
  for (const [i, rule] of hubRules.entries()) assert.ok(rule.hits() > 0, `Hub fault ${i} was hit\n${all}`)
  for (const [i, rule] of ghRules.entries()) assert.ok(rule.hits > 0, `GitHub fault ${i} was hit\n${all}`)

  const commits = await hub.listCommits(repo)
  if (c.commits !== undefined) assert.equal(commits.length - before, c.commits, `new commits\n${all}`)
  if (c.code === 0) {
    assert.deepEqual(run.errors, [], all)
    if (c.commits === 1) await assertTree(repo, commits[0]!.oid, run)
  } else {
    assert.equal(run.errors.length, 1, `one clear error\n${all}`)
    if (c.error) assert.match(run.errors[0]!, c.error)
  }
  for (const pattern of c.log ?? []) assert.match(run.stdout, pattern)
  for (const [route, n] of Object.entries(c.hubRequests ?? {}))
    assert.ok(hub.requestCount(route as HubFaultRule['route']) >= n, `${route}: at least ${n} requests\n${all}`)
  const ghLog = gh.requests.slice(ghLogStart)
  for (const [route, n] of Object.entries(c.ghRequests ?? {})) {
    const seen = ghLog.filter((r) => r.route === route).length
    assert.ok(seen >= n, `${route}: at least ${n} requests, saw ${seen}\n${all}`)
  }
  assertNoSecret(run)
  await c.check?.(run, ctx)
}

/** The branch head holds exactly the published files, with the right bytes, and the outputs name it. */
async function assertTree(repo: { type: 'model'; name: string }, head: string, run: DistRun): Promise<void> {
  assert.equal(run.outputs['commit-sha'], head, 'commit-sha is the new head')
  assert.equal(run.outputs.verified, 'true')
  const expected: Record<string, string | Buffer> = {
    'model/weights.bin': WEIGHTS,
    'model/small.bin': SMALL,
    'config.json': CONFIG,
    'evaluation_report.json': REPORT
  }
  const onHub = await hubFileHashes(hub, repo, head)
  assert.deepEqual(onHub, { ...fileHashes(expected), 'README.md': onHub['README.md'] }, 'the published files, no other')
  assert.ok(onHub['README.md'], 'the model card is there')
}

/** In every form the leak scan knows (raw, percent-encoded, base64, an unscrubbed signature). */
function assertNoSecret(run: DistRun): void {
  const issues = gh.issues(REPO).flatMap((i) => [i.title, i.body ?? '', ...i.comments.map((c) => c.body)])
  const written = [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs), ...issues].join('\n')
  const leaks = findTokenLeaks(written, [HF_TOKEN, GH_TOKEN, ...hub.uploadUrlSignatures()]) as LeakLine[]
  assert.deepEqual(
    leaks.map((l) => `line ${l.line}: ${l.secret.slice(0, 12)}…`),
    [],
    'no token or upload-URL signature in the log, summary, outputs or issues'
  )
}

type LeakLine = { line: number; secret: string }

const retried = (route: string) => new RegExp(`${route}.* failed \\(.*\\); retrying in`)
const landed = /The commit whose answer was lost did land, as [0-9a-f]{40}; using it/

const hubCases: Case[] = [
  // whoami
  {
    name: 'whoami 503 with Retry-After',
    hub: [{ route: 'whoami', status: 503, retryAfter: 1 }],
    code: 0,
    commits: 1,
    hubRequests: { whoami: 2 },
    log: [retried('/api/whoami-v2')]
  },
  {
    name: 'whoami answer cut at byte 12',
    hub: [{ route: 'whoami', resetResponseAtByte: 12 }],
    code: 0,
    commits: 1,
    hubRequests: { whoami: 2 }
  },
  {
    name: 'whoami 401 (a refused token is not retried)',
    hub: [{ route: 'whoami', status: 401, body: { error: 'Invalid credentials in Authorization header' } }],
    code: 1,
    commits: 0,
    error: /rejected hf-token \(401 Unauthorized\)/,
    check: () => assert.equal(hub.requestCount('whoami'), 1)
  },
  // repo info
  {
    name: 'repo info 502',
    hub: [{ route: 'repo-info', status: 502 }],
    code: 0,
    commits: 1,
    hubRequests: { 'repo-info': 2 }
  },
  {
    name: 'repo info answer dropped',
    hub: [{ route: 'repo-info', dropResponse: true }],
    code: 0,
    commits: 1,
    hubRequests: { 'repo-info': 2 }
  },
  // head (the commit list)
  {
    name: 'head: commits list 500 twice',
    hub: [{ route: 'commits', status: 500, times: 2 }],
    code: 0,
    commits: 1,
    hubRequests: { commits: 3 }
  },
  {
    name: 'head: commits list answer cut at byte 40',
    hub: [{ route: 'commits', resetResponseAtByte: 40 }],
    code: 0,
    commits: 1,
    hubRequests: { commits: 2 }
  },
  // tree
  {
    name: 'tree answer cut mid-body',
    hub: [{ route: 'tree', resetResponseAtByte: 30 }],
    code: 0,
    commits: 1,
    hubRequests: { tree: 2 }
  },
  {
    name: 'tree 429 with RateLimit t=1',
    hub: [{ route: 'tree', status: 429, rateLimit: true, retryAfter: 1 }],
    code: 0,
    commits: 1,
    log: [/tree\/.* failed \(HTTP 429\); retrying in 1 s/]
  },
  {
    name: 'tree 429 asking for an hour',
    hub: [{ route: 'tree', status: 429, retryAfter: 3600 }],
    code: 1,
    commits: 0,
    check: () => assert.equal(hub.requestCount('tree'), 1, 'not waited for, not retried'),
    error: /answered 429 \(rate limit\) to GET .*tree.* asked to wait 3600 s, longer than the 120 s this action waits/
  },
  {
    name: 'tree delayed 300 ms (slow, not failed)',
    hub: [{ route: 'tree', delayMs: 300 }],
    code: 0,
    commits: 1,
    check: (run) => assert.doesNotMatch(run.stdout, retried('tree'))
  },
  // paths-info (verification)
  {
    name: 'paths-info answer cut while verifying',
    hub: [{ route: 'paths-info', resetResponseAtByte: 25 }],
    code: 0,
    commits: 1,
    hubRequests: { 'paths-info': 2 }
  },
  {
    name: 'paths-info down after the commit landed',
    hub: [{ route: 'paths-info', status: 503, times: -1 }],
    code: 1,
    commits: 1,
    hubRequests: { 'paths-info': 6 },
    error: /failed with 503 .*while verifying the commit/,
    check: async (run, ctx) => {
      const head = (await hub.listCommits(ctx.repo))[0]!.oid
      assert.equal(run.outputs['commit-sha'], head, 'the commit that landed is an output of the failed run')
      assert.match(run.summary, new RegExp(`A commit landed before the failure: .*${head}`))
    }
  },
  // resolve (the card at the head, the card at the commit)
  {
    name: 'resolve 503',
    hub: [{ route: 'resolve', status: 503 }],
    code: 0,
    commits: 1,
    hubRequests: { resolve: 2 }
  },
  {
    name: 'resolve answer dropped',
    hub: [{ route: 'resolve', dropResponse: true, skip: 1 }],
    code: 0,
    commits: 1,
    hubRequests: { resolve: 3 }
  },
  // preupload
  {
    name: 'preupload 503 with Retry-After: 0',
    hub: [{ route: 'preupload', status: 503, retryAfter: 0 }],
    code: 0,
    commits: 1,
    hubRequests: { preupload: 2 }
  },
  {
    name: 'preupload request reset at byte 10',
    hub: [{ route: 'preupload', resetRequestAtByte: 10 }],
    code: 0,
    commits: 1,
    hubRequests: { preupload: 2 }
  },
  // LFS batch
  {
    name: 'LFS batch 429 with RateLimit t=0',
    hub: [{ route: 'lfs-batch', status: 429, rateLimit: true, retryAfter: 0 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-batch': 2 }
  },
  {
    name: 'LFS batch answer dropped after it was made',
    hub: [{ route: 'lfs-batch', dropResponse: true }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-batch': 2 }
  },
  // basic PUT
  {
    name: 'basic PUT 500',
    hub: [{ route: 'lfs-upload', status: 500 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-upload': 2 }
  },
  {
    name: 'basic PUT request reset at byte 4096',
    hub: [{ route: 'lfs-upload', resetRequestAtByte: 4096 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-upload': 2 }
  },
  {
    name: 'basic PUT stored, answer dropped',
    hub: [{ route: 'lfs-upload', dropResponse: true }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-upload': 2 }
  },
  {
    name: 'basic PUT 403 once (an expired URL): fresh URLs',
    hub: [{ route: 'lfs-upload', status: 403 }],
    code: 0,
    commits: 1,
    log: [/The storage refused an upload URL \(HTTP 403\); planning again with fresh URLs/]
  },
  {
    name: 'basic PUT 403 for good',
    hub: [{ route: 'lfs-upload', status: 403, times: -1 }],
    code: 1,
    commits: 0,
    check: () => assert.equal(hub.requestCount('lfs-upload'), 4, 'once per plan, each with fresh URLs'),
    error: /storage refused the upload of model\/small\.bin \(403 from the presigned upload URL\).*not about hf-token/
  },
  // part PUT
  {
    name: 'part PUT 500',
    hub: [{ route: 'lfs-part', status: 500 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-part': 4 }
  },
  {
    name: 'part PUT request reset at byte 65536',
    hub: [{ route: 'lfs-part', resetRequestAtByte: 65536, skip: 1 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-part': 4 }
  },
  {
    name: 'part PUT 503 SlowDown with Retry-After: 0',
    hub: [{ route: 'lfs-part', status: 503, retryAfter: 0 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-part': 4 }
  },
  // multipart completion
  {
    name: 'completion done, answer dropped (its repeat is refused)',
    hub: [{ route: 'lfs-complete', dropResponse: true }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-complete': 2 },
    log: [/repeated completion of LFS object [0-9a-f]{12} was refused \(HTTP 404\), but the Hub stores the object/]
  },
  {
    name: 'completion done, then a gateway 502',
    hub: [{ route: 'lfs-complete', gatewayError: 502 }],
    code: 0,
    commits: 1,
    log: [/but the Hub stores the object/]
  },
  {
    name: 'completion 500 before it was done',
    hub: [{ route: 'lfs-complete', status: 500 }],
    code: 0,
    commits: 1,
    hubRequests: { 'lfs-complete': 2 }
  },
  {
    name: 'completion refused for good',
    hub: [{ route: 'lfs-complete', status: 400, times: -1 }],
    code: 1,
    commits: 0,
    check: () => assert.equal(hub.requestCount('commit'), 0, 'no commit was even sent'),
    error: /Hub refused to complete the multipart upload( of model\/weights\.bin)? \(400 from the completion URL\)/
  },
  // commit
  {
    name: 'commit landed, answer dropped',
    hub: [{ route: 'commit', dropResponse: true }],
    code: 0,
    commits: 1,
    log: [landed],
    check: () => assert.equal(hub.requestCount('commit'), 1, 'never sent twice')
  },
  {
    name: 'commit landed, then a gateway 502',
    hub: [{ route: 'commit', gatewayError: 502 }],
    code: 0,
    commits: 1,
    log: [landed],
    check: () => assert.equal(hub.requestCount('commit'), 1)
  },
  {
    name: 'commit landed, then a gateway 504',
    hub: [{ route: 'commit', gatewayError: 504 }],
    code: 0,
    commits: 1,
    log: [landed],
    check: () => assert.equal(hub.requestCount('commit'), 1)
  },
  {
    name: 'commit landed, answer cut at byte 10',
    hub: [{ route: 'commit', resetResponseAtByte: 10 }],
    code: 0,
    commits: 1,
    log: [landed],
    check: () => assert.equal(hub.requestCount('commit'), 1)
  },
  {
    name: 'commit request reset at byte 100 (not landed)',
    hub: [{ route: 'commit', resetRequestAtByte: 100 }],
    code: 0,
    commits: 1,
    log: [/The commit did not land .*sending it again \(attempt 2 of 4\)/],
    check: () => assert.equal(hub.requestCount('commit'), 2, 'sent again once')
  },
  {
    name: 'commit 503 before it was applied',
    hub: [{ route: 'commit', status: 503 }],
    code: 0,
    commits: 1,
    check: () => assert.equal(hub.requestCount('commit'), 2)
  },
  {
    name: 'commit 429 (not waited for)',
    hub: [{ route: 'commit', status: 429, retryAfter: 30 }],
    code: 1,
    commits: 0,
    error: /refused the commit for its rate limit \(429\)\. A refused commit is not waited for and sent again/,
    log: [/answered 429 and asked to wait 30 s; a commit is never re-sent blindly/],
    check: () => assert.equal(hub.requestCount('commit'), 1)
  },
  {
    name: 'commit slower than its time limit',
    hub: [{ route: 'commit', delayMs: 2500 }],
    env: { HF_UPLOAD_ACTION_TIMEOUT_MS: '1000' },
    code: 0,
    commits: 1,
    log: [/The commit's answer was lost \(timed out\)/]
  },
  // tag
  {
    name: 'tag created, answer dropped',
    hub: [{ route: 'tag', dropResponse: true }],
    inputs: { tag: 'v{run_number}' },
    code: 0,
    commits: 1,
    log: [/Tagged [0-9a-f]{40} as "v12" \(the tag request's answer was lost; the tag is there\)/],
    check: (run) => {
      assert.equal(run.outputs.tag, 'v12', "{run_number} is the publishing run's number without a Train run")
      assert.equal(hub.requestCount('tag'), 1, 'the tag request is not sent twice')
    }
  },
  {
    name: 'tag created, then a gateway 502',
    hub: [{ route: 'tag', gatewayError: 502 }],
    inputs: { tag: 'v{run_number}' },
    code: 0,
    commits: 1,
    check: (run) => {
      assert.equal(run.outputs.tag, 'v12')
      assert.equal(hub.requestCount('tag'), 1)
    }
  },
  {
    name: 'tag 503 (not created): a warning, the commit stands',
    hub: [{ route: 'tag', status: 503 }],
    inputs: { tag: 'v{run_number}' },
    code: 0,
    commits: 1,
    check: (run) => {
      assert.equal(run.outputs.tag, '')
      assert.equal(hub.requestCount('tag'), 1)
      assert.ok(run.warnings.some((w) => /Could not create the tag "v12".*The commit stands/.test(w)))
    }
  }
]

const ARTIFACTS_LIST = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts'
const RUN = 'GET /repos/{owner}/{repo}/actions/runs/{run_id}'
const DOWNLOAD = 'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}'
/** A definite Hub refusal, to make a run fail and file its issue. */
const refuseCommit: HubFaultRule = { route: 'commit', status: 422, body: { error: 'Emulated refusal' }, times: -1 }
const myIssues = (repoName: string) => gh.issues(REPO).filter((i) => i.body?.includes(`target=model:${repoName}@main`))

const gitHubCases: Case[] = [
  {
    name: 'run re-read 502',
    flow: 'train',
    gh: [{ route: 'run', status: 502, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [RUN]: 2 }
  },
  {
    name: 'run re-read secondary rate limit',
    flow: 'train',
    gh: [{ route: 'run', rateLimit: 'secondary', retryAfter: 1, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [RUN]: 2 },
    log: [/GitHub's secondary rate limit for github-token: GET .*; retrying in 1 s/]
  },
  {
    name: 'run answer cut half-way',
    flow: 'train',
    gh: [{ route: 'run', resetAt: 'half', times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [RUN]: 2 }
  },
  {
    name: 'artifacts list 500',
    flow: 'train',
    gh: [{ route: 'artifacts-list', status: 500, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [ARTIFACTS_LIST]: 2 }
  },
  {
    name: 'artifacts list primary rate limit, reset in 1 s',
    flow: 'train',
    gh: [{ route: 'artifacts-list', rateLimit: 'primary', resetIn: 1, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [ARTIFACTS_LIST]: 2 },
    log: [/GitHub's rate limit for github-token/]
  },
  {
    name: 'artifacts list primary rate limit for an hour',
    flow: 'train',
    gh: [{ route: 'artifacts-list', rateLimit: 'primary', resetIn: 3600, times: 10 }],
    code: 1,
    commits: 0,
    error: /Could not list the artifacts of Train run \d+: .*rate limit for github-token is spent until \d{4}-/
  },
  {
    name: 'artifact download API 503',
    flow: 'train',
    gh: [{ route: 'artifact-download', status: 503, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [DOWNLOAD]: 2 },
    log: [/Downloading artifact \d+ failed \(HTTP 503\); retrying in/]
  },
  {
    name: 'artifact download API secondary rate limit',
    flow: 'train',
    gh: [{ route: 'artifact-download', rateLimit: 'secondary', retryAfter: 1, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [DOWNLOAD]: 2 },
    log: [/Downloading artifact \d+ failed \(HTTP 403 \(rate limit\)\); retrying in 1 s/]
  },
  {
    name: 'artifact download API connection dropped',
    flow: 'train',
    gh: [{ route: 'artifact-download', drop: true, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { [DOWNLOAD]: 2 }
  },
  {
    // @actions/artifact's own loop retries the blob 5 s later (a body cut half-way would first stall
    // for its 30 s chunk timeout: too slow for this suite; the README says so).
    name: 'artifact blob 503 (the library retries it)',
    flow: 'train',
    gh: [{ route: 'blob', status: 503, times: 1 }],
    code: 0,
    commits: 1,
    ghRequests: { 'GET /_blobs/{ticket}.zip': 2 }
  },
  {
    name: 'issue created, then a 502: one issue',
    hub: [refuseCommit],
    gh: [{ route: 'issue-create', phase: 'after', status: 502, times: 1 }],
    code: 1,
    commits: 0,
    error: /refused the request with 422/,
    check: (run, ctx) => {
      const issues = myIssues(ctx.repo.name)
      assert.equal(issues.length, 1, 'exactly one failure issue')
      assert.equal(run.outputs['issue-url'], `https://github.com/${REPO}/issues/${issues[0]!.number}`)
    }
  },
  {
    name: 'issue create dropped before it was made: made once',
    hub: [refuseCommit],
    gh: [{ route: 'issue-create', drop: true, times: 1 }],
    code: 1,
    commits: 0,
    check: (run, ctx) => {
      assert.equal(myIssues(ctx.repo.name).length, 1)
      assert.match(run.outputs['issue-url']!, /\/issues\/\d+$/)
    }
  },
  {
    name: 'issues list 500',
    hub: [refuseCommit],
    gh: [{ route: 'issues-list', status: 500, times: 1 }],
    code: 1,
    commits: 0,
    ghRequests: { 'GET /repos/{owner}/{repo}/issues': 2 },
    check: (_run, ctx) => assert.equal(myIssues(ctx.repo.name).length, 1)
  }
]

describe('fault matrix: Hub endpoints', () => {
  for (const c of hubCases) test(c.name, () => runCase(c))
})

describe('fault matrix: GitHub endpoints', () => {
  for (const c of gitHubCases) test(c.name, () => runCase(c))

  test('a recovery comment created, answer dropped: one comment, and the issue is closed', async () => {
    // A failed run opens the issue; the next one succeeds while its comment's answer is lost.
    const failing: Case = { name: 'recovery-setup', hub: [refuseCommit], code: 1, commits: 0 }
    let target = ''
    await runCase({ ...failing, check: (_r, ctx) => void (target = ctx.repo.name) })
    assert.equal(myIssues(target).length, 1)
    const rule = gh.faults.add({ route: 'comment-create', phase: 'after', drop: true, times: 1 })
    const run = await runDist({
      name: 'fault-recovery-comment',
      workspace,
      inputs: { 'hf-token': HF_TOKEN, 'github-token': GH_TOKEN, 'repo-id': target, 'hub-url': hub.url, files: MAPPING },
      env: {
        GITHUB_API_URL: gh.url,
        GITHUB_REPOSITORY: REPO,
        GITHUB_EVENT_NAME: 'push',
        GITHUB_WORKFLOW: 'Upload to HuggingFace Hub'
      }
    })
    gh.faults.clear()
    assert.equal(run.code, 0, run.stdout)
    assert.equal(rule.hits, 1)
    const issue = myIssues(target)[0]!
    assert.equal(issue.state, 'closed')
    assert.equal(issue.comments.filter((c) => /Closing this issue/.test(c.body)).length, 1, 'one recovery comment')
    assertNoSecret(run)
  })
})
