// Issue 4 end to end, in-process with the real Hub client over HTTP against the emulator:
// verification that catches tampering, the model card, provenance trailers, idempotent
// re-runs, tags, the metric gate's outcomes, rollback by pointer and the history mode.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, beforeEach, test } from 'node:test'
import { parse } from 'yaml'
import { commit as hubCommit } from '@huggingface/hub'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { captureFolder } from '../support/capture.ts'
import { runInProcess } from '../support/run-in-process.ts'
import { HF_TOKEN } from '../support/tokens.ts'
import { makeWorkspace, pseudoRandomBytes, writeFiles } from '../support/workspace.ts'
import { samplePng } from '../support/png.ts'
import { splitCode } from '../support/markdown.ts'
import { parseDescription } from '../../src/provenance/trailers.ts'
import type { HubClient } from '../../src/hub/hub-client.ts'

let hub: HubEmulator
let n = 0
let repoId: string
const repo = () => ({ type: 'model' as const, name: repoId })

before(async () => {
  hub = await startHubEmulator({
    dataDir: captureFolder('hub-trust'),
    tokens: { [HF_TOKEN]: { user: 'd4oit', role: 'write' } },
    multipartThreshold: 1024 * 1024,
    chunkSize: 512 * 1024
  })
})
after(() => hub.close())
beforeEach(async () => {
  hub.faults.clear()
  repoId = `d4oit/trust-${process.pid}-${++n}`
  await hub.createRepo(repo())
})

const MAPPING = [
  'checkpoints/model.pt -> generator/model.pt',
  'evaluation/evaluation_report.json -> evaluation/',
  'benchmark_report.json -> benchmarks/',
  'samples/ -> samples/'
].join('\n')

async function trainOutput(fid: number, seed = 'v1') {
  return makeWorkspace({
    'checkpoints/model.pt': pseudoRandomBytes(1_200_000, `ckpt-${seed}`),
    'evaluation/evaluation_report.json': JSON.stringify({ fid, inception_score: 3.1, precision: 0.6 }),
    'benchmark_report.json': JSON.stringify({ latency_ms: { p50: 12.5 } }),
    'samples/cat_0.png': samplePng(1),
    'samples/cat_1.png': samplePng(2)
  })
}

const ENV = {
  GITHUB_REPOSITORY: 'd4oit/tiny-cats-model',
  GITHUB_SHA: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
  GITHUB_RUN_ID: '77',
  GITHUB_ACTOR: 'octocat'
}

function publish(
  workspace: string,
  inputs: Record<string, string> = {},
  extra: { wrapHub?: (c: HubClient) => HubClient; env?: Record<string, string> } = {}
) {
  return runInProcess({
    name: 'trust',
    workspace,
    inputs: {
      'hf-token': HF_TOKEN,
      'repo-id': repoId,
      'hub-url': hub.url,
      files: MAPPING,
      license: 'mit',
      'pipeline-tag': 'unconditional-image-generation',
      tags: 'cats, diffusion',
      ...inputs
    },
    env: { ...ENV, ...extra.env },
    wrapHub: extra.wrapHub
  })
}

async function headRecordPath(): Promise<string> {
  const refs = JSON.parse(await readFile(join(hub.repoDir(repo()), 'refs.json'), 'utf8'))
  return join(hub.repoDir(repo()), 'commits', `${refs.branches.main}.json`)
}

async function tamperHead(
  edit: (
    files: Record<string, { oid: string; size: number; lfs?: { oid: string; size: number } }>
  ) => void | Promise<void>
) {
  const path = await headRecordPath()
  const record = JSON.parse(await readFile(path, 'utf8'))
  await edit(record.files)
  await writeFile(path, JSON.stringify(record))
}

const readme = async (rev = 'main') => (await hub.readFile(repo(), rev, 'README.md'))?.toString() ?? ''
/** The card's front matter, typed as far as these tests read it. */
interface FrontMatter {
  [key: string]: unknown
  'model-index': Array<{ results: Array<{ metrics: Array<{ type: string; value: number }> }> }>
}
const frontMatter = (card: string) => parse(/^---\n([\s\S]*?)\n---/.exec(card)![1]!) as FrontMatter

test('publish writes a valid model card, provenance trailers, and verifies what landed', async () => {
  const core = await publish(await trainOutput(41.7), { datasets: 'huggan/cats', 'library-name': 'pytorch' })
  assert.deepEqual(core.failures, [])
  assert.equal(core.outputs.verified, 'true')
  const card = await readme()
  const meta = frontMatter(card)
  assert.equal(meta.license, 'mit')
  assert.equal(meta.pipeline_tag, 'unconditional-image-generation')
  assert.deepEqual(meta.tags, ['cats', 'diffusion'])
  const metrics = meta['model-index'][0]!.results[0]!.metrics
  assert.deepEqual(metrics.find((m) => m.type === 'fid')!.value, 41.7)
  assert.match(card, /samples\/cat_0\.png/)
  assert.match(card, /https:\/\/github\.com\/d4oit\/tiny-cats-model\/commit\/a1b2c3d4e5f6/)
  const head = (await hub.listCommits(repo()))[0]!
  const provenance = parseDescription(head.message)!
  assert.equal(provenance.sourceCommit, ENV.GITHUB_SHA)
  assert.equal(provenance.actor, 'octocat')
  assert.deepEqual(
    provenance.metrics.find((m) => m.name === 'fid'),
    { name: 'fid', value: 41.7 }
  )
  assert.deepEqual(provenance.files.map((f) => f.path).sort(), [
    'README.md',
    'benchmarks/benchmark_report.json',
    'evaluation/evaluation_report.json',
    'generator/model.pt',
    'samples/cat_0.png',
    'samples/cat_1.png'
  ])
  // The title counts every file of the commit, the card included.
  assert.match(head.title, /^Publish 6 files from d4oit\/tiny-cats-model@a1b2c3d \(run 77\)$/)
  const info = await (
    await fetch(`${hub.url}/api/models/${repoId}/revision/main?expand=cardData`, {
      headers: { authorization: `Bearer ${HF_TOKEN}` }
    })
  ).json()
  assert.equal(info.cardData.license, 'mit', 'the Hub parses the card')
})

test('the card the Hub holds: how to use it, what metrics mean, the run, and checksums of what landed', async () => {
  const core = await publish(await trainOutput(41.7), { 'library-name': 'pytorch' })
  assert.deepEqual(core.failures, [])
  const card = await readme()
  // No datasets input: no model-index, no made-up dataset; the Hub still accepts and parses the card.
  assert.equal(frontMatter(card)['model-index'], undefined)
  assert.doesNotMatch(card, /custom|evaluation report\n/)
  // How to use: this repo, the file as published, the loader the library and the format call for.
  assert.ok(
    card.includes(`path = hf_hub_download(repo_id="${repoId}", filename="generator/model.pt")\n`),
    card.slice(0, 2000)
  )
  assert.match(card, /checkpoint = torch\.load\(path, map_location="cpu", weights_only=True\)/)
  assert.match(card, /\| FID \| 41\.7 \| lower \| <code>fid<\/code> \|/)
  assert.match(card, /\| Inception Score \| 3\.1 \| higher \|/)
  // A push-triggered publish has no Train run; the run that published is named and linked.
  assert.match(card, /^- Publishing run: \[77\]\(https:\/\/github\.com\/d4oit\/tiny-cats-model\/actions\/runs\/77\)$/m)
  assert.match(card, /\| <code>cat_0\.png<\/code> \| <code>cat_1\.png<\/code> \|/, 'gallery captions')
  // The full SHA-256 of every file, as sha256sum -c reads them, equal to what the Hub stores.
  const details = card.slice(card.indexOf('<details>'), card.indexOf('</details>'))
  const [sums] = splitCode(details).code
  const listed = new Map(sums!.split('\n').map((line) => [line.slice(66), line.slice(0, 64)]))
  const tree = (await fetch(`${hub.url}/api/models/${repoId}/tree/main?recursive=true`).then((r) =>
    r.json()
  )) as Array<{
    path: string
    type: string
    lfs?: { oid: string }
  }>
  const stored = tree.filter((e) => e.type === 'file' && e.path !== 'README.md' && e.path !== '.gitattributes')
  assert.deepEqual([...listed.keys()].sort(), stored.map((e) => e.path).sort())
  for (const entry of stored) {
    const bytes = (await hub.readFile(repo(), 'main', entry.path))!
    assert.equal(listed.get(entry.path), createHash('sha256').update(bytes).digest('hex'), entry.path)
    if (entry.lfs) assert.equal(listed.get(entry.path), entry.lfs.oid)
  }
})

test('hand-written parts of the card survive the next publish; the generated block is replaced', async () => {
  await publish(await trainOutput(41.7), { datasets: 'huggan/cats' })
  const edited =
    (await readme()).replace(/(\n---\n)/, '$1\nHand-written intro that must survive.\n') +
    '\n## Limitations\n\nWritten by a person.\n'
  await hubCommit({
    repo: repoId,
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    title: 'edit card',
    operations: [{ operation: 'addOrUpdate', path: 'README.md', content: new Blob([edited]) }]
  })
  const core = await publish(await trainOutput(39.9, 'v2'), { datasets: 'huggan/cats' })
  assert.deepEqual(core.failures, [])
  const card = await readme()
  assert.match(card, /Hand-written intro that must survive\./)
  assert.match(card, /## Limitations\n\nWritten by a person\./)
  const fid = frontMatter(card)['model-index'][0]!.results[0]!.metrics.find((m) => m.type === 'fid')
  assert.equal(fid!.value, 39.9)
})

test('the Hub judges the card: an id it does not know fails before any byte is pushed', async () => {
  const before = (await hub.listCommits(repo())).length
  hub.resetStats()
  const core = await publish(await trainOutput(41.7), { license: 'not-a-license' })
  assert.match(core.failures[0]!, /The Hub refused the model card’s metadata, so nothing was pushed:\n- "license"/)
  assert.equal(hub.requestCount('validate-yaml', { method: 'POST' }), 1)
  assert.equal(hub.requestCount('preupload'), 0)
  assert.equal((await hub.listCommits(repo())).length, before)
  assert.equal(hub.stats.lfsBytesReceived, 0)
})

test('a license the Hub added after this action was written is accepted: the Hub decides, not a copy', async () => {
  // openmdw-1.1 is in the Hub's list (the emulator's data file) and was never in a hand-kept one here.
  const core = await publish(await trainOutput(41.7), { license: 'openmdw-1.1' })
  assert.deepEqual(core.failures, [])
  assert.match(await readme(), /^license: openmdw-1\.1$/m)
})

test('a Hub without the card validator: warned, checked locally, and the commit is the judge', async () => {
  hub.faults.add({ route: 'validate-yaml', status: 404, times: -1 })
  const ok = await publish(await trainOutput(41.7))
  assert.deepEqual(ok.failures, [])
  assert.ok(
    ok.warnings.some((w) => /hub-url has no card validator .*checked locally only/.test(w)),
    ok.warnings.join('\n')
  )
  // An id the local check cannot know passes it; the Hub's commit endpoint still refuses the card.
  const before = (await hub.listCommits(repo())).length
  const refused = await publish(await trainOutput(39.1, 'v2'), { license: 'not-a-license' })
  assert.equal(refused.failures.length, 1)
  assert.equal((await hub.listCommits(repo())).length, before)
})

test("the Hub's warnings about the card are logged, and do not stop the publish", async () => {
  // No metadata inputs and no numeric report: the card has no front matter, which the Hub warns about.
  const workspace = await makeWorkspace({ 'checkpoints/model.pt': pseudoRandomBytes(1000, 'plain') })
  const core = await publish(workspace, {
    files: 'checkpoints/model.pt -> model.pt',
    license: '',
    'pipeline-tag': '',
    tags: ''
  })
  assert.deepEqual(core.failures, [])
  assert.ok(
    core.warnings.some((w) => /^Model card: .*metadata/i.test(w)),
    core.warnings.join('\n')
  )
})

const tampers: Array<{ name: string; tamper: () => Promise<void>; expect: RegExp }> = [
  {
    name: 'a missing file',
    tamper: () => tamperHead((files) => void delete files['samples/cat_1.png']),
    expect: /samples\/cat_1\.png.*missing|missing.*samples\/cat_1\.png/i
  },
  {
    name: 'a wrong size',
    tamper: () => tamperHead((files) => void (files['generator/model.pt']!.size += 1)),
    expect: /generator\/model\.pt.*size/i
  },
  {
    name: 'a wrong hash',
    tamper: () => tamperHead((files) => void (files['generator/model.pt']!.lfs!.oid = 'f'.repeat(64))),
    expect: /generator\/model\.pt.*(hash|sha)/i
  },
  {
    name: 'an unparsable card',
    tamper: async () =>
      writeFile((await hub.storedFilePath(repo(), 'main', 'README.md'))!, '---\nlicense: [unclosed\n---\n# broken\n'),
    expect: /README\.md.*(card|metadata)/i
  }
]

for (const t of tampers) {
  test(`verification catches ${t.name} (right after the commit, and in mode: verify)`, async () => {
    const workspace = await trainOutput(41.7)
    // Tamper between the commit and the verification that follows it.
    let tampered = false
    const wrapHub = (client: HubClient): HubClient => ({
      ...client,
      async pathsInfo(revision, paths) {
        if (!tampered) {
          tampered = true
          await t.tamper()
        }
        return client.pathsInfo(revision, paths)
      }
    })
    const core = await publish(workspace, {}, { wrapHub })
    assert.equal(core.failures.length, 1)
    assert.match(core.failures[0]!, t.expect)
    assert.equal(core.outputs.verified, 'false', 'outputs known at failure time are written')
    assert.match(core.outputs['commit-sha']!, /^[0-9a-f]{40}$/, 'the commit that landed is named')
    // A scheduled check against the provenance recorded in the publish commit finds it too.
    const check = await publish(workspace, { mode: 'verify', files: '' })
    assert.match(check.failures[0]!, t.expect)
  })
}

test('mode: verify passes on an untouched publish, against provenance or against local files', async () => {
  const workspace = await trainOutput(41.7)
  await publish(workspace)
  // The card's generated block and its metadata are both checked on one download of its text.
  const cardReads: string[] = []
  const wrapHub = (client: HubClient): HubClient => ({
    ...client,
    readText: (path, revision) => {
      if (path === 'README.md') cardReads.push(revision)
      return client.readText(path, revision)
    }
  })
  const fromProvenance = await publish(workspace, { mode: 'verify', files: '' }, { wrapHub })
  assert.deepEqual(fromProvenance.failures, [])
  assert.equal(fromProvenance.outputs.verified, 'true')
  assert.equal(cardReads.length, 1, `README.md read as text at ${cardReads.join(', ')}`)
  const fromLocal = await publish(workspace, { mode: 'verify' })
  assert.deepEqual(fromLocal.failures, [])
})

test('re-publishing the same Train run makes no commit and outputs the earlier commit', async () => {
  const workspace = await trainOutput(41.7)
  const first = await publish(workspace)
  const earlier = first.outputs['commit-sha']
  await hubCommit({
    repo: repoId,
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    title: 'unrelated',
    operations: [{ operation: 'addOrUpdate', path: 'notes.txt', content: new Blob(['x']) }]
  })
  const again = await publish(workspace)
  assert.deepEqual(again.failures, [])
  assert.equal(again.outputs.changed, 'false')
  assert.equal(again.outputs['commit-sha'], earlier)
  assert.equal((await hub.listCommits(repo())).length, 3)
  // Another run (a schedule, a manual re-publish) with the same files: the card names the run that
  // made the commit, and changing only that line would be a commit of nothing; there is none.
  const card = await readme()
  const later = await publish(workspace, {}, { env: { GITHUB_RUN_ID: '78' } })
  assert.deepEqual(later.failures, [])
  assert.equal(later.outputs.changed, 'false')
  assert.equal((await hub.listCommits(repo())).length, 3)
  assert.equal(await readme(), card)
  assert.match(card, /- Publishing run: \[77\]/)
})

test('a tag per publish, with placeholders', async () => {
  const core = await publish(await trainOutput(41.7), { tag: 'v{run_id}-{short_sha}' })
  assert.equal(core.outputs.tag, 'v77-a1b2c3d')
  const refs = await (
    await fetch(`${hub.url}/api/models/${repoId}/refs`, { headers: { authorization: `Bearer ${HF_TOKEN}` } })
  ).json()
  assert.deepEqual(
    refs.tags.map((t: { name: string; targetCommit: string }) => [t.name, t.targetCommit]),
    [['v77-a1b2c3d', core.outputs['commit-sha']]]
  )
})

test('metric gate: improved → commit; regression → skip, pull request, or fail', async () => {
  const gate = { 'gate-metric': 'fid', 'gate-direction': 'lower' }
  const first = await publish(await trainOutput(41.7), gate)
  assert.equal(first.outputs.improved, 'true')
  const better = await publish(await trainOutput(39.0, 'v2'), { ...gate, 'gate-min-delta': '0.5' })
  assert.equal(better.outputs.improved, 'true')
  assert.equal(better.outputs['metric-delta'], '-2.7', 'to the decimals of the values, not -2.700000000000003')
  const commits = (await hub.listCommits(repo())).length

  const skipped = await publish(await trainOutput(45.0, 'v3'), { ...gate, 'on-regression': 'skip' })
  assert.deepEqual(skipped.failures, [])
  assert.equal(skipped.outputs.improved, 'false')
  assert.equal(skipped.outputs.changed, 'false')
  assert.equal(skipped.outputs.skipped, 'false', 'skipped is about the Train run')
  assert.equal(skipped.outputs['gate-skipped'], 'true')
  assert.match(skipped.outputs['gate-reason']!, /fid 45 is worse than the published 39/)
  assert.ok(skipped.notices.some((n) => /^Metric gate: .*Nothing was committed \(on-regression: skip\)/.test(n)))
  assert.match(skipped.summaries[0]!, /not published \(metric gate\)/)
  assert.equal((await hub.listCommits(repo())).length, commits)

  const pr = await publish(await trainOutput(45.0, 'v3'), { ...gate, 'on-regression': 'pull-request' })
  assert.deepEqual(pr.failures, [])
  assert.match(pr.outputs['pull-request-url']!, new RegExp(`/${repoId}/discussions/\\d+$`))
  assert.equal((await hub.listCommits(repo())).length, commits, 'the branch is untouched')
  assert.ok(
    (await hub.readFile(repo(), 'refs/pr/1', 'generator/model.pt'))?.equals(pseudoRandomBytes(1_200_000, 'ckpt-v3'))
  )

  const failed = await publish(await trainOutput(45.0, 'v3'), { ...gate, 'on-regression': 'fail' })
  assert.match(
    failed.failures[0]!,
    /^Metric gate: fid 45 is worse than the published 39 by 6/,
    "the gate's own message, not re-wrapped as a Hub failure"
  )
  assert.equal((await hub.listCommits(repo())).length, commits)
})

test('rollback restores the exact tree of an earlier publish, by pointer, with zero LFS bytes uploaded', async () => {
  const v1 = await publish(await trainOutput(41.7, 'v1'), { tag: 'release-1' })
  await publish(await trainOutput(39.0, 'v2'), {}, { env: { GITHUB_SHA: 'b'.repeat(40) } })
  const v1Tree = await fetch(`${hub.url}/api/models/${repoId}/tree/${v1.outputs['commit-sha']}?recursive=true`).then(
    (r) => r.json()
  )

  const plan = await publish(await makeWorkspace({}), {
    mode: 'rollback',
    'rollback-to': v1.outputs['commit-sha']!,
    'dry-run': 'true',
    files: ''
  })
  assert.deepEqual(plan.failures, [])
  assert.ok(plan.log.some((l) => /restore \(LFS pointer\) generator\/model\.pt/.test(l)))
  const beforeRollback = (await hub.listCommits(repo())).length

  for (const target of [v1.outputs['commit-sha']!, 'release-1', ENV.GITHUB_SHA.slice(0, 10)]) {
    // Move away again, then roll back by each kind of name.
    if (target !== v1.outputs['commit-sha'])
      await publish(
        await trainOutput(39.0, 'v2'),
        {},
        { env: { GITHUB_SHA: 'c'.repeat(40), GITHUB_RUN_ID: `9${target.length}` } }
      )
    hub.resetStats()
    const core = await publish(await makeWorkspace({}), { mode: 'rollback', 'rollback-to': target, files: '' })
    assert.deepEqual(core.failures, [], target)
    assert.equal(core.outputs.verified, 'true')
    assert.equal(hub.stats.lfsBytesReceived, 0, 'no LFS byte uploaded')
    assert.equal(core.outputs['rolled-back-to'], v1.outputs['commit-sha'])
    const tree = await fetch(`${hub.url}/api/models/${repoId}/tree/main?recursive=true`).then((r) => r.json())
    assert.deepEqual(
      tree.map((e: { path: string; oid: string }) => [e.path, e.oid]),
      v1Tree.map((e: { path: string; oid: string }) => [e.path, e.oid])
    )
  }
  assert.ok((await hub.listCommits(repo())).length > beforeRollback, 'history is kept: rollbacks are new commits')
})

test('a rollback commit whose tree is not the target’s fails verification, naming the difference', async () => {
  const v1 = await publish(await trainOutput(41.7, 'v1'))
  await publish(await trainOutput(39.0, 'v2'), {}, { env: { GITHUB_SHA: 'd'.repeat(40), GITHUB_RUN_ID: '4711' } })
  // A Hub that drops one restored file from the commit it makes (the request said otherwise).
  const wrapHub = (client: HubClient): HubClient => ({
    ...client,
    commitPointers: (request) =>
      client.commitPointers({ ...request, lfsFiles: request.lfsFiles.filter((f) => f.path !== 'generator/model.pt') })
  })
  const core = await publish(
    await makeWorkspace({}),
    { mode: 'rollback', 'rollback-to': v1.outputs['commit-sha']!, files: '' },
    { wrapHub }
  )
  assert.equal(core.outputs.verified, 'false')
  assert.equal(core.failures.length, 1)
  assert.match(core.failures[0]!, /differs from the target:\n- .*generator\/model\.pt/)
})

test('mode: history reads the publishes back from the Hub with a metric trend', async () => {
  for (const [i, fid] of [41.7, 40.1, 39.5].entries())
    await publish(
      await trainOutput(fid, `h${i}`),
      { 'gate-metric': 'fid' },
      { env: { GITHUB_SHA: String(i).repeat(40), GITHUB_RUN_ID: String(100 + i) } }
    )
  const core = await publish(await makeWorkspace({}), { mode: 'history', files: '', 'gate-metric': 'fid' })
  assert.deepEqual(core.failures, [])
  const history = JSON.parse(core.outputs.history!)
  assert.equal(history.length, 3)
  assert.match(core.summaries[0]!, /```mermaid[\s\S]*xychart-beta[\s\S]*39\.5/)

  // A rollback to the first publish: the branch serves fid 41.7 again, and the history says so.
  const first = history[2].commit as string
  const rolled = await publish(await makeWorkspace({}), { mode: 'rollback', 'rollback-to': first, files: '' })
  assert.deepEqual(rolled.failures, [])
  const after = await publish(await makeWorkspace({}), { mode: 'history', files: '', 'gate-metric': 'fid' })
  const [rollback] = JSON.parse(after.outputs.history!) as Array<Record<string, unknown>>
  assert.deepEqual(
    [rollback!.rollbackOf, rollback!.metrics],
    [first, { fid: 41.7, inception_score: 3.1, precision: 0.6 }]
  )
  assert.match(after.summaries[0]!, /x-axis \["0000000", "1111111", "2222222", "rollback to 0000000"\]/)
  assert.match(after.summaries[0]!, /line \[41\.7, 40\.1, 39\.5, 41\.7\]/)
  assert.match(after.summaries[0]!, /rollback to <a href="[^"]+"><code>[0-9a-f]{7}<\/code><\/a> \|[^\n]*\| fid=41\.7, /)
})

test('files cannot overwrite the generated README.md unless model-card: keep', async () => {
  const workspace = await trainOutput(41.7)
  await writeFiles(workspace, { 'README.md': '# mine' })
  const core = await publish(workspace, { files: `${MAPPING}\nREADME.md` })
  assert.match(core.failures[0]!, /model-card: keep/)
  const kept = await publish(workspace, {
    files: `${MAPPING}\nREADME.md`,
    'model-card': 'keep',
    'expected-files': 'generator/model.pt'
  })
  assert.deepEqual(kept.failures, [])
  assert.equal(await readme(), '# mine')
  await rm(workspace, { recursive: true, force: true })
})
