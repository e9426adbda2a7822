/**
 * A Blob over a byte range of a local file, read lazily with real backpressure.
 *
 * `@huggingface/hub` hashes and uploads whatever Blob it is given (`stream()` for hashing and
 * for each multipart part, `slice()` to cut parts, `arrayBuffer()` for small files). Its own
 * file Blob streams through `Readable.toWeb`, which on Node 20 reads ahead of a slow consumer,
 * so a multi-GiB upload to a slower server grew the process by ~100 MiB in the benchmark. This
 * one reads one chunk per `pull`, keeping at most one chunk queued per stream.
 */
import { createReadStream, type ReadStream } from 'node:fs'
import { open } from 'node:fs/promises'

/**
 * 256 KiB: large enough that per-chunk overhead is negligible (hashing and uploads ran at the
 * same speed as with 1 MiB), small enough that the chunks in flight and the garbage V8 lets
 * pile up between collections stay small.
 */
const CHUNK = 256 * 1024

export class LocalFileBlob extends Blob {
  readonly #path: string
  readonly #start: number
  readonly #end: number

  constructor(path: string, start: number, end: number) {
    super([])
    this.#path = path
    this.#start = start
    this.#end = end
  }

  override get size(): number {
    return this.#end - this.#start
  }

  override get type(): string {
    return ''
  }

  override slice(start = 0, end = this.size): LocalFileBlob {
    const clamp = (n: number) => Math.min(Math.max(n < 0 ? this.size + n : n, 0), this.size)
    const from = clamp(start)
    return new LocalFileBlob(this.#path, this.#start + from, this.#start + Math.max(from, clamp(end)))
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.bytes()
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    const buffer = Buffer.allocUnsafeSlow(this.size)
    const file = await open(this.#path, 'r')
    try {
      for (let done = 0; done < this.size;) {
        const { bytesRead } = await file.read(buffer, done, this.size - done, this.#start + done)
        if (bytesRead === 0)
          throw new Error(`${this.#path} is shorter than expected (it changed while being published)`)
        done += bytesRead
      }
    } finally {
      await file.close()
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
  }

  override async text(): Promise<string> {
    return new TextDecoder().decode(await this.bytes())
  }

  /** The same bytes as a Node stream straight from the file (for uploads through node:http). */
  nodeStream(): ReadStream {
    return createReadStream(this.#path, {
      start: this.#start,
      end: Math.max(this.#start, this.#end - 1),
      highWaterMark: CHUNK
    })
  }

  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const path = this.#path
    const end = this.#end
    let position = this.#start
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
  return new LocalFileBlob(path, 0, size)
}
