/**
 * What a Hub repo holds at a revision, read back as a client sees it: every path (the real
 * `@huggingface/hub` listFiles over HTTP) with the SHA-256 of its bytes. A front-door test compares
 * it with what it published, so an exit code or an output the action wrote about itself is never
 * the only evidence of what landed.
 */
import { createHash } from 'node:crypto'
import { listFiles } from '@huggingface/hub'
import type { HubEmulator } from '../emulators/hub/server.ts'

type Repo = { type: 'model' | 'dataset' | 'space'; name: string }

/** The Hub's own file of every new repo; no publish writes it. */
const CREATED_WITH_REPO = '.gitattributes'

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex')

/** `path → SHA-256` of every file at `revision`, but the `.gitattributes` the repo was created with. */
export async function hubFileHashes(hub: HubEmulator, repo: Repo, revision: string): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {}
  for await (const entry of listFiles({ hubUrl: hub.url, repo, revision, recursive: true })) {
    if (entry.type !== 'file' || entry.path === CREATED_WITH_REPO) continue
    const bytes = await hub.readFile(repo, revision, entry.path)
    if (!bytes) throw new Error(`${entry.path} is listed at ${revision} but has no content`)
    hashes[entry.path] = sha256(bytes)
  }
  return hashes
}

/** `path → SHA-256` of files given by content, to compare with `hubFileHashes`. */
export function fileHashes(files: Record<string, string | Buffer>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, bytes]) => [path, sha256(bytes)]))
}
