// LFS upload sessions behind the URLs handed out by the batch endpoint (E5–E7). Bodies are streamed
// to disk, never held in memory: a basic PUT is hashed while it streams; multipart parts are written
// at their offset into one preallocated file and hashed in order as soon as they become contiguous,
// so completion only has to wait for the tail of the hash instead of re-reading the whole object.
import { createHash, randomBytes, type Hash } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { HubHttpError, badRequest, repoNotFound } from './errors.ts'
import { isObject } from './http.ts'
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

interface BasicSession extends UploadTarget {
  kind: 'basic'
  busy: boolean
  lastActivity: number
}

interface MultipartSession extends UploadTarget {
  kind: 'multipart'
  chunkSize: number
  file: string
  handle?: Promise<FileHandle>
  /** `bytes`: a received part kept in memory until the running hash reaches it (see receivePart). */
  parts: Array<{ state: PartState; etag?: string; bytes?: Buffer[] }>
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

  /** Opaque one-time token for a single PUT of the whole object. */
  createBasic(target: UploadTarget): string {
    const token = newToken()
    this.sessions.set(token, { ...target, kind: 'basic', busy: false, lastActivity: Date.now() })
    return token
  }

  createMultipart(target: UploadTarget, chunkSize: number): { token: string; partCount: number } {
    const token = newToken()
    const partCount = Math.max(1, Math.ceil(target.size / chunkSize))
    this.sessions.set(token, {
      ...target,
      kind: 'multipart',
      chunkSize,
      file: this.store.tmpPath('lfs-multipart'),
      parts: Array.from({ length: partCount }, () => ({ state: 'missing' as PartState })),
      hash: createHash('sha256'),
      hashedParts: 0,
      bufferedBytes: 0,
      hashingIndex: -1,
      hashValid: true,
      hashing: Promise.resolve(),
      lastActivity: Date.now()
    })
    return { token, partCount }
  }

  /** E5: the whole object in one PUT; stored only if size and SHA-256 match the batch request. */
  async receiveBasic(token: string, req: IncomingMessage): Promise<void> {
    const session = this.session(token, 'basic')
    const length = declaredLength(req)
    if (length !== session.size) {
      throw badRequest(`Content-Length ${length} does not match the size of object ${session.oid} (${session.size})`)
    }
    if (session.busy) throw new HubHttpError(409, 'An upload to this URL is already in progress')
    session.busy = true
    const file = this.store.tmpPath('lfs-basic')
    const handle = await open(file, 'w')
    const hash = createHash('sha256')
    try {
      const written = await writeBodyAt(req, handle, 0, (chunk) => {
        hash.update(chunk)
        this.stats.lfsBytesReceived += chunk.length
      })
      await handle.close()
      if (written !== session.size) throw badRequest(`Received ${written} bytes, expected ${session.size}`)
      const digest = hash.digest('hex')
      if (digest !== session.oid) {
        this.sessions.delete(token)
        throw badRequest(`SHA-256 of the uploaded content (${digest}) does not match the object id ${session.oid}`)
      }
      this.sessions.delete(token)
      if (!(await this.store.installLfsObject(session.repo, session.oid, file))) throw repoNotFound()
    } catch (error) {
      await handle.close().catch(() => undefined)
      await rm(file, { force: true })
      throw error
    } finally {
      session.busy = false
      session.lastActivity = Date.now()
    }
  }

  /** E6: one part, written at its offset; answers the part's ETag. */
  async receivePart(token: string, partNumber: number, req: IncomingMessage): Promise<string> {
    const session = this.session(token, 'multipart')
    const index = partNumber - 1
    const part = session.parts[index]
    if (!Number.isInteger(partNumber) || !part) throw badRequest(`Invalid part number ${partNumber}`)
    const offset = index * session.chunkSize
    const expected = Math.min(session.chunkSize, session.size - offset)
    const length = declaredLength(req)
    if (length !== expected)
      throw badRequest(`Content-Length ${length} does not match the size of part ${partNumber} (${expected})`)
    if (part.state === 'writing') throw new HubHttpError(409, `Part ${partNumber} is already being uploaded`)
    // Overwriting a part whose bytes are already in the running hash invalidates that hash.
    if (index < session.hashedParts || index === session.hashingIndex) session.hashValid = false
    part.state = 'writing'
    part.etag = undefined
    this.forgetBytes(session, part)
    session.lastActivity = Date.now()
    // Parts arrive a few at a time, mostly in order: keeping each in memory until the running
    // hash reaches it saves reading every byte back from disk, within a bounded budget.
    const keep = session.bufferedBytes + expected <= MAX_BUFFERED_PART_BYTES
    const bytes: Buffer[] = []
    if (keep) session.bufferedBytes += expected
    try {
      const handle = await this.openMultipartFile(session)
      const written = await writeBodyAt(req, handle, offset, (chunk) => {
        this.stats.lfsBytesReceived += chunk.length
        if (keep) bytes.push(chunk)
      })
      if (written !== expected)
        throw badRequest(`Received ${written} bytes for part ${partNumber}, expected ${expected}`)
    } catch (error) {
      if (keep) session.bufferedBytes -= expected
      part.state = 'missing'
      throw error
    }
    if (keep) part.bytes = bytes
    part.state = 'received'
    part.etag = `"${randomBytes(16).toString('hex')}"`
    session.lastActivity = Date.now()
    session.hashing = session.hashing.then(() => this.hashContiguousParts(session))
    return part.etag
  }

  /** E7: checks the part list, finishes the hash and stores the object. */
  async complete(token: string, body: unknown): Promise<void> {
    const session = this.session(token, 'multipart')
    this.checkCompletionRequest(session, body)
    // One completion per upload: a concurrent or repeated one finds no session (404).
    this.sessions.delete(token)
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

  /** Drops every session and its temp file (emulator shutdown). */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper)
    const sessions = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(sessions.map((session) => discard(session)))
  }

  private session<K extends Session['kind']>(token: string, kind: K): Extract<Session, { kind: K }> {
    const session = this.sessions.get(token)
    if (!session || session.kind !== kind) throw new HubHttpError(404, 'Unknown or expired upload URL')
    return session as Extract<Session, { kind: K }>
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
      const busy = session.kind === 'basic' ? session.busy : session.parts.some((part) => part.state === 'writing')
      if (session.lastActivity < cutoff && !busy) {
        this.sessions.delete(token)
        await discard(session)
      }
    }
  }
}

function newToken(): string {
  return randomBytes(16).toString('hex')
}

async function discard(session: Session): Promise<void> {
  if (session.kind !== 'multipart') return
  await session.handle?.then((handle) => handle.close()).catch(() => undefined)
  await rm(session.file, { force: true })
}

/** Uploads must announce their size: no Content-Length → 411, as S3 answers. */
function declaredLength(req: IncomingMessage): number {
  const header = req.headers['content-length']
  if (header === undefined) throw new HubHttpError(411, 'Content-Length is required')
  const length = Number(header)
  if (!Number.isSafeInteger(length) || length < 0) throw badRequest('Invalid Content-Length')
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
