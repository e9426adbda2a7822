import assert from 'node:assert/strict'
import { test } from 'node:test'
import { judgeTrainRun, normaliseWorkflowPath, type TrustPolicy } from '../../src/trigger/trust.ts'
import type { WorkflowRun } from '../../src/trigger/workflow-run.ts'

const repo = { id: 1001, full_name: 'd4oit/tiny-cats-model', default_branch: 'main' }
const run = (over: Partial<WorkflowRun> = {}): WorkflowRun => ({
  id: 7,
  name: 'Train',
  path: '.github/workflows/train.yml',
  event: 'push',
  status: 'completed',
  conclusion: 'success',
  head_branch: 'main',
  head_sha: 'a'.repeat(40),
  html_url: 'https://github.com/d4oit/tiny-cats-model/actions/runs/7',
  run_number: 3,
  head_repository: repo,
  repository: repo,
  ...over
})
const policy = (over: Partial<TrustPolicy> = {}): TrustPolicy => ({
  workflowPath: '.github/workflows/train.yml',
  allowForkRuns: false,
  allowedEvents: ['push', 'workflow_dispatch', 'schedule'],
  allowedBranches: [],
  repository: { id: 1001, fullName: 'd4oit/tiny-cats-model', defaultBranch: 'main' },
  ...over
})

test('a successful push run of train.yml on the default branch of this repository is published', () => {
  assert.deepEqual(judgeTrainRun(run(), policy()), { kind: 'publish' })
})

test('a run that did not succeed is skipped, not refused', () => {
  for (const conclusion of ['failure', 'cancelled', 'timed_out', 'skipped', null]) {
    const d = judgeTrainRun(run({ conclusion }), policy())
    assert.equal(d.kind, 'skip', String(conclusion))
    assert.match((d as { reason: string }).reason, /not "success"/)
  }
})

test('each check refuses with its name and says how to allow it', () => {
  const cases: Array<[Partial<WorkflowRun>, Partial<TrustPolicy>, string, RegExp]> = [
    [{ status: 'in_progress', conclusion: null }, {}, 'status', /types: \[completed\]/],
    [
      { path: '.github/workflows/evil.yml', name: 'Train' },
      {},
      'workflow',
      /name can be reused .* Set the workflow input/
    ],
    [
      { head_repository: { id: 2002, full_name: 'mallory/tiny-cats-model' } },
      {},
      'fork',
      /mallory\/tiny-cats-model.*allow-fork-runs: true/
    ],
    [{ head_repository: null }, {}, 'fork', /unknown repository/],
    [{ event: 'pull_request' }, {}, 'event', /"pull_request" .* allowed-events/],
    [{ head_branch: 'feature' }, {}, 'branch', /"feature".*allowed-branches \(main, the default branch\)/],
    [{ head_branch: 'main' }, { allowedBranches: ['release'] }, 'branch', /allowed-branches \(release\)/]
  ]
  for (const [runOver, policyOver, check, message] of cases) {
    const d = judgeTrainRun(run(runOver), policy(policyOver))
    assert.equal(d.kind, 'refuse', check)
    assert.equal((d as { check: string }).check, check)
    assert.match((d as { reason: string }).reason, message)
  }
})

test('a fork named like this repository, on a branch called main, is still a fork', () => {
  const d = judgeTrainRun(
    run({ head_repository: { id: 9, full_name: 'd4oit/tiny-cats-model' }, head_branch: 'main' }),
    policy()
  )
  assert.equal(d.kind, 'refuse')
})

test('opt-ins relax exactly their check', () => {
  assert.equal(
    judgeTrainRun(run({ head_repository: { id: 2002, full_name: 'x/y' } }), policy({ allowForkRuns: true })).kind,
    'publish'
  )
  assert.equal(
    judgeTrainRun(run({ event: 'pull_request' }), policy({ allowedEvents: ['pull_request'] })).kind,
    'publish'
  )
  assert.equal(judgeTrainRun(run({ head_branch: 'dev' }), policy({ allowedBranches: ['main', 'dev'] })).kind, 'publish')
})

test('workflow paths compare without "./" or an @ref suffix', () => {
  assert.equal(normaliseWorkflowPath('./.github/workflows/train.yml@refs/heads/main'), '.github/workflows/train.yml')
  assert.equal(judgeTrainRun(run({ path: './.github/workflows/train.yml' }), policy()).kind, 'publish')
})
