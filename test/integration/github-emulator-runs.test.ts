/**
 * Workflow runs as GitHub keeps them, driven through the real Octokit (`@actions/github`) and
 * `@actions/artifact`: re-runs are later attempts of the same run id, a run re-read by id shows its
 * current state while an old payload does not, every attempt's artifacts stay listed (GitHub's
 * artifact has no attempt field; only `created_at` against the attempts' times tells them apart, and
 * ids are not in upload order), the real filters of "list workflow runs", and `Link` pagination with
 * every relation.
 */
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'

type GithubModule = typeof import('@actions/github')
type ArtifactModule = typeof import('@actions/artifact')

const TOKEN = process.env.HFUA_TEST_GH_TOKEN ?? 'ghs_' + 'x'.repeat(36)
const REPO = 'd4oit/tiny-cats-model'
const [OWNER, NAME] = REPO.split('/') as [string, string]
const base = { owner: OWNER, repo: NAME }

let emulator: GithubEmulator
let github: GithubModule
let artifactLib: ArtifactModule
let octokit: ReturnType<GithubModule['getOctokit']>

before(async () => {
  emulator = await startGithubEmulator({
    dataDir: mkdtempSync(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'gh-runs-')),
    tokens: { [TOKEN]: { login: 'github-actions[bot]' } }
  })
  process.env.GITHUB_API_URL = emulator.url
  process.env.GITHUB_SERVER_URL = 'https://github.com'
  github = await import('@actions/github')
  artifactLib = await import('@actions/artifact')
  octokit = github.getOctokit(TOKEN)
  emulator.addRepo(REPO, { id: 1001 })
})

after(async () => {
  await emulator?.close()
})

const findBy = (workflowRunId: number) => ({
  token: TOKEN,
  workflowRunId,
  repositoryOwner: OWNER,
  repositoryName: NAME
})

describe('re-runs are later attempts of the same run', () => {
  it('attempt 2 keeps the id and number, starts after attempt 1 ended, and is what GET by id shows', async () => {
    const run = emulator.addWorkflowRun(REPO, { conclusion: 'failure' })
    const stale = emulator.workflowRunPayload(REPO, run.id) as { workflow_run: { run_attempt: number } }
    emulator.rerunWorkflowRun(REPO, run.id, { triggering_actor: { login: 'octocat' } })

    const { data: current } = await octokit.rest.actions.getWorkflowRun({ ...base, run_id: run.id })
    const { data: first } = await octokit.rest.actions.getWorkflowRunAttempt({
      ...base,
      run_id: run.id,
      attempt_number: 1
    })
    assert.deepEqual(
      [current.id, current.run_number, current.run_attempt, current.conclusion, current.triggering_actor?.login],
      [run.id, run.run_number, 2, 'success', 'octocat']
    )
    assert.deepEqual([first.run_attempt, first.conclusion, first.run_started_at], [1, 'failure', run.run_started_at])
    assert.ok(Date.parse(current.run_started_at ?? '') > Date.parse(first.updated_at))
    assert.equal(current.previous_attempt_url, `${emulator.url}/repos/${REPO}/actions/runs/${run.id}/attempts/1`)
    assert.equal(current.created_at, first.created_at, 'a re-run does not create a new run')
    // The payload written before the re-run still describes attempt 1; a re-read does not.
    assert.equal(stale.workflow_run.run_attempt, 1)
    const attempt1 = emulator.workflowRunPayload(REPO, run.id, 'completed', { attempt: 1 }) as typeof stale
    assert.deepEqual(attempt1, stale)
    await assert.rejects(octokit.rest.actions.getWorkflowRunAttempt({ ...base, run_id: run.id, attempt_number: 3 }), {
      status: 404
    })
  })

  it('a run seeded at attempt 3 has its two earlier (failed) attempts', async () => {
    const run = emulator.addWorkflowRun(REPO, { run_attempt: 3 })
    const attempts = await Promise.all(
      [1, 2, 3].map((n) => octokit.rest.actions.getWorkflowRunAttempt({ ...base, run_id: run.id, attempt_number: n }))
    )
    assert.deepEqual(
      attempts.map((a) => [a.data.run_attempt, a.data.conclusion]),
      [
        [1, 'failure'],
        [2, 'failure'],
        [3, 'success']
      ]
    )
    const starts = attempts.map((a) => Date.parse(a.data.run_started_at ?? ''))
    assert.deepEqual(
      starts,
      [...starts].sort((a, b) => a - b)
    )
  })

  it('a run that changed after its payload was written is read back as it is now', async () => {
    const run = emulator.addWorkflowRun(REPO, { status: 'in_progress' })
    const payload = emulator.workflowRunPayload(REPO, run.id) as { workflow_run: { status: string } }
    emulator.updateWorkflowRun(REPO, run.id, { status: 'completed', conclusion: 'cancelled' })
    const { data } = await octokit.rest.actions.getWorkflowRun({ ...base, run_id: run.id })
    assert.deepEqual(
      [payload.workflow_run.status, data.status, data.conclusion],
      ['in_progress', 'completed', 'cancelled']
    )
  })

  it("every attempt's artifacts stay listed; created_at (not the id) tells which attempt made each", async () => {
    const run = emulator.addWorkflowRun(REPO, { conclusion: 'failure' })
    // As measured on GitHub: the re-run's artifact got a lower id than the first attempt's.
    const old = await emulator.addArtifact(REPO, run.id, {
      name: 'checkpoints',
      files: { 'a.pt': 'old' },
      id: 4_699_999_999
    })
    await emulator.addArtifact(REPO, run.id, { name: 'evaluation-report', files: { 'r.json': '{"fid":40}' } })
    emulator.rerunWorkflowRun(REPO, run.id)
    const fresh = await emulator.addArtifact(REPO, run.id, { name: 'checkpoints', files: { 'a.pt': 'new' } })
    assert.ok(fresh.id < old.id)

    const client = new artifactLib.DefaultArtifactClient()
    const all = await client.listArtifacts({ findBy: findBy(run.id) })
    assert.equal(all.artifacts.length, 3)
    // The client's `latest` keeps the highest id per name: here that is attempt 1's checkpoint.
    const latest = await client.listArtifacts({ findBy: findBy(run.id), latest: true })
    assert.equal(latest.artifacts.find((a) => a.name === 'checkpoints')?.id, old.id)

    const { data: attempt } = await octokit.rest.actions.getWorkflowRun({ ...base, run_id: run.id })
    const started = Date.parse(attempt.run_started_at ?? '')
    const ofAttempt2 = all.artifacts.filter((a) => (a.createdAt?.getTime() ?? 0) >= started)
    assert.deepEqual(
      ofAttempt2.map((a) => a.id),
      [fresh.id]
    )
    const { data } = await octokit.rest.actions.listWorkflowRunArtifacts({ ...base, run_id: run.id })
    assert.ok(data.artifacts.every((a) => !('run_attempt' in a) && Object.keys(a.workflow_run ?? {}).length === 5))
    await assert.rejects(
      emulator.addArtifact(REPO, run.id, { name: 'x', files: { a: 'a' }, attempt: 3 }),
      /no attempt 3/
    )
  })

  it('payloads with missing or changed fields for refusal tests', () => {
    const run = emulator.addWorkflowRun(REPO, {})
    const payload = emulator.workflowRunPayload(REPO, run.id, 'completed', {
      omit: ['workflow_run.path', 'workflow_run.head_repository'],
      set: { 'workflow_run.head_branch': null, 'workflow_run.extra.deep': 1 }
    }) as { workflow_run: Record<string, unknown> }
    assert.equal('path' in payload.workflow_run, false)
    assert.equal('head_repository' in payload.workflow_run, false)
    assert.equal(payload.workflow_run.head_branch, null)
    assert.deepEqual(payload.workflow_run.extra, { deep: 1 })
    const dispatch = emulator.workflowDispatchPayload(REPO, {}, { omit: ['inputs'] })
    assert.equal('inputs' in dispatch, false)
  })
})

describe('list workflow runs: the real filters and paging', () => {
  const repo = 'octo-org/filters'
  const list = (query: Record<string, string | number | boolean>) =>
    octokit.rest.actions.listWorkflowRuns({ owner: 'octo-org', repo: 'filters', workflow_id: 'train.yml', ...query })
  let ids: Record<string, number>

  before(() => {
    emulator.addRepo(repo)
    const day = (d: number) => `2026-10-${String(d).padStart(2, '0')}T08:00:00Z`
    const pr = [{ id: 1, number: 7, url: 'x', head: { ref: 'f', sha: 'a', repo: { id: 1, name: 'n', url: 'u' } } }]
    ids = {
      push: emulator.addWorkflowRun(repo, { created_at: day(1) }).id,
      failed: emulator.addWorkflowRun(repo, { created_at: day(2), conclusion: 'failure' }).id,
      running: emulator.addWorkflowRun(repo, { created_at: day(3), status: 'in_progress' }).id,
      byOctocat: emulator.addWorkflowRun(repo, { created_at: day(4), actor: { login: 'octocat' } }).id,
      sha: emulator.addWorkflowRun(repo, { created_at: day(5), head_sha: 'c0ffee'.padEnd(40, '0') }).id,
      pr: emulator.addWorkflowRun(repo, { created_at: day(6), event: 'pull_request', pull_requests: pr }).id
    }
  })

  const idsOf = async (query: Record<string, string | number | boolean>) =>
    (await list(query)).data.workflow_runs.map((r) => r.id)

  it('status is a run status or a conclusion; actor, head_sha, event and created narrow the list', async () => {
    assert.deepEqual(await idsOf({ status: 'in_progress' }), [ids.running])
    assert.deepEqual(await idsOf({ status: 'failure' }), [ids.failed])
    assert.equal((await idsOf({ status: 'completed' })).length, 5)
    assert.deepEqual(await idsOf({ status: 'success', event: 'push', actor: 'octocat' }), [ids.byOctocat])
    assert.deepEqual(await idsOf({ head_sha: 'c0ffee'.padEnd(40, '0') }), [ids.sha])
    assert.deepEqual(await idsOf({ event: 'pull_request' }), [ids.pr])
    assert.deepEqual(await idsOf({ created: '2026-10-02..2026-10-03' }), [ids.running, ids.failed])
    assert.deepEqual(await idsOf({ created: '>=2026-10-05' }), [ids.pr, ids.sha])
    assert.deepEqual(await idsOf({ created: '<2026-10-02' }), [ids.push])
    const { data } = await list({ event: 'pull_request' })
    assert.equal(data.workflow_runs[0]?.pull_requests?.length, 1)
    const { data: excluded } = await list({ event: 'pull_request', exclude_pull_requests: true })
    assert.deepEqual(excluded.workflow_runs[0]?.pull_requests, [])
    const { data: one } = await octokit.rest.actions.getWorkflowRun({
      ...base,
      owner: 'octo-org',
      repo: 'filters',
      run_id: ids.pr ?? 0,
      exclude_pull_requests: true
    })
    assert.deepEqual(one.pull_requests, [])
  })

  it('pages with absolute Link URLs (prev, next, last, first), keeps the filters, caps per_page at 100', async () => {
    const page2 = await list({ status: 'completed', per_page: 2, page: 2 })
    const links = Object.fromEntries(
      (page2.headers.link ?? '').split(', ').map((part) => {
        const [, url = '', rel = ''] = /^<([^>]+)>; rel="(\w+)"$/.exec(part) ?? []
        return [rel, new URL(url)]
      })
    )
    assert.deepEqual(Object.keys(links), ['prev', 'next', 'last', 'first'])
    for (const [rel, page] of [
      ['prev', '1'],
      ['next', '3'],
      ['last', '3'],
      ['first', '1']
    ] as const) {
      assert.equal(links[rel]?.origin, emulator.url)
      assert.equal(links[rel]?.searchParams.get('page'), page)
      assert.equal(links[rel]?.searchParams.get('status'), 'completed')
      assert.equal(links[rel]?.searchParams.get('per_page'), '2')
    }
    assert.equal(page2.data.total_count, 5)
    const capped = await list({ per_page: 500 })
    assert.equal(capped.data.workflow_runs.length, 6)
    assert.equal(capped.headers.link, undefined)
    const beyond = await list({ per_page: 2, page: 9 })
    assert.deepEqual([beyond.data.workflow_runs.length, beyond.data.total_count], [0, 6])
    assert.match(beyond.headers.link ?? '', /page=3>; rel="prev".*rel="first"$/)
  })

  it('issue comments page like issues', async () => {
    const issue = emulator.addIssue(REPO, { title: 'many comments' })
    for (let i = 0; i < 5; i++) {
      await octokit.rest.issues.createComment({ ...base, issue_number: issue.number, body: `c${i}` })
    }
    const first = await octokit.rest.issues.listComments({ ...base, issue_number: issue.number, per_page: 2 })
    assert.match(
      first.headers.link ?? '',
      /^<http:\/\/127\.0\.0\.1:\d+\/repositories\/1001\/issues\/\d+\/comments\?per_page=2&page=2>; rel="next"/
    )
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...base,
      issue_number: issue.number,
      per_page: 2
    })
    assert.deepEqual(
      all.map((c) => c.body),
      ['c0', 'c1', 'c2', 'c3', 'c4']
    )
  })
})
