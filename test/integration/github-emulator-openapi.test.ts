/**
 * Checks the GitHub emulator against GitHub's own OpenAPI description (`@octokit/openapi`,
 * api.github.com): for every route it serves, real requests must get a status the operation
 * documents and a JSON body that validates against that status's schema. The webhook payloads it
 * builds and the event fixtures in test/fixtures/events/ are validated against the webhook schemas.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BLOB_ROUTE, startGithubEmulator, type FaultRule, type GithubEmulator } from '../emulators/github/server.ts'
import { SchemaValidator, type Schema } from '../emulators/github/schema-validator.ts'

const require = createRequire(import.meta.url)
const TOKEN = process.env.HFUA_TEST_GH_TOKEN ?? 'ghs_' + 'x'.repeat(36)
const READER_TOKEN = 'ghs_' + 'r'.repeat(36)
const REPO = 'd4oit/tiny-cats-model'
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'events')

interface Operation {
  operationId: string
  responses: Record<string, { $ref?: string; content?: Record<string, { schema: Schema }> }>
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema> }
}

const openapi = JSON.parse(
  readFileSync(
    join(dirname(require.resolve('@octokit/openapi/package.json')), 'generated', 'api.github.com.json'),
    'utf8'
  )
) as OpenApiDocument
const validator = new SchemaValidator(openapi)

let emulator: GithubEmulator
let runId: number
let artifactId: number
let expiredArtifactId: number

before(async () => {
  emulator = await startGithubEmulator({
    dataDir: mkdtempSync(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'gh-openapi-')),
    tokens: {
      [TOKEN]: { login: 'github-actions[bot]' },
      [READER_TOKEN]: { login: 'octo-reader', permissions: { actions: 'none', issues: 'read' } }
    }
  })
  emulator.addRepo(REPO, { id: 1001 })
  emulator.addRepo('mallory/tiny-cats-model', { fork: true })
  runId = emulator.addWorkflowRun(REPO, { name: 'Train', event: 'push' }).id
  emulator.addWorkflowRun(REPO, {
    event: 'pull_request',
    headRepository: 'mallory/tiny-cats-model',
    status: 'in_progress'
  })
  emulator.addWorkflowRun(REPO, { run_attempt: 2, conclusion: 'failure', triggering_actor: { login: 'octocat' } })
  artifactId = (
    await emulator.addArtifact(REPO, runId, { name: 'checkpoints', files: { 'tinydit_final.pt': Buffer.alloc(64, 1) } })
  ).id
  await emulator.addArtifact(REPO, runId, { name: 'legacy', files: { 'a.txt': 'a' }, digest: null })
  expiredArtifactId = (await emulator.addArtifact(REPO, runId, { name: 'old', files: { 'a.txt': 'a' }, expired: true }))
    .id
  emulator.addPullRequest(REPO, { title: 'Fix sampler', labels: ['train-report'], user: 'octocat' })
  emulator.addIssue(REPO, { title: 'Closed report', labels: ['train-report'], state: 'closed' })
})

after(async () => {
  await emulator?.close()
})

interface Exchange {
  route: string
  status: number
  contentType: string | null
  headers: Headers
  body: unknown
}

/** One real request; the emulator's request log tells which route answered. */
async function call(method: string, path: string, body?: unknown, token = TOKEN): Promise<Exchange> {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await res.text()
  const route = emulator.requests.at(-1)?.route ?? ''
  return {
    route,
    status: res.status,
    contentType: res.headers.get('content-type'),
    headers: res.headers,
    body: text ? JSON.parse(text) : undefined
  }
}

/** The api.github.com routes: not the blob storage stand-in, not the OIDC token service and issuer. */
function apiRoutes(): string[] {
  return emulator.routes.filter((r) => r !== BLOB_ROUTE && !/^GET \/_(oidc|pipelines)\//.test(r))
}

function operationFor(route: string): Operation {
  const [method = '', template = ''] = route.split(' ')
  const operation = openapi.paths[template]?.[method.toLowerCase()]
  assert.ok(operation, `${route} is not an operation of api.github.com`)
  return operation
}

/**
 * A documented status must match its schema. Statuses GitHub sends on any route without listing them
 * per operation (404 for a missing object, 403/429 rate limits, 5xx) must be GitHub's `basic-error`
 * with a message and documentation URL, or, for 5xx from the edge, JSON with a message.
 */
function assertConforms(exchange: Exchange): void {
  const operation = operationFor(exchange.route)
  let response = operation.responses[String(exchange.status)]
  if (!response && exchange.status >= 400) return assertGenericError(exchange)
  assert.ok(response, `${exchange.route} (${operation.operationId}) does not document status ${exchange.status}`)
  if (response.$ref) response = validator.pointer(response.$ref) as typeof response
  const schema = response.content?.['application/json']?.schema
  if (!schema) {
    assert.equal(exchange.body, undefined, `${exchange.route} ${exchange.status} documents no body`)
    return
  }
  // GitHub's edge sends its 5xx as plain `application/json`.
  if (exchange.status >= 500) assert.match(exchange.contentType ?? '', /^application\/json/)
  else assert.equal(exchange.contentType, 'application/json; charset=utf-8')
  const problems = validator.validate(schema, exchange.body)
  assert.deepEqual(problems, [], `${exchange.route} ${exchange.status} does not match ${operation.operationId}`)
}

function assertGenericError(exchange: Exchange): void {
  assert.match(exchange.contentType ?? '', /^application\/json/)
  const schema: Schema =
    exchange.status >= 500
      ? { type: 'object', required: ['message'], properties: { message: { type: 'string' } } }
      : { allOf: [{ $ref: '#/components/schemas/basic-error' }, { required: ['message', 'documentation_url'] }] }
  assert.deepEqual(validator.validate(schema, exchange.body), [], `${exchange.route} ${exchange.status}`)
}

describe('every emulated route answers as api.github.com documents', () => {
  const covered = new Set<string>()
  const check = async (method: string, path: string, expectedStatus: number, body?: unknown, token?: string) => {
    const exchange = await call(method, path, body, token)
    assert.equal(exchange.status, expectedStatus, `${method} ${path}: ${JSON.stringify(exchange.body)}`)
    assertConforms(exchange)
    if (expectedStatus < 400) covered.add(exchange.route)
    return exchange
  }

  it('serves only routes that exist in the description', () => {
    for (const route of apiRoutes()) operationFor(route)
  })

  it('repository', async () => {
    await check('GET', `/repos/${REPO}`, 200)
    await check('GET', '/repos/d4oit/missing', 404)
  })

  it('workflow runs', async () => {
    await check('GET', `/repos/${REPO}/actions/runs/${runId}`, 200)
    const list = await check(
      'GET',
      `/repos/${REPO}/actions/workflows/train.yml/runs?branch=main&event=push&status=success&per_page=1`,
      200
    )
    assert.equal((list.body as { workflow_runs: unknown[] }).workflow_runs.length, 1)
    await check('GET', `/repos/${REPO}/actions/workflows/train.yml/runs?exclude_pull_requests=true&per_page=100`, 200)
    await check('GET', `/repos/${REPO}/actions/runs/99999`, 404)
  })

  it('workflow run attempts', async () => {
    const run = emulator.addWorkflowRun(REPO, { conclusion: 'failure' })
    emulator.rerunWorkflowRun(REPO, run.id, { triggering_actor: { login: 'octocat' } })
    const first = await check('GET', `/repos/${REPO}/actions/runs/${run.id}/attempts/1`, 200)
    const second = await check(
      'GET',
      `/repos/${REPO}/actions/runs/${run.id}/attempts/2?exclude_pull_requests=true`,
      200
    )
    const current = await check('GET', `/repos/${REPO}/actions/runs/${run.id}`, 200)
    assert.deepEqual(current.body, second.body)
    const attempt = (e: Exchange) => e.body as { run_attempt: number; previous_attempt_url: string | null }
    assert.deepEqual([attempt(first).run_attempt, attempt(first).previous_attempt_url], [1, null])
    assert.match(attempt(second).previous_attempt_url ?? '', /\/attempts\/1$/)
    await check('GET', `/repos/${REPO}/actions/runs/${run.id}/attempts/3`, 404)
  })

  it('artifacts and the download redirect', async () => {
    const list = await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?per_page=100&page=1`, 200)
    assert.equal((list.body as { total_count: number }).total_count, 3)
    await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?name=checkpoints`, 200)
    const asc = await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?direction=asc`, 200)
    const desc = await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts`, 200)
    const ids = (e: Exchange) => (e.body as { artifacts: Array<{ id: number }> }).artifacts.map((a) => a.id)
    assert.deepEqual(ids(asc), [...ids(desc)].reverse(), 'direction defaults to desc')
    await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?direction=up`, 422)
    await check('GET', `/repos/${REPO}/actions/artifacts/${artifactId}`, 200)
    await check('GET', `/repos/${REPO}/actions/artifacts/${artifactId}/zip`, 302)
    await check('GET', `/repos/${REPO}/actions/artifacts/${expiredArtifactId}/zip`, 410)
  })

  it('issues', async () => {
    const created = await check('POST', `/repos/${REPO}/issues`, 201, {
      title: 'Upload failed',
      body: 'details',
      labels: ['train-report']
    })
    const number = (created.body as { number: number }).number
    await check('POST', `/repos/${REPO}/issues`, 422, { body: 'no title' })
    await check('POST', `/repos/${REPO}/issues`, 422, { title: 't', body: 'x'.repeat(65_537) })
    await check('POST', `/repos/${REPO}/issues`, 403, { title: 'no permission' }, READER_TOKEN)
    await check('GET', `/repos/${REPO}/issues?state=all&labels=train-report&per_page=2`, 200)
    await check('GET', `/repos/${REPO}/issues/${number}`, 200)
    await check('GET', `/repos/${REPO}/issues/99999`, 404)
    await check('PATCH', `/repos/${REPO}/issues/${number}`, 200, {
      state: 'closed',
      state_reason: 'not_planned',
      labels: ['train-report', 'stale']
    })
    await check('PATCH', `/repos/${REPO}/issues/${number}`, 422, { title: '' })
  })

  it('comments', async () => {
    const created = await call('POST', `/repos/${REPO}/issues`, { title: 'With comments' })
    const number = (created.body as { number: number }).number
    await check('POST', `/repos/${REPO}/issues/${number}/comments`, 201, { body: 'Failed again' })
    await check('POST', `/repos/${REPO}/issues/${number}/comments`, 422, {})
    await check('GET', `/repos/${REPO}/issues/${number}/comments`, 200)
    await check('GET', `/repos/${REPO}/issues/99999/comments`, 404)
  })

  it('labels', async () => {
    await check('POST', `/repos/${REPO}/labels`, 201, { name: 'needs triage', color: 'd73a4a', description: 'New' })
    await check('POST', `/repos/${REPO}/labels`, 422, { name: 'Needs Triage' })
    await check('GET', `/repos/${REPO}/labels?per_page=100`, 200)
    await check('GET', `/repos/${REPO}/labels/needs%20triage`, 200)
    await check('GET', `/repos/${REPO}/labels/nope`, 404)
  })

  it('covered every route with a successful answer', () => {
    assert.deepEqual([...covered].sort(), apiRoutes().sort())
  })
})

describe('error answers: rate limits, Retry-After and server errors, on every route the action uses', () => {
  let issueNumber: number
  const requests = (): Array<[string, string, unknown?]> => [
    ['GET', `/repos/${REPO}`],
    ['GET', `/repos/${REPO}/actions/runs/${runId}`],
    ['GET', `/repos/${REPO}/actions/workflows/train.yml/runs?status=success`],
    ['GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?per_page=100&page=1`],
    ['GET', `/repos/${REPO}/actions/artifacts/${artifactId}/zip`],
    ['GET', `/repos/${REPO}/issues?labels=train-report`],
    ['POST', `/repos/${REPO}/issues`, { title: 'Upload failed' }],
    ['PATCH', `/repos/${REPO}/issues/${issueNumber}`, { state: 'closed' }],
    ['POST', `/repos/${REPO}/issues/${issueNumber}/comments`, { body: 'again' }],
    ['GET', `/repos/${REPO}/labels`]
  ]
  const nowSeconds = () => Math.floor(Date.now() / 1000)

  before(async () => {
    issueNumber = ((await call('POST', `/repos/${REPO}/issues`, { title: 'target' })).body as { number: number }).number
  })

  const faulted = async (rule: Omit<FaultRule, 'route'>) => {
    const exchanges: Exchange[] = []
    for (const [method, path, body] of requests()) {
      emulator.faults.add({ route: '*', times: 1, ...rule })
      const exchange = await call(method, path, body)
      assertConforms(exchange)
      exchanges.push(exchange)
    }
    return exchanges
  }

  it("primary rate limit: 403 or 429, x-ratelimit-remaining 0 and a reset ahead, GitHub's message", async () => {
    for (const status of [403, 429] as const) {
      for (const e of await faulted({ rateLimit: 'primary', ...(status === 429 ? { status } : {}), resetIn: 120 })) {
        assert.equal(e.status, status)
        assert.equal(e.headers.get('x-ratelimit-remaining'), '0')
        assert.equal(e.headers.get('x-ratelimit-used'), e.headers.get('x-ratelimit-limit'))
        assert.equal(e.headers.get('x-ratelimit-resource'), 'core')
        const reset = Number(e.headers.get('x-ratelimit-reset'))
        assert.ok(Number.isInteger(reset) && reset >= nowSeconds() + 100 && reset <= nowSeconds() + 121)
        assert.equal(e.headers.get('retry-after'), null)
        const body = e.body as { message: string; status: string }
        assert.match(body.message, /^API rate limit exceeded for installation ID \d+\. .*request ID [\dA-F:]+/)
        assert.equal(body.status, String(status))
      }
    }
  })

  it('secondary rate limit: the "secondary rate limit" message, retry-after (or none), quota left', async () => {
    for (const [rule, retryAfter] of [
      [{ rateLimit: 'secondary' }, '60'],
      [{ rateLimit: 'secondary', status: 429, retryAfter: 7 }, '7'],
      [{ rateLimit: 'secondary', retryAfter: 0 }, null],
      [{ rateLimit: 'secondary-content-creation', retryAfter: 3 }, '3']
    ] as const) {
      for (const e of await faulted(rule)) {
        assert.equal(e.status, 'status' in rule ? rule.status : 403)
        assert.equal(e.headers.get('retry-after'), retryAfter)
        assert.ok(Number(e.headers.get('x-ratelimit-remaining')) > 0)
        const body = e.body as { message: string; documentation_url: string }
        // @octokit/plugin-throttling tells secondary limits by /\bsecondary rate\b/i on the message.
        assert.match(body.message, /\bsecondary rate\b/i)
        assert.match(body.documentation_url, /#about-secondary-rate-limits$/)
      }
    }
  })

  it("5xx: GitHub's short JSON bodies, with or without Retry-After", async () => {
    for (const status of [500, 502, 503, 504]) {
      for (const e of await faulted({ status, ...(status === 503 ? { retryAfter: 30 } : {}) })) {
        assert.equal(e.status, status)
        assert.equal(typeof (e.body as { message: unknown }).message, 'string')
        assert.equal(e.headers.get('retry-after'), status === 503 ? '30' : null)
      }
    }
  })

  it('a real rate limit: past the hourly quota every request is refused with the primary shape', async () => {
    const limited = await startGithubEmulator({
      dataDir: mkdtempSync(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'gh-limit-')),
      tokens: { [TOKEN]: { login: 'github-actions[bot]' } },
      rateLimit: 2
    })
    try {
      limited.addRepo(REPO)
      const get = () => fetch(`${limited.url}/repos/${REPO}`, { headers: { authorization: `token ${TOKEN}` } })
      const answers = [await get(), await get(), await get()]
      assert.deepEqual(
        answers.map((r) => [r.status, r.headers.get('x-ratelimit-remaining')]),
        [
          [200, '1'],
          [200, '0'],
          [403, '0']
        ]
      )
      const refused = (await answers[2]?.json()) as { message: string }
      assert.match(refused.message, /^API rate limit exceeded/)
      assert.equal(answers[2]?.headers.get('x-ratelimit-reset'), answers[0]?.headers.get('x-ratelimit-reset'))
    } finally {
      await limited.close()
    }
  })
})

describe('webhook payloads and event fixtures match the webhook schemas', () => {
  const schema = (name: string): Schema => {
    const found = openapi.components.schemas[name]
    assert.ok(found, `components.schemas has no ${name}`)
    return found
  }
  const assertValid = (name: string, payload: unknown) =>
    assert.deepEqual(validator.validate(schema(name), payload), [], name)

  it('workflowRunPayload() for completed and requested deliveries', () => {
    assertValid('webhook-workflow-run-completed', emulator.workflowRunPayload(REPO, runId, 'completed'))
    assertValid('webhook-workflow-run-requested', emulator.workflowRunPayload(REPO, runId, 'requested'))
    const forkRun = emulator.addWorkflowRun(REPO, { event: 'pull_request', headRepository: 'mallory/tiny-cats-model' })
    const payload = emulator.workflowRunPayload(REPO, forkRun.id) as {
      workflow_run: { head_repository: { id: number; fork: boolean } }
      repository: { id: number }
    }
    assertValid('webhook-workflow-run-completed', payload)
    assert.notEqual(payload.workflow_run.head_repository.id, payload.repository.id)
    assert.equal(payload.workflow_run.head_repository.fork, true)
  })

  it('workflowDispatchPayload()', () => {
    assertValid('webhook-workflow-dispatch', emulator.workflowDispatchPayload(REPO, { 'run-id': String(runId) }))
  })

  it('test/fixtures/events/*.json', () => {
    const fixture = (file: string) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown
    assertValid('webhook-workflow-run-completed', fixture('workflow_run.completed.json'))
    assertValid('webhook-workflow-dispatch', fixture('workflow_dispatch.json'))
  })

  it("the validator accepts GitHub's own example deliveries", () => {
    const examples = require('@octokit/webhooks-examples') as Array<{
      name: string
      examples: Array<Record<string, unknown>>
    }>
    const completed =
      examples
        .find((e) => e.name === 'workflow_run')
        ?.examples.filter((e) => e.action === 'completed')
        .slice(1) ?? []
    assert.ok(completed.length > 0)
    // examples[0] predates `path`, `actor` and `triggering_actor`; the later ones are current.
    for (const example of completed) assertValid('webhook-workflow-run-completed', example)
  })

  it('have every key of the real @octokit/webhooks-examples deliveries', () => {
    const examples = require('@octokit/webhooks-examples') as Array<{
      name: string
      examples: Array<Record<string, unknown>>
    }>
    const real = (event: string) => examples.find((e) => e.name === event)?.examples ?? []
    const completed = real('workflow_run').find(
      (e) => e.action === 'completed' && (e.workflow_run as { conclusion?: unknown }).conclusion === 'success'
    )
    assert.ok(completed)
    const ours = emulator.workflowRunPayload(REPO, runId) as Record<string, Record<string, unknown>>
    const missing = (want: object, have: object) =>
      Object.keys(want).filter((k) => !(k in have) && k !== 'organization')
    assert.deepEqual(missing(completed, ours), [])
    assert.deepEqual(missing(completed.workflow_run as object, ours.workflow_run as object), [])
    assert.deepEqual(missing(real('workflow_dispatch')[0] ?? {}, emulator.workflowDispatchPayload(REPO)), [])
  })
})

describe('the schema validator is strict', () => {
  const user = { $ref: '#/components/schemas/simple-user' }

  it('reports missing required properties, wrong types and enum values', () => {
    const problems = validator.validate(user, { login: 'x', id: '1' })
    assert.ok(problems.some((p) => p.message === 'missing required property "node_id"'))
    assert.ok(problems.some((p) => p.path === '$.id' && /expected integer/.test(p.message)))
    assert.equal(validator.validate({ type: 'string', enum: ['a'] }, 'b').length, 1)
  })

  it('handles nullable, type lists, oneOf, anyOf, allOf and additionalProperties', () => {
    assert.deepEqual(validator.validate({ type: 'string', nullable: true }, null), [])
    assert.deepEqual(validator.validate({ type: ['string', 'null'] }, null), [])
    assert.equal(validator.validate({ type: 'string' }, null).length, 1)
    assert.equal(
      validator.validate({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1).length,
      1,
      'two oneOf matches fail'
    )
    assert.deepEqual(validator.validate({ anyOf: [{ type: 'number' }, { type: 'integer' }] }, 1), [])
    assert.equal(validator.validate({ allOf: [{ required: ['a'] }, { required: ['b'] }] }, { a: 1 }).length, 1)
    assert.equal(
      validator.validate({ type: 'object', properties: {}, additionalProperties: false }, { x: 1 }).length,
      1
    )
    assert.equal(validator.validate({ type: 'string', format: 'date-time' }, 'yesterday').length, 1)
  })
})
