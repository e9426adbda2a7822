// The Train run is checked field by field before any trust check reads it.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkWorkflowRun } from '../../src/trigger/workflow-run.ts'

const run = {
  id: 7,
  path: '.github/workflows/train.yml',
  event: 'push',
  status: 'completed',
  conclusion: 'success',
  head_branch: 'main',
  head_sha: 'a'.repeat(40),
  html_url: 'https://github.com/o/r/actions/runs/7',
  run_number: 3,
  run_attempt: 1,
  head_repository: { id: 1, full_name: 'o/r' },
  repository: { id: 1, full_name: 'o/r' }
}

test('a complete run passes as it is', () => {
  assert.equal(checkWorkflowRun(run, 'workflow_run'), run)
  assert.doesNotThrow(() =>
    checkWorkflowRun({ ...run, conclusion: null, head_branch: null, head_repository: null }, 'run')
  )
})

test('every missing or malformed field is named, with what was expected', () => {
  const { path: _path, ...noPath } = run
  assert.throws(() => checkWorkflowRun(noPath, 'workflow_run'), /workflow_run\.path \(a string\)/)
  assert.throws(
    () => checkWorkflowRun({ ...run, id: '7', head_repository: { id: 1 } }, 'run'),
    /fields are missing or malformed: run\.id \(a number\), run\.head_repository \(a repository object or null\)/
  )
  assert.throws(() => checkWorkflowRun(null, 'workflow_run'), /workflow_run \(an object\)/)
})
