/**
 * The GitHub emulator's fault hooks, driven through the real Octokit (`@actions/github`) and plain
 * HTTP: what a client sees for each kind of fault (rate limits as Octokit's throttling plugin reads
 * them, gateway errors and dropped answers after the server acted, bodies cut at a byte offset,
 * held requests for race tests), and the same over the control plane for child processes.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'

type GithubModule = typeof import('@actions/github')

const TOKEN = process.env.HFUA_TEST_GH_TOKEN ?? 'ghs_' + 'x'.repeat(36)
const REPO = 'd4oit/tiny-cats-model'
const [OWNER, NAME] = REPO.split('/') as [string, string]
const base = { owner: OWNER, repo: NAME }

let emulator: GithubEmulator
let octokit: ReturnType<GithubModule['getOctokit']>
let runId: number
let artifactId: number
/** Added to the emulator's clock: moves its time forward without waiting. */
let clockOffsetMs = 0

before(async () => {
  emulator = await startGithubEmulator({
    dataDir: mkdtempSync(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'gh-faults-')),
    tokens: { [TOKEN]: { login: 'github-actions[bot]' } },
    clock: () => new Date(Date.now() + clockOffsetMs)
  })
  process.env.GITHUB_API_URL = emulator.url
  octokit = (await import('@actions/github')).getOctokit(TOKEN)
  emulator.addRepo(REPO, { id: 1001 })
  runId = emulator.addWorkflowRun(REPO).id
  for (let i = 0; i < 3; i++) await emulator.addArtifact(REPO, runId, { name: `a${i}`, files: { 'x.txt': `x${i}` } })
  artifactId = (
    await emulator.addArtifact(REPO, runId, { name: 'checkpoints', files: { 'w.pt': randomBytes(64 * 1024) } })
  ).id
})

afterEach(() => emulator.faults.clear())
after(async () => {
  await emulator?.close()
})

const titles = () => emulator.issues(REPO).map((i) => i.title)
const failure = async (promise: Promise<unknown>) => {
  try {
    await promise
  } catch (error) {
    return error as { status?: number; message: string; response?: { headers: Record<string, string> } }
  }
  throw new Error('expected the request to fail')
}

/** A raw GET that reports how many body bytes arrived before the connection ended. */
function rawGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; declared: number; received: number; complete: boolean }>((resolve) => {
    const req = httpRequest(url, { headers }, (res) => {
      let received = 0
      res.on('data', (chunk: Buffer) => (received += chunk.length))
      const done = (complete: boolean) => () =>
        resolve({ status: res.statusCode ?? 0, declared: Number(res.headers['content-length']), received, complete })
      res.on('end', done(true))
      res.on('aborted', done(false))
      res.on('error', done(false))
    })
    req.on('error', () => resolve({ status: 0, declared: 0, received: 0, complete: false }))
    req.end()
  })
}

describe('rate limits as Octokit reports them', () => {
  it('a secondary rate limit: 403, "secondary rate" in the message, retry-after', async () => {
    emulator.faults.add({ route: 'issue-create', rateLimit: 'secondary', retryAfter: 5, times: 1 })
    const error = await failure(octokit.rest.issues.create({ ...base, title: 'throttled' }))
    assert.equal(error.status, 403)
    // What @octokit/plugin-throttling tests to tell a secondary limit from any other 403.
    assert.match(error.message, /\bsecondary rate\b/i)
    assert.equal(error.response?.headers['retry-after'], '5')
    assert.ok(!titles().includes('throttled'), 'refused before the route acted')
  })

  it('a primary rate limit: 429 with x-ratelimit-remaining "0" and the reset time', async () => {
    emulator.faults.add({ route: 'run', rateLimit: 'primary', status: 429, resetIn: 30, times: 1 })
    const error = await failure(octokit.rest.actions.getWorkflowRun({ ...base, run_id: runId }))
    assert.equal(error.status, 429)
    assert.equal(error.response?.headers['x-ratelimit-remaining'], '0')
    const reset = Number(error.response?.headers['x-ratelimit-reset'])
    assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 31)
    const { status } = await octokit.rest.actions.getWorkflowRun({ ...base, run_id: runId })
    assert.equal(status, 200, 'times: 1 lets the next request through')
  })
})

describe('the server acted, the client never heard it', () => {
  it('an issue created whose answer is dropped: the client sees a failed request, the issue exists', async () => {
    const handle = emulator.faults.add({ route: 'issue-create', phase: 'after', drop: true, times: 1 })
    const error = await failure(octokit.rest.issues.create({ ...base, title: 'created but unheard' }))
    assert.equal(error.status, 500, 'Octokit reports a network failure as status 500')
    assert.equal(handle.hits, 1)
    assert.ok(titles().includes('created but unheard'))
    assert.equal(emulator.requests.at(-1)?.status, 0)
  })

  it('dropped before acting: nothing is created', async () => {
    emulator.faults.add({ route: 'issue-create', drop: true, times: 1 })
    await failure(octokit.rest.issues.create({ ...base, title: 'never created' }))
    assert.ok(!titles().includes('never created'))
  })

  it('a gateway error after the update was applied', async () => {
    const issue = emulator.addIssue(REPO, { title: 'to close' })
    emulator.faults.add({ route: 'issue-update', phase: 'after', status: 502, times: 1 })
    const error = await failure(octokit.rest.issues.update({ ...base, issue_number: issue.number, state: 'closed' }))
    assert.equal(error.status, 502)
    assert.equal(emulator.issues(REPO).find((i) => i.number === issue.number)?.state, 'closed')
  })

  it('a comment whose answer breaks half-way: stored, and Octokit returns the 201 with an empty string', async () => {
    const issue = emulator.addIssue(REPO, { title: 'commented' })
    emulator.faults.add({ route: 'comment-create', phase: 'after', resetAt: 'half', times: 1 })
    // @octokit/request swallows a body that breaks after the status line: the caller gets the
    // status with `data` as the text it managed to read ('' here), not an error.
    const cut = await octokit.rest.issues.createComment({ ...base, issue_number: issue.number, body: 'half heard' })
    assert.deepEqual([cut.status, cut.data as unknown], [201, ''])
    assert.deepEqual(
      emulator
        .issues(REPO)
        .find((i) => i.number === issue.number)
        ?.comments.map((c) => c.body),
      ['half heard']
    )
  })
})

/** The signed blob URL the artifact download redirects to (a new one each time). */
async function location(): Promise<string> {
  const res = await fetch(`${emulator.url}/repos/${REPO}/actions/artifacts/${artifactId}/zip`, {
    redirect: 'manual',
    headers: { authorization: `token ${TOKEN}` }
  })
  assert.equal(res.status, 302)
  return res.headers.get('location') ?? ''
}

describe('the artifact download URL, as Azure Blob Storage answers it', () => {
  afterEach(() => (clockOffsetMs = 0))

  it('works for a minute without Authorization, then answers 403 AuthenticationFailed', async () => {
    const url = await location()
    assert.equal((await fetch(url)).status, 200)
    clockOffsetMs = 59_000
    assert.equal((await fetch(url)).status, 200, 'still valid just before the minute is up')
    clockOffsetMs = 61_000
    const expired = await fetch(url)
    assert.equal(expired.status, 403)
    assert.equal(expired.headers.get('x-ms-error-code'), 'AuthenticationFailed')
    assert.match(await expired.text(), /<Code>AuthenticationFailed<\/Code>.*Signature not valid in the specified time/s)
    assert.equal((await fetch(await location())).status, 200, 'a new redirect gives a fresh URL')
  })

  it('refuses a URL it never signed', async () => {
    const forged = (await location()).replace(/\/_blobs\/[\w-]+\.zip$/, '/_blobs/forged-ticket.zip')
    const answer = await fetch(forged)
    assert.equal(answer.status, 403)
    assert.match(await answer.text(), /<AuthenticationErrorDetail>Signature did not match\.</)
  })
})

describe('cut bodies, chosen requests, delays', () => {
  it('cuts the artifact zip at a byte offset and half-way, with the full Content-Length declared', async () => {
    emulator.faults.add({ route: 'blob', resetAt: 1000, times: 1 })
    const cut = await rawGet(await location())
    assert.deepEqual([cut.status, cut.received, cut.complete], [200, 1000, false])
    emulator.faults.add({ route: 'blob', resetAt: 'half', times: 1 })
    const half = await rawGet(await location())
    assert.deepEqual([half.received, half.complete], [Math.floor(half.declared / 2), false])
    const whole = await rawGet(await location())
    assert.deepEqual([whole.received, whole.complete], [whole.declared, true])
  })

  it('faults only the second page of a listing (query match) and only after one pass (skip)', async () => {
    emulator.faults.add({ route: 'artifacts-list', query: { page: '2' }, status: 500, times: 1 })
    const error = await failure(
      octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, { ...base, run_id: runId, per_page: 2 })
    )
    assert.equal(error.status, 500)
    const pages = emulator.requests.filter((r) => r.route.endsWith('/artifacts')).slice(-2)
    assert.deepEqual(
      pages.map((r) => [new URLSearchParams(r.path.split('?')[1]).get('page') ?? '1', r.status]),
      [
        ['1', 200],
        ['2', 500]
      ]
    )
    const handle = emulator.faults.add({ route: 'labels', skip: 1, status: 503, times: 1 })
    assert.equal((await octokit.rest.issues.listLabelsForRepo(base)).status, 200)
    assert.equal((await failure(octokit.rest.issues.listLabelsForRepo(base))).status, 503)
    assert.equal(handle.hits, 1)
  })

  it('delays an answer (a client with a shorter timeout gives up)', async () => {
    emulator.faults.add({ route: 'repo', delayMs: 400, times: 1 })
    await assert.rejects(
      fetch(`${emulator.url}/repos/${REPO}`, {
        headers: { authorization: `token ${TOKEN}` },
        signal: AbortSignal.timeout(20)
      }),
      { name: 'TimeoutError' }
    )
  })

  it('refuses rules it cannot apply, naming what is wrong', () => {
    assert.throws(() => emulator.faults.add({ route: 'issue-creation', status: 500 }), /unknown route "issue-creation"/)
    assert.throws(() => emulator.faults.add({ route: 'run' }), /needs one of delayMs, hold, status/)
    assert.throws(() => emulator.faults.add({ route: 'run', drop: true, status: 502 }), /drops the connection/)
  })
})

describe('held requests, for races without sleeps', () => {
  it('holds an issue creation before it acts until the test releases it', async () => {
    const handle = emulator.faults.add({ route: 'issue-create', hold: true, times: 1 })
    const pending = octokit.rest.issues.create({ ...base, title: 'held' })
    await handle.held
    assert.equal(handle.heldCount, 1)
    assert.ok(!titles().includes('held'), 'nothing happened yet')
    emulator.addIssue(REPO, { title: 'meanwhile' })
    assert.equal(handle.release(), 1)
    const { data } = await pending
    assert.equal(data.title, 'held')
    assert.ok(titles().indexOf('meanwhile') < titles().indexOf('held'))
  })

  it('holds the answer after the server acted (phase after), then fails it', async () => {
    const handle = emulator.faults.add({ route: 'issue-create', hold: true, phase: 'after', status: 504, times: 1 })
    const pending = failure(octokit.rest.issues.create({ ...base, title: 'acted, answer held' }))
    await handle.held
    assert.ok(titles().includes('acted, answer held'))
    handle.release()
    assert.equal((await pending).status, 504)
  })

  it('holds and releases over the control plane, for emulators in another process', async () => {
    const control = (path: string, init?: RequestInit) => fetch(`${emulator.url}/_emulator/faults${path}`, init)
    const added = await control('', {
      method: 'POST',
      body: JSON.stringify({ route: 'run', hold: true, times: 1 })
    })
    assert.equal(added.status, 201)
    const { ids } = (await added.json()) as { ids: string[] }
    const pending = octokit.rest.actions.getWorkflowRun({ ...base, run_id: runId })
    const held = await control(`/${ids[0]}/held`)
    assert.deepEqual([held.status, await held.json()], [200, { held: 1, hits: 1 }])
    const released = await control(`/${ids[0]}/release`, { method: 'POST' })
    assert.deepEqual(await released.json(), { released: 1 })
    assert.equal((await pending).status, 200)
    assert.equal((await control('', { method: 'DELETE' })).status, 204)
    assert.equal((await control(`/unknown`)).status, 404)
  })

  it('clear() lets held requests go', async () => {
    const handle = emulator.faults.add({ route: 'issues-list', hold: true })
    const pending = octokit.rest.issues.listForRepo(base)
    await handle.held
    emulator.faults.clear()
    assert.equal((await pending).status, 200)
  })
})
