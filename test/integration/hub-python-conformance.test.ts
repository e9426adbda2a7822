// Replays the requests the official Python client (`huggingface_hub` 0.36.x, requests-based) sends
// for a realistic session, with its method, path, query, headers (user-agents, X-Amzn-Trace-Id) and
// bodies as its source builds them (hf_api.py, lfs.py, _commit_api.py, file_download.py,
// utils/_http.py at v0.36.2), and checks each answer the way that client reads it: the same status
// checks, the same classification by X-Error-Code, the same keys. No Python runs here; the
// replayed requests are written out below so each one can be checked against the client's source.
import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'

const TOKEN = process.env.HFUA_TEST_HF_TOKEN ?? 'hf_' + 'x'.repeat(34)
const OTHER_TOKEN = process.env.HFUA_TEST_HF_TOKEN_READONLY ?? 'hf_' + 'y'.repeat(34)
const CHUNK = 64 * 1024
const NAMESPACE = 'tester'
const NAME = 'py-demo'
const REPO = `${NAMESPACE}/${NAME}`
/** build_hf_headers() user-agent with library_name unset (utils/_headers.py _http_user_agent). */
const HF_USER_AGENT = 'unknown/None; hf_hub/0.36.2; python/3.12.3; torch/2.5.1'
/** Requests sent without build_hf_headers (LFS PUTs, multipart completion) carry requests' own. */
const REQUESTS_USER_AGENT = 'python-requests/2.32.3'

let hub: HubEmulator

before(async () => {
  const dataDir = await mkdtemp(join(process.env.HFUA_TEST_CAPTURE ?? tmpdir(), 'hub-python-'))
  hub = await startHubEmulator({
    dataDir,
    tokens: { [TOKEN]: { user: NAMESPACE }, [OTHER_TOKEN]: { user: 'stranger' } },
    multipartThreshold: 2 * CHUNK,
    chunkSize: CHUNK,
    // Small pages, so the client's Link pagination is exercised on tree and commit listings.
    pageSize: 3
  })
})

after(() => hub?.close())

// ---- the Python client's wire format ----

/** Python's json.dumps (what requests' `json=` sends): ", " and ": " separators, ASCII only. */
function pyJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries.map(([key, v]) => `${pyJson(key)}: ${pyJson(v)}`).join(', ')}}`
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
    )
  }
  return JSON.stringify(value)
}

/** requests' encoding of `params=` / `data=` dicts: str() of each value (True/False), lists repeat the key. */
function pyForm(fields: Record<string, string | number | boolean | string[]>): string {
  const form = new URLSearchParams()
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      form.append(key, typeof item === 'boolean' ? (item ? 'True' : 'False') : String(item))
    }
  }
  return form.toString()
}

/** urllib.parse.quote(value, safe=''): what the client does to revisions and tree paths. */
const quote = (value: string): string => encodeURIComponent(value)

interface PyOptions {
  params?: Record<string, string | number | boolean | string[]>
  json?: unknown
  data?: Record<string, string | number | boolean | string[]>
  body?: Buffer | string
  headers?: Record<string, string>
  /** build_hf_headers(token): the HF user-agent and the token; false for requests sent without it. */
  hf?: boolean
  token?: string
}

interface PyResponse {
  status: number
  headers: Headers
  text: string
  url: string
}

/** One request as requests sends it for the client (session adapter adds X-Amzn-Trace-Id). */
async function py(method: string, url: string, options: PyOptions = {}): Promise<PyResponse> {
  const hf = options.hf ?? true
  const headers: Record<string, string> = {
    'User-Agent': hf ? HF_USER_AGENT : REQUESTS_USER_AGENT,
    'Accept-Encoding': 'gzip, deflate',
    Accept: '*/*',
    'X-Amzn-Trace-Id': randomUUID(),
    ...(hf && { authorization: `Bearer ${options.token ?? TOKEN}` })
  }
  let body: Buffer | undefined
  if (options.json !== undefined) {
    body = Buffer.from(pyJson(options.json))
    headers['Content-Type'] = 'application/json'
  } else if (options.data !== undefined) {
    body = Buffer.from(pyForm(options.data))
    headers['Content-Type'] = 'application/x-www-form-urlencoded'
  } else if (options.body !== undefined) {
    body = Buffer.from(options.body)
  }
  Object.assign(headers, options.headers)
  const target = options.params ? `${url}?${pyForm(options.params)}` : url
  const response = await fetch(target, {
    method,
    headers,
    body: body && new Uint8Array(body),
    redirect: 'manual'
  })
  return { status: response.status, headers: response.headers, text: await response.text(), url: target }
}

const json = <T>(response: PyResponse): T => JSON.parse(response.text) as T

/**
 * hf_raise_for_status (utils/_http.py): the exception class the client raises for an answer,
 * decided by X-Error-Code (and X-Error-Message), not by the body; null for a 2xx/3xx.
 */
function pyError(response: PyResponse): string | null {
  if (response.status < 400) return null
  const code = response.headers.get('x-error-code')
  const message = response.headers.get('x-error-message')
  if (code === 'RevisionNotFound') return 'RevisionNotFoundError'
  if (code === 'EntryNotFound') return 'EntryNotFoundError'
  if (code === 'GatedRepo') return 'GatedRepoError'
  if (message === 'Access to this resource is disabled.') return 'DisabledRepoError'
  if (code === 'RepoNotFound') return 'RepositoryNotFoundError'
  if (response.status === 400) return 'BadRequestError'
  return 'HfHubHTTPError'
}

/** get_hf_file_metadata: HEAD with Accept-Encoding identity, following only relative redirects. */
async function pyFileMetadata(url: string, token = TOKEN): Promise<{ response: PyResponse; followed: string[] }> {
  const followed: string[] = []
  let current = url
  for (let hops = 0; hops < 5; hops++) {
    const response = await py('HEAD', current, { headers: { 'Accept-Encoding': 'identity' }, token })
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location && !/^[a-z]+:\/\//i.test(location)) {
      // urlparse(url)._replace(path=parsed_target.path): the path is the Location's, the rest stays.
      const next = new URL(current)
      next.pathname = new URL(location, current).pathname
      followed.push(location)
      current = next.href
      continue
    }
    return { response, followed }
  }
  throw new Error('too many relative redirects')
}

/** HfFileMetadata as the client builds it from the (final) HEAD answer. */
function fileMetadata(response: PyResponse): { commitHash?: string; etag?: string; size?: number; location: string } {
  const etag = response.headers.get('x-linked-etag') ?? response.headers.get('etag') ?? undefined
  const size = response.headers.get('x-linked-size') ?? response.headers.get('content-length') ?? undefined
  return {
    commitHash: response.headers.get('x-repo-commit') ?? undefined,
    // _normalize_etag: strip W/ and the quotes.
    etag: etag?.replace(/^W\//, '').replace(/"/g, ''),
    size: size === undefined ? undefined : Number(size),
    location: response.headers.get('location') ?? response.url
  }
}

/** utils/_pagination.py paginate: the first GET, then every `Link: <…>; rel="next"` (requests' .links). */
async function pyPaginate<T>(url: string, params: PyOptions['params'] = {}): Promise<{ items: T[]; pages: number }> {
  const items: T[] = []
  let response = await py('GET', url, { params })
  let pages = 1
  for (;;) {
    assert.equal(pyError(response), null, response.text)
    items.push(...json<T[]>(response))
    const next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1]
    if (!next) return { items, pages }
    response = await py('GET', next)
    pages++
  }
}

// ---- expected values, computed independently ----

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')
const gitBlobSha1 = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex')

function binary(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = (i * 7 + seed * 13) & 0xff
  out[0] = 0 // a NUL byte in the sample: the Hub stores it in LFS
  return out
}

const README = Buffer.from(
  '---\nlicense: apache-2.0\nlibrary_name: pytorch\ntags:\n- gan\npipeline_tag: unconditional-image-generation\n---\n' +
    '# py-demo\n\nUploaded the way huggingface_hub does it.\n'
)
const GITIGNORE = Buffer.from('*.log\n')
const CONFIG = Buffer.from('{"hidden_size": 8}\n')
const DEBUG_LOG = Buffer.from('noise\n')
const SMALL = binary(100 * 1024, 1)
const LARGE = binary(5 * CHUNK - 1000, 2)

interface Addition {
  path: string
  content: Buffer
  uploadMode?: 'lfs' | 'regular'
  shouldIgnore?: boolean
  remoteOid?: string | null
}

const session = { commitOid: '', firstCommit: '', prNumber: 0 }
const api = (path: string): string => `${hub.url}/api/models/${REPO}${path}`

// ---- the session ----

test('whoami and create_repo(exist_ok=True): 200 with url, then 409 whose body still has url', async () => {
  const me = await py('GET', `${hub.url}/api/whoami-v2`)
  assert.equal(pyError(me), null)
  assert.equal(json<{ name: string; auth: { accessToken: { role: string } } }>(me).name, NAMESPACE)
  // hf_api.py create_repo: {"name", "organization"}, "private" only when given, no "type" for models.
  const body = { name: NAME, organization: NAMESPACE, private: false }
  const created = await py('POST', `${hub.url}/api/repos/create`, { json: body })
  assert.equal(pyError(created), null)
  assert.equal(json<{ url: string }>(created).url, `${hub.url}/${REPO}`)
  const again = await py('POST', `${hub.url}/api/repos/create`, { json: body })
  assert.equal(again.status, 409, 'exist_ok swallows exactly a 409')
  assert.doesNotMatch(again.text, /another conflicting operation is in progress/, 'or the client would loop')
  assert.equal(json<{ url: string }>(again).url, `${hub.url}/${REPO}`, 'read as d["url"] after the 409')
})

test('create_commit with README.md: validate-yaml first, then preupload with gitIgnore', async () => {
  const validation = await py('POST', `${hub.url}/api/validate-yaml`, {
    json: { content: README.toString('utf8'), repoType: 'model' }
  })
  assert.equal(pyError(validation), null, validation.text)
  assert.deepEqual(json(validation), { errors: [], warnings: [] })

  const additions: Addition[] = [
    { path: 'README.md', content: README },
    { path: '.gitignore', content: GITIGNORE },
    { path: 'config.json', content: CONFIG },
    { path: 'debug.log', content: DEBUG_LOG },
    { path: 'weights/small.bin', content: SMALL },
    { path: 'weights/sub/large.bin', content: LARGE }
  ]
  // _commit_api.py _fetch_upload_modes: sample = first 512 bytes, base64; gitIgnore from the .gitignore added.
  const preupload = await py('POST', api('/preupload/main'), {
    json: {
      files: additions.map((a) => ({
        path: a.path,
        sample: a.content.subarray(0, 512).toString('base64'),
        size: a.content.length
      })),
      gitIgnore: GITIGNORE.toString('utf8')
    }
  })
  assert.equal(pyError(preupload), null, preupload.text)
  const info = json<{ files: Array<Record<string, unknown>>; commitOid: string }>(preupload)
  // _validate_preupload_info, then file["uploadMode"] and file["shouldIgnore"] for every path.
  for (const file of info.files) {
    assert.equal(typeof file.path, 'string')
    assert.ok(file.uploadMode === 'lfs' || file.uploadMode === 'regular')
    assert.equal(typeof file.shouldIgnore, 'boolean')
  }
  const byPath = new Map(info.files.map((file) => [file.path, file]))
  for (const addition of additions) {
    const file = byPath.get(addition.path)!
    addition.uploadMode = file.uploadMode as 'lfs' | 'regular'
    addition.shouldIgnore = file.shouldIgnore as boolean
    addition.remoteOid = (file.oid as string | undefined) ?? null
  }
  assert.deepEqual(
    additions.map((a) => [a.path, a.uploadMode, a.shouldIgnore]),
    [
      ['README.md', 'regular', false],
      ['.gitignore', 'regular', false],
      ['config.json', 'regular', false],
      ['debug.log', 'regular', true],
      ['weights/small.bin', 'lfs', false],
      ['weights/sub/large.bin', 'lfs', false]
    ]
  )
  assert.match(info.commitOid, /^[0-9a-f]{40}$/)
  sessionAdditions.push(...additions)
})

const sessionAdditions: Addition[] = []

test('LFS batch (sha256, basic+multipart, ref.name), basic PUT, sequential parts, completion and verify', async () => {
  const lfs = sessionAdditions.filter((a) => a.uploadMode === 'lfs' && !a.shouldIgnore)
  // lfs.py post_lfs_batch_info: LFS_HEADERS plus build_hf_headers; ref.name is the unquoted revision.
  const batch = await py('POST', `${hub.url}/${REPO}.git/info/lfs/objects/batch`, {
    headers: { Accept: 'application/vnd.git-lfs+json', 'Content-Type': 'application/vnd.git-lfs+json' },
    body: pyJson({
      operation: 'upload',
      transfers: ['basic', 'multipart'],
      objects: lfs.map((a) => ({ oid: sha256(a.content), size: a.content.length })),
      hash_algo: 'sha256',
      ref: { name: 'main' }
    })
  })
  assert.equal(pyError(batch), null, batch.text)
  const answer = json<{ objects: Array<Record<string, any>>; transfer?: string }>(batch)
  assert.ok(
    answer.transfer === undefined || answer.transfer === 'basic',
    'never "xet" to a client that did not offer it'
  )
  // One answer per object asked for, in order: the loop below must walk both upload kinds.
  assert.deepEqual(
    answer.objects.map((object) => object.oid),
    lfs.map((a) => sha256(a.content))
  )
  const uploadKinds: string[] = []
  for (const [i, object] of answer.objects.entries()) {
    // _validate_batch_actions / _validate_lfs_action
    assert.equal(typeof object.oid, 'string')
    assert.ok(Number.isInteger(object.size))
    assert.equal(object.error, undefined)
    const upload = object.actions.upload as { href: string; header?: Record<string, string> }
    const verify = object.actions.verify as { href: string; header?: Record<string, string> } | undefined
    assert.equal(typeof upload.href, 'string')
    const content = lfs[i]!.content
    const chunkSize = upload.header?.chunk_size
    uploadKinds.push(chunkSize === undefined ? 'single' : 'multipart')
    if (chunkSize === undefined) {
      // _upload_single_part: http_backoff("PUT", upload_url, data=fileobj): no HF headers, no token.
      const put = await py('PUT', upload.href, { hf: false, body: content })
      assert.equal(pyError(put), null, put.text)
    } else {
      // _get_sorted_parts_urls: all-digit keys sorted numerically, as many as ceil(size / chunk_size).
      const partUrls = Object.entries(upload.header!)
        .filter(([key]) => /^\d+$/.test(key))
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([, url]) => url)
      const size = Number(chunkSize)
      assert.equal(partUrls.length, Math.ceil(content.length / size))
      const etags: string[] = []
      for (const [p, url] of partUrls.entries()) {
        const part = await py('PUT', url, { hf: false, body: content.subarray(p * size, (p + 1) * size) })
        assert.equal(pyError(part), null, part.text)
        const etag = part.headers.get('etag')
        assert.ok(etag, `_get_completion_payload needs a non-empty etag for part ${p + 1}`)
        etags.push(etag)
      }
      // The completion POST: json= with LFS_HEADERS only (no token), to a Hub URL.
      assert.equal(new URL(upload.href).origin, hub.url)
      const completion = await py('POST', upload.href, {
        hf: false,
        headers: { Accept: 'application/vnd.git-lfs+json', 'Content-Type': 'application/vnd.git-lfs+json' },
        body: pyJson({ oid: sha256(content), parts: etags.map((etag, p) => ({ partNumber: p + 1, etag })) })
      })
      assert.equal(pyError(completion), null, completion.text)
    }
    assert.ok(verify, 'a verify action is offered')
    // lfs_upload step 3: POST {"oid", "size"} with build_hf_headers (the token).
    const verified = await py('POST', verify.href, { json: { oid: sha256(content), size: content.length } })
    assert.equal(pyError(verified), null, verified.text)
    const unauthenticated = await py('POST', verify.href, {
      hf: false,
      json: { oid: sha256(content), size: content.length }
    })
    assert.equal(unauthenticated.status, 401)
  }
  assert.deepEqual(uploadKinds, ['single', 'multipart'], 'small.bin in one PUT, large.bin in parts')
})

test('the NDJSON commit (ignored file skipped, description "", trailing newline): commitUrl, commitOid', async () => {
  const lines = [
    { key: 'header', value: { summary: 'Upload folder using huggingface_hub', description: '' } },
    ...sessionAdditions
      .filter((a) => !a.shouldIgnore)
      .map((a) =>
        a.uploadMode === 'regular'
          ? { key: 'file', value: { content: a.content.toString('base64'), path: a.path, encoding: 'base64' } }
          : { key: 'lfsFile', value: { path: a.path, algo: 'sha256', oid: sha256(a.content), size: a.content.length } }
      )
  ]
  const response = await py('POST', api('/commit/main'), {
    headers: { 'Content-Type': 'application/x-ndjson' },
    body: lines.map((line) => `${pyJson(line)}\n`).join('')
  })
  assert.equal(pyError(response), null, response.text)
  const commit = json<{ commitUrl: string; commitOid: string; pullRequestUrl?: string }>(response)
  assert.match(commit.commitOid, /^[0-9a-f]{40}$/)
  assert.equal(commit.commitUrl, `${hub.url}/${REPO}/commit/${commit.commitOid}`)
  assert.equal(commit.pullRequestUrl, undefined)
  session.commitOid = commit.commitOid
  session.firstCommit = commit.commitOid
  assert.equal(await hub.readFile(REPO, 'main', 'debug.log'), null, 'the ignored file was never sent')
  assert.ok((await hub.readFile(REPO, 'main', 'weights/sub/large.bin'))?.equals(LARGE))

  // A second create_commit of the same README: preupload reports the remote oid, the client drops the no-op.
  const preupload = await py('POST', api('/preupload/main'), {
    json: { files: [{ path: 'README.md', sample: README.subarray(0, 512).toString('base64'), size: README.length }] }
  })
  const [file] = json<{ files: Array<{ oid?: string }> }>(preupload).files
  assert.equal(file?.oid, gitBlobSha1(README), '_remote_oid == _local_oid → skipped')
})

test('list_repo_tree(recursive=True, expand=False) follows Link; a nested path is one quoted segment', async () => {
  const { items, pages } = await pyPaginate<Record<string, any>>(api('/tree/main'), { recursive: true, expand: false })
  assert.ok(pages > 1, 'several pages of 3')
  const paths = items.map((entry) => entry.path)
  assert.deepEqual(paths.sort(), [
    '.gitattributes',
    '.gitignore',
    'README.md',
    'config.json',
    'weights',
    'weights/small.bin',
    'weights/sub',
    'weights/sub/large.bin'
  ])
  for (const entry of items) {
    // RepoFile(**entry) pops path, size, oid (lfs, lastCommit, securityFileStatus optional); RepoFolder path, oid.
    assert.equal(typeof entry.path, 'string')
    assert.match(entry.oid, /^[0-9a-f]{40}$/)
    if (entry.type === 'file') assert.equal(typeof entry.size, 'number')
    else assert.equal(entry.type, 'directory')
  }
  const large = items.find((entry) => entry.path === 'weights/sub/large.bin')
  assert.deepEqual(large?.lfs, { oid: sha256(LARGE), size: LARGE.length, pointerSize: large?.lfs.pointerSize })
  assert.equal(items.find((entry) => entry.path === 'README.md')?.oid, gitBlobSha1(README))

  const nested = await pyPaginate<{ path: string }>(api(`/tree/main/${quote('weights/sub')}`), {
    recursive: false,
    expand: true
  })
  assert.deepEqual(
    nested.items.map((entry) => entry.path),
    ['weights/sub/large.bin']
  )
  const missing = await py('GET', api(`/tree/main/${quote('nope')}`), { params: { recursive: false, expand: false } })
  assert.equal(pyError(missing), 'EntryNotFoundError')
  const badRevision = await py('GET', api('/tree/v9'), { params: { recursive: false, expand: false } })
  assert.equal(pyError(badRevision), 'RevisionNotFoundError')
})

test('get_paths_info sends paths form-encoded (paths=…&paths=…&expand=False)', async () => {
  const response = await py('POST', api(`/paths-info/${quote(session.commitOid)}`), {
    data: { paths: ['README.md', 'weights', 'missing.txt'], expand: false }
  })
  assert.equal(pyError(response), null, response.text)
  const entries = json<Array<Record<string, any>>>(response)
  assert.deepEqual(
    entries.map((entry) => [entry.path, entry.type]),
    [
      ['README.md', 'file'],
      ['weights', 'directory']
    ]
  )
  assert.equal(entries[0]?.lastCommit, undefined, 'expand=False')
  const expanded = await py('POST', api('/paths-info/main'), { data: { paths: ['README.md'], expand: true } })
  assert.equal(json<Array<{ lastCommit: { id: string } }>>(expanded)[0]?.lastCommit.id, session.commitOid)
})

test('HEAD /resolve/ by branch and commit: X-Repo-Commit, ETag or X-Linked-Etag, size; the download', async () => {
  for (const revision of ['main', session.commitOid]) {
    const url = `${hub.url}/${REPO}/resolve/${quote(revision)}/README.md`
    const { response } = await pyFileMetadata(url)
    assert.equal(pyError(response), null)
    assert.deepEqual(fileMetadata(response), {
      commitHash: session.commitOid,
      etag: gitBlobSha1(README),
      size: README.length,
      location: url
    })
    const download = await py('GET', url)
    assert.equal(download.text, README.toString('utf8'))
  }
  // An LFS file: a 302 to an absolute URL, which get_hf_file_metadata does not follow; the metadata is on the 302.
  const lfsUrl = `${hub.url}/${REPO}/resolve/main/${'weights/sub/large.bin'}`
  const { response, followed } = await pyFileMetadata(lfsUrl)
  assert.deepEqual(followed, [])
  assert.equal(response.status, 302)
  const metadata = fileMetadata(response)
  assert.deepEqual(
    { commitHash: metadata.commitHash, etag: metadata.etag, size: metadata.size },
    { commitHash: session.commitOid, etag: sha256(LARGE), size: LARGE.length }
  )
  assert.match(metadata.location, /^http:\/\//)
  const blob = await fetch(metadata.location, { headers: { authorization: `Bearer ${TOKEN}` } })
  assert.ok(Buffer.from(await blob.arrayBuffer()).equals(LARGE))

  // Errors on HEAD: the header is all the client has.
  const classify = async (path: string, token = TOKEN): Promise<string | null> => {
    const head = (await pyFileMetadata(`${hub.url}${path}`, token)).response
    assert.equal(head.text, '', 'a HEAD answer has no body')
    return pyError(head)
  }
  assert.equal(await classify(`/${REPO}/resolve/main/nope.txt`), 'EntryNotFoundError')
  assert.equal(await classify(`/${REPO}/resolve/v404/README.md`), 'RevisionNotFoundError')
  assert.equal(await classify(`/${NAMESPACE}/no-such-repo/resolve/main/README.md`), 'RepositoryNotFoundError')
  await hub.createRepo(`${NAMESPACE}/gated`, { gated: 'manual', gatedAccess: [NAMESPACE] })
  assert.equal(await classify(`/${NAMESPACE}/gated/resolve/main/.gitattributes`), null, 'granted')
  assert.equal(await classify(`/${NAMESPACE}/gated/resolve/main/.gitattributes`, OTHER_TOKEN), 'GatedRepoError')
})

test('model_info(files_metadata=True) with blobs=True; xetEnabled false; xet-write-token 404', async () => {
  const info = await py('GET', api(`/revision/${quote('main')}`), { params: { blobs: true } })
  assert.equal(pyError(info), null)
  const body = json<{ sha: string; siblings: Array<Record<string, any>>; cardData: Record<string, unknown> }>(info)
  assert.equal(body.sha, session.commitOid)
  const small = body.siblings.find((sibling) => sibling.rfilename === 'weights/small.bin')
  assert.deepEqual(small, {
    rfilename: 'weights/small.bin',
    blobId: small?.blobId,
    size: SMALL.length,
    lfs: { sha256: sha256(SMALL), size: SMALL.length, pointerSize: small?.lfs.pointerSize }
  })
  assert.equal(body.cardData.license, 'apache-2.0')
  const xet = await py('GET', api(''), { params: { expand: ['xetEnabled'] } })
  assert.deepEqual(Object.keys(json(xet)).sort(), ['_id', 'id', 'xetEnabled'])
  assert.equal(json<{ xetEnabled: boolean }>(xet).xetEnabled, false)
  const token = await py('GET', api('/xet-write-token/main'))
  assert.equal(token.status, 404)
})

test('branches, tags and refs: create, 409 on exists, delete, RevisionNotFound; converts and include_prs', async () => {
  const branch = await py('POST', api(`/branch/${quote('dev')}`), { json: {} })
  assert.equal(pyError(branch), null)
  const existing = await py('POST', api(`/branch/${quote('dev')}`), { json: {} })
  assert.equal(existing.status, 409, 'create_branch(exist_ok=True) swallows a 409')
  assert.match(existing.text, /Reference refs\/heads\/dev already exists/)
  assert.equal(
    pyError(await py('POST', api('/branch/from-commit'), { json: { startingPoint: session.commitOid } })),
    null
  )

  const tag = await py('POST', api(`/tag/${quote('main')}`), { json: { tag: 'v1.0', message: 'first release' } })
  assert.equal(pyError(tag), null)
  assert.equal((await py('POST', api('/tag/main'), { json: { tag: 'v1.0' } })).status, 409)
  assert.equal(pyError(await py('POST', api('/tag/v404'), { json: { tag: 'v2.0' } })), 'RevisionNotFoundError')

  const refs = json<Record<string, Array<Record<string, string>>>>(await py('GET', api('/refs')))
  // list_repo_refs reads data["branches"], data["converts"], data["tags"], items' name, ref, targetCommit.
  assert.deepEqual(Object.keys(refs).sort(), ['branches', 'converts', 'tags'])
  assert.deepEqual(refs.converts, [])
  assert.deepEqual(refs.branches?.map((entry) => entry.name).sort(), ['dev', 'from-commit', 'main'])
  assert.deepEqual(refs.tags, [{ name: 'v1.0', ref: 'refs/tags/v1.0', targetCommit: session.commitOid }])

  assert.equal(pyError(await py('DELETE', api(`/tag/${quote('v1.0')}`))), null)
  assert.equal(pyError(await py('DELETE', api('/tag/v1.0'))), 'RevisionNotFoundError')
  assert.equal(pyError(await py('DELETE', api('/branch/dev'))), null)
  assert.equal((await py('DELETE', api('/branch/main'))).status, 403)
})

test('create_pr=1 on preupload and commit, no ref in the batch: pullRequestUrl ends in /discussions/<n>', async () => {
  const content = Buffer.from('a change proposed in a PR\n')
  const preupload = await py('POST', api('/preupload/main'), {
    params: { create_pr: '1' },
    json: { files: [{ path: 'pr.txt', sample: content.toString('base64'), size: content.length }] }
  })
  assert.equal(pyError(preupload), null)
  const lfsContent = binary(1000, 9)
  // preupload_lfs_files passes revision=None when create_pr, so post_lfs_batch_info sends no "ref".
  const batch = await py('POST', `${hub.url}/${REPO}.git/info/lfs/objects/batch`, {
    headers: { Accept: 'application/vnd.git-lfs+json', 'Content-Type': 'application/vnd.git-lfs+json' },
    body: pyJson({
      operation: 'upload',
      transfers: ['basic', 'multipart'],
      objects: [{ oid: sha256(lfsContent), size: lfsContent.length }],
      hash_algo: 'sha256'
    })
  })
  const href = json<{ objects: Array<{ actions: { upload: { href: string } } }> }>(batch).objects[0]!.actions.upload
    .href
  assert.equal(pyError(await py('PUT', href, { hf: false, body: lfsContent })), null)
  const lines = [
    { key: 'header', value: { summary: 'Proposed change', description: 'from the Python client' } },
    { key: 'file', value: { content: content.toString('base64'), path: 'pr.txt', encoding: 'base64' } },
    { key: 'lfsFile', value: { path: 'pr.bin', algo: 'sha256', oid: sha256(lfsContent), size: lfsContent.length } }
  ]
  const response = await py('POST', api('/commit/main'), {
    params: { create_pr: '1' },
    headers: { 'Content-Type': 'application/x-ndjson' },
    body: lines.map((line) => `${pyJson(line)}\n`).join('')
  })
  assert.equal(pyError(response), null, response.text)
  const commit = json<{ commitOid: string; pullRequestUrl: string }>(response)
  const number = Number(/\/discussions\/(\d+)$/.exec(commit.pullRequestUrl)?.[1])
  assert.equal(commit.pullRequestUrl, `${hub.url}/${REPO}/discussions/${number}`)
  session.prNumber = number
  assert.equal(await hub.readFile(REPO, 'main', 'pr.txt'), null, 'main is untouched')
  const refs = json<{ pullRequests: Array<{ ref: string; targetCommit: string }> }>(
    await py('GET', api('/refs'), { params: { include_prs: 1 } })
  )
  assert.deepEqual(refs.pullRequests, [
    { name: `refs/pr/${number}`, ref: `refs/pr/${number}`, targetCommit: commit.commitOid }
  ])
  // A follow-up commit to the PR: the revision is one quoted segment.
  const followUp = await py('POST', api(`/commit/${quote(`refs/pr/${number}`)}`), {
    headers: { 'Content-Type': 'application/x-ndjson' },
    body: `${pyJson({ key: 'header', value: { summary: 'Follow-up', description: '' } })}\n${pyJson({
      key: 'deletedFile',
      value: { path: 'pr.txt' }
    })}\n`
  })
  assert.equal(pyError(followUp), null, followUp.text)
})

test('copies (lfsFile without size, or the regular file re-sent), deletedFile and deletedFolder', async () => {
  // _fetch_files_to_copy: paths-info of the destinations and the sources, form-encoded.
  const destinations = await py('POST', api('/paths-info/main'), {
    data: { paths: ['copies/large.bin', 'copies/config.json'], expand: false }
  })
  assert.deepEqual(json(destinations), [])
  const sources = json<Array<{ path: string; oid: string; lfs?: { oid: string } }>>(
    await py('POST', api('/paths-info/main'), {
      data: { paths: ['weights/sub/large.bin', 'config.json'], expand: false }
    })
  )
  const lfsSource = sources.find((entry) => entry.lfs)!
  const regularSource = sources.find((entry) => !entry.lfs)!
  // A regular source is downloaded (hf_hub_url, GET with the HF headers) and re-sent as a file.
  const regular = await py('GET', `${hub.url}/${REPO}/resolve/main/${regularSource.path}`)
  const lines = [
    { key: 'header', value: { summary: 'Copy and delete', description: '' } },
    { key: 'lfsFile', value: { path: 'copies/large.bin', algo: 'sha256', oid: lfsSource.lfs!.oid } },
    {
      key: 'file',
      value: { content: Buffer.from(regular.text).toString('base64'), path: 'copies/config.json', encoding: 'base64' }
    },
    { key: 'deletedFile', value: { path: 'config.json' } },
    { key: 'deletedFolder', value: { path: 'weights/sub/' } }
  ]
  const response = await py('POST', api('/commit/main'), {
    headers: { 'Content-Type': 'application/x-ndjson' },
    body: lines.map((line) => `${pyJson(line)}\n`).join('')
  })
  assert.equal(pyError(response), null, response.text)
  session.commitOid = json<{ commitOid: string }>(response).commitOid
  assert.ok((await hub.readFile(REPO, 'main', 'copies/large.bin'))?.equals(LARGE))
  assert.ok((await hub.readFile(REPO, 'main', 'copies/config.json'))?.equals(CONFIG))
  assert.equal(await hub.readFile(REPO, 'main', 'config.json'), null)
  assert.equal(await hub.readFile(REPO, 'main', 'weights/sub/large.bin'), null)
  // Deleting what is not there: EntryNotFound with the text the client appends its hint to.
  const missing = await py('POST', api('/commit/main'), {
    headers: { 'Content-Type': 'application/x-ndjson' },
    body: `${pyJson({ key: 'header', value: { summary: 'x', description: '' } })}\n${pyJson({
      key: 'deletedFile',
      value: { path: 'config.json' }
    })}\n`
  })
  assert.equal(pyError(missing), 'EntryNotFoundError')
  assert.match(missing.text, /A file with this name doesn't exist/)
})

test('list_repo_commits follows Link; items have id, authors[].user, date, title, message, formatted', async () => {
  for (const n of [1, 2]) {
    const note = Buffer.from(`note ${n}\n`)
    const lines = [
      { key: 'header', value: { summary: `Add note ${n}`, description: '' } },
      { key: 'file', value: { content: note.toString('base64'), path: `notes/${n}.txt`, encoding: 'base64' } }
    ]
    const response = await py('POST', api('/commit/main'), {
      headers: { 'Content-Type': 'application/x-ndjson' },
      body: lines.map((line) => `${pyJson(line)}\n`).join('')
    })
    assert.equal(pyError(response), null)
    session.commitOid = json<{ commitOid: string }>(response).commitOid
  }
  const { items, pages } = await pyPaginate<Record<string, any>>(api(`/commits/${quote('main')}`))
  assert.equal(pages, 2, 'five commits in pages of three')
  assert.deepEqual(
    items.map((item) => item.title),
    ['Add note 2', 'Add note 1', 'Copy and delete', 'Upload folder using huggingface_hub', 'initial commit']
  )
  for (const item of items) {
    assert.match(item.id, /^[0-9a-f]{40}$/)
    assert.equal(typeof item.authors[0].user, 'string')
    assert.match(item.date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
    assert.equal(typeof item.message, 'string')
  }
  const formatted = await pyPaginate<{ formatted: { title: string } }>(api('/commits/main'), {
    'expand[]': 'formatted'
  })
  assert.equal(formatted.items[2]?.formatted.title, 'Copy and delete')
  const pr = await pyPaginate<{ title: string }>(api(`/commits/${quote(`refs/pr/${session.prNumber}`)}`))
  assert.equal(pr.items[0]?.title, 'Follow-up')
})

test('a README.md the Hub refuses stops create_commit at validate-yaml: 400, "Invalid metadata…"', async () => {
  const invalid = '---\nmodel-index: foo\n---\n\nThis is a modelcard with an invalid metadata section.\n'
  const response = await py('POST', `${hub.url}/api/validate-yaml`, { json: { content: invalid, repoType: 'model' } })
  assert.equal(pyError(response), 'BadRequestError', 'hf_raise_for_status raises BadRequestError on the 400')
  const { errors, warnings } = json<{ errors: Array<{ message: string }>; warnings: Array<{ message: string }> }>(
    response
  )
  assert.deepEqual(warnings, [])
  assert.equal(
    `Invalid metadata in README.md.\n${errors.map((error) => `- ${error.message}`).join('\n')}`,
    'Invalid metadata in README.md.\n- "model-index" must be an array'
  )
  const empty = json<{ warnings: Array<{ message: string }> }>(
    await py('POST', `${hub.url}/api/validate-yaml`, { json: { content: 'No metadata', repoType: 'model' } })
  )
  assert.deepEqual(empty.warnings, [{ message: 'empty or missing yaml metadata in repo card' }])
})

test('move_repo, then the old name: a relative 307 the client follows, for the API and HEAD /resolve/', async () => {
  const moved = await py('POST', `${hub.url}/api/repos/move`, {
    json: { fromRepo: REPO, toRepo: `${NAMESPACE}/py-renamed`, type: 'model' }
  })
  assert.equal(pyError(moved), null, moved.text)
  const info = await py('GET', api(''))
  assert.equal(info.status, 307)
  assert.equal(info.headers.get('location'), `/api/models/${NAMESPACE}/py-renamed`)
  const { response, followed } = await pyFileMetadata(`${hub.url}/${REPO}/resolve/main/README.md`)
  assert.deepEqual(followed, [`/${NAMESPACE}/py-renamed/resolve/main/README.md`])
  assert.deepEqual(fileMetadata(response), {
    commitHash: session.commitOid,
    etag: gitBlobSha1(README),
    size: README.length,
    location: `${hub.url}/${NAMESPACE}/py-renamed/resolve/main/README.md`
  })
})

test('delete_repo: {"name", "organization", "type"}; a second delete is RepositoryNotFound (missing_ok)', async () => {
  const body = { name: 'py-renamed', organization: NAMESPACE, type: 'model' }
  assert.equal(pyError(await py('DELETE', `${hub.url}/api/repos/delete`, { json: body })), null)
  const again = await py('DELETE', `${hub.url}/api/repos/delete`, { json: body })
  assert.equal(pyError(again), 'RepositoryNotFoundError')
  const requests = hub.stats.requests
  assert.ok(
    requests.some((entry) => entry.surface === 'storage'),
    'uploads went to the storage origin'
  )
})
