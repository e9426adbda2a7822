/**
 * Keyless publishing on both emulators (issue 10): the GitHub emulator's job ID-token endpoint and
 * issuer, reached through the real `core.getIDToken` of `@actions/core`, and the Hub emulator's
 * Trusted Publishers with `POST /oauth/token` (hub-protocol.md §15), whose token is then used with
 * the real `@huggingface/hub`. Every reason to refuse an exchange gives the same `invalid_grant`
 * answer; malformed requests give `invalid_request`.
 */
import assert from 'node:assert/strict'
import { createPublicKey, verify } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import { commit, createRepo, listCommits, modelInfo, whoAmI } from '@huggingface/hub'
import { startGithubEmulator, type GithubEmulator, type OidcJob } from '../emulators/github/server.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'

type CoreModule = typeof import('@actions/core')

const GH_TOKEN = process.env.HFUA_TEST_GH_TOKEN ?? 'ghs_' + 'x'.repeat(36)
const HF_TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const GH_REPO = 'd4oit/tiny-cats-model'
const HUB_REPO = 'tester/keyless'
const AUDIENCE = 'https://huggingface.co'
const WORKFLOW_REF = `${GH_REPO}/.github/workflows/upload-hub.yml@refs/heads/main`
const captureRoot = process.env.HFUA_TEST_CAPTURE ?? tmpdir()

let gh: GithubEmulator
let hub: HubEmulator
let core: CoreModule
let job: OidcJob
let ghDataDir: string
let hubDataDir: string
/** Every secret minted in this file, to prove none reaches a data directory or the request logs. */
const secrets: string[] = []

before(async () => {
  ghDataDir = mkdtempSync(join(captureRoot, 'oidc-gh-'))
  hubDataDir = mkdtempSync(join(captureRoot, 'oidc-hub-'))
  gh = await startGithubEmulator({ dataDir: ghDataDir, tokens: { [GH_TOKEN]: { login: 'github-actions[bot]' } } })
  hub = await startHubEmulator({ dataDir: hubDataDir, tokens: { [HF_TOKEN]: { user: 'tester' } } })
  gh.addRepo(GH_REPO, { id: 1001 })
  for (const name of [HUB_REPO, 'tester/other', 'datasets/tester/keyless-data']) await hub.createRepo(name)
  await hub.createRepo('tester/private-other', { private: true })
  job = gh.oidc.addJob(GH_REPO, { environment: 'hub' })
  secrets.push(job.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
  hub.trustedPublishers.add({ repo: HUB_REPO, issuer: gh.oidc.issuer, claims: publisherClaims() })
  // @actions/core reads the runner's variables when getIDToken is called; it is ESM, so import it now.
  core = await import('@actions/core')
})

after(async () => {
  await gh?.close()
  await hub?.close()
})

/** The claims a publisher for the action's job would pin: repository, branch, workflow file, environment. */
function publisherClaims(overrides: Record<string, string> = {}) {
  return {
    repository: GH_REPO,
    ref: 'refs/heads/main',
    workflow_ref: WORKFLOW_REF,
    job_workflow_ref: WORKFLOW_REF,
    environment: 'hub',
    ...overrides
  }
}

/** `core.getIDToken` exactly as a job with `id-token: write` runs it. */
async function idToken(forJob: OidcJob = job, audience: string | null = AUDIENCE): Promise<string> {
  const saved = { ...process.env }
  Object.assign(process.env, forJob.env)
  try {
    const token = await core.getIDToken(audience ?? undefined)
    secrets.push(token)
    return token
  } finally {
    for (const key of Object.keys(forJob.env)) if (saved[key] === undefined) delete process.env[key]
  }
}

interface ExchangeResult {
  status: number
  cacheControl: string | null
  body: { access_token?: string; error?: string; error_description?: string; [k: string]: unknown }
}

async function exchange(
  subjectToken: string,
  resource = HUB_REPO,
  overrides: Record<string, unknown> = {}
): Promise<ExchangeResult> {
  const body = {
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
    subject_token: subjectToken,
    resource,
    ...overrides
  }
  return postToken(JSON.stringify(body))
}

async function postToken(body: string, contentType = 'application/json'): Promise<ExchangeResult> {
  const res = await fetch(`${hub.url}/oauth/token`, { method: 'POST', headers: { 'content-type': contentType }, body })
  const json = (await res.json()) as ExchangeResult['body']
  if (json.access_token) secrets.push(json.access_token)
  return { status: res.status, cacheControl: res.headers.get('cache-control'), body: json }
}

async function accessToken(): Promise<string> {
  const { status, body } = await exchange(await idToken())
  assert.equal(status, 200, JSON.stringify(body))
  return body.access_token ?? ''
}

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>

const addFile = (path: string, text: string) => [{ operation: 'addOrUpdate' as const, path, content: new Blob([text]) }]

describe('GitHub: the job ID-token endpoint and the issuer', () => {
  it("core.getIDToken gets an RS256 JWT with GitHub's claims for the job, verifiable with the JWKS", async () => {
    const token = await idToken()
    const [h = '', p = '', s = ''] = token.split('.')
    const header = decode(h)
    const payload = decode(p)
    assert.deepEqual(header, { alg: 'RS256', kid: gh.oidc.currentKid, typ: 'JWT' })
    const required = [
      'jti',
      'sub',
      'aud',
      'ref',
      'sha',
      'repository',
      'repository_owner',
      'repository_owner_id',
      'run_id',
      'run_number',
      'run_attempt',
      'repository_visibility',
      'repository_id',
      'actor_id',
      'actor',
      'workflow',
      'event_name',
      'ref_type',
      'environment',
      'workflow_ref',
      'workflow_sha',
      'job_workflow_ref',
      'iss',
      'nbf',
      'exp',
      'iat'
    ]
    for (const claim of required) assert.ok(claim in payload, `claim ${claim}`)
    assert.deepEqual(
      [payload.iss, payload.aud, payload.sub, payload.repository_id, payload.event_name, payload.environment],
      [gh.oidc.issuer, AUDIENCE, `repo:${GH_REPO}:environment:hub`, '1001', 'workflow_run', 'hub']
    )
    const [iat = 0, nbf = 0, exp = 0] = [payload.iat, payload.nbf, payload.exp] as number[]
    assert.deepEqual([iat - nbf, exp - iat], [600, 300])
    assert.ok(Math.abs(iat - Date.now() / 1000) < 60)

    const config = (await (await fetch(`${gh.oidc.issuer}/.well-known/openid-configuration`)).json()) as {
      issuer: string
      jwks_uri: string
      id_token_signing_alg_values_supported: string[]
    }
    assert.equal(config.issuer, gh.oidc.issuer)
    assert.deepEqual(config.id_token_signing_alg_values_supported, ['RS256'])
    const jwks = (await (await fetch(config.jwks_uri)).json()) as { keys: Array<{ kid: string }> }
    const jwk = jwks.keys.find((k) => k.kid === header.kid)
    assert.ok(jwk)
    const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')))
    assert.equal(job.issued >= 1, true)
  })

  it('defaults the audience to the owner, and the sub to the ref without an environment', async () => {
    const plain = gh.oidc.addJob(GH_REPO)
    secrets.push(plain.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    const payload = decode((await idToken(plain, null)).split('.')[1] ?? '')
    assert.deepEqual(
      [payload.aud, payload.sub, 'environment' in payload],
      [`https://github.com/d4oit`, `repo:${GH_REPO}:ref:refs/heads/main`, false]
    )
    const immutable = gh.oidc.addJob(GH_REPO, { subjectFormat: 'immutable', claims: { ref: 'refs/tags/v1:rc' } })
    const sub = decode((await idToken(immutable)).split('.')[1] ?? '').sub
    assert.match(String(sub), /^repo:d4oit@\d+\/tiny-cats-model@1001:ref:refs\/tags\/v1%3Arc$/)
  })

  it('checks the request token; without the runner variables getIDToken says which one is missing', async () => {
    const url = `${job.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(AUDIENCE)}`
    assert.equal((await fetch(url)).status, 401)
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer not-the-token' } })).status, 401)
    const other = gh.oidc.addJob(GH_REPO)
    const wrongJob = await fetch(url, {
      headers: { authorization: `Bearer ${other.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` }
    })
    assert.equal(wrongJob.status, 401)
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
    await assert.rejects(core.getIDToken(AUDIENCE), /Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable/)
  })

  it('the ID-token endpoint takes faults like any route (getIDToken retries a 503)', async () => {
    const handle = gh.faults.add({ route: 'id-token', status: 503, times: 1 })
    assert.ok((await idToken()).startsWith('eyJ'))
    assert.equal(handle.hits, 1)
  })
})

describe('Hub: POST /oauth/token and the exchanged token', () => {
  afterEach(() => hub.trustedPublishers.configure({ expiresIn: 3600, whoami: 'unauthorized' }))

  it('exchanges the ID token for an hf_jwt_ token that commits to that repo as [OIDC]', async () => {
    const { status, cacheControl, body } = await exchange(await idToken())
    assert.equal(status, 200)
    assert.equal(cacheControl, 'no-store')
    assert.match(body.access_token ?? '', /^hf_jwt_[\w-]+\.[\w-]+\.[\w-]+$/)
    assert.deepEqual(
      { ...body, access_token: 'x' },
      {
        access_token: 'x',
        token_type: 'bearer',
        expires_in: 3600,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token'
      }
    )
    const credentials = { hubUrl: hub.url, accessToken: body.access_token ?? '' }
    await commit({ ...credentials, repo: HUB_REPO, title: 'keyless', operations: addFile('weights.txt', 'w') })
    const [latest] = await collect(listCommits({ ...credentials, repo: HUB_REPO }))
    assert.deepEqual([latest?.title, latest?.authors.map((a) => a.username)], ['keyless', ['[OIDC]']])
    assert.equal((await modelInfo({ ...credentials, name: HUB_REPO })).name, HUB_REPO)
  })

  it('refuses the token on any other repo: 403 for writes, 404 for private reads, public reads as anyone', async () => {
    const credentials = { hubUrl: hub.url, accessToken: await accessToken() }
    await assert.rejects(
      commit({ ...credentials, repo: 'tester/other', title: 'x', operations: addFile('a.txt', 'a') }),
      (error: { statusCode?: number }) => error.statusCode === 403
    )
    await assert.rejects(modelInfo({ ...credentials, name: 'tester/private-other' }), (e: { statusCode?: number }) => {
      return e.statusCode === 404
    })
    assert.equal((await modelInfo({ ...credentials, name: 'tester/other' })).name, 'tester/other')
    await assert.rejects(
      createRepo({ ...credentials, repo: 'tester/brand-new' }),
      (error: { statusCode?: number }) => error.statusCode === 403
    )
  })

  it('a dataset publisher scopes to the dataset; a read-only publisher cannot write', async () => {
    hub.trustedPublishers.add({
      repo: 'datasets/tester/keyless-data',
      issuer: gh.oidc.issuer,
      claims: { repository: GH_REPO },
      readOnly: true
    })
    const { body } = await exchange(await idToken(), 'datasets/tester/keyless-data')
    const credentials = { hubUrl: hub.url, accessToken: body.access_token ?? '' }
    const dataset = { type: 'dataset' as const, name: 'tester/keyless-data' }
    await assert.rejects(
      commit({ ...credentials, repo: dataset, title: 'x', operations: addFile('a.csv', 'a') }),
      (error: { statusCode?: number }) => error.statusCode === 403
    )
    const refused = await exchange(await idToken(), 'tester/keyless-data')
    assert.equal(refused.body.error, 'invalid_grant', 'the model of the same name has no publisher')
  })

  it('whoami-v2 for an exchanged token: 401 by default, or as configured', async () => {
    const credentials = { hubUrl: hub.url, accessToken: await accessToken() }
    await assert.rejects(whoAmI(credentials), (error: { statusCode?: number }) => error.statusCode === 401)
    hub.trustedPublishers.configure({ whoami: 'forbidden' })
    await assert.rejects(whoAmI(credentials), (error: { statusCode?: number }) => error.statusCode === 403)
    hub.trustedPublishers.configure({ whoami: 'user' })
    assert.equal((await whoAmI(credentials)).name, '[OIDC]')
  })

  it('exchanged tokens expire: expires_in as configured, expireExchangedTokens(), or a clock moved on', async () => {
    const commitWith = (token: string, path: string) =>
      commit({ hubUrl: hub.url, accessToken: token, repo: HUB_REPO, title: path, operations: addFile(path, path) })
    const first = await accessToken()
    await commitWith(first, 'before-expiry.txt')
    assert.equal(hub.trustedPublishers.expireExchangedTokens() >= 1, true)
    await assert.rejects(
      commitWith(first, 'after-expiry.txt'),
      (error: { statusCode?: number }) => error.statusCode === 401
    )
    const second = await accessToken()
    await commitWith(second, 're-exchanged.txt')

    hub.trustedPublishers.configure({ expiresIn: 120 })
    const { body } = await exchange(await idToken())
    assert.equal(body.expires_in, 120)
    hub.trustedPublishers.advanceClock(119)
    await commitWith(body.access_token ?? '', 'still-valid.txt')
    hub.trustedPublishers.advanceClock(1)
    await assert.rejects(
      commitWith(body.access_token ?? '', 'expired.txt'),
      (error: { statusCode?: number }) => error.statusCode === 401
    )
    hub.trustedPublishers.advanceClock(-120)
  })
})

describe('Hub: every refused exchange is the same invalid_grant', () => {
  let now: number
  beforeEach(() => {
    now = Math.floor(Date.now() / 1000)
  })

  const refused = async (subjectToken: string | Promise<string>, resource = HUB_REPO, cause = resource) => {
    const answer = await exchange(await subjectToken, resource)
    assert.equal(answer.status, 400, cause)
    return JSON.stringify(answer.body)
  }

  it('for a bad signature, an unknown kid, a wrong audience, times, issuer, repo or any mismatched claim', async () => {
    const mint = (options: Parameters<GithubEmulator['oidc']['mintIdToken']>[1] = {}) => {
      const token = gh.oidc.mintIdToken(job.id, { audience: AUDIENCE, ...options })
      secrets.push(token)
      return token
    }
    const good = mint()
    assert.equal((await exchange(good)).status, 200, 'the control case is accepted')
    const [h, p, s] = good.split('.')
    const forged = Buffer.from(JSON.stringify({ ...decode(p ?? ''), repository: 'mallory/x' })).toString('base64url')
    const tampered = `${h}.${forged}.${s}`
    const claimJob = (claims: Record<string, string | null>, environment: string | null = 'hub') => {
      const other = gh.oidc.addJob(GH_REPO, { ...(environment ? { environment } : {}), claims })
      return idToken(other)
    }
    const causes: Record<string, string | Promise<string>> = {
      'wrong audience': idToken(job, 'https://example.com'),
      expired: mint({ issuedAt: now - 301 }),
      'not yet valid (nbf ahead)': mint({ claims: { nbf: now + 60 } }),
      'issued in the future': mint({ claims: { iat: now + 60 } }),
      'no exp': mint({ claims: { exp: null } }),
      'bad signature (key not in the JWKS, published kid)': mint({
        signWith: 'unpublished',
        header: { kid: gh.oidc.currentKid }
      }),
      'unknown kid': mint({ signWith: 'unpublished' }),
      'tampered payload': tampered,
      'alg none': mint({ header: { alg: 'none' } }),
      'another issuer': mint({ claims: { iss: 'http://127.0.0.1:9/_oidc' } }),
      'repository differs': claimJob({ repository: 'd4oit/fork-of-tiny-cats' }),
      'ref differs': claimJob({ ref: 'refs/heads/main-backup' }),
      'workflow_ref differs': claimJob({ workflow_ref: `${GH_REPO}/.github/workflows/other.yml@refs/heads/main` }),
      'job_workflow_ref differs': claimJob({
        job_workflow_ref: `octo/reusable/.github/workflows/x.yml@refs/heads/main`
      }),
      'environment differs': claimJob({}, 'staging'),
      'no environment': claimJob({}, null)
    }
    const bodies = new Set<string>()
    for (const [cause, token] of Object.entries(causes)) {
      const body = await refused(token, HUB_REPO, cause)
      assert.match(body, /"error":"invalid_grant"/, cause)
      bodies.add(body)
    }
    bodies.add(await refused(good, 'tester/no-such-repo'))
    bodies.add(await refused(good, 'tester/other'))
    bodies.add(await refused(good, 'kernels/tester/keyless'))
    bodies.add(await refused(good, 'tester'))
    assert.equal(bodies.size, 1, `one answer for every cause, naming none: ${[...bodies].join(' | ')}`)
  })

  it('a rotated key: old tokens pass while the old key is published, fail once it is retired', async () => {
    const before = gh.oidc.mintIdToken(job.id, { audience: AUDIENCE })
    gh.oidc.rotateSigningKey()
    assert.equal((await exchange(before)).status, 200)
    assert.equal((await exchange(await idToken())).status, 200, 'new tokens carry the new kid')
    gh.oidc.rotateSigningKey({ retireOld: true })
    assert.equal((await exchange(before)).body.error, 'invalid_grant')
    assert.equal((await exchange(await idToken())).status, 200)
  })

  it('a Hub clock ahead of the ID token lifetime refuses it (advanceClock, no sleeping)', async () => {
    const token = await idToken()
    hub.trustedPublishers.advanceClock(301)
    try {
      assert.equal((await exchange(token)).body.error, 'invalid_grant')
    } finally {
      hub.trustedPublishers.advanceClock(-301)
    }
    assert.equal((await exchange(token)).status, 200)
  })
})

describe('Hub: malformed exchange requests are invalid_request, saying what is wrong', () => {
  it('for every missing or wrong field, a non-JWT, a bad resource, or a body that is not JSON', async () => {
    const token = await idToken()
    const cases: Array<[string, Promise<ExchangeResult>, RegExp]> = [
      ['no grant_type', exchange(token, HUB_REPO, { grant_type: undefined }), /grant_type/],
      ['another grant_type', exchange(token, HUB_REPO, { grant_type: 'authorization_code' }), /grant_type/],
      ['another subject_token_type', exchange(token, HUB_REPO, { subject_token_type: 'urn:x' }), /subject_token_type/],
      ['no subject_token', exchange(token, HUB_REPO, { subject_token: undefined }), /subject_token is required/],
      ['not a JWT', exchange('not-a-jwt', HUB_REPO), /not a JWT/],
      ['garbage JWT', exchange('eyJ.eyJ.x', HUB_REPO), /not a JWT/],
      ['no resource', exchange(token, HUB_REPO, { resource: undefined }), /resource is required/],
      ['resource with four parts', exchange(token, 'datasets/a/b/c'), /not a repo or a username/],
      ['resource with models/ prefix', exchange(token, 'models/tester/keyless'), /not a repo/],
      ['resource with ..', exchange(token, 'tester/..'), /not a repo/],
      ['body not JSON', postToken('{nope'), /JSON object/],
      ['body an array', postToken('[]'), /JSON object/]
    ]
    for (const [name, pending, description] of cases) {
      const { status, body } = await pending
      assert.equal(status, 400, name)
      assert.equal(body.error, 'invalid_request', name)
      assert.match(body.error_description ?? '', description, name)
    }
    const form = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
      subject_token: token,
      resource: HUB_REPO
    })
    assert.equal((await postToken(form.toString(), 'application/x-www-form-urlencoded')).status, 200)
  })
})

describe('configuration over the control planes, faults, and no secret at rest', () => {
  it('publishers and settings over /_emulator/trusted-publishers; jobs over the GitHub control plane', async () => {
    const control = (path: string, init?: RequestInit) => fetch(`${hub.url}/_emulator/trusted-publishers${path}`, init)
    const added = await control('', {
      method: 'POST',
      body: JSON.stringify({ repo: 'tester/other', issuer: gh.oidc.issuer, claims: { repository: GH_REPO } })
    })
    assert.equal(added.status, 201)
    const { publishers } = (await added.json()) as { publishers: Array<{ id: string }> }
    const again = hub.trustedPublishers.add({
      repo: 'tester/other',
      issuer: gh.oidc.issuer,
      claims: { repository: GH_REPO }
    })
    assert.equal(again.id, publishers[0]?.id, 'adding the same publisher twice keeps one')
    const res = await fetch(`${gh.url}/_emulator/oidc/jobs`, {
      method: 'POST',
      body: JSON.stringify({ repository: GH_REPO })
    })
    const remote = (await res.json()) as OidcJob
    secrets.push(remote.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    assert.equal((await exchange(await idToken(remote), 'tester/other')).status, 200)
    await control('/settings', { method: 'POST', body: JSON.stringify({ expiresIn: 30, whoami: 'user' }) })
    const overview = (await (await control('')).json()) as { expiresIn: number; whoami: string; liveTokens: number }
    assert.deepEqual([overview.expiresIn, overview.whoami], [30, 'user'])
    assert.ok(!JSON.stringify(overview).includes('hf_jwt_'), 'tokens are never listed')
    const expired = (await (await control('/expire-tokens', { method: 'POST' })).json()) as { expired: number }
    assert.ok(expired.expired >= 1)
    assert.equal((await control(`/${publishers[0]?.id}`, { method: 'DELETE' })).status, 200)
    assert.equal((await exchange(await idToken(remote), 'tester/other')).body.error, 'invalid_grant')
    await control('/settings', { method: 'POST', body: JSON.stringify({ expiresIn: 3600, whoami: 'unauthorized' }) })
    const bad = await control('', {
      method: 'POST',
      body: JSON.stringify({ repo: HUB_REPO, issuer: 'https://example.com', claims: { a: 'b' } })
    })
    assert.match(((await bad.json()) as { error: string }).error, /issuer must be on loopback/)
  })

  it('POST /oauth/token takes faults like every Hub route', async () => {
    hub.faults.add({ route: 'oauth-token', status: 503, retryAfter: 2 })
    const res = await fetch(`${hub.url}/oauth/token`, { method: 'POST', body: '{}' })
    assert.deepEqual([res.status, res.headers.get('retry-after')], [503, '2'])
  })

  it('no ID token, request token or exchanged token is stored in a data directory or a request log', () => {
    assert.ok(secrets.length > 10)
    const files = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
    const stored = [...files(ghDataDir), ...files(hubDataDir)].map((f) => readFileSync(f, 'latin1')).join('\n')
    const logs = JSON.stringify(gh.requests) + JSON.stringify(hub.stats.requests)
    for (const secret of secrets) {
      assert.ok(!stored.includes(secret) && !logs.includes(secret), 'a secret reached the disk or a log')
    }
    assert.ok(readFileSync(join(hubDataDir, 'trusted-publishers.json'), 'utf8').includes(gh.oidc.issuer))
  })
})

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}
