import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { defaultCommitTitle, sourceFacts } from '../../src/provenance/source.ts'
import { readRunContext, thisRunUrl } from '../../src/trigger/run-context.ts'
import { makeWorkspace } from '../support/workspace.ts'

test('the run context comes from the runner environment and the event payload', async () => {
  const dir = await makeWorkspace({})
  const eventPath = join(dir, 'event.json')
  await writeFile(eventPath, JSON.stringify({ action: 'completed', repository: { id: 1, full_name: 'o/r' } }))
  const ctx = readRunContext({
    GITHUB_EVENT_NAME: 'workflow_run',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_RUN_ID: '5',
    GITHUB_SERVER_URL: 'https://ghe.example/',
    GITHUB_WORKSPACE: dir
  })
  assert.equal(ctx.eventName, 'workflow_run')
  assert.deepEqual(
    ctx.repository,
    { owner: 'o', repo: 'r', fullName: 'o/r' },
    'from the payload when GITHUB_REPOSITORY is unset'
  )
  assert.equal(ctx.serverUrl, 'https://ghe.example')
  assert.equal(ctx.apiUrl, 'https://api.github.com')
  assert.equal(thisRunUrl(ctx), 'https://ghe.example/o/r/actions/runs/5')
})

test('a missing or broken event file is an empty payload, not a crash', async () => {
  const dir = await makeWorkspace({ 'broken.json': '{"action": "comp', 'text.json': '"completed"' })
  for (const file of ['missing.json', 'broken.json', 'text.json'])
    assert.deepEqual(readRunContext({ GITHUB_EVENT_PATH: join(dir, file) }).payload, {}, file)
  assert.equal(readRunContext({}).repository, undefined)
})

test('the default commit title names the source repository, commit and run', () => {
  const ctx = readRunContext({ GITHUB_REPOSITORY: 'o/r', GITHUB_SHA: 'abcdef1234', GITHUB_RUN_ID: '9' })
  assert.equal(defaultCommitTitle(3, sourceFacts(ctx)), 'Publish 3 files from o/r@abcdef1 (run 9)')
  const train = { id: 42, html_url: 'https://github.com/o/r/actions/runs/42', head_sha: '1234567890' } as Parameters<
    typeof sourceFacts
  >[1]
  assert.equal(defaultCommitTitle(1, sourceFacts(ctx, train)), 'Publish 1 file from o/r@1234567 (Train run 42)')
  assert.equal(defaultCommitTitle(2, sourceFacts(readRunContext({}))), 'Publish 2 files with hf-upload-action')
})

test('the publishing run is known on every trigger, as its page (not one attempt of it)', () => {
  const ctx = readRunContext({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '9', GITHUB_RUN_ATTEMPT: '3' })
  const publishing = { id: '9', url: 'https://github.com/o/r/actions/runs/9' }
  assert.deepEqual(sourceFacts(ctx).publishingRun, publishing)
  const train = { id: 42, html_url: 'https://github.com/o/r/actions/runs/42', head_sha: '1234567890' } as Parameters<
    typeof sourceFacts
  >[1]
  assert.deepEqual(sourceFacts(ctx, train).publishingRun, publishing, 'also after a Train run')
  assert.equal(sourceFacts(readRunContext({})).publishingRun, undefined)
})
