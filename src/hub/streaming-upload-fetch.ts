/**
 * Makes LFS uploads stream from disk.
 *
 * `@huggingface/hub` passes each upload (a basic PUT or a multipart part) to fetch as a Blob
 * slice of the file. Node's fetch (undici) reads a Blob body whole into memory before sending
 * it, so five parallel 8 MiB parts of five files cost hundreds of MiB. Handing fetch the Blob's
 * stream instead, with the Content-Length the storage needs (S3 refuses chunked uploads), keeps
 * memory flat whatever the part size. A fresh stream is made per call, so a retry re-reads the
 * same bytes from disk.
 */
export function createStreamingUploadFetch(baseFetch: typeof fetch): typeof fetch {
  return (input, init) => {
    const body = init?.body
    if (!(body instanceof Blob) || (init?.method ?? 'GET').toUpperCase() !== 'PUT') return baseFetch(input, init)
    const headers = new Headers(init!.headers)
    headers.set('content-length', String(body.size))
    return baseFetch(input, { ...init, headers, body: body.stream(), duplex: 'half' } as RequestInit)
  }
}
