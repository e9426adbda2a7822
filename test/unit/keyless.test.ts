// The pure parts of keyless publishing: which authentication a run uses, the exchange's resource,
// the refresh margin, and the error messages (what they list, and that hostile claim values stay
// inert on their own line).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { HubApiError } from '@huggingface/hub'
import { chooseAuth, describeAuth, isExchangedToken } from '../../src/hub/auth/auth-method.ts'
import { refreshMarginMs } from '../../src/hub/auth/hub-auth.ts'
import { explainHubError } from '../../src/hub/hub-errors.ts'
import {
  exchangeResource,
  idTokenClaims,
  noIdTokenError,
  refusedGrantError,
  type ExchangeContext
} from '../../src/hub/auth/token-exchange.ts'

const ctx: ExchangeContext = {
  hubUrl: 'https://huggingface.co',
  repo: { type: 'dataset', name: 'd4oit/cats' },
  stage: 'upload',
  chosenByDefault: true
}

test('auth: auto is the stored token when there is one, else keyless; the summary names it, never the token', () => {
  assert.deepEqual(
    [chooseAuth('auto', 'hf_x'), chooseAuth('auto', ' '), chooseAuth('token', ''), chooseAuth('oidc', 'hf_x')],
    ['token', 'oidc', 'token', 'oidc']
  )
  assert.match(describeAuth('oidc'), /^keyless \(GitHub OIDC/)
  assert.match(describeAuth('token'), /^hf-token/)
  assert.deepEqual([isExchangedToken('hf_jwt_a.b.c'), isExchangedToken('hf_abc')], [true, false])
})

test('the resource carries the repo type; the margin is 5 minutes, or a fifth of a shorter lifetime', () => {
  assert.deepEqual(
    [
      exchangeResource({ type: 'model', name: 'a/b' }),
      exchangeResource({ type: 'dataset', name: 'a/b' }),
      exchangeResource({ type: 'space', name: 'a/b' })
    ],
    ['a/b', 'datasets/a/b', 'spaces/a/b']
  )
  assert.deepEqual([refreshMarginMs(3_600_000), refreshMarginMs(100_000)], [300_000, 20_000])
})

test('invalid_grant lists every claim the job presented, quoted, and where the publisher is configured', () => {
  const claims = {
    repository: 'd4oit/cats',
    ref: 'refs/heads/x\n::error::forged"`@here',
    workflow: 'Upload',
    workflow_ref: 'd4oit/cats/.github/workflows/upload-hub.yml@refs/heads/main',
    job_workflow_ref: 'd4oit/cats/.github/workflows/upload-hub.yml@refs/heads/main',
    event_name: 'workflow_run',
    sub: 'x'.repeat(500)
  }
  const message = refusedGrantError(ctx, claims, 'public').message
  const lines = message.split('\n')
  assert.ok(lines.includes('  ref = "refs/heads/x\\n::error::forged\\"`@here"'), 'escaped, on its own line')
  assert.ok(!lines.some((l) => l.startsWith('::error::')), 'no line a runner reads as a command')
  assert.ok(lines.includes('  environment = (none: the job has no environment)'))
  assert.ok(
    lines.some((l) => l.startsWith('  sub = "xxx') && l.length < 220 && l.endsWith('…')),
    'long values cut'
  )
  assert.match(message, /d4oit\/cats exists \(it is public\)/)
  assert.match(message, /Trusted Publishers at https:\/\/huggingface\.co\/datasets\/d4oit\/cats\/settings/)
  assert.match(message, /or pass hf-token/)
  assert.match(refusedGrantError(ctx, undefined, 'unknown').message, /could not be decoded/)
  assert.equal(idTokenClaims('not-a-jwt'), undefined)
  assert.equal(idTokenClaims('a.bm90IGpzb24.c'), undefined)
})

test('the advice names the other way out: hf-token under auth: auto, auth: token under auth: oidc', () => {
  assert.match(noIdTokenError(ctx).message, /^hf-token is empty, so the action publishes keyless; .*or pass hf-token/)
  const explicit = noIdTokenError({ ...ctx, chosenByDefault: false }).message
  assert.match(explicit, /^Keyless publishing needs .*or use auth: token with hf-token/)
})

test('Hub refusals of a keyless token get keyless advice, not "store a new hf-token"', () => {
  const context = {
    hubUrl: 'https://huggingface.co',
    repoId: 'd4oit/cats',
    branch: 'main',
    doing: 'publishing',
    stage: 'upload' as const,
    keyless: { settingsUrl: 'https://huggingface.co/datasets/d4oit/cats/settings' }
  }
  const commitUrl = 'https://huggingface.co/api/models/d4oit/cats/commit/main'
  const explain = (status: number) => explainHubError(new HubApiError(commitUrl, status), context).message
  assert.match(explain(401), /rejected the keyless token \(401 Unauthorized\) even after exchanging a fresh one/)
  assert.match(explain(403), /Read-only \(see https:\/\/huggingface\.co\/datasets\/d4oit\/cats\/settings\)/)
  assert.match(explain(404), /a keyless token cannot create repos/)
  for (const status of [401, 403, 404]) assert.ok(!explain(status).includes('Store a current token'))
})
