/**
 * Streaming file digests. Files are read once, in large chunks, and never held in memory whole.
 *
 * Two digests matter on the Hub: SHA-256 is the identity of an LFS object (`lfs.oid`), and the
 * git blob SHA-1 (`sha1("blob <size>\0" + content)`) is the `oid` of a regular (non-LFS) file.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

export interface FileDigest {
  sha256: string
  /** Git blob id; computed only when asked for (it costs a second hash over the bytes). */
  gitOid?: string
}

const CHUNK = 4 * 1024 * 1024

/**
 * Hashes a file, reporting bytes read through `onBytes` (for progress lines).
 * `withGitOid` adds the git blob SHA-1 in the same pass.
 */
export async function hashFile(
  path: string,
  size: number,
  options: { withGitOid?: boolean; onBytes?: (n: number) => void; signal?: AbortSignal } = {}
): Promise<FileDigest> {
  const sha256 = createHash('sha256')
  const sha1 = options.withGitOid ? createHash('sha1').update(`blob ${size}\0`) : undefined
  const stream = createReadStream(path, { highWaterMark: CHUNK, signal: options.signal })
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    sha256.update(chunk)
    sha1?.update(chunk)
    options.onBytes?.(chunk.length)
  }
  return { sha256: sha256.digest('hex'), gitOid: sha1?.digest('hex') }
}

/** Git blob id of in-memory content (e.g. a generated model card). */
export function gitBlobOid(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
}

export function sha256Of(content: Uint8Array): string {
  return createHash('sha256').update(content).digest('hex')
}
