/**
 * A Blob over a byte range of a local file, read lazily with real backpressure.
 *
 * `@huggingface/hub` hashes and uploads whatever Blob it is given (`stream()` for hashing and
 * for each multipart part, `slice()` to cut parts, `arrayBuffer()` for small files). Its own
 * file Blob streams through `Readable.toWeb`, which on Node 20 reads ahead of a slow consumer,
 * so a multi-GiB upload to a slower server grew the process by ~100 MiB in the benchmark. This
 * one reads one chunk per `pull`, keeping at most one chunk queued per stream.
 */
import { open } from 'node:fs/promises'
import type { Writable } from 'node:stream'
import { createLimiter } from './concurrency.ts'

/**
 * 256 KiB: large enough that per-chunk overhead is negligible (hashing and uploads ran at the
 * same speed as with 1 MiB), small enough that the chunks in flight and the garbage V8 lets
 * pile up between collections stay small.
 */
const CHUNK = 256 * 1024

/**
 * Upload buffers, reused across uploads (every part of a multipart upload is an upload of its
 * own): the pool holds at most what the most uploads at once ever needed.
 */
const bufferPool: Buffer[] = []
const wholeReads = createLimiter(16)
const takeBuffer = (): Buffer => bufferPool.pop() ?? Buffer.allocUnsafeSlow(CHUNK)
const returnBuffer = (buffer: Buffer): void => void bufferPool.push(buffer)

export class LocalFileBlob extends Blob {
  declare readonly path: string
  declare readonly start: number
  declare readonly end: number

  /** Never called: instances come from `of`. */
  private constructor() {
    super([])
  }

  /**
   * A Blob over `[start, end)` of the file at `path`. Made without `new`: Node's Blob constructor
   * creates a native blob for every instance (~2.6 KB of memory each; 26 MiB for a commit of 10,000
   * files, twice over with the library's 512-byte sample slices) that this class never uses, since
   * every method it has reads the file itself. The object is still a Blob to `instanceof` (the
   * library's check) and to `Object.prototype.toString`.
   */
  static of(path: string, start: number, end: number): LocalFileBlob {
    return Object.assign(Object.create(LocalFileBlob.prototype) as LocalFileBlob, { path, start, end })
  }

  override get size(): number {
    return this.end - this.start
  }

  override get type(): string {
    return ''
  }

  override slice(start = 0, end = this.size): LocalFileBlob {
    const clamp = (n: number) => Math.min(Math.max(n < 0 ? this.size + n : n, 0), this.size)
    const from = clamp(start)
    return LocalFileBlob.of(this.path, this.start + from, this.start + Math.max(from, clamp(end)))
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    // bytes() reads into a buffer of its own (allocUnsafeSlow: never a slice of the shared pool),
    // so its ArrayBuffer is exactly the content and needs no copy. The library reads every
    // regular file this way for the commit body.
    const bytes = await this.bytes()
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  }

  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    // The library asks for every regular file of a commit at once (10,000 reads for 10,000
    // files): they take turns, so that only a few buffers and open files exist at a time.
    return wholeReads(async () => {
      const buffer = Buffer.allocUnsafeSlow(this.size)
      const file = await open(this.path, 'r')
      try {
        for (let done = 0; done < this.size;) {
          const { bytesRead } = await file.read(buffer, done, this.size - done, this.start + done)
          if (bytesRead === 0)
            throw new Error(`${this.path} is shorter than expected (it changed while being published)`)
          done += bytesRead
        }
      } finally {
        await file.close()
      }
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
    })
  }

  override async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes())
  }

  /**
   * Writes the bytes to `out` (an upload's request) through two buffers that are reused for the
   * whole range: a buffer is refilled only after `out` has handed its previous bytes to the kernel
   * (the write callback), so a multi-GiB upload allocates nothing per chunk and leaves no garbage
   * for the collector to catch up with. Stops at the first failed write, or when `stop` is aborted
   * (the server answered early). Does not end `out`.
   */
  async writeTo(out: Writable, stop?: AbortSignal): Promise<void> {
    const buffers = [takeBuffer(), takeBuffer()]
    const writes: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()]
    let file: Awaited<ReturnType<typeof open>> | undefined
    try {
      file = await open(this.path, 'r')
      for (let position = this.start, turn = 0; position < this.end; turn ^= 1) {
        await writes[turn]
        if (stop?.aborted || out.destroyed || out.writableEnded) {
          throw new Error('the upload stopped before all bytes were sent')
        }
        const buffer = buffers[turn]!
        const { bytesRead } = await file.read(buffer, 0, Math.min(CHUNK, this.end - position), position)
        if (bytesRead === 0) throw new Error(`${this.path} is shorter than expected (it changed while being published)`)
        position += bytesRead
        const written = new Promise<void>((resolve, reject) =>
          out.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve()))
        )
        // A failed write is seen when its buffer comes round again, or at the end.
        written.catch(() => undefined)
        writes[turn] = written
      }
      await Promise.all(writes)
    } finally {
      await file?.close()
      // Back to the pool only once no write can still be reading them.
      void Promise.allSettled(writes).then(() => buffers.forEach(returnBuffer))
    }
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const path = this.path
    const end = this.end
    let position = this.start
    let file: Awaited<ReturnType<typeof open>> | undefined
    const close = async () => {
      const f = file
      file = undefined
      await f?.close()
    }
    return new ReadableStream<Uint8Array<ArrayBuffer>>(
      {
        async pull(controller) {
          const length = Math.min(CHUNK, end - position)
          if (length <= 0) {
            await close()
            return controller.close()
          }
          file ??= await open(path, 'r')
          const chunk = Buffer.allocUnsafeSlow(length)
          const { bytesRead } = await file.read(chunk, 0, length, position)
          if (bytesRead === 0) {
            await close()
            return controller.error(new Error(`${path} is shorter than expected (it changed while being published)`))
          }
          position += bytesRead
          // A Buffer, not a plain Uint8Array view: undici copies non-Buffer chunks before writing.
          controller.enqueue(bytesRead === length ? chunk : chunk.subarray(0, bytesRead))
        },
        cancel: close
      },
      { highWaterMark: 1 }
    )
  }
}

/** A Blob of a whole local file. */
export function localFileBlob(path: string, size: number): LocalFileBlob {
  return LocalFileBlob.of(path, 0, size)
}
