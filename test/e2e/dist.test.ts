// Black-box: the built dist/index.js run as the runner runs it (INPUT_* environment, output and
// summary files), against the Hub emulator over HTTP. CI runs this file on Node 20 and Node 24.
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { after, before, test } from 'node:test'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { fileHashes, hubFileHashes } from '../support/hub-files.ts'
// @ts-expect-error plain ESM helper shared with the test runner
import { findTokenLeaks } from '../support/leak-scan.mjs'
import { runDist } from '../support/run-dist.ts'
import { HF_TOKEN } from '../support/tokens.ts'
import { SEED_FILES_MAPPING, makeWorkspace, seedPublished, seedTrainOutput } from '../support/workspace.ts'

let hub: HubEmulator
let workspace: string
const REPO = { type: 'model' as const, name: 'd4oit/tiny-cats-model' }

before(async () => {
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-e2e'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } }
  })
  await hub.createRepo(REPO)
  workspace = await makeWorkspace(seedTrainOutput())
})
after(() => hub.close())

const goodInputs = () => ({ 'hf-token': HF_TOKEN, 'repo-id': REPO.name, 'hub-url': hub.url, files: SEED_FILES_MAPPING })

test(`dist/index.js publishes the seed layout on Node ${process.versions.node}`, async () => {
  const env = {
    GITHUB_REPOSITORY: 'd4oit/tiny-cats-model',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_RUN_ID: '7'
  }
  const before = (await hub.listCommits(REPO)).length
  const run = await runDist({ name: 'e2e-publish', workspace, inputs: goodInputs(), env })
  assert.equal(run.code, 0, run.stdout + run.stderr)
  assert.deepEqual(run.errors, [])
  const commits = await hub.listCommits(REPO)
  assert.equal(commits.length, before + 1, 'one commit')
  assert.equal(run.outputs['commit-sha'], commits[0]!.oid)
  // The Hub holds exactly the mapped files, byte for byte, and the generated card.
  const onHub = await hubFileHashes(hub, REPO, commits[0]!.oid)
  assert.deepEqual(onHub, { ...fileHashes(seedPublished(seedTrainOutput())), 'README.md': onHub['README.md'] })
  assert.ok(onHub['README.md'], 'the model card is there')
  assert.equal(run.outputs.changed, 'true')
  assert.equal(JSON.parse(run.outputs.files!).length, 8, 'seven mapped files and the generated model card')
  assert.match(run.summary, /Hugging Face Hub: published/)
  assert.ok(run.stdout.startsWith(`::add-mask::${HF_TOKEN}`), 'the token is masked before anything else is printed')
  assert.match(run.stdout, /::group::Upload to Hugging Face/)

  // The same run again (a re-run): same content, same provenance → no commit, the earlier commit as output.
  const again = await runDist({ name: 'e2e-republish', workspace, inputs: goodInputs(), env })
  assert.equal(again.code, 0)
  assert.equal(again.outputs.changed, 'false')
  assert.equal(again.outputs['commit-sha'], commits[0]!.oid)
  assert.equal((await hub.listCommits(REPO)).length, commits.length)
})

async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

const badInputCases: Array<{
  name: string
  inputs: () => Promise<Record<string, string>> | Record<string, string>
  expect: RegExp
  secret?: string
}> = [
  {
    name: 'invalid repo-id',
    inputs: () => ({ ...goodInputs(), 'repo-id': 'not a repo' }),
    expect: /repo-id: expected/
  },
  {
    name: 'a token that is not a Hub token',
    inputs: () => ({ ...goodInputs(), 'hf-token': 'ghp_' + 'NotAHubToken'.repeat(3) }),
    expect: /hf-token: this is not a Hugging Face access token/,
    secret: 'ghp_' + 'NotAHubToken'.repeat(3)
  },
  {
    name: 'a Hub token the Hub rejects',
    inputs: () => ({ ...goodInputs(), 'hf-token': 'hf_' + 'Rejected'.repeat(4) }),
    expect: /rejected hf-token \(401/,
    secret: 'hf_' + 'Rejected'.repeat(4)
  },
  {
    name: 'a missing local file',
    inputs: () => ({ ...goodInputs(), files: 'checkpoints/missing.pt -> generator/model.pt' }),
    expect: /files line 1 \("checkpoints\/missing\.pt"\): does not exist/
  },
  {
    name: 'an absolute destination',
    inputs: () => ({ ...goodInputs(), files: 'benchmark_report.json -> /etc/model.pt' }),
    expect: /files: line 1 .*is absolute/
  },
  {
    name: 'a destination with ..',
    inputs: () => ({ ...goodInputs(), files: 'benchmark_report.json -> a/../../b.json' }),
    expect: /files: line 1 .*contains "\.\."/
  },
  {
    name: 'a source outside the workspace',
    inputs: () => ({ ...goodInputs(), files: '/etc/passwd -> passwd' }),
    expect: /files line 1 .*outside the workspace/
  },
  {
    name: 'an empty mapping',
    inputs: () => ({ ...goodInputs(), files: '  # nothing to publish\n' }),
    expect: /files: no mapping given/
  },
  {
    name: 'an unreachable hub-url',
    inputs: async () => ({ ...goodInputs(), 'hub-url': `http://127.0.0.1:${await closedPort()}` }),
    expect: /Could not reach hub-url http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED/
  }
]

for (const c of badInputCases) {
  test(`bad input: ${c.name} gives one clear error and no commit`, async () => {
    const before = (await hub.listCommits(REPO)).length
    const run = await runDist({ name: `e2e-bad-${c.name}`, workspace, inputs: await c.inputs() })
    assert.equal(run.code, 1)
    assert.equal(run.errors.length, 1, run.stdout)
    assert.match(run.errors[0]!, c.expect)
    assert.equal((await hub.listCommits(REPO)).length, before, 'the emulator shows no new commit')
    if (c.secret) {
      const written = [run.stdout, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n')
      assert.deepEqual(findTokenLeaks(written, [c.secret]), [], 'the token is never printed, in any form')
    }
  })
}
