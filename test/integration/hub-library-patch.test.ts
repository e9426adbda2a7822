// `@huggingface/hub` is patched at install (.github/patches/, applied by patch-package in `postinstall`,
// `--error-on-fail`): a file to commit can carry the SHA-256 the action already computed (without it
// every LFS byte is hashed twice: the action's pass, then the library's own); `maxParallelUploads`
// lifts the library's fixed 5 uploads at once (the action's upload fetch adapts how many run); and
// the commit's NDJSON body is a Blob whose size is computed from the files' sizes and whose lines
// are made while it is sent, one file's base64 at a time (the action sends it with node:http, which,
// unlike fetch, keeps no copy of it). These tests fail loudly when an upgrade of the library leaves
// the patch behind or stops it working, and show that a wrong hash still cannot land (storage
// hashes what it receives).
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { HubApiError, commit, type CommitOperation } from '@huggingface/hub'
import { publish } from '../../src/hub/commit.ts'
import { createHubClient } from '../../src/hub/hub-client.ts'
import { createStreamingUploadFetch } from '../../src/hub/streaming-upload-fetch.ts'
import { hashFiles } from '../../src/files/manifest.ts'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { CAPTURE_DIR } from '../support/capture.ts'
import { HF_TOKEN } from '../support/tokens.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const REPO = 'tester/patched'
let hub: HubEmulator

before(async () => {
  hub = await startHubEmulator({
    dataDir: await mkdtemp(join(CAPTURE_DIR, 'hub-library-patch-')),
    tokens: { [HF_TOKEN]: { user: 'tester' } },
    lfsThreshold: 1000,
    multipartThreshold: 1024 * 1024,
    chunkSize: 256 * 1024
  })
  await hub.createRepo(REPO)
})
after(() => hub.close())

/** A Blob that counts the content bytes anyone reads from it (slices included). */
class CountingBlob extends Blob {
  constructor(
    private readonly content: Uint8Array<ArrayBuffer>,
    readonly counter: { bytes: number }
  ) {
    super([content])
  }
  override slice(start?: number, end?: number): CountingBlob {
    return new CountingBlob(this.content.slice(start, end), this.counter)
  }
  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    this.counter.bytes += this.size
    return super.stream()
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    this.counter.bytes += this.size
    return super.arrayBuffer()
  }
}

async function commitOne(content: Uint8Array<ArrayBuffer>, sha256: string | undefined) {
  const counter = { bytes: 0 }
  const path = `weights/${randomBytes(4).toString('hex')}.bin`
  const operation: CommitOperation = {
    operation: 'addOrUpdate',
    path,
    content: new CountingBlob(content, counter),
    sha256
  }
  const result = await commit({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: REPO,
    title: `add ${path}`,
    operations: [operation],
    useXet: false,
    // The action's upload path: Blob bodies are streamed with node:http.
    fetch: createStreamingUploadFetch(fetch)
  })
  return { result, counter, path }
}

test('the installed @huggingface/hub is the version the patch in .github/patches/ was made for', () => {
  const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules/@huggingface/hub/package.json'), 'utf8')) as {
    version: string
  }
  const patches = readdirSync(join(ROOT, '.github/patches')).filter((f) => f.startsWith('@huggingface+hub+'))
  assert.deepEqual(
    patches,
    [`@huggingface+hub+${installed.version}.patch`],
    `@huggingface/hub ${installed.version} is installed but .github/patches/ holds ${JSON.stringify(patches)}: ` +
      're-make the ' +
      'patch for this version (edit the ESM dist and dist/src/lib/commit.d.ts, then ' +
      '`npx patch-package --patch-dir .github/patches @huggingface/hub`), or the action hashes every LFS byte twice'
  )
})

test('a file committed with its known sha256 is read once (the upload), not hashed again by the library', async () => {
  const content = new Uint8Array(randomBytes(256 * 1024))
  const sha256 = createHash('sha256').update(content).digest('hex')
  const { result, counter, path } = await commitOne(content, sha256)
  // The 512-byte preupload sample, then the upload's one pass.
  assert.equal(
    counter.bytes,
    512 + content.length,
    'the library read the content more than once: is the patch of @huggingface/hub applied (npm ci runs it)?'
  )
  assert.ok(result?.commit.oid)
  assert.ok(await hub.hasLfsObject(REPO, sha256))
  assert.deepEqual(await hub.readFile(REPO, 'main', path), Buffer.from(content))
})

test('without a known sha256 the library still hashes the content itself (a second full read)', async () => {
  const content = new Uint8Array(randomBytes(256 * 1024))
  const { counter } = await commitOne(content, undefined)
  assert.equal(counter.bytes, 512 + 2 * content.length)
})

test('a wrong known sha256 is refused by storage, and nothing lands', async () => {
  const before = (await hub.listCommits(REPO))[0]!.oid
  const content = new Uint8Array(randomBytes(256 * 1024))
  const wrong = createHash('sha256').update('something else').digest('hex')
  await assert.rejects(commitOne(content, wrong), (error: unknown) => {
    // Storage's 400 BadDigest (S3's XML, which the library does not parse); the message is not
    // printed, since the library puts the presigned URL, signature included, into it.
    assert.ok(error instanceof HubApiError, 'expected a HubApiError')
    assert.equal(error.statusCode, 400)
    assert.ok(error.message.includes('to LFS storage'), 'expected the refusal of the upload')
    return true
  })
  assert.equal((await hub.listCommits(REPO))[0]!.oid, before)
  assert.equal(await hub.hasLfsObject(REPO, wrong), false)
})

test('the action’s publish hands its digests to the library, which then hashes nothing itself', async () => {
  const dir = await mkdtemp(join(CAPTURE_DIR, 'hub-library-patch-files-'))
  const localPath = join(dir, 'model.bin')
  const content = randomBytes(3 * 1024 * 1024)
  await writeFile(localPath, content)
  const manifest = await hashFiles(
    [{ localPath, pathInRepo: 'weights/action.bin', size: content.length, line: 1, origin: 'workspace' }],
    () => {}
  )
  const client = createHubClient({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: { type: 'model', name: REPO },
    fetch: createStreamingUploadFetch(fetch)
  })
  const states: string[] = []
  const result = await publish(
    client,
    {
      manifest,
      branch: 'main',
      title: 'publish with known digests',
      dryRun: false,
      createRepo: false,
      private: false,
      commitUrl: (oid) => `${hub.url}/${REPO}/commit/${oid}`,
      hubUrl: hub.url
    },
    {
      info: () => {},
      warning: () => {},
      onCommitProgress: (event) => void (event.event === 'fileProgress' && states.push(event.state))
    }
  )
  assert.equal(result.changed, true)
  assert.ok(states.includes('uploading'))
  assert.ok(!states.includes('hashing'), 'the library hashed a file the action had already hashed')
  assert.ok(await hub.hasLfsObject(REPO, manifest[0]!.sha256))
})

test('maxParallelUploads lets the library offer more than its own 5 parts at once', async () => {
  const content = new Uint8Array(randomBytes(3 * 1024 * 1024)) // 12 parts of 256 KiB
  const hold = hub.faults.add({ route: 'lfs-part', hold: true, times: 8 })
  const committing = commit({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: REPO,
    title: 'eight parts at once',
    operations: [{ operation: 'addOrUpdate', path: 'weights/parallel.bin', content: new Blob([content]) }],
    useXet: false,
    maxParallelUploads: 8,
    fetch: createStreamingUploadFetch(fetch, 8)
  })
  // All eight held at once: none is answered before the last arrives.
  for (let i = 0; i < 8; i++) await hold.held(5000)
  hold.release()
  assert.ok((await committing)?.commit.oid)
  assert.deepEqual(await hub.readFile(REPO, 'main', 'weights/parallel.bin'), Buffer.from(content))
})

/** A Blob whose reads are counted, and which tells how many of them are under way at once. */
class WatchedBlob extends Blob {
  static reading = 0
  static mostAtOnce = 0
  static reads = 0
  override async arrayBuffer(): Promise<ArrayBuffer> {
    WatchedBlob.reads++
    WatchedBlob.mostAtOnce = Math.max(WatchedBlob.mostAtOnce, ++WatchedBlob.reading)
    try {
      // A turn of the event loop, so that reads the library started together would overlap here.
      await new Promise((resolve) => setImmediate(resolve))
      return await super.arrayBuffer()
    } finally {
      WatchedBlob.reading--
    }
  }
}

test('the commit body is streamed: its size is known before a file is read, one file is read at a time', async () => {
  let body: Blob | undefined
  let readsBeforeSend = -1
  const recording: typeof fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).includes('/commit/')) {
      body = init?.body as Blob
      readsBeforeSend = WatchedBlob.reads
    }
    return createStreamingUploadFetch(fetch)(input, init)
  }
  // Every base64 padding (sizes 0, 1 and 2 mod 3, and empty), and paths JSON must escape or that are not ASCII.
  const files = [
    { path: 'notes/a.txt', text: 'a\n'.repeat(100) },
    { path: 'notes/b.txt', text: 'b'.repeat(301) },
    { path: 'notes/c "quoted" \\ back.txt', text: 'c'.repeat(302) },
    { path: 'notes/ünïcødé 日本 😀.txt', text: 'd é 😀\n'.repeat(7) },
    { path: 'notes/empty.txt', text: '' }
  ]
  const deleted = 'notes/old.txt'
  await commit({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: REPO,
    title: 'add the old note',
    operations: [{ operation: 'addOrUpdate', path: deleted, content: new Blob(['old\n']) }],
    useXet: false
  })
  WatchedBlob.reads = WatchedBlob.mostAtOnce = 0
  await commit({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: REPO,
    title: 'regular files, one deletion',
    description: 'streamed',
    operations: [
      ...files.map((f) => ({ operation: 'addOrUpdate' as const, path: f.path, content: new WatchedBlob([f.text]) })),
      { operation: 'delete', path: deleted }
    ],
    useXet: false,
    fetch: recording
  })
  assert.ok(body instanceof Blob, 'the library sent its commit body as a string: is the patch applied?')
  // No content was read before the commit went out (the 512-byte preupload samples are slices, other
  // Blobs): the contents are read while the body is sent, one after the other.
  assert.equal(readsBeforeSend, 0, 'the library read the files before it sent the commit body')
  assert.equal(WatchedBlob.reads, files.length)
  assert.equal(WatchedBlob.mostAtOnce, 1, 'the commit body read several files at once')
  // The bytes are exactly what the unpatched library sends: the header, then one line per operation.
  const expected = [
    JSON.stringify({ key: 'header', value: { summary: 'regular files, one deletion', description: 'streamed' } }),
    ...files.map((f) =>
      JSON.stringify({
        key: 'file',
        value: { content: Buffer.from(f.text).toString('base64'), path: f.path, encoding: 'base64' }
      })
    ),
    JSON.stringify({ key: 'deletedFile', value: { path: deleted } })
  ].join('\n')
  const sent = Buffer.from(await body.arrayBuffer())
  assert.equal(sent.toString('utf8'), expected)
  assert.equal(body.size, Buffer.byteLength(expected), 'the Content-Length the body announces is not its length')
  for (const f of files) assert.equal((await hub.readFile(REPO, 'main', f.path))?.toString(), f.text)
  assert.equal(await hub.readFile(REPO, 'main', deleted), null)
})

test('a file that changed size after it was planned stops the commit, and nothing lands', async () => {
  const before = (await hub.listCommits(REPO))[0]!.oid
  const dir = await mkdtemp(join(CAPTURE_DIR, 'hub-library-patch-shrunk-'))
  const localPath = join(dir, 'notes.txt')
  await writeFile(localPath, 'x'.repeat(600))
  /** A Blob over the file that claims its planned size (600) whatever the file holds when it is read. */
  class PlannedSizeBlob extends Blob {
    override get size() {
      return 600
    }
    override slice(start?: number, end?: number) {
      return new Blob([readFileSync(localPath).subarray(start, end)])
    }
    override arrayBuffer() {
      const bytes = readFileSync(localPath)
      return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    }
  }
  const committing = commit({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: REPO,
    title: 'a file that shrinks',
    operations: [{ operation: 'addOrUpdate', path: 'notes/shrinks.txt', content: new PlannedSizeBlob() }],
    useXet: false,
    fetch: (input, init) => {
      // The preupload saw 600 bytes; the file shrinks before the commit body is made.
      if (String(input instanceof Request ? input.url : input).includes('/commit/'))
        writeFileSync(localPath, 'x'.repeat(10))
      return createStreamingUploadFetch(fetch)(input, init)
    }
  })
  await assert.rejects(committing, /notes\/shrinks\.txt changed size while the commit was being sent/)
  assert.equal((await hub.listCommits(REPO))[0]!.oid, before)
})

test('the streamed commit follows the Hub’s 307 for a renamed repo, and lands under the new name', async () => {
  await hub.createRepo('tester/before-rename')
  await hub.renameRepo('tester/before-rename', 'tester/after-rename')
  const result = await commit({
    hubUrl: hub.url,
    accessToken: HF_TOKEN,
    repo: 'tester/before-rename',
    title: 'commit to the old name',
    operations: [{ operation: 'addOrUpdate', path: 'notes/moved.txt', content: new Blob(['moved\n']) }],
    useXet: false,
    fetch: createStreamingUploadFetch(fetch)
  })
  assert.ok(result?.commit.oid)
  assert.equal((await hub.readFile('tester/after-rename', 'main', 'notes/moved.txt'))?.toString(), 'moved\n')
})
