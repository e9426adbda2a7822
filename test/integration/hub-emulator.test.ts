// The Hub emulator driven by the real `@huggingface/hub` over real HTTP: every flow the action uses
// (repo, preupload, LFS basic + multipart, commit, listings, info, downloads) plus faults, auth,
// persistence across restarts and the CLI.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import {
  HubApiError,
  commit,
  countCommits,
  createBranch,
  createRepo,
  deleteFile,
  deleteRepo,
  downloadFile,
  fileDownloadInfo,
  fileExists,
  listCommits,
  listFiles,
  modelInfo,
  pathsInfo,
  repoExists,
  uploadFiles,
  whoAmI,
  type ListFileEntry
} from '@huggingface/hub'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'

const TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const READ_TOKEN = process.env.HFUA_TEST_HF_TOKEN_READONLY ?? 'hf_' + 'y'.repeat(34)
const UNKNOWN_TOKEN = 'hf_' + 'z'.repeat(34)
const MiB = 1024 * 1024
const REPO = 'tester/demo'

let emulator: HubEmulator
let dataDir: string
let filesDir: string
const hub = (): { hubUrl: string; accessToken: string } => ({ hubUrl: emulator.url, accessToken: TOKEN })

const emulatorOptions = () => ({
  dataDir,
  tokens: { [TOKEN]: { user: 'tester' }, [READ_TOKEN]: { user: 'reader', role: 'read' as const } },
  // Small thresholds keep the multipart path fast: a 20 MB file becomes 10 parts of 2 MiB.
  multipartThreshold: 4 * MiB,
  chunkSize: 2 * MiB
})

before(async () => {
  dataDir = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-emulator-'))
  filesDir = await mkdtemp(join(tmpdir(), 'hub-emulator-files-'))
  emulator = await startHubEmulator(emulatorOptions())
})

after(async () => {
  await emulator.close()
  await rm(filesDir, { recursive: true, force: true })
})

// ---- helpers computing the expected values independently of the emulator ----

function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex')
}

function lfsPointer(content: Buffer): Buffer {
  return Buffer.from(
    `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`
  )
}

/** Deterministic pseudo-random bytes (xorshift32), optionally with NUL bytes so the sample looks binary. */
function patterned(size: number, seed: number): Buffer<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(size / 4))
  let x = seed >>> 0 || 1
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    words[i] = x >>> 0
  }
  const bytes = Buffer.from(words.buffer, 0, size)
  bytes[0] = 0
  return bytes
}

async function localFile(name: string, content: Buffer | string): Promise<URL> {
  const path = join(filesDir, name)
  await writeFile(path, content)
  return pathToFileURL(path)
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = []
  for await (const item of iterable) items.push(item)
  return items
}

function routesSeen(route: string): Array<{ status: number; method: string }> {
  return emulator.stats.requests.filter((request) => request.route === route)
}

const small = Buffer.from('hello from the emulator test\n')
const mid = patterned(2_000_000, 7)
const big = patterned(20_000_000, 11)
let firstCommitOid = ''

// ---- tests ----

test('whoAmI returns the token user with the wire shape of whoami-v2', async () => {
  const me = await whoAmI(hub())
  assert.equal(me.type, 'user')
  assert.equal(me.name, 'tester')
  assert.match(me.id, /^[0-9a-f]{24}$/)
  assert.equal(me.auth.type, 'access_token')
  assert.equal(me.auth.accessToken?.role, 'write')
  assert.ok(me.auth.accessToken?.createdAt instanceof Date)
  await assert.rejects(whoAmI({ ...hub(), accessToken: UNKNOWN_TOKEN }), (error: unknown) => {
    assert.ok(error instanceof HubApiError)
    assert.equal(error.statusCode, 401)
    assert.match(error.message, /^Invalid credentials in Authorization header/)
    assert.doesNotMatch(error.message, new RegExp(UNKNOWN_TOKEN))
    return true
  })
})

test('createRepo answers {url, id}, a repeat answers 409, repoExists sees it', async () => {
  const created = await createRepo({ ...hub(), repo: REPO })
  assert.equal(created.repoUrl, `${emulator.url}/${REPO}`)
  assert.match(created.id, /^[0-9a-f]{24}$/)
  await assert.rejects(createRepo({ ...hub(), repo: REPO }), (error: unknown) => {
    assert.ok(error instanceof HubApiError)
    assert.equal(error.statusCode, 409)
    assert.match(error.message, /You already created this model repo/)
    return true
  })
  assert.equal(await repoExists({ ...hub(), repo: REPO }), true)
  assert.equal(await repoExists({ ...hub(), repo: 'tester/missing' }), false)
  assert.equal(await repoExists({ hubUrl: emulator.url, repo: 'tester/missing' }), false, 'anonymous → 401 → false')
  const [initial] = await emulator.listCommits(REPO)
  assert.equal(initial?.title, 'initial commit')
  const gitattributes = (await emulator.readFile(REPO, 'main', '.gitattributes'))?.toString() ?? ''
  assert.match(gitattributes, /^\*\.safetensors filter=lfs diff=lfs merge=lfs -text$/m)
})

test('commit with useXet:false: regular file, basic LFS upload and multipart LFS upload', async () => {
  emulator.resetStats()
  const output = await commit({
    ...hub(),
    repo: REPO,
    title: 'Upload three files',
    useXet: false,
    operations: [
      { operation: 'addOrUpdate', path: 'small.txt', content: await localFile('small.txt', small) },
      { operation: 'addOrUpdate', path: 'data/mid.dat', content: await localFile('mid.dat', mid) },
      { operation: 'addOrUpdate', path: 'weights/big.dat', content: await localFile('big.dat', big) }
    ]
  })
  assert.ok(output)
  firstCommitOid = output.commit.oid
  assert.match(firstCommitOid, /^[0-9a-f]{40}$/)
  assert.equal(output.commit.url, `${emulator.url}/${REPO}/commit/${firstCommitOid}`)
  assert.equal(output.hookOutput, '')

  assert.equal(routesSeen('lfs-upload').length, 1, 'mid.dat (2 MB with NUL bytes) goes through one basic PUT')
  assert.equal(routesSeen('lfs-part').length, Math.ceil(big.length / (2 * MiB)), 'big.dat goes through 2 MiB parts')
  assert.equal(routesSeen('lfs-complete').length, 1)
  assert.equal(emulator.stats.lfsBytesReceived, mid.length + big.length)
  assert.deepEqual((await emulator.readFile(REPO, 'main', 'weights/big.dat'))?.equals(big), true)
})

test('commit with the default useXet falls back to basic/multipart PUTs', async () => {
  emulator.resetStats()
  const xetMid = patterned(3_000_000, 21)
  const xetBig = patterned(9_000_000, 22)
  const output = await uploadFiles({
    ...hub(),
    repo: REPO,
    files: [
      { path: 'xet/mid.dat', content: new Blob([xetMid]) },
      { path: 'xet/big.dat', content: await localFile('xet-big.dat', xetBig) }
    ]
  })
  assert.ok(output?.commit.oid)
  assert.equal(routesSeen('lfs-upload').length, 1)
  assert.equal(routesSeen('lfs-part').length, Math.ceil(xetBig.length / (2 * MiB)))
  assert.deepEqual((await emulator.readFile(REPO, 'main', 'xet/mid.dat'))?.equals(xetMid), true)
  assert.deepEqual((await emulator.readFile(REPO, 'main', 'xet/big.dat'))?.equals(xetBig), true)
})

test('re-uploading stored LFS objects transfers no bytes', async () => {
  emulator.resetStats()
  await commit({
    ...hub(),
    repo: REPO,
    title: 'Same content, new paths',
    useXet: false,
    operations: [{ operation: 'addOrUpdate', path: 'copy/big.dat', content: await localFile('big.dat', big) }]
  })
  assert.equal(routesSeen('lfs-batch').length, 1)
  assert.equal(routesSeen('lfs-part').length, 0)
  assert.equal(emulator.stats.lfsBytesReceived, 0)
})

test('listFiles (recursive) reports git blob oids, sizes and lfs info', async () => {
  const entries = await collect(listFiles({ ...hub(), repo: REPO, recursive: true }))
  const byPath = new Map(entries.map((entry) => [entry.path, entry]))
  assert.deepEqual(byPath.get('small.txt'), {
    type: 'file',
    oid: gitBlobSha1(small),
    size: small.length,
    path: 'small.txt'
  })
  const expectLfs = (path: string, content: Buffer): void => {
    const pointer = lfsPointer(content)
    assert.deepEqual(byPath.get(path), {
      type: 'file',
      oid: gitBlobSha1(pointer),
      size: content.length,
      path,
      lfs: { oid: sha256(content), size: content.length, pointerSize: pointer.length }
    })
  }
  expectLfs('data/mid.dat', mid)
  expectLfs('weights/big.dat', big)
  const folder = byPath.get('weights') as ListFileEntry
  assert.equal(folder.type, 'directory')
  assert.match(folder.oid ?? '', /^[0-9a-f]{40}$/)
  assert.equal(folder.size, 0)

  const topLevel = await collect(listFiles({ ...hub(), repo: REPO }))
  assert.ok(
    topLevel.every((entry) => !entry.path.includes('/')),
    'non-recursive listing stays at the root'
  )
  const inFolder = await collect(listFiles({ ...hub(), repo: REPO, path: 'weights' }))
  assert.deepEqual(
    inFolder.map((entry) => entry.path),
    ['weights/big.dat']
  )
  await assert.rejects(collect(listFiles({ ...hub(), repo: REPO, path: 'nope' })), { statusCode: 404 })
  await assert.rejects(collect(listFiles({ ...hub(), repo: REPO, revision: 'no-such-branch' })), { statusCode: 404 })
})

test('pathsInfo at a commit oid, with and without expand; missing paths are left out', async () => {
  const infos = await pathsInfo({
    ...hub(),
    repo: REPO,
    revision: firstCommitOid,
    paths: ['weights/big.dat', 'small.txt', 'missing.txt']
  })
  assert.deepEqual(
    infos.map(({ path, type, oid, size, lfs, lastCommit }) => ({ path, type, oid, size, lfs, lastCommit })),
    [
      {
        path: 'weights/big.dat',
        type: 'file',
        oid: gitBlobSha1(lfsPointer(big)),
        size: big.length,
        lfs: { oid: sha256(big), size: big.length, pointerSize: lfsPointer(big).length },
        lastCommit: undefined
      },
      {
        path: 'small.txt',
        type: 'file',
        oid: gitBlobSha1(small),
        size: small.length,
        lfs: undefined,
        lastCommit: undefined
      }
    ]
  )
  const expanded = await pathsInfo({
    ...hub(),
    repo: REPO,
    revision: firstCommitOid,
    paths: ['small.txt'],
    expand: true
  })
  assert.equal(expanded[0]?.lastCommit.id, firstCommitOid)
  assert.equal(expanded[0]?.lastCommit.title, 'Upload three files')
  assert.ok(expanded[0]?.lastCommit.date instanceof Date)
})

test('modelInfo reads sha and cardData from README.md front matter', async () => {
  const readme = '---\nlicense: mit\nlanguage: en\ntags:\n- emulator\npipeline_tag: text-generation\n---\n# Demo\n'
  const output = await uploadFiles({
    ...hub(),
    repo: REPO,
    files: [{ path: 'README.md', content: new Blob([readme]) }]
  })
  const info = await modelInfo({ ...hub(), name: REPO, additionalFields: ['sha', 'cardData'] })
  assert.equal(info.name, REPO)
  assert.match(info.id, /^[0-9a-f]{24}$/)
  assert.equal(info.sha, output?.commit.oid)
  assert.deepEqual(info.cardData, {
    license: 'mit',
    language: 'en',
    tags: ['emulator'],
    pipeline_tag: 'text-generation'
  })
  assert.equal(info.task, 'text-generation')
  assert.equal(info.private, false)
  assert.ok(info.updatedAt instanceof Date && !Number.isNaN(info.updatedAt.getTime()))
  const older = await modelInfo({
    ...hub(),
    name: REPO,
    revision: firstCommitOid,
    additionalFields: ['sha', 'cardData']
  })
  assert.equal(older.sha, firstCommitOid)
  assert.equal(older.cardData, undefined, 'no README at that revision → no cardData')
})

test('listCommits (paginated) and countCommits, newest first', async () => {
  const commits = await collect(listCommits({ ...hub(), repo: REPO, batchSize: 2 }))
  const expected = await emulator.listCommits(REPO)
  assert.deepEqual(
    commits.map((c) => c.oid),
    expected.map((c) => c.oid)
  )
  assert.equal(commits.at(-1)?.title, 'initial commit')
  assert.equal(commits[0]?.authors[0]?.username, 'tester')
  assert.ok(commits.every((c) => c.date instanceof Date))
  assert.equal(await countCommits({ ...hub(), repo: REPO }), expected.length)
  assert.ok(routesSeen('commits').length >= Math.ceil(expected.length / 2))
})

test('a commit with a stale parentCommit fails with 412 and changes nothing', async () => {
  const before = await emulator.listCommits(REPO)
  await assert.rejects(
    commit({
      ...hub(),
      repo: REPO,
      title: 'stale',
      parentCommit: firstCommitOid,
      operations: [{ operation: 'addOrUpdate', path: 'stale.txt', content: new Blob(['x']) }]
    }),
    (error: unknown) => {
      assert.ok(error instanceof HubApiError)
      assert.equal(error.statusCode, 412)
      assert.match(error.message, /The branch was updated since you opened this page/)
      return true
    }
  )
  assert.deepEqual(await emulator.listCommits(REPO), before)
  const head = before[0]?.oid ?? ''
  const ok = await commit({ ...hub(), repo: REPO, title: 'fresh', parentCommit: head, operations: [] })
  assert.deepEqual((await emulator.listCommits(REPO))[0]?.parents, [head])
  assert.match(ok?.commit.oid ?? '', /^[0-9a-f]{40}$/)
})

test('a commit while another is in progress on the repo is refused with 409, not queued', async () => {
  const before = await emulator.listCommits(REPO)
  const lock = await emulator.holdCommitLock(REPO)
  // The answer is held once the route has written it: a route that queued behind the lock would
  // write none, and held() would reject instead of the test hanging.
  const answered = emulator.faults.add({ route: 'commit', hold: 'after', times: 1 })
  const attempt = () => commit({ ...hub(), repo: REPO, title: 'racing', operations: [] })
  const racing = attempt().then(
    () => undefined,
    (error: unknown) => error
  )
  try {
    const held = await answered.held()
    held.release()
  } finally {
    lock.release()
    emulator.faults.clear()
  }
  const error = await racing
  assert.ok(error instanceof HubApiError)
  assert.equal(error.statusCode, 409)
  assert.match(error.message, /Another commit operation is in progress for this repository/)
  assert.deepEqual(await emulator.listCommits(REPO), before)
  await attempt()
  assert.equal((await emulator.listCommits(REPO))[0]?.title, 'racing')
})

test('deleteFile removes a file; deleting a missing file is 404 EntryNotFound', async () => {
  await uploadFiles({ ...hub(), repo: REPO, files: [{ path: 'tmp/doomed.txt', content: new Blob(['bye']) }] })
  await deleteFile({ ...hub(), repo: REPO, path: 'tmp/doomed.txt' })
  assert.equal(await fileExists({ ...hub(), repo: REPO, path: 'tmp/doomed.txt' }), false)
  await assert.rejects(deleteFile({ ...hub(), repo: REPO, path: 'tmp/doomed.txt' }), (error: unknown) => {
    assert.ok(error instanceof HubApiError)
    assert.equal(error.statusCode, 404)
    assert.match(error.message, /A file with this name doesn't exist/)
    return true
  })
})

test('commit({isPullRequest}) opens refs/pr/<n>; follow-up commits go to the PR, not main', async () => {
  const mainHead = (await emulator.listCommits(REPO))[0]?.oid
  const pr = await commit({
    ...hub(),
    repo: REPO,
    title: 'Proposal',
    isPullRequest: true,
    operations: [{ operation: 'addOrUpdate', path: 'pr.txt', content: new Blob(['from a PR']) }]
  })
  assert.equal(pr?.pullRequestUrl, `${emulator.url}/${REPO}/discussions/1`)
  await commit({
    ...hub(),
    repo: REPO,
    branch: 'refs/pr/1',
    title: 'Follow-up',
    operations: [{ operation: 'addOrUpdate', path: 'pr2.txt', content: new Blob(['more']) }]
  })
  const prCommits = await collect(listCommits({ ...hub(), repo: REPO, revision: 'refs/pr/1' }))
  assert.deepEqual(
    prCommits.slice(0, 2).map((c) => c.title),
    ['Follow-up', 'Proposal']
  )
  assert.equal(prCommits[2]?.oid, mainHead, 'the PR starts at the head of main')
  assert.equal((await emulator.listCommits(REPO))[0]?.oid, mainHead, 'main did not move')
  const prFiles = await collect(listFiles({ ...hub(), repo: REPO, revision: 'refs/pr/1' }))
  assert.ok(prFiles.some((entry) => entry.path === 'pr2.txt'))
  const blob = await downloadFile({ ...hub(), repo: REPO, path: 'pr.txt', revision: 'refs/pr/1' })
  assert.equal(await blob?.text(), 'from a PR')
  assert.equal(await fileExists({ ...hub(), repo: REPO, path: 'pr.txt' }), false)
})

test('createBranch from main, empty, and with overwrite', async () => {
  await createBranch({ ...hub(), repo: REPO, branch: 'dev' })
  assert.equal(
    await (await downloadFile({ ...hub(), repo: REPO, path: 'small.txt', revision: 'dev' }))?.text(),
    small.toString()
  )
  await assert.rejects(createBranch({ ...hub(), repo: REPO, branch: 'dev' }), { statusCode: 409 })
  await createBranch({ ...hub(), repo: REPO, branch: 'dev', overwrite: true, empty: true })
  assert.equal(await downloadFile({ ...hub(), repo: REPO, path: 'small.txt', revision: 'dev' }), null)
  await assert.rejects(createBranch({ ...hub(), repo: REPO, branch: 'x', revision: 'no-such-rev' }), {
    statusCode: 404
  })
})

test('downloads: regular file ETag is the git SHA-1, LFS ETag the SHA-256; ranges and raw pointers', async () => {
  const regular = await fileDownloadInfo({ ...hub(), repo: REPO, path: 'small.txt' })
  assert.deepEqual(
    { etag: regular?.etag, size: regular?.size },
    { etag: `"${gitBlobSha1(small)}"`, size: small.length }
  )
  assert.equal(await (await downloadFile({ ...hub(), repo: REPO, path: 'small.txt' }))?.text(), small.toString())

  const lfs = await fileDownloadInfo({ ...hub(), repo: REPO, path: 'weights/big.dat' })
  assert.deepEqual({ etag: lfs?.etag, size: lfs?.size }, { etag: `"${sha256(big)}"`, size: big.length })
  assert.ok(lfs?.url.startsWith(emulator.url), 'the blob URL is same-origin')
  const blob = await downloadFile({ ...hub(), repo: REPO, path: 'weights/big.dat' })
  assert.ok(blob)
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(big))
  assert.ok(
    Buffer.from(await blob.slice(5_000_000, 5_000_100).arrayBuffer()).equals(big.subarray(5_000_000, 5_000_100))
  )

  const raw = await fileDownloadInfo({ ...hub(), repo: REPO, path: 'weights/big.dat', raw: true })
  assert.deepEqual(
    { etag: raw?.etag, size: raw?.size },
    { etag: `"${gitBlobSha1(lfsPointer(big))}"`, size: lfsPointer(big).length }
  )
  const rawBlob = await downloadFile({ ...hub(), repo: REPO, path: 'weights/big.dat', raw: true })
  assert.equal(await rawBlob?.text(), lfsPointer(big).toString())

  const redirect = await fetch(`${emulator.url}/${REPO}/resolve/main/weights/big.dat`, {
    method: 'HEAD',
    redirect: 'manual'
  })
  assert.equal(redirect.status, 302)
  assert.equal(redirect.headers.get('x-linked-etag'), `"${sha256(big)}"`)
  assert.equal(redirect.headers.get('x-linked-size'), String(big.length))
  assert.match(redirect.headers.get('x-repo-commit') ?? '', /^[0-9a-f]{40}$/)
})

test('a missing file: fileDownloadInfo → null (404 EntryNotFound), fileExists → false', async () => {
  assert.equal(await fileDownloadInfo({ ...hub(), repo: REPO, path: 'nothing/here.txt' }), null)
  assert.equal(await downloadFile({ ...hub(), repo: REPO, path: 'nothing/here.txt' }), null)
  assert.equal(await fileExists({ ...hub(), repo: REPO, path: 'nothing/here.txt' }), false)
  const response = await fetch(`${emulator.url}/${REPO}/resolve/main/nothing/here.txt`)
  assert.equal(response.status, 404)
  assert.equal(response.headers.get('x-error-code'), 'EntryNotFound')
  assert.deepEqual(await response.json(), { error: 'Entry not found' })
  const wrongRev = await fetch(`${emulator.url}/${REPO}/resolve/nope/small.txt`)
  assert.equal(wrongRev.headers.get('x-error-code'), 'RevisionNotFound')
})

test('fault: 503 with Retry-After on preupload surfaces as HubApiError 503', async () => {
  emulator.resetStats()
  emulator.faults.add({ route: 'preupload', status: 503, retryAfter: 7 })
  await assert.rejects(
    uploadFiles({ ...hub(), repo: REPO, files: [{ path: 'f.txt', content: new Blob(['f']) }] }),
    (error: unknown) => error instanceof HubApiError && error.statusCode === 503
  )
  assert.deepEqual(routesSeen('preupload'), [
    {
      method: 'POST',
      path: `/api/models/${REPO}/preupload/main`,
      status: 503,
      route: 'preupload',
      surface: 'hub',
      fault: 'status'
    }
  ])
  assert.equal(routesSeen('commit').length, 0)
  const retried = await uploadFiles({ ...hub(), repo: REPO, files: [{ path: 'f.txt', content: new Blob(['f']) }] })
  assert.ok(retried?.commit.oid, 'the rule hit once only')
})

test('fault over HTTP: 429 with RateLimit headers, stats readable as JSON', async () => {
  const add = await fetch(`${emulator.url}/_emulator/faults`, {
    method: 'POST',
    body: JSON.stringify({ route: 'whoami', status: 429, rateLimit: true, retryAfter: 30 })
  })
  assert.equal(add.status, 200)
  const limited = await fetch(`${emulator.url}/api/whoami-v2`, { headers: { Authorization: `Bearer ${TOKEN}` } })
  assert.equal(limited.status, 429)
  assert.equal(limited.headers.get('retry-after'), '30')
  assert.equal(limited.headers.get('ratelimit'), '"api";r=0;t=30')
  assert.equal(limited.headers.get('ratelimit-policy'), '"fixed window";"api";q=500;w=300')
  assert.match(limited.headers.get('x-request-id') ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/)
  await fetch(`${emulator.url}/_emulator/faults`, {
    method: 'POST',
    body: JSON.stringify({ route: 'tree', status: 500, times: 5 })
  })
  assert.equal((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status, 200)
  assert.equal(
    (await fetch(`${emulator.url}/api/models/${REPO}/tree/main`)).status,
    200,
    'cleared rules no longer fire'
  )
  const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as {
    requests: Array<{ route: string; status: number }>
  }
  assert.ok(stats.requests.some((request) => request.route === 'whoami' && request.status === 429))
  assert.equal(
    (await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', body: '{"route":"nope"}' })).status,
    400
  )
})

test('fault: a connection reset mid-part fails the commit without a partial commit; a retry succeeds', async () => {
  const content = patterned(12_000_000, 31)
  const url = await localFile('reset.dat', content)
  const before = await emulator.listCommits(REPO)
  emulator.faults.add({ route: 'lfs-part', resetMidBody: true })
  const upload = (): ReturnType<typeof commit> =>
    commit({
      ...hub(),
      repo: REPO,
      title: 'After reset',
      useXet: false,
      operations: [{ operation: 'addOrUpdate', path: 'reset.dat', content: url }]
    })
  await assert.rejects(upload())
  assert.deepEqual(await emulator.listCommits(REPO), before, 'no commit was made')
  assert.equal(await emulator.readFile(REPO, 'main', 'reset.dat'), null)
  const output = await upload()
  assert.equal((await emulator.listCommits(REPO))[0]?.oid, output?.commit.oid)
  assert.ok((await emulator.readFile(REPO, 'main', 'reset.dat'))?.equals(content))
})

test('auth: read-only tokens cannot write (403), unknown tokens 401, anonymous private reads 401', async () => {
  const reader = { hubUrl: emulator.url, accessToken: READ_TOKEN }
  assert.equal((await whoAmI(reader)).auth.accessToken?.role, 'read')
  await assert.rejects(uploadFiles({ ...reader, repo: REPO, files: [{ path: 'r.txt', content: new Blob(['r']) }] }), {
    statusCode: 403
  })
  await assert.rejects(createRepo({ ...reader, repo: 'reader/x' }), { statusCode: 403 })
  assert.equal(await (await downloadFile({ ...reader, repo: REPO, path: 'small.txt' }))?.text(), small.toString())
  await assert.rejects(
    uploadFiles({
      ...hub(),
      accessToken: UNKNOWN_TOKEN,
      repo: REPO,
      files: [{ path: 'u.txt', content: new Blob(['u']) }]
    }),
    {
      statusCode: 401
    }
  )
  await createRepo({ ...hub(), repo: 'tester/secret', private: true })
  assert.equal(await repoExists({ hubUrl: emulator.url, repo: 'tester/secret' }), false)
  assert.equal(await repoExists({ ...hub(), repo: 'tester/secret' }), true)
  const anonymous = await fetch(`${emulator.url}/api/models/tester/secret`)
  assert.equal(anonymous.status, 401)
  assert.equal(anonymous.headers.get('x-error-code'), 'RepoNotFound')
})

test('datasets and spaces use their URL prefixes; tags and refs; deleteRepo', async () => {
  await createRepo({ ...hub(), repo: { type: 'dataset', name: 'tester/ds' } })
  await uploadFiles({
    ...hub(),
    repo: 'datasets/tester/ds',
    files: [{ path: 'data/train.csv', content: new Blob(['a,b\n1,2\n']) }]
  })
  assert.equal(
    await (await downloadFile({ ...hub(), repo: 'datasets/tester/ds', path: 'data/train.csv' }))?.text(),
    'a,b\n1,2\n'
  )
  const space = await createRepo({ ...hub(), repo: 'spaces/tester/sp', sdk: 'gradio' })
  assert.equal(space.repoUrl, `${emulator.url}/spaces/tester/sp`)
  assert.match((await emulator.readFile('spaces/tester/sp', 'main', 'README.md'))?.toString() ?? '', /sdk: gradio/)

  const auth = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }
  const tag = (): Promise<Response> =>
    fetch(`${emulator.url}/api/datasets/tester/ds/tag/main`, { method: 'POST', headers: auth, body: '{"tag":"v1"}' })
  assert.equal((await tag()).status, 200)
  assert.equal((await tag()).status, 409)
  assert.equal(
    await (
      await downloadFile({ ...hub(), repo: 'datasets/tester/ds', path: 'data/train.csv', revision: 'v1' })
    )?.text(),
    'a,b\n1,2\n'
  )
  const refs = (await (await fetch(`${emulator.url}/api/datasets/tester/ds/refs`, { headers: auth })).json()) as {
    branches: Array<{ name: string }>
    tags: Array<{ name: string; ref: string; targetCommit: string }>
  }
  assert.deepEqual(
    refs.branches.map((branch) => branch.name),
    ['main']
  )
  assert.equal(refs.tags[0]?.ref, 'refs/tags/v1')
  assert.equal(
    (await fetch(`${emulator.url}/api/datasets/tester/ds/tag/v1`, { method: 'DELETE', headers: auth })).status,
    200
  )

  await deleteRepo({ ...hub(), repo: 'datasets/tester/ds' })
  assert.equal(await repoExists({ ...hub(), repo: 'datasets/tester/ds' }), false)
  await assert.rejects(deleteRepo({ ...hub(), repo: 'datasets/tester/ds' }), { statusCode: 404 })
})

test('protocol edge cases over raw HTTP: LFS batch errors, hashes, part re-upload, commit checks, ranges', async () => {
  const json = { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' }
  const batch = async (
    objects: unknown[],
    transfers = ['basic', 'multipart']
  ): Promise<{ objects: Array<Record<string, any>> }> => {
    const response = await fetch(`${emulator.url}/${REPO}.git/info/lfs/objects/batch`, {
      method: 'POST',
      headers: { ...json, 'Content-Type': 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ operation: 'upload', transfers, hash_algo: 'sha_256', objects })
    })
    assert.equal(response.headers.get('content-type'), 'application/vnd.git-lfs+json')
    return (await response.json()) as { objects: Array<Record<string, any>> }
  }
  const bad = await batch([
    { oid: 'not-a-sha', size: 1 },
    { oid: 'a'.repeat(64), size: -1 }
  ])
  assert.deepEqual(
    bad.objects.map((object) => object.error?.code),
    [422, 422]
  )

  // Basic PUT with content that does not hash to the oid → 400 from storage (S3 XML), nothing stored.
  const content = Buffer.from('some lfs bytes')
  const [basic] = (await batch([{ oid: sha256(content), size: content.length }])).objects
  assert.ok(String(basic?.actions.upload.href).startsWith(`${emulator.storageUrl}/`), 'upload URLs go to storage')
  const wrong = await fetch(basic?.actions.upload.href, { method: 'PUT', body: Buffer.from('other lfs byte') })
  assert.equal(wrong.status, 400)
  assert.equal(wrong.headers.get('content-type'), 'application/xml')
  assert.match(await wrong.text(), /<Code>BadDigest<\/Code>/)
  const retried = (await batch([{ oid: sha256(content), size: content.length }])).objects[0]
  assert.ok(retried?.actions, 'still not stored')
  assert.equal((await fetch(retried.actions.upload.href, { method: 'PUT', body: content })).status, 200)
  assert.equal(
    (await batch([{ oid: sha256(content), size: content.length }])).objects[0]?.actions,
    undefined,
    'stored now'
  )

  // Multipart: re-uploading an already hashed part forces a full re-hash; a wrong ETag is refused.
  const large = patterned(5 * MiB, 41)
  const [multi] = (await batch([{ oid: sha256(large), size: large.length }])).objects
  const header = multi?.actions.upload.header as Record<string, string>
  assert.equal(header.chunk_size, String(2 * MiB))
  assert.deepEqual(
    Object.keys(header).filter((key) => /^\d+$/.test(key)),
    ['00001', '00002', '00003']
  )
  const putPart = async (n: number): Promise<string> => {
    const response = await fetch(header[String(n).padStart(5, '0')] as string, {
      method: 'PUT',
      body: large.subarray((n - 1) * 2 * MiB, n * 2 * MiB)
    })
    assert.equal(response.status, 200)
    return response.headers.get('etag') ?? ''
  }
  const etags = new Map<number, string>()
  for (const n of [3, 1, 2, 1]) etags.set(n, await putPart(n)) // part 1 again, after it was hashed
  const complete = (etagOfPart1: string): Promise<Response> =>
    fetch(multi?.actions.upload.href, {
      method: 'POST',
      body: JSON.stringify({
        oid: sha256(large),
        parts: [1, 2, 3].map((n) => ({ partNumber: n, etag: n === 1 ? etagOfPart1 : etags.get(n) }))
      })
    })
  assert.equal((await complete('"nope"')).status, 400)
  assert.equal((await complete(etags.get(1) ?? '')).status, 200)

  // Commit validation: every failure leaves the branch untouched.
  const head = (await emulator.listCommits(REPO))[0]?.oid
  const commitNdjson = (branch: string, operation: object): Promise<Response> =>
    fetch(`${emulator.url}/api/models/${REPO}/commit/${encodeURIComponent(branch)}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/x-ndjson' },
      body: [{ key: 'header', value: { summary: 'bad' } }, operation].map((line) => JSON.stringify(line)).join('\n')
    })
  const relative = await commitNdjson('main', {
    key: 'file',
    value: { path: '..\\ddd', content: '', encoding: 'base64' }
  })
  assert.equal(relative.status, 422)
  const unknownObject = await commitNdjson('main', {
    key: 'lfsFile',
    value: { path: 'x.bin', algo: 'sha256', oid: 'b'.repeat(64), size: 3 }
  })
  assert.equal(unknownObject.status, 422)
  const wrongSize = await commitNdjson('main', {
    key: 'lfsFile',
    value: { path: 'x.bin', algo: 'sha256', oid: sha256(content), size: 3 }
  })
  assert.equal(wrongSize.status, 422)
  const missingBranch = await commitNdjson('nope', {
    key: 'file',
    value: { path: 'a.txt', content: '', encoding: 'base64' }
  })
  assert.equal(missingBranch.status, 404)
  assert.equal(missingBranch.headers.get('x-error-code'), 'RevisionNotFound')
  assert.equal((await emulator.listCommits(REPO))[0]?.oid, head)
  const stored = await commitNdjson('main', {
    key: 'lfsFile',
    value: { path: 'raw/uploaded.bin', algo: 'sha256', oid: sha256(large), size: large.length }
  })
  assert.equal(stored.status, 200)
  assert.ok((await emulator.readFile(REPO, 'main', 'raw/uploaded.bin'))?.equals(large))

  // Ranges and unknown routes.
  const ranged = await fetch(`${emulator.url}/${REPO}/resolve/main/small.txt`, { headers: { Range: 'bytes=6-9' } })
  assert.equal(ranged.status, 206)
  assert.equal(ranged.headers.get('content-range'), `bytes 6-9/${small.length}`)
  assert.equal(await ranged.text(), small.subarray(6, 10).toString())
  const unsatisfiable = await fetch(`${emulator.url}/${REPO}/resolve/main/small.txt`, {
    headers: { Range: 'bytes=9999-' }
  })
  assert.equal(unsatisfiable.status, 416)
  await unsatisfiable.arrayBuffer()
  const unknown = await fetch(`${emulator.url}/api/nothing-here`)
  assert.equal(unknown.status, 404)
  assert.ok(unknown.headers.get('x-request-id'))
  assert.match(unknown.headers.get('content-type') ?? '', /^application\/json/)
})

test('tree pagination follows absolute Link headers', async () => {
  const all = await collect(listFiles({ ...hub(), repo: REPO, recursive: true }))
  // One emulator per dataDir at a time: swap in one with tiny pages, then restore the usual one.
  await emulator.close()
  const paged = await startHubEmulator({ ...emulatorOptions(), pageSize: 2 })
  try {
    const entries = await collect(listFiles({ hubUrl: paged.url, accessToken: TOKEN, repo: REPO, recursive: true }))
    assert.deepEqual(entries, all)
    assert.equal(paged.stats.requests.filter((request) => request.route === 'tree').length, Math.ceil(all.length / 2))
  } finally {
    await paged.close()
    emulator = await startHubEmulator(emulatorOptions())
  }
})

test('tampering with stored state shows in answers (layout documented in README.md)', async () => {
  const objectPath = await emulator.storedFilePath(REPO, 'main', 'data/mid.dat')
  assert.ok(objectPath)
  assert.ok(objectPath.startsWith(emulator.repoDir(REPO)))
  const tampered = Buffer.from(mid)
  tampered[100] = (tampered[100] ?? 0) ^ 0xff
  await writeFile(objectPath, tampered)
  const blob = await downloadFile({ ...hub(), repo: REPO, path: 'data/mid.dat' })
  assert.ok(Buffer.from(await (blob as Blob).arrayBuffer()).equals(tampered))
  await writeFile(objectPath, mid)

  const head = (await emulator.listCommits(REPO))[0]?.oid ?? ''
  const commitFile = join(emulator.repoDir(REPO), 'commits', `${head}.json`)
  const original = await readFile(commitFile, 'utf8')
  const record = JSON.parse(original) as { files: Record<string, { size: number }> }
  ;(record.files['small.txt'] as { size: number }).size = 1
  await writeFile(commitFile, JSON.stringify(record))
  const [info] = await pathsInfo({ ...hub(), repo: REPO, paths: ['small.txt'] })
  assert.equal(info?.size, 1)
  await writeFile(commitFile, original)
})

test('state survives a restart on the same dataDir', async () => {
  const before = await collect(listFiles({ ...hub(), repo: REPO, recursive: true }))
  const commits = await emulator.listCommits(REPO)
  await emulator.close()
  emulator = await startHubEmulator(emulatorOptions())
  assert.deepEqual(
    emulator.stats,
    { lfsBytesReceived: 0, requests: [], faults: [] },
    'stats start empty after a restart'
  )
  assert.deepEqual(await collect(listFiles({ ...hub(), repo: REPO, recursive: true })), before)
  assert.deepEqual(await emulator.listCommits(REPO), commits)
  const blob = await downloadFile({ ...hub(), repo: REPO, path: 'weights/big.dat' })
  assert.equal(sha256(Buffer.from(await (blob as Blob).arrayBuffer())), sha256(big))
})

test('the CLI prints one line, serves requests and stops on SIGTERM', async () => {
  const cli = fileURLToPath(new URL('../emulators/hub/cli.ts', import.meta.url))
  const cliData = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-emulator-cli-'))
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--data', cliData], {
    env: { ...process.env, HUB_EMULATOR_TOKENS: `${TOKEN}:cli-user` },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out)
      })
      child.once('exit', (code) => reject(new Error(`CLI exited early with ${code}`)))
    })
    const match = /^Hub emulator listening on (http:\/\/[\d.:]+) \(storage: (http:\/\/[\d.:]+), data: (.+)\)\n$/.exec(
      line
    )
    assert.ok(match, line)
    assert.equal(match[3], cliData)
    assert.notEqual(match[2], match[1], 'storage listens on its own port')
    assert.equal((await whoAmI({ hubUrl: match[1] as string, accessToken: TOKEN })).name, 'cli-user')
    assert.doesNotMatch(line, new RegExp(TOKEN))
  } finally {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.kill('SIGTERM')
    assert.equal(await exited, 0)
  }
})
