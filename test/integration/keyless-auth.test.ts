// Keyless authentication (src/hub/auth.ts, auth-fetch.ts) against both emulators over real HTTP,
// with the real core.getIDToken: when a token is exchanged (an injected clock, no waiting), what
// is shared, what is retried, where the token is sent; and in-process runs of the orchestrator
// for what needs the action's clock (the proactive re-exchange before a commit) or many cheap runs
// (a mismatch on each claim; dist/index.js runs one of them in test/e2e/keyless-dist.test.ts).
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { after, before, beforeEach, describe, test } from 'node:test'
import { getIDToken } from '@actions/core'
import { startGithubEmulator, type GithubEmulator, type OidcJob } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { authenticatedFetch } from '../../src/hub/auth/auth-fetch.ts'
import { KEYLESS_PLACEHOLDER, createHubAuth, type AuthIo, type HubAuth } from '../../src/hub/auth/hub-auth.ts'
import { captureFolder } from '../support/capture.ts'
import { KEYLESS_REPO, PUBLISHER_CLAIMS } from '../support/keyless.ts'
// @ts-expect-error plain ESM helper shared with the test runner
import { findMintedSecretLeaks } from '../support/leak-scan.mjs'
import { runInProcess } from '../support/run-in-process.ts'
import { pseudoRandomBytes, makeWorkspace } from '../support/workspace.ts'

const REPO = KEYLESS_REPO
const HUB_REPO = { type: 'model' as const, name: REPO }
const CLAIMS = PUBLISHER_CLAIMS
const MINUTE = 60_000

let gh: GithubEmulator
let hub: HubEmulator
let job: OidcJob
let workspace: string
/** Both services' clock, and the action's in these tests: moved by hand, never waited for. */
let offsetMs = 0
const now = (): number => Date.now() + offsetMs

before(async () => {
  gh = await startGithubEmulator({ dataDir: captureFolder('gh-keyless-auth'), clock: () => new Date(now()) })
  hub = await startHubEmulator({ dataDir: captureFolder('hub-keyless-auth'), tokens: {}, trustedPublishers: { now } })
  gh.addRepo(REPO, { id: 1001 })
  await hub.createRepo(HUB_REPO)
  await hub.createRepo('d4oit/private-model', { private: true })
  hub.trustedPublishers.add({ repo: REPO, issuer: gh.oidc.issuer, claims: CLAIMS })
  job = gh.oidc.addJob(REPO, { environment: 'hub' })
  workspace = await makeWorkspace({ 'weights.bin': pseudoRandomBytes(200_000, 'keyless-auth') })
})
after(async () => {
  await gh.close()
  await hub.close()
})
beforeEach(() => {
  hub.faults.clear()
  hub.trustedPublishers.configure({ expiresIn: 3600 })
})

/** Runs `fn` as a job with `id-token: write`: core.getIDToken reads the runner's variables from process.env. */
async function asJob<T>(oidcJob: OidcJob, fn: () => Promise<T>): Promise<T> {
  Object.assign(process.env, oidcJob.env)
  try {
    return await fn()
  } finally {
    for (const name of Object.keys(oidcJob.env)) delete process.env[name]
  }
}

interface Recorded {
  io: AuthIo
  log: string[]
  secrets: string[]
  idTokens: () => number
}

function authIo(over: Partial<AuthIo> = {}): Recorded {
  const log: string[] = []
  const secrets: string[] = []
  let idTokens = 0
  const io: AuthIo = {
    env: job.env,
    getIDToken: (audience) => (idTokens++, getIDToken(audience)),
    fetch: globalThis.fetch,
    now,
    setSecret: (s) => void secrets.push(s),
    info: (line) => void log.push(line),
    retryPolicy: { retries: 3, baseDelayMs: 1, maxDelayMs: 4, maxRetryAfterMs: 5000 },
    ...over
  }
  return { io, log, secrets, idTokens: () => idTokens }
}

const keyless = (io: AuthIo, hubUrl = hub.url): HubAuth =>
  createHubAuth(io, { auth: 'oidc', authInput: 'auto', hfToken: '', hubUrl, repo: HUB_REPO }, 'upload')
const exchanges = (from: number) => hub.stats.requests.slice(from).filter((r) => r.route === 'oauth-token').length

describe('when a keyless token is exchanged', () => {
  test('once, then reused until 5 minutes before its end, then again (injected clock)', async () => {
    await asJob(job, async () => {
      const from = hub.stats.requests.length
      const { io, log, secrets } = authIo()
      const auth = keyless(io)
      const first = await auth.current()
      assert.match(first, /^hf_jwt_/)
      assert.ok(secrets.includes(first), 'the exchanged token is registered as a secret')
      assert.ok(
        secrets.some((s) => s.startsWith('eyJ')),
        'so is the ID token'
      )
      offsetMs += 54 * MINUTE + 50_000
      assert.equal(await auth.current(), first, '5 min 10 s left: still the same token')
      assert.equal(exchanges(from), 1)
      offsetMs += 10_000
      const second = await auth.current()
      assert.notEqual(second, first)
      assert.equal(exchanges(from), 2)
      assert.match(log.at(-1)!, /the Hub token ends in 5 min; exchanged a fresh ID token for a new Hub token/)

      hub.trustedPublishers.configure({ expiresIn: 100 })
      const short = keyless(authIo().io)
      const token = await short.current()
      offsetMs += 79_000
      assert.equal(await short.current(), token, 'a fifth of a 100 s lifetime is the margin: 21 s left')
      offsetMs += 1000
      assert.notEqual(await short.current(), token)
    })
  })

  test('concurrent requests share one exchange; a token renewed meanwhile is reused, not exchanged again', async () => {
    await asJob(job, async () => {
      const from = hub.stats.requests.length
      const auth = keyless(authIo().io)
      const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => auth.current()))
      assert.equal(new Set(tokens).size, 1)
      assert.equal(exchanges(from), 1)
      const [renewedA, renewedB] = await Promise.all([auth.renew(tokens[0]!), auth.renew(tokens[0]!)])
      assert.equal(renewedA, renewedB)
      assert.notEqual(renewedA, tokens[0])
      assert.equal(await auth.renew(tokens[0]!), renewedA, 'the old token again: the renewed one, no exchange')
      assert.equal(exchanges(from), 2)
    })
  })

  test('a failed exchange is retried with a fresh ID token; a long Retry-After, or no Hub, is not', async () => {
    await asJob(job, async () => {
      hub.faults.add({ route: 'oauth-token', status: 503, times: 2 })
      const retried = authIo()
      assert.match(await keyless(retried.io).current(), /^hf_jwt_/)
      assert.equal(retried.idTokens(), 3, 'one ID token per attempt')
      assert.match(retried.log[0]!, /token exchange at .*\/oauth\/token failed \(HTTP 503\); retrying in .* fresh ID/)

      hub.faults.add({ route: 'oauth-token', status: 429, retryAfter: 600 })
      await assert.rejects(keyless(authIo().io).current(), /failed \(HTTP 429; 1 attempt\).*re-run the workflow later/)
      const nowhere = `http://127.0.0.1:${await closedPort()}`
      await assert.rejects(
        keyless(authIo().io, nowhere).current(),
        /Could not reach hub-url http:\/\/127\.0\.0\.1:\d+ for the token exchange \(4 attempts\): .*ECONNREFUSED/
      )
    })
  })

  test('the stored token is used as given: never exchanged, never renewed', async () => {
    const auth = createHubAuth(
      authIo().io,
      { auth: 'token', authInput: 'auto', hfToken: 'hf_stored', hubUrl: hub.url, repo: HUB_REPO },
      'upload'
    )
    assert.deepEqual(
      [auth.accessToken, await auth.current(), await auth.renew('hf_stored')],
      ['hf_stored', 'hf_stored', undefined]
    )
    assert.equal(authenticatedFetch(auth, hub.url, globalThis.fetch), globalThis.fetch)
  })
})

describe('where the keyless token is sent', () => {
  /** A fetch that records the Authorization header of each request, then sends it. */
  function recordingFetch(): { fetch: typeof fetch; sent: Array<{ url: string; authorization: string | null }> } {
    const sent: Array<{ url: string; authorization: string | null }> = []
    return {
      sent,
      fetch: (input, init) => {
        const url = input instanceof Request ? input.url : input.toString()
        sent.push({ url, authorization: new Headers(init?.headers).get('authorization') })
        return globalThis.fetch(input, init)
      }
    }
  }
  const placeholder = { authorization: `Bearer ${KEYLESS_PLACEHOLDER}` }

  test('only to hub-url, in place of the placeholder; a 401 renews it and sends once more', async () => {
    await asJob(job, async () => {
      const auth = keyless(authIo().io)
      const { fetch, sent } = recordingFetch()
      const layered = authenticatedFetch(auth, hub.url, fetch)
      const info = `${hub.url}/api/models/${REPO}`
      assert.equal((await layered(info, { headers: placeholder })).status, 200)
      const token = await auth.current()
      assert.deepEqual(sent.at(-1), { url: info, authorization: `Bearer ${token}` })

      // Another origin (a presigned storage URL, say) never sees the token.
      await layered(`${gh.url}/_oidc/.well-known/jwks`, { headers: placeholder })
      assert.equal(sent.at(-1)!.authorization, placeholder.authorization)

      hub.trustedPublishers.expireExchangedTokens()
      const privateInfo = `${hub.url}/api/models/d4oit/private-model`
      const before = sent.length
      assert.equal((await layered(info, { headers: placeholder })).status, 200, 'renewed after the 401')
      assert.deepEqual(
        sent.slice(before).map((s) => s.authorization === `Bearer ${token}`),
        [true, false],
        'sent with the dead token, then with a new one'
      )
      // A body that cannot be sent twice is not: the 401 is the answer.
      hub.trustedPublishers.expireExchangedTokens()
      const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode('{}')), c.close()) })
      const n = sent.length
      const refused = await layered(`${hub.url}/api/repos/create`, {
        method: 'POST',
        headers: placeholder,
        body: stream,
        duplex: 'half'
      } as RequestInit)
      assert.deepEqual([refused.status, sent.length - n], [401, 1])
      // A scoped token reading a private repo outside its scope: the Hub's 404, not retried.
      assert.equal((await layered(privateInfo, { headers: placeholder })).status, 404)
    })
  })
})

describe('keyless runs of the orchestrator (in process)', () => {
  const run = (name: string, oidcJob: OidcJob, over: Record<string, string> = {}) =>
    asJob(oidcJob, () =>
      runInProcess({
        name,
        workspace,
        now,
        inputs: { 'repo-id': REPO, 'hub-url': hub.url, files: 'weights.bin -> weights.bin', ...over },
        env: { GITHUB_REPOSITORY: REPO, ...oidcJob.env }
      })
    )

  test('an upload that outlives the token: the action sees it and exchanges again before the commit', async () => {
    writeFileSync(join(workspace, 'weights.bin'), pseudoRandomBytes(200_000, 'keyless-auth-long'))
    const from = hub.stats.requests.length
    // Held once stored, its answer withheld: meanwhile 70 minutes pass, for the action too.
    const upload = hub.faults.add({ route: 'lfs-upload', hold: 'after' })
    const running = run('keyless-proactive', job)
    await upload.held()
    offsetMs += 70 * MINUTE
    upload.release()
    const core = await running
    assert.deepEqual(core.failures, [])
    const commits = hub.stats.requests.slice(from).filter((r) => r.route === 'commit')
    assert.deepEqual(
      commits.map((r) => r.status),
      [200],
      'committed at once, with the new token: no 401 first'
    )
    assert.equal(exchanges(from), 2)
    assert.ok(core.log.some((l) => /Keyless: the Hub token has expired; exchanged a fresh ID token/.test(l)))
    assert.equal(core.outputs.verified, 'true')
    assert.ok(core.secrets.filter((s) => s.startsWith('hf_jwt_')).length === 2, 'both tokens registered')
  })

  test('a mismatch on each configured claim is refused, showing the job’s value', async () => {
    const cases: Array<[string, Parameters<GithubEmulator['oidc']['addJob']>[1], string]> = [
      [
        'repository',
        { environment: 'hub', claims: { repository: 'd4oit/fork-of-tiny-cats' } },
        '"d4oit/fork-of-tiny-cats"'
      ],
      ['ref', { environment: 'hub', claims: { ref: 'refs/heads/feature' } }, '"refs/heads/feature"'],
      [
        'workflow_ref',
        { environment: 'hub', claims: { workflow_ref: `${REPO}/.github/workflows/other.yml@refs/heads/main` } },
        `"${REPO}/.github/workflows/other.yml@refs/heads/main"`
      ],
      [
        'job_workflow_ref',
        { environment: 'hub', claims: { job_workflow_ref: 'octo/reusable/.github/workflows/x.yml@refs/heads/main' } },
        '"octo/reusable/.github/workflows/x.yml@refs/heads/main"'
      ],
      ['environment', { environment: 'staging' }, '"staging"'],
      ['environment', {}, '(none: the job has no environment)']
    ]
    for (const [claim, seed, shown] of cases) {
      const from = hub.stats.requests.length
      const core = await run(`keyless-claim-${claim}`, gh.oidc.addJob(REPO, seed))
      const message = core.failures[0] ?? ''
      assert.match(message, /\(invalid_grant; the Hub does not say which check failed\)/, claim)
      assert.ok(message.split('\n').includes(`  ${claim} = ${shown}`), `${claim}: shows ${shown}`)
      assert.equal(hub.stats.requests.slice(from).filter((r) => r.route === 'commit').length, 0, claim)
    }
  })

  test('secrets that only exist later are redacted like the inputs (a Hub error quoting the ID token)', async () => {
    const idToken = await asJob(job, () => getIDToken('https://huggingface.co'))
    hub.faults.add({ route: 'commit', status: 422, body: { error: `upstream refused subject ${idToken}` } })
    writeFileSync(join(workspace, 'weights.bin'), pseudoRandomBytes(1000, 'keyless-auth-redact'))
    const core = await asJob(job, () =>
      runInProcess({
        name: 'keyless-late-secret',
        workspace,
        getIDToken: () => Promise.resolve(idToken),
        inputs: { 'repo-id': REPO, 'hub-url': hub.url, files: 'weights.bin -> weights.bin' },
        env: { GITHUB_REPOSITORY: REPO, ...job.env }
      })
    )
    assert.match(core.failures[0] ?? '', /Hub said: .*upstream refused subject \*\*\*/)
    assert.ok(core.secrets.includes(idToken), 'registered with the runner when it was fetched')
    const written = [...core.failures, ...core.log, JSON.stringify(core.outputs)].join('\n')
    assert.ok(!written.includes(idToken))
    assert.deepEqual(findMintedSecretLeaks(written), [])
  })

  test('an exchanged token passed in hf-token: no whoami, no read-only check', async () => {
    const token = await asJob(job, () => keyless(authIo().io).current())
    const from = hub.stats.requests.length
    writeFileSync(join(workspace, 'weights.bin'), pseudoRandomBytes(1000, 'keyless-auth-stored'))
    const core = await runInProcess({
      name: 'keyless-stored-exchanged',
      workspace,
      inputs: { 'hf-token': token, 'repo-id': REPO, 'hub-url': hub.url, files: 'weights.bin -> weights.bin' },
      env: { GITHUB_REPOSITORY: REPO }
    })
    assert.deepEqual(core.failures, [])
    assert.equal(hub.stats.requests.slice(from).filter((r) => r.route === 'whoami').length, 0)
    assert.equal(core.outputs.changed, 'true')
  })
})

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
