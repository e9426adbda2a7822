// The benchmark's link shaper (test/bench/link-shaper.ts) in front of both Hub emulator origins,
// with the emulator's `storageOrigin` naming the shaper's storage front: a real @huggingface/hub
// commit (multipart LFS) goes through it byte for byte, presigned signatures still verify (the
// Host header passes unchanged), and nothing bypasses it. Functional only: no timings asserted.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { commit, listFiles } from '@huggingface/hub'
import { parseLinkProfile, startLinkShaper, type LinkShaper } from '../bench/link-shaper.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { CAPTURE_DIR } from '../support/capture.ts'
import { HF_TOKEN } from '../support/tokens.ts'

const MiB = 1024 * 1024
let shaper: LinkShaper
let hub: HubEmulator

before(async () => {
  shaper = await startLinkShaper(parseLinkProfile('1ms,1GB/s,2GB/s'), ['hub', 'storage'])
  hub = await startHubEmulator({
    dataDir: await mkdtemp(join(CAPTURE_DIR, 'link-shaper-')),
    tokens: { [HF_TOKEN]: { user: 'tester' } },
    storageOrigin: shaper.fronts.storage,
    multipartThreshold: MiB,
    chunkSize: MiB
  })
  await shaper.route('hub', hub.url)
  await shaper.route('storage', hub.storageUrl)
  await hub.createRepo('tester/shaped')
})
after(async () => {
  await hub.close()
  await shaper.close()
})

test('parseLinkProfile reads "<rtt>ms,<per connection>/s,<total>/s" and refuses anything else', () => {
  assert.deepEqual(parseLinkProfile('40ms,50MB/s,200MB/s'), { rttMs: 40, perConnection: 50e6, total: 200e6 })
  assert.deepEqual(parseLinkProfile('runner'), { rttMs: 40, perConnection: 50e6, total: 200e6 })
  assert.throws(() => parseLinkProfile('40,50,200'), /--wan: expected/)
})

test('a multipart commit through the shaper lands intact, and every upload byte went through it', async () => {
  const content = randomBytes(5 * MiB + 123)
  const result = await commit({
    hubUrl: shaper.fronts.hub!,
    accessToken: HF_TOKEN,
    repo: 'tester/shaped',
    title: 'through the shaped link',
    operations: [{ operation: 'addOrUpdate', path: 'weights/model.bin', content: new Blob([content]) }],
    useXet: false
  })
  assert.ok(result?.commit.oid)
  assert.deepEqual(await hub.readFile('tester/shaped', 'main', 'weights/model.bin'), content)
  const sha256 = createHash('sha256').update(content).digest('hex')
  const listed = []
  for await (const f of listFiles({ hubUrl: hub.url, repo: 'tester/shaped', recursive: true })) listed.push(f)
  assert.equal(listed.find((f) => f.path === 'weights/model.bin')?.lfs?.oid, sha256)
  assert.equal(hub.requestCount('lfs-part', { status: 200 }), 6)
  const stats = await shaper.readStats()
  assert.ok(stats.bytesUp >= content.length, `${stats.bytesUp} bytes went up through the shaper`)
  assert.ok(stats.connections >= 2, 'both the Hub and storage were reached through their fronts')
})

test('the shaper refuses a target that is not on loopback', async () => {
  await assert.rejects(shaper.route('hub', 'http://192.0.2.1:80'), /loopback targets only/)
})
