/**
 * Streaming file digests. Files are read once, in large chunks, and never held in memory whole.
 *
 * Two digests matter on the Hub: SHA-256 is the identity of an LFS object (`lfs.oid`), and the
 * git blob SHA-1 (`sha1("blob <size>\0" + content)`) is the `oid` of a regular (non-LFS) file.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'

export interface FileDigest {
  sha256: string
  /** Git blob id; computed only when asked for (it costs a second hash over the bytes). */
  gitOid?: string
}

/** The read size, and the size of a buffer a caller passes for reuse. */
export const HASH_CHUNK = 1024 * 1024
const CHUNK = HASH_CHUNK

/**
 * Hashes a file, reporting bytes read through `onBytes` (for progress lines).
 * `withGitOid` adds the git blob SHA-1 in the same pass.
 */
export async function hashFile(
  path: string,
  size: number,
  options: { withGitOid?: boolean; onBytes?: (n: number) => void; signal?: AbortSignal; buffer?: Buffer } = {}
): Promise<FileDigest> {
  const sha256 = createHash('sha256')
  const sha1 = options.withGitOid ? createHash('sha1').update(`blob ${size}\0`) : undefined
  // One buffer, reused for every read (and, when the caller passes one, for every file): hashing a
  // multi-GiB file or 10,000 small ones allocates nothing per chunk, so the process's memory stays
  // flat instead of filling with garbage between collections.
  const buffer = options.buffer ?? Buffer.allocUnsafe(CHUNK)
  const readSize = buffer.length
  const file = await open(path, 'r')
  try {
    let total = 0
    for (;;) {
      options.signal?.throwIfAborted()
      const { bytesRead } = await file.read(buffer, 0, readSize, total)
      if (bytesRead === 0) break
      const chunk = buffer.subarray(0, bytesRead)
      sha256.update(chunk)
      sha1?.update(chunk)
      total += bytesRead
      options.onBytes?.(bytesRead)
    }
    if (total !== size) throw new Error(`${path} changed size while being hashed (${size} → ${total} bytes)`)
  } finally {
    await file.close()
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
