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
import { BLOB_ROUTE, startGithubEmulator, type GithubEmulator } from '../emulators/github/server.ts'
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
    body: text ? JSON.parse(text) : undefined
  }
}

function operationFor(route: string): Operation {
  const [method = '', template = ''] = route.split(' ')
  const operation = openapi.paths[template]?.[method.toLowerCase()]
  assert.ok(operation, `${route} is not an operation of api.github.com`)
  return operation
}

/** The status must be documented for the operation, and a JSON body must match its schema. */
function assertConforms(exchange: Exchange): void {
  const operation = operationFor(exchange.route)
  let response = operation.responses[String(exchange.status)]
  assert.ok(response, `${exchange.route} (${operation.operationId}) does not document status ${exchange.status}`)
  if (response.$ref) response = validator.pointer(response.$ref) as typeof response
  const schema = response.content?.['application/json']?.schema
  if (!schema) {
    assert.equal(exchange.body, undefined, `${exchange.route} ${exchange.status} documents no body`)
    return
  }
  assert.equal(exchange.contentType, 'application/json; charset=utf-8')
  const problems = validator.validate(schema, exchange.body)
  assert.deepEqual(problems, [], `${exchange.route} ${exchange.status} does not match ${operation.operationId}`)
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
    for (const route of emulator.routes.filter((r) => r !== BLOB_ROUTE)) operationFor(route)
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
  })

  it('artifacts and the download redirect', async () => {
    const list = await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?per_page=100&page=1`, 200)
    assert.equal((list.body as { total_count: number }).total_count, 3)
    await check('GET', `/repos/${REPO}/actions/runs/${runId}/artifacts?name=checkpoints`, 200)
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
    assert.deepEqual([...covered].sort(), emulator.routes.filter((r) => r !== BLOB_ROUTE).sort())
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
