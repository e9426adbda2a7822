/**
 * The GitHub emulator driven by the action's real libraries over real HTTP: `@actions/artifact`
 * (`DefaultArtifactClient` with `findBy`) and Octokit from `@actions/github`. Also the zip-slip
 * regression test: a hostile artifact must not write outside the fresh download directory.
 *
 * Both libraries read GITHUB_API_URL when first imported, so they are imported dynamically after
 * the emulator has started.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  buildZip,
  listZipEntries,
  renameZipEntries,
  startGithubEmulator,
  type GithubEmulator
} from '../emulators/github/server.ts'

type ArtifactModule = typeof import('@actions/artifact')
type GithubModule = typeof import('@actions/github')

const TOKEN = process.env.HFUA_TEST_GH_TOKEN ?? 'ghs_' + 'x'.repeat(36)
/** A second identity whose token may read issues but nothing in Actions. */
const READER_TOKEN = 'ghs_' + 'r'.repeat(36)
const REPO = 'd4oit/tiny-cats-model'
const [OWNER, NAME] = REPO.split('/') as [string, string]
const captureRoot = process.env.HFUA_TEST_CAPTURE ?? tmpdir()
const freshDir = (prefix: string) => mkdtempSync(join(captureRoot, prefix))

let emulator: GithubEmulator
let artifactLib: ArtifactModule
let github: GithubModule

before(async () => {
  emulator = await startGithubEmulator({
    dataDir: freshDir('gh-emulator-'),
    tokens: {
      [TOKEN]: { login: 'github-actions[bot]' },
      [READER_TOKEN]: { login: 'octo-reader', permissions: { actions: 'none', issues: 'read' } }
    }
  })
  process.env.GITHUB_API_URL = emulator.url
  process.env.GITHUB_SERVER_URL = 'https://github.com' // anything else makes @actions/artifact refuse (GHES check)
  artifactLib = await import('@actions/artifact')
  github = await import('@actions/github')
  emulator.addRepo(REPO, { id: 1001 })
})

after(async () => {
  await emulator?.close()
})

const findBy = (workflowRunId: number, token = TOKEN) => ({
  token,
  workflowRunId,
  repositoryOwner: OWNER,
  repositoryName: NAME
})
const requestsTo = (route: string) => emulator.requests.filter((r) => r.route === route)

/** Every file under `dir`, as POSIX paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort()
}

async function statusOf(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise
  } catch (error) {
    const e = error as { status?: number; message?: string }
    return { status: e.status ?? -1, message: e.message ?? '' }
  }
  throw new Error('expected the request to fail')
}

describe('@actions/artifact (findBy) against the emulator', () => {
  let bigRunId: number
  let reportRunId: number

  before(async () => {
    bigRunId = emulator.addWorkflowRun(REPO, { event: 'push' }).id
    for (let i = 0; i < 203; i++)
      await emulator.addArtifact(REPO, bigRunId, {
        name: `shard-${String(i).padStart(3, '0')}`,
        files: { 'x.txt': `shard ${i}` }
      })
    // A re-run uploads "metrics" twice more: `latest` and getArtifact must pick the highest id.
    for (const value of ['1', '2', '3'])
      await emulator.addArtifact(REPO, bigRunId, { name: 'metrics', files: { 'metrics.json': `{"v":${value}}` } })
    reportRunId = emulator.addWorkflowRun(REPO, {}).id
  })

  it('lists more than 100 artifacts page by page and keeps the newest per name with latest', async () => {
    const client = new artifactLib.DefaultArtifactClient()
    const all = await client.listArtifacts({ findBy: findBy(bigRunId) })
    assert.equal(all.artifacts.length, 206)
    const pages = requestsTo('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts').map((r) => r.path)
    assert.deepEqual(
      pages.slice(-3),
      [1, 2, 3].map((p) => `/repos/${REPO}/actions/runs/${bigRunId}/artifacts?per_page=100&page=${p}`)
    )

    const latest = await client.listArtifacts({ findBy: findBy(bigRunId), latest: true })
    assert.equal(latest.artifacts.length, 204)
    const metrics = latest.artifacts.filter((a) => a.name === 'metrics')
    assert.equal(metrics.length, 1)
    assert.equal(metrics[0]?.id, Math.max(...all.artifacts.filter((a) => a.name === 'metrics').map((a) => a.id)))
    assert.ok(metrics[0]?.createdAt instanceof Date)
    assert.match(metrics[0]?.digest ?? '', /^sha256:[0-9a-f]{64}$/)
  })

  it('serves the same list to octokit.paginate, following Link headers through /repositories/{id}', async () => {
    const octokit = github.getOctokit(TOKEN)
    const artifacts = await octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, {
      owner: OWNER,
      repo: NAME,
      run_id: bigRunId,
      per_page: 100
    })
    assert.equal(artifacts.length, 206)
    assert.equal(new Set(artifacts.map((a) => a.id)).size, 206)
    assert.ok(
      requestsTo('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts').some(
        (r) => r.path === `/repositories/1001/actions/runs/${bigRunId}/artifacts?per_page=100&page=3`
      )
    )
  })

  it('gets the newest artifact by name and reports a missing name', async () => {
    const client = new artifactLib.DefaultArtifactClient()
    const { artifact } = await client.getArtifact('metrics', { findBy: findBy(bigRunId) })
    const listed = await client.listArtifacts({ findBy: findBy(bigRunId), latest: true })
    assert.equal(artifact.id, listed.artifacts.find((a) => a.name === 'metrics')?.id)
    const paths = requestsTo('GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts').map((r) => r.path)
    assert.ok(
      paths.includes(`/repos/${REPO}/actions/runs/${bigRunId}/artifacts?name=metrics`),
      'one request filtered by name, no paging'
    )
    await assert.rejects(client.getArtifact('no-such-artifact', { findBy: findBy(bigRunId) }), {
      name: 'ArtifactNotFoundError'
    })
  })

  it('downloads through the 302 redirect into a fresh directory and checks the digest', async () => {
    const report = JSON.stringify({ fid: 38.7, precision: 0.61 })
    await emulator.addArtifact(REPO, reportRunId, {
      name: 'evaluation-report',
      files: { 'evaluation_report.json': report, 'nested/readme.md': '# hi' }
    })
    const client = new artifactLib.DefaultArtifactClient()
    const { artifact } = await client.getArtifact('evaluation-report', { findBy: findBy(reportRunId) })

    const good = await client.downloadArtifact(artifact.id, {
      findBy: findBy(reportRunId),
      path: freshDir('dl-good-'),
      expectedHash: artifact.digest
    })
    assert.equal(good.digestMismatch, false)
    assert.deepEqual(filesUnder(good.downloadPath ?? ''), ['evaluation_report.json', 'nested/readme.md'])
    assert.equal(readFileSync(join(good.downloadPath ?? '', 'evaluation_report.json'), 'utf8'), report)

    const bad = await client.downloadArtifact(artifact.id, {
      findBy: findBy(reportRunId),
      path: freshDir('dl-bad-'),
      expectedHash: 'sha256:' + '0'.repeat(64)
    })
    assert.equal(bad.digestMismatch, true)

    const redirect = requestsTo('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}').at(-1)
    assert.equal(redirect?.status, 302)
    assert.equal(requestsTo('GET /_blobs/{ticket}.zip').at(-1)?.status, 200)
  })

  it('reports a mismatch when the registered digest is wrong', async () => {
    await emulator.addArtifact(REPO, reportRunId, {
      name: 'tampered',
      files: { 'a.txt': 'a' },
      digest: 'sha256:' + 'f'.repeat(64)
    })
    const client = new artifactLib.DefaultArtifactClient()
    const { artifact } = await client.getArtifact('tampered', { findBy: findBy(reportRunId) })
    const result = await client.downloadArtifact(artifact.id, {
      findBy: findBy(reportRunId),
      path: freshDir('dl-tampered-'),
      expectedHash: artifact.digest
    })
    assert.equal(result.digestMismatch, true)
  })

  it('answers 410 for an expired artifact once, without retries', async () => {
    const expired = await emulator.addArtifact(REPO, reportRunId, {
      name: 'old-checkpoints',
      files: { 'a.pt': 'x' },
      expired: true
    })
    assert.equal(expired.expired, true)
    assert.ok(Date.parse(expired.expires_at ?? '') < Date.now())
    const before = requestsTo('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}').length
    const started = Date.now()
    const client = new artifactLib.DefaultArtifactClient()
    await assert.rejects(
      client.downloadArtifact(expired.id, { findBy: findBy(reportRunId), path: freshDir('dl-expired-') }),
      (error: Error & { status?: number }) => {
        assert.equal(error.name, 'HttpError')
        assert.equal(error.status, 410)
        assert.match(error.message, /Artifact has expired/)
        return true
      }
    )
    assert.ok(Date.now() - started < 5000, 'no retry delays')
    assert.equal(
      requestsTo('GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}').length,
      before + 1
    )
  })

  it('refuses a token without actions permission (403, not retried) and an unknown token (401)', async () => {
    const client = new artifactLib.DefaultArtifactClient()
    assert.deepEqual(await statusOf(client.listArtifacts({ findBy: findBy(reportRunId, READER_TOKEN) })), {
      status: 403,
      message:
        'Resource not accessible by integration - ' +
        'https://docs.github.com/rest/actions/artifacts#list-workflow-run-artifacts'
    })
    const unknown = await statusOf(client.listArtifacts({ findBy: findBy(reportRunId, 'ghs_' + 'u'.repeat(36)) }))
    assert.equal(unknown.status, 401)
    assert.match(unknown.message, /^Bad credentials/)
  })
})

describe('zip-slip regression: a hostile artifact stays inside the download directory', () => {
  it('uses unzip-stream >= 0.3.2 (the release that neutralises every ".." segment)', () => {
    const fromArtifact = createRequire(fileURLToPath(import.meta.resolve('@actions/artifact')))
    const pkg = JSON.parse(readFileSync(fromArtifact.resolve('unzip-stream/package.json'), 'utf8')) as {
      version: string
    }
    const [major = 0, minor = 0, patch = 0] = pkg.version.split('.').map(Number)
    assert.ok(major > 0 || minor > 3 || (minor === 3 && patch >= 2), `unzip-stream ${pkg.version} is older than 0.3.2`)
  })

  it('rewrites traversal and absolute names and turns a symlink entry into a regular file', async () => {
    // yazl refuses hostile names, so build with same-length placeholders and rename in place.
    const built = await buildZip({
      'xx/escape.txt': 'escape 1',
      'a/xx/xx/escape2.txt': 'escape 2',
      'xabs/x.txt': 'absolute',
      'passwd-link': { data: '/etc/passwd', mode: 0o120777 },
      'ok.txt': 'fine'
    })
    const zip = renameZipEntries(built, {
      'xx/escape.txt': '../escape.txt',
      'a/xx/xx/escape2.txt': 'a/../../escape2.txt',
      'xabs/x.txt': '/abs/x.txt'
    })
    const entries = listZipEntries(zip)
    assert.deepEqual(
      entries.map((e) => e.name),
      ['../escape.txt', 'a/../../escape2.txt', '/abs/x.txt', 'passwd-link', 'ok.txt']
    )
    assert.equal((entries[3]?.mode ?? 0) & 0o170000, 0o120000, 'the link entry is marked as a symlink')

    const runId = emulator.addWorkflowRun(REPO, { event: 'pull_request', headRepository: 'mallory/tiny-cats-model' }).id
    const hostile = await emulator.addArtifact(REPO, runId, { name: 'hostile', files: { zip } })
    const sandbox = freshDir('zip-slip-')
    const dest = join(sandbox, 'dest')
    const client = new artifactLib.DefaultArtifactClient()
    await client.downloadArtifact(hostile.id, { findBy: findBy(runId), path: dest })

    assert.deepEqual(filesUnder(sandbox), [
      'dest/a/escape2.txt',
      'dest/abs/x.txt',
      'dest/escape.txt',
      'dest/ok.txt',
      'dest/passwd-link'
    ])
    assert.equal(existsSync(join(captureRoot, 'escape.txt')), false)
    assert.equal(existsSync('/abs/x.txt'), false)
    const link = lstatSync(join(dest, 'passwd-link'))
    assert.ok(link.isFile() && !link.isSymbolicLink(), 'symlink entry must be written as a regular file')
    assert.equal(readFileSync(join(dest, 'passwd-link'), 'utf8'), '/etc/passwd')
  })
})

describe('Octokit (@actions/github) against the emulator', () => {
  let octokit: ReturnType<GithubModule['getOctokit']>
  const base = { owner: OWNER, repo: NAME }

  before(() => {
    octokit = github.getOctokit(TOKEN)
    const day = (d: number) => `2026-11-${String(d).padStart(2, '0')}T10:00:00Z`
    emulator.addWorkflowRun(REPO, { path: '.github/workflows/nightly.yml', created_at: day(1) })
    emulator.addWorkflowRun(REPO, { created_at: day(10), conclusion: 'failure' })
    emulator.addWorkflowRun(REPO, { created_at: day(11), head_branch: 'feature' })
    emulator.addWorkflowRun(REPO, { created_at: day(12), event: 'pull_request' })
    emulator.addWorkflowRun(REPO, { created_at: day(13), status: 'in_progress' })
  })

  it('gets a workflow run with the fields the action checks', async () => {
    const seeded = emulator.addWorkflowRun(REPO, { name: 'Train', event: 'push', head_branch: 'main' })
    const { data, status, headers } = await octokit.rest.actions.getWorkflowRun({ ...base, run_id: seeded.id })
    assert.equal(status, 200)
    assert.match(String(headers['content-type']), /^application\/json; charset=utf-8$/)
    assert.ok(headers['x-github-request-id'])
    assert.equal(data.path, '.github/workflows/train.yml')
    assert.equal(data.conclusion, 'success')
    assert.equal(data.head_repository.id, data.repository.id)
    assert.equal(data.html_url, `https://github.com/${REPO}/actions/runs/${seeded.id}`)
    assert.equal(data.triggering_actor?.login, OWNER)
    assert.equal((await statusOf(octokit.rest.actions.getWorkflowRun({ ...base, run_id: 1 }))).status, 404)
  })

  it('lists workflow runs newest first, filtered by branch, event and status, with Link paging', async () => {
    const { data } = await octokit.rest.actions.listWorkflowRuns({
      ...base,
      workflow_id: 'train.yml',
      branch: 'main',
      event: 'push',
      status: 'success'
    })
    assert.ok(data.total_count >= 1)
    for (const run of data.workflow_runs) {
      assert.deepEqual(
        [run.head_branch, run.event, run.conclusion, run.path],
        ['main', 'push', 'success', '.github/workflows/train.yml']
      )
    }
    const created = data.workflow_runs.map((r) => Date.parse(r.created_at))
    assert.deepEqual(
      created,
      [...created].sort((a, b) => b - a)
    )

    const page = await octokit.rest.actions.listWorkflowRuns({
      ...base,
      workflow_id: data.workflow_runs[0]?.workflow_id ?? 0,
      per_page: 1
    })
    assert.match(
      page.headers.link ?? '',
      new RegExp(
        '^<http://127\\.0\\.0\\.1:\\d+/repositories/1001/actions/workflows/\\d+/runs' +
          '\\?per_page=1&page=2>; rel="next", ' +
          '<[^>]+page=\\d+>; rel="last"$'
      )
    )
    const all = await octokit.paginate(octokit.rest.actions.listWorkflowRuns, {
      ...base,
      workflow_id: 'train.yml',
      per_page: 2
    })
    assert.equal(all.length, page.data.total_count)
    assert.ok(all.some((r) => r.status === 'in_progress' && r.conclusion === null))
    const failures = await octokit.rest.actions.listWorkflowRuns({
      ...base,
      workflow_id: 'train.yml',
      status: 'failure'
    })
    assert.deepEqual(
      failures.data.workflow_runs.map((r) => r.conclusion),
      ['failure']
    )
    assert.equal(
      (await statusOf(octokit.rest.actions.listWorkflowRuns({ ...base, workflow_id: 'missing.yml' }))).status,
      404
    )
  })

  it('creates, finds by label, comments on and closes a failure issue', async () => {
    emulator.addPullRequest(REPO, {
      title: 'A PR carrying the same label',
      labels: ['hf-upload-failure'],
      user: 'octocat'
    })
    const created = await octokit.rest.issues.create({
      ...base,
      title: 'Upload to the Hub failed',
      body: '<!-- hf-upload:v1 -->\nrun 1',
      labels: ['hf-upload-failure', 'automated']
    })
    assert.equal(created.status, 201)
    assert.equal(created.data.user?.login, 'github-actions[bot]')
    assert.deepEqual(
      created.data.labels.map((l) => (typeof l === 'string' ? l : l.name)),
      ['hf-upload-failure', 'automated']
    )

    const listed = await octokit.rest.issues.listForRepo({
      ...base,
      state: 'open',
      labels: 'hf-upload-failure,automated',
      creator: 'github-actions[bot]',
      per_page: 100
    })
    assert.deepEqual(
      listed.data.map((i) => i.number),
      [created.data.number]
    )
    const withPrs = await octokit.rest.issues.listForRepo({ ...base, labels: 'hf-upload-failure' })
    assert.equal(withPrs.data.length, 2, 'GitHub lists pull requests among issues')
    assert.deepEqual(
      withPrs.data.filter((i) => !i.pull_request).map((i) => i.number),
      [created.data.number]
    )

    const comment = await octokit.rest.issues.createComment({
      ...base,
      issue_number: created.data.number,
      body: 'Failed again in run 2'
    })
    assert.equal(comment.status, 201)
    const closed = await octokit.rest.issues.update({
      ...base,
      issue_number: created.data.number,
      state: 'closed',
      state_reason: 'completed'
    })
    assert.deepEqual([closed.data.state, closed.data.state_reason, closed.data.comments], ['closed', 'completed', 1])
    assert.ok(closed.data.closed_at)

    const stored = emulator.issues(REPO).find((i) => i.number === created.data.number)
    assert.deepEqual(
      stored?.comments.map((c) => c.body),
      ['Failed again in run 2']
    )
    assert.equal(stored?.state, 'closed')
    const open = await octokit.rest.issues.listForRepo({ ...base, labels: 'hf-upload-failure' })
    assert.ok(open.data.every((i) => i.number !== created.data.number))
    const labels = await octokit.rest.issues.listLabelsForRepo(base)
    assert.ok(
      labels.data.some((l) => l.name === 'automated' && l.color === 'ededed'),
      'labels are created on the fly'
    )
  })

  it('pages issues with Link headers that Octokit follows', async () => {
    for (let i = 0; i < 5; i++) emulator.addIssue(REPO, { title: `paging ${i}`, labels: ['paging'] })
    const first = await octokit.rest.issues.listForRepo({ ...base, labels: 'paging', per_page: 2 })
    assert.match(first.headers.link ?? '', /rel="next".*rel="last"/)
    const all = await octokit.paginate(octokit.rest.issues.listForRepo, { ...base, labels: 'paging', per_page: 2 })
    assert.deepEqual(
      all.map((i) => i.title),
      ['paging 4', 'paging 3', 'paging 2', 'paging 1', 'paging 0']
    )
  })

  it('validates like GitHub: missing title, over-long body, duplicate label', async () => {
    // A plain string route opts out of Octokit's parameter types, which (rightly) require a title.
    const untypedCreate: string = 'POST /repos/{owner}/{repo}/issues'
    const noTitle = await statusOf(octokit.request(untypedCreate, { ...base, body: 'no title' }))
    assert.equal(noTitle.status, 422)
    assert.match(noTitle.message, /"title" wasn't supplied/)
    const tooLong = await statusOf(octokit.rest.issues.create({ ...base, title: 't', body: 'x'.repeat(65_537) }))
    assert.equal(tooLong.status, 422)
    await octokit.rest.issues.create({ ...base, title: 'exactly at the limit', body: 'x'.repeat(65_536) })
    const label = await octokit.rest.issues.createLabel({ ...base, name: 'needs triage', color: 'd73a4a' })
    assert.equal(label.status, 201)
    assert.equal((await octokit.rest.issues.getLabel({ ...base, name: 'needs triage' })).data.color, 'd73a4a')
    assert.equal(
      (await statusOf(octokit.rest.issues.createLabel({ ...base, name: 'Needs Triage', color: 'ffffff' }))).status,
      422
    )
  })

  it('answers 401 for unknown tokens, 403 for missing permissions, and accepts Bearer', async () => {
    const unknown = await statusOf(github.getOctokit('ghs_' + 'u'.repeat(36)).rest.repos.get(base))
    assert.equal(unknown.status, 401)
    assert.match(unknown.message, /^Bad credentials/)
    const reader = github.getOctokit(READER_TOKEN)
    assert.equal((await reader.rest.issues.listForRepo(base)).status, 200)
    const denied = await statusOf(reader.rest.issues.create({ ...base, title: 'nope' }))
    assert.deepEqual(denied, {
      status: 403,
      message: 'Resource not accessible by integration - https://docs.github.com/rest/issues/issues#create-an-issue'
    })
    const bearer = await fetch(`${emulator.url}/repos/${REPO}`, { headers: { authorization: `Bearer ${TOKEN}` } })
    assert.equal(bearer.status, 200)
    const anonymous = await fetch(`${emulator.url}/repos/${REPO}`)
    assert.equal(anonymous.status, 401)
    assert.deepEqual(await anonymous.json(), {
      message: 'Requires authentication',
      documentation_url: 'https://docs.github.com/rest',
      status: '401'
    })
  })
})

describe('fault injection, control plane, request log, persistence', () => {
  it('injects faults in-process and over HTTP', async () => {
    const octokit = github.getOctokit(TOKEN)
    emulator.faults.add({ route: 'POST /repos/{owner}/{repo}/issues', status: 502, times: 1 })
    assert.equal((await statusOf(octokit.rest.issues.create({ owner: OWNER, repo: NAME, title: 'x' }))).status, 502)
    assert.equal((await octokit.rest.issues.create({ owner: OWNER, repo: NAME, title: 'after the fault' })).status, 201)

    const add = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ route: 'GET /repos/{owner}/{repo}', status: 503, body: { message: 'down' } })
    })
    assert.equal(add.status, 201)
    assert.deepEqual(await statusOf(octokit.rest.repos.get({ owner: OWNER, repo: NAME })), {
      status: 503,
      message: 'down'
    })
    assert.equal((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 204)
    assert.equal((await octokit.rest.repos.get({ owner: OWNER, repo: NAME })).status, 200)

    emulator.faults.add({ route: 'GET /repos/{owner}/{repo}', delayMs: 150, times: 1 })
    const started = Date.now()
    await octokit.rest.repos.get({ owner: OWNER, repo: NAME })
    assert.ok(Date.now() - started >= 140)
    assert.throws(() => emulator.faults.add({ route: 'GET /nope', status: 500 }), /unknown route/)
  })

  it('exposes issues through GET /_emulator/state and logs requests without secrets', async () => {
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as {
      issues: Record<string, Array<{ title: string }>>
    }
    assert.ok(state.issues[REPO]?.some((i) => i.title === 'after the fault'))
    const log = JSON.stringify(emulator.requests)
    assert.ok(!log.includes(TOKEN) && !log.includes(READER_TOKEN))
    assert.ok(
      emulator.requests.every((r) => !/_blobs\/(?!\{ticket\})/.test(r.path)),
      'blob tickets are not logged'
    )
  })

  it('keeps state across restarts and never writes tokens to disk', async () => {
    const dataDir = freshDir('gh-persist-')
    const first = await startGithubEmulator({ dataDir, tokens: { [TOKEN]: { login: 'github-actions[bot]' } } })
    first.addRepo('o/r')
    const run = first.addWorkflowRun('o/r', {})
    await first.addArtifact('o/r', run.id, { name: 'a', files: { 'a.txt': 'a' } })
    await fetch(`${first.url}/repos/o/r/issues`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}` },
      body: JSON.stringify({ title: 'persisted' })
    })
    await first.close()

    const second = await startGithubEmulator({ dataDir })
    try {
      assert.deepEqual(
        second.issues('o/r').map((i) => i.title),
        ['persisted']
      )
      const listed = await fetch(`${second.url}/repos/o/r/actions/runs/${run.id}/artifacts`, {
        headers: { authorization: 'token anything' }
      })
      assert.equal(((await listed.json()) as { total_count: number }).total_count, 1)
      assert.ok(!readFileSync(join(dataDir, 'state.json'), 'utf8').includes(TOKEN))
    } finally {
      await second.close()
    }
  })

  it('runs as a CLI with --seed demo and prints one ready line', async () => {
    const dataDir = freshDir('gh-cli-')
    const cli = fileURLToPath(new URL('../emulators/github/cli.ts', import.meta.url))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', cli, '--port', '0', '--data', dataDir, '--seed', 'demo'],
      {
        env: { ...process.env, GITHUB_EMULATOR_TOKENS: `${TOKEN}:github-actions[bot]` },
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve)
        child.once('exit', (code) => reject(new Error(`cli exited with ${code}`)))
      })
      const m = /^GitHub emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(data: (.+)\)$/.exec(line)
      assert.ok(m, line)
      assert.equal(m[2], dataDir)
      const event = JSON.parse(readFileSync(join(dataDir, 'event-workflow_run.json'), 'utf8')) as {
        workflow_run: { id: number; path: string; conclusion: string }
      }
      assert.deepEqual(
        [event.workflow_run.path, event.workflow_run.conclusion],
        ['.github/workflows/train.yml', 'success']
      )
      const res = await fetch(`${m[1]}/repos/d4oit/tiny-cats-model/actions/runs/${event.workflow_run.id}/artifacts`, {
        headers: { authorization: `token ${TOKEN}` }
      })
      const body = (await res.json()) as { artifacts: Array<{ name: string; size_in_bytes: number }> }
      // Newest first (`direction` defaults to desc); the two share a creation time, so by id.
      assert.deepEqual(
        body.artifacts.map((a) => a.name),
        ['evaluation-report', 'checkpoints']
      )
      assert.ok((body.artifacts[1]?.size_in_bytes ?? 0) > 1_000_000)
      const denied = await fetch(`${m[1]}/repos/d4oit/tiny-cats-model`, {
        headers: { authorization: 'token not-configured' }
      })
      assert.equal(denied.status, 401)
    } finally {
      child.kill('SIGTERM')
    }
  })
})
