import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inputProblems as problems, readInputs as read } from '../support/inputs.ts'
import { HF_TOKEN as TOKEN } from '../support/tokens.ts'

test('defaults match action.yml and the mapping is parsed', () => {
  const s = read({})
  assert.equal(s.repo.type, 'model')
  assert.equal(s.repo.name, 'd4oit/tiny-cats-model')
  assert.equal(s.branch, 'main')
  assert.equal(s.hubUrl, 'https://huggingface.co')
  assert.equal(s.createRepo, false)
  assert.equal(s.private, true)
  assert.equal(s.dryRun, false)
  assert.deepEqual(
    s.files.map((r) => [r.source, r.destination, r.destinationIsFolder]),
    [
      ['checkpoints/tinydit_final.pt', 'generator/model.pt', false],
      ['samples/evaluation/', 'samples', true]
    ]
  )
  assert.ok(Object.isFrozen(s))
})

test('every invalid input is reported at once, each named', () => {
  const message = problems({
    'repo-id': 'no-slash',
    'repo-type': 'bucket',
    'hub-url': 'ftp://x',
    'dry-run': 'yes',
    files: ''
  })
  for (const name of ['repo-id:', 'repo-type:', 'hub-url:', 'dry-run:', 'files:'])
    assert.match(message, new RegExp(`- ${name}`))
  assert.match(message, /nothing was uploaded/)
})

test('a token that is not a Hub token is refused and never echoed', () => {
  const secret = 'ghp_' + 'S3cr3t'.repeat(6)
  const message = problems({ 'hf-token': secret })
  assert.match(message, /hf-token: this is not a Hugging Face access token/)
  assert.ok(!message.includes(secret))
  assert.ok(!message.includes('S3cr3t'))
})

test('auth: auto is hf-token when given, else keyless; token and oidc insist, naming the input', () => {
  assert.deepEqual([read({}).auth, read({}).hfToken], ['token', TOKEN])
  const keyless = read({ 'hf-token': '  ' })
  assert.deepEqual([keyless.auth, keyless.authInput, keyless.hfToken], ['oidc', 'auto', ''])
  assert.equal(read({ 'hf-token': '', auth: 'oidc' }).auth, 'oidc')
  assert.match(problems({ 'hf-token': '', auth: 'token' }), /hf-token: required with auth: token/)
  const both = problems({ auth: 'oidc' })
  assert.match(both, /hf-token: leave it empty with auth: oidc/)
  assert.ok(!both.includes(TOKEN), 'the token is never echoed')
  assert.match(problems({ auth: 'keyless' }), /auth: expected auto .*, token .* or oidc/)
  const exchanged = 'hf_jwt_eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
  assert.equal(read({ 'hf-token': exchanged }).auth, 'token', 'an exchanged token from an earlier step is a token')
})

test('repo ids follow the Hub rules', () => {
  for (const bad of ['a/b/c', 'a', '-a/b', 'a/b.', 'a/b--c', 'a/b..c', 'a/' + 'x'.repeat(97), 'datasets/a/b']) {
    assert.match(problems({ 'repo-id': bad }), /repo-id:/, bad)
  }
  assert.match(problems({ 'repo-id': 'datasets/a/b' }), /set repo-type instead/)
  for (const good of ['a/b', 'd4oit/tiny-cats-model', 'Org_1/model.v2'])
    assert.equal(read({ 'repo-id': good }).repo.name, good)
})

test('hub-url must be a plain http(s) URL; a trailing slash is dropped', () => {
  assert.equal(read({ 'hub-url': 'http://127.0.0.1:8080/' }).hubUrl, 'http://127.0.0.1:8080')
  for (const bad of ['huggingface.co', 'https://user:pw@hf.co', 'https://hf.co/?x=1', 'file:///etc']) {
    assert.match(problems({ 'hub-url': bad }), /hub-url: expected an http\(s\) URL/, bad)
  }
})

test('branch names are checked like git does', () => {
  for (const bad of ['a b', 'a..b', '-x', 'x/', 'x.lock', 'a:b'])
    assert.match(problems({ branch: bad }), /branch:/, bad)
  assert.equal(read({ branch: 'release/v1' }).branch, 'release/v1')
})

test('booleans accept only true/false', () => {
  assert.equal(read({ 'create-repo': 'TRUE', private: 'false' }).createRepo, true)
  assert.equal(read({ private: 'false' }).private, false)
  assert.match(problems({ private: 'no' }), /private: expected "true" or "false"/)
})

test('files: absolute destinations, "..", and empty mappings are refused with the line', () => {
  const message = problems({ files: 'a.pt -> /generator/model.pt\nb.pt -> ../up.pt\n# only a comment' })
  assert.match(message, /line 1 .*absolute/)
  assert.match(message, /line 2 .*"\.\."/)
  assert.match(problems({ files: '# nothing\n\n' }), /files: no mapping given/)
})

test('the model card is generated for model repos only', () => {
  assert.equal(read({}).card.mode, 'generate')
  assert.deepEqual(read({ 'model-card': 'docs/card.md' }).card.mode, { template: 'docs/card.md' })
  assert.equal(read({ 'repo-type': 'dataset' }).card.mode, 'keep')
  assert.equal(read({ 'repo-type': 'space', 'model-card': 'generate' }).card.mode, 'keep')
})

test('mode-specific inputs are required only in their mode', () => {
  assert.match(problems({ mode: 'rollback' }), /rollback-to: required when mode is rollback/)
  assert.equal(read({ mode: 'verify', files: '' }).files.length, 0)
  assert.match(problems({ mode: 'publish', files: '' }), /files: no mapping given/)
  assert.match(problems({ mode: 'deploy' }), /mode: expected one of publish, verify, rollback, history/)
})

test('gate inputs are checked together with the rest', () => {
  const s = read({
    'gate-metric': 'scores.fid',
    'gate-direction': 'higher',
    'gate-min-delta': '0.5',
    'on-regression': 'pull-request'
  })
  assert.deepEqual(s.gate, { metric: 'scores.fid', direction: 'higher', minDelta: 0.5, onRegression: 'pull-request' })
  assert.equal(read({}).gate, undefined)
  const message = problems({
    'gate-direction': 'down',
    'gate-min-delta': '-1',
    'on-regression': 'ignore',
    'history-limit': '0'
  })
  for (const name of ['gate-direction:', 'gate-min-delta:', 'on-regression:', 'history-limit:'])
    assert.match(message, new RegExp(`- ${name}`))
})

test('deadline-minutes is a positive number of minutes (default 50); verify-content a boolean', () => {
  assert.equal(read({}).deadlineMinutes, 50)
  assert.equal(read({ 'deadline-minutes': '12.5' }).deadlineMinutes, 12.5)
  for (const bad of ['0', '-3', 'soon', '400'])
    assert.match(problems({ 'deadline-minutes': bad }), /deadline-minutes: expected a number of minutes above 0/)
  assert.equal(read({}).verifyContent, false)
  assert.equal(read({ 'verify-content': 'true' }).verifyContent, true)
})

test('an unknown tag placeholder is an input error naming it and the known ones', () => {
  assert.equal(read({ tag: 'v{run_number}-{short_sha}' }).tag, 'v{run_number}-{short_sha}')
  assert.match(
    problems({ tag: 'v{run_numbr}' }),
    /tag: unknown placeholder \{run_numbr\}; the placeholders are \{run_number\}, \{run_id\}, \{short_sha\}, \{sha\}/
  )
})
