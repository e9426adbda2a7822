/**
 * Makes LFS uploads stream from disk, a bounded number at a time.
 *
 * `@huggingface/hub` passes each upload (a basic PUT or a multipart part) to fetch as a Blob
 * slice of the file. Node's fetch (undici) reads a Blob body whole into memory before sending
 * it; handing it the Blob's stream instead, with the Content-Length the storage needs (S3
 * refuses chunked uploads), keeps each upload to a few chunks in memory. A fresh stream is made
 * per call, so a retry re-reads the same bytes from disk.
 *
 * The library runs up to 5 files × 5 parts = 25 PUTs at once, and each open upload costs
 * several MiB of buffers; the benchmark measured the peak RSS of a 1 GiB publish at ~163 MiB
 * with 5 parallel parts, ~145 MiB with 2 and ~135 MiB with 1. `maxConcurrentUploads` caps them.
 */
const DEFAULT_MAX_CONCURRENT_UPLOADS = 3

export function createStreamingUploadFetch(baseFetch: typeof fetch, maxConcurrentUploads = DEFAULT_MAX_CONCURRENT_UPLOADS): typeof fetch {
  const slots = new Semaphore(maxConcurrentUploads)
  return async (input, init) => {
    const body = init?.body
    if (!(body instanceof Blob) || (init?.method ?? 'GET').toUpperCase() !== 'PUT') return baseFetch(input, init)
    const headers = new Headers(init!.headers)
    headers.set('content-length', String(body.size))
    await slots.acquire(init?.signal ?? undefined)
    try {
      return await baseFetch(input, { ...init, headers, body: body.stream(), duplex: 'half' } as RequestInit)
    } finally {
      // The upload body has been sent once the response headers arrive; an upload answer is tiny.
      slots.release()
    }
  }
}

class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {}

  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.active < this.limit) {
      this.active++
      return
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiting.indexOf(grant)
        if (index >= 0) this.waiting.splice(index, 1)
        reject(signal!.reason)
      }
      const grant = () => {
        signal?.removeEventListener('abort', onAbort)
        this.active++
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiting.push(grant)
    })
  }

  release(): void {
    this.active--
    this.waiting.shift()?.()
  }
}
