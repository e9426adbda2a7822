// The limits on a publish's shape, through the orchestrator with the real Hub client: a folder
// over the Hub's 10,000 entries is refused before anything is hashed or sent, and a commit over
// max-commit-files before anything is uploaded (a re-run that changes fewer files goes through).
import assert from 'node:assert/strict'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { runInProcess } from '../support/run-in-process.ts'
import { HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace } from '../support/workspace.ts'

let hub: HubEmulator
before(async () => {
  hub = await startHubEmulator({ dataDir: captureFolder('hub-limits'), tokens: { [HF_TOKEN]: { user: 'd4oit' } } })
})
after(() => hub.close())

const inputs = (repoId: string, over: Record<string, string> = {}) => ({
  'hf-token': HF_TOKEN,
  'repo-id': repoId,
  'hub-url': hub.url,
  'create-repo': 'true',
  ...over
})

test('a folder of 10,001 files is refused up front: no hashing, no Hub call, one clear error', async () => {
  const workspace = await makeWorkspace({})
  await mkdir(join(workspace, 'samples'))
  // Empty files: the check needs their names only (10,001 entries, ~0.5 s to write).
  for (let i = 0; i <= 10_000; i++) await writeFile(join(workspace, 'samples', `s${i}.json`), '')
  hub.resetStats()
  const core = await runInProcess({
    inputs: inputs('d4oit/crowded', { files: 'samples/ -> samples/' }),
    workspace,
    name: 'limits-folder'
  })
  assert.equal(core.failures.length, 1)
  assert.match(core.failures[0]!, /more than 10,000 entries into one folder/)
  assert.match(core.failures[0]!, /- samples: 10001 entries \(10001 files, 0 folders\)/)
  assert.equal(hub.stats.requests.length, 0, 'the Hub was never called')
  assert.ok(!core.log.some((l) => l.startsWith('Hashing')), 'nothing was hashed')
})

test('a commit over max-commit-files is refused before any upload; a smaller re-run goes through', async () => {
  const files = { 'out/a.bin': Buffer.alloc(2000, 1), 'out/b.bin': Buffer.alloc(2000, 2), 'out/c.json': '{}' }
  const workspace = await makeWorkspace(files)
  const repoId = 'd4oit/limited'
  hub.resetStats()
  const refused = await runInProcess({
    inputs: inputs(repoId, { files: 'out/ -> out/', 'max-commit-files': '2' }),
    workspace,
    name: 'limits-commit'
  })
  assert.equal(refused.failures.length, 1)
  assert.match(refused.failures[0]!, /would add, update or delete 4 files in one commit, more than max-commit-files/)
  assert.equal(hub.stats.lfsBytesReceived, 0)
  assert.ok(!hub.stats.requests.some((r) => r.route === 'preupload' || r.route === 'commit'))

  // Three files and the model card: 4. Publish them with room to spare, then change one file:
  // that commit carries 1 file (the card stays the same), under 2.
  await runInProcess({ inputs: inputs(repoId, { files: 'out/ -> out/' }), workspace, name: 'limits-all' })
  await writeFile(join(workspace, 'out/c.json'), '{"changed": true}')
  const again = await runInProcess({
    inputs: inputs(repoId, { files: 'out/ -> out/', 'max-commit-files': '2' }),
    workspace,
    name: 'limits-one'
  })
  assert.deepEqual(again.failures, [])
  assert.equal(again.outputs.changed, 'true')
})

test('max-commit-files takes a whole number from 1 to 100,000', async () => {
  const core = await runInProcess({
    inputs: inputs('d4oit/limited', { files: 'out/ -> out/', 'max-commit-files': '100001' }),
    workspace: await makeWorkspace({ 'out/a.json': '{}' }),
    name: 'limits-input'
  })
  assert.match(core.failures[0]!, /max-commit-files: expected a whole number from 1 to 100000/)
})
