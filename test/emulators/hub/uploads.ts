// LFS upload sessions behind the URLs handed out by the batch endpoint (E5–E7). Bodies are streamed
// to disk, never held in memory: a basic PUT is hashed while it streams; multipart parts are written
// at their offset into one preallocated file and hashed in order as soon as they become contiguous,
// so completion only has to wait for the tail of the hash instead of re-reading the whole object.
// PUTs answer like S3 (S3Error, ETag = quoted MD5 of the bytes); the completion is a Hub route
// (HubHttpError), which refuses a repeated completion the way S3 does (NoSuchUpload).
import { createHash, randomBytes, type Hash } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { HubHttpError, badRequest, repoNotFound } from './errors.ts'
import { isObject } from './http.ts'
import { S3Error } from './presigned.ts'
import type { HubStore } from './store.ts'
import type { HubStats, RepoRef } from './types.ts'

const WRITE_BATCH_BYTES = 4 * 1024 * 1024
const HASH_READ_BYTES = 4 * 1024 * 1024
/** Per upload: how many bytes of received-but-not-yet-hashed parts stay in memory. */
const MAX_BUFFERED_PART_BYTES = 64 * 1024 * 1024
const IDLE_SESSION_MS = 60 * 60 * 1000

export interface UploadTarget {
  repo: RepoRef
  oid: string
  size: number
}

type PartState = 'missing' | 'writing' | 'received'

/** S3's answer to a part or completion for an upload id it does not (or no longer) know. */
export const NO_SUCH_UPLOAD =
  'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'

interface BasicSession extends UploadTarget {
  kind: 'basic'
  /** PUTs arriving now: S3 accepts concurrent and repeated PUTs to a presigned URL (the last one wins). */
  inFlight: number
  lastActivity: number
}

interface MultipartSession extends UploadTarget {
  kind: 'multipart'
  key: string
  chunkSize: number
  file: string
  handle?: Promise<FileHandle>
  /**
   * `bytes`: a received part kept in memory until the running hash reaches it (see receivePart).
   * `generation` counts attempts: a part re-sent while an earlier attempt is still arriving
   * supersedes it (S3 keeps the last one), and the earlier attempt's outcome is ignored.
   */
  parts: Array<{ state: PartState; etag?: string; bytes?: Buffer[]; generation: number }>
  /** Bytes held in `parts[].bytes`, bounded by MAX_BUFFERED_PART_BYTES. */
  bufferedBytes: number
  hash: Hash
  /** Parts [0, hashedParts) are in `hash`. */
  hashedParts: number
  /** Index of the part being hashed right now, -1 when idle. */
  hashingIndex: number
  /** False once a hashed part was overwritten: completion then re-hashes the whole file. */
  hashValid: boolean
  hashing: Promise<void>
  lastActivity: number
}

type Session = BasicSession | MultipartSession

export class UploadSessions {
  private readonly sessions = new Map<string, Session>()
  private readonly store: HubStore
  private readonly stats: HubStats
  private readonly sweeper: NodeJS.Timeout

  constructor(store: HubStore, stats: HubStats) {
    this.store = store
    this.stats = stats
    this.sweeper = setInterval(() => void this.dropIdleSessions(), 10 * 60 * 1000)
    this.sweeper.unref()
  }

  /** A one-time storage key for a single PUT of the whole object. */
  createBasic(target: UploadTarget): string {
    const key = storageKey(target.oid)
    this.sessions.set(key, { ...target, kind: 'basic', inFlight: 0, lastActivity: Date.now() })
    return key
  }

  /** A multipart upload: its S3-style upload id, storage key and number of parts. */
  createMultipart(target: UploadTarget, chunkSize: number): { uploadId: string; key: string; partCount: number } {
    const uploadId = randomBytes(48).toString('base64url')
    const key = storageKey(target.oid)
    const partCount = Math.max(1, Math.ceil(target.size / chunkSize))
    this.sessions.set(uploadId, {
      ...target,
      kind: 'multipart',
      chunkSize,
      file: this.store.tmpPath('lfs-multipart'),
      key,
      parts: Array.from({ length: partCount }, () => ({ state: 'missing', generation: 0 })),
      hash: createHash('sha256'),
      hashedParts: 0,
      bufferedBytes: 0,
      hashingIndex: -1,
      hashValid: true,
      hashing: Promise.resolve(),
      lastActivity: Date.now()
    })
    return { uploadId, key, partCount }
  }

  /**
   * E5: the whole object in one PUT; stored only if size and SHA-256 match the batch request.
   * Answers the ETag. The URL stays usable until it expires, as a presigned S3 URL does, so a PUT
   * retried after a lost answer stores the same object again and succeeds.
   */
  async receiveBasic(key: string, req: IncomingMessage): Promise<string> {
    const session = this.storageSession(key, 'basic')
    const length = declaredLength(req)
    if (length !== session.size) {
      throw new S3Error(
        400,
        'InvalidArgument',
        `Content-Length ${length} does not match the size of object ${session.oid} (${session.size})`
      )
    }
    session.inFlight++
    const file = this.store.tmpPath('lfs-basic')
    const handle = await open(file, 'w')
    const hash = createHash('sha256')
    const md5 = createHash('md5')
    try {
      const written = await writeBodyAt(req, handle, 0, (chunk) => {
        hash.update(chunk)
        md5.update(chunk)
        this.stats.lfsBytesReceived += chunk.length
      })
      await handle.close()
      if (written !== session.size) throw incompleteBody(written, session.size)
      const digest = hash.digest('hex')
      if (digest !== session.oid) {
        throw new S3Error(400, 'BadDigest', 'The SHA256 you specified did not match the calculated checksum.', {
          ExpectedDigest: session.oid,
          CalculatedDigest: digest
        })
      }
      if (!(await this.store.installLfsObject(session.repo, session.oid, file))) {
        throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist')
      }
      return `"${md5.digest('hex')}"`
    } catch (error) {
      await handle.close().catch(() => undefined)
      await rm(file, { force: true })
      throw error
    } finally {
      session.inFlight--
      session.lastActivity = Date.now()
    }
  }

  /** E6: one part, written at its offset; answers the part's ETag (quoted MD5, as S3). */
  async receivePart(uploadId: string, partNumber: number, req: IncomingMessage): Promise<string> {
    const session = this.storageSession(uploadId, 'multipart')
    const index = partNumber - 1
    const part = session.parts[index]
    if (!Number.isInteger(partNumber) || !part) {
      throw new S3Error(400, 'InvalidArgument', `Part number must be an integer between 1 and ${session.parts.length}`)
    }
    const offset = index * session.chunkSize
    const expected = Math.min(session.chunkSize, session.size - offset)
    const length = declaredLength(req)
    if (length !== expected) {
      throw new S3Error(
        400,
        'InvalidArgument',
        `Content-Length ${length} does not match the size of part ${partNumber} (${expected})`
      )
    }
    // Overwriting a part whose bytes are already in the running hash invalidates that hash.
    if (index < session.hashedParts || index === session.hashingIndex) session.hashValid = false
    const generation = ++part.generation
    part.state = 'writing'
    part.etag = undefined
    this.forgetBytes(session, part)
    session.lastActivity = Date.now()
    // Parts arrive a few at a time, mostly in order: keeping each in memory until the running
    // hash reaches it saves reading every byte back from disk, within a bounded budget.
    const keep = session.bufferedBytes + expected <= MAX_BUFFERED_PART_BYTES
    const bytes: Buffer[] = []
    if (keep) session.bufferedBytes += expected
    const md5 = createHash('md5')
    const current = (): boolean => part.generation === generation
    try {
      const handle = await this.openMultipartFile(session)
      const written = await writeBodyAt(req, handle, offset, (chunk) => {
        this.stats.lfsBytesReceived += chunk.length
        md5.update(chunk)
        if (keep) bytes.push(chunk)
      })
      if (written !== expected) throw incompleteBody(written, expected)
    } catch (error) {
      if (keep) session.bufferedBytes -= expected
      if (current()) part.state = 'missing'
      throw error
    }
    const etag = `"${md5.digest('hex')}"`
    if (!current()) {
      // A later attempt at the same part took over; it decides the part's bytes and ETag.
      if (keep) session.bufferedBytes -= expected
      return etag
    }
    if (keep) part.bytes = bytes
    part.state = 'received'
    part.etag = etag
    session.lastActivity = Date.now()
    session.hashing = session.hashing.then(() => this.hashContiguousParts(session))
    return etag
  }

  /**
   * E7: checks the part list, finishes the hash and stores the object. A repeated completion (the
   * upload is gone) is refused like S3 refuses it: 404 NoSuchUpload, although the object is stored.
   */
  async complete(uploadId: string, body: unknown): Promise<void> {
    const session = this.sessions.get(uploadId)
    if (!session || session.kind !== 'multipart') throw new HubHttpError(404, NO_SUCH_UPLOAD)
    this.checkCompletionRequest(session, body)
    // One completion per upload: a concurrent or repeated one finds no session.
    this.sessions.delete(uploadId)
    await session.hashing
    const handle = await this.openMultipartFile(session)
    const digest =
      session.hashValid && session.hashedParts === session.parts.length
        ? session.hash.digest('hex')
        : await hashWholeFile(handle, session.size)
    await handle.close()
    if (digest !== session.oid) {
      await rm(session.file, { force: true })
      throw badRequest(`SHA-256 of the assembled object (${digest}) does not match the object id ${session.oid}`)
    }
    if (!(await this.store.installLfsObject(session.repo, session.oid, session.file))) throw repoNotFound()
  }

  /** The storage key of a multipart upload, for URL checks. */
  multipartKey(uploadId: string): string | undefined {
    const session = this.sessions.get(uploadId)
    return session?.kind === 'multipart' ? session.key : undefined
  }

  /** Drops every session and its temp file (emulator shutdown). */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper)
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(sessions.map((session) => discard(session)))
  }

  private storageSession<K extends Session['kind']>(id: string, kind: K): Extract<Session, { kind: K }> {
    const session = this.sessions.get(id)
    if (session?.kind === kind) return session as Extract<Session, { kind: K }>
    if (kind === 'multipart') throw new S3Error(404, 'NoSuchUpload', NO_SUCH_UPLOAD, { UploadId: id })
    // A basic upload session that was dropped (idle for an hour, or a restart) or never existed.
    throw new S3Error(403, 'AccessDenied', 'Access Denied')
  }

  private checkCompletionRequest(session: MultipartSession, body: unknown): void {
    if (!isObject(body) || !Array.isArray(body.parts))
      throw badRequest('Expected {"oid", "parts": [{"partNumber", "etag"}]}')
    if (body.oid !== session.oid) throw badRequest(`oid ${String(body.oid)} does not belong to this upload`)
    if (body.parts.length !== session.parts.length) {
      throw badRequest(`Expected ${session.parts.length} parts, got ${body.parts.length}`)
    }
    const seen = new Set<number>()
    for (const entry of body.parts as unknown[]) {
      const partNumber = isObject(entry) ? Number(entry.partNumber) : NaN
      const part = session.parts[partNumber - 1]
      if (!part || seen.has(partNumber) || !isObject(entry))
        throw badRequest(`Invalid or duplicate partNumber ${String(partNumber)}`)
      seen.add(partNumber)
      if (part.state !== 'received') throw badRequest(`Part ${partNumber} was not uploaded`)
      if (entry.etag !== part.etag) throw badRequest(`ETag of part ${partNumber} does not match`)
    }
  }

  private openMultipartFile(session: MultipartSession): Promise<FileHandle> {
    // Preallocated (sparse) once; every part writes into it at its own offset.
    session.handle ??= open(session.file, 'w+').then(async (handle) => {
      await handle.truncate(session.size)
      return handle
    })
    return session.handle
  }

  private async hashContiguousParts(session: MultipartSession): Promise<void> {
    try {
      const handle = await this.openMultipartFile(session)
      while (session.parts[session.hashedParts]?.state === 'received') {
        const index = session.hashedParts
        const part = session.parts[index]!
        session.hashingIndex = index
        const offset = index * session.chunkSize
        if (part.bytes) for (const chunk of part.bytes) session.hash.update(chunk)
        else await feedHash(session.hash, handle, offset, Math.min(session.chunkSize, session.size - offset))
        this.forgetBytes(session, part)
        session.hashedParts++
      }
    } catch {
      session.hashValid = false
    } finally {
      session.hashingIndex = -1
    }
  }

  private forgetBytes(session: MultipartSession, part: MultipartSession['parts'][number]): void {
    if (!part.bytes) return
    session.bufferedBytes -= part.bytes.reduce((sum, b) => sum + b.length, 0)
    part.bytes = undefined
  }

  private async dropIdleSessions(): Promise<void> {
    const cutoff = Date.now() - IDLE_SESSION_MS
    for (const [token, session] of this.sessions) {
      const busy =
        session.kind === 'basic' ? session.inFlight > 0 : session.parts.some((part) => part.state === 'writing')
      if (session.lastActivity < cutoff && !busy) {
        this.sessions.delete(token)
        await discard(session)
      }
    }
  }
}

/** `repos/<random>/<oid>`: one key per upload session, shaped like the Hub's S3 object keys. */
function storageKey(oid: string): string {
  const token = randomBytes(12).toString('hex')
  return `repos/${token.slice(0, 2)}/${token.slice(2, 4)}/${token}/${oid}`
}

function incompleteBody(received: number, expected: number): S3Error {
  return new S3Error(
    400,
    'IncompleteBody',
    'You did not provide the number of bytes specified by the Content-Length HTTP header',
    { NumberBytesExpected: String(expected), NumberBytesProvided: String(received) }
  )
}

async function discard(session: Session): Promise<void> {
  if (session.kind !== 'multipart') return
  await session.handle?.then((handle) => handle.close()).catch(() => undefined)
  await rm(session.file, { force: true })
}

/** Uploads must announce their size: no Content-Length → 411, as S3 answers. */
function declaredLength(req: IncomingMessage): number {
  const header = req.headers['content-length']
  if (header === undefined) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.')
  }
  const length = Number(header)
  if (!Number.isSafeInteger(length) || length < 0) throw new S3Error(400, 'InvalidArgument', 'Invalid Content-Length')
  return length
}

/** Streams the request body into the file at `position`, batching small socket chunks into large writes. */
async function writeBodyAt(
  req: IncomingMessage,
  handle: FileHandle,
  position: number,
  onChunk: (chunk: Buffer) => void
): Promise<number> {
  let written = 0
  let batch: Buffer[] = []
  let batchBytes = 0
  const flush = async (): Promise<void> => {
    const { bytesWritten } = await handle.writev(batch, position + written)
    if (bytesWritten !== batchBytes) throw new Error(`Short write: ${bytesWritten} of ${batchBytes} bytes`)
    written += batchBytes
    batch = []
    batchBytes = 0
  }
  for await (const chunk of req as AsyncIterable<Buffer>) {
    onChunk(chunk)
    batch.push(chunk)
    batchBytes += chunk.length
    if (batchBytes >= WRITE_BATCH_BYTES) await flush()
  }
  if (batchBytes > 0) await flush()
  return written
}

async function feedHash(hash: Hash, handle: FileHandle, offset: number, length: number): Promise<void> {
  const buffer = Buffer.allocUnsafe(Math.min(HASH_READ_BYTES, Math.max(1, length)))
  let done = 0
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - done), offset + done)
    if (bytesRead === 0) throw new Error('Unexpected end of file while hashing')
    hash.update(buffer.subarray(0, bytesRead))
    done += bytesRead
  }
}

async function hashWholeFile(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256')
  await feedHash(hash, handle, 0, size)
  return hash.digest('hex')
}
