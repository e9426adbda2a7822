/**
 * What should be on the Hub at a revision when no local files say so: the File trailers of the
 * newest publish at or before it (a rollback points at the publish it restored).
 */
import type { HubClient } from '../hub/hub-client.ts'
import { publishHistory } from '../history/history.ts'
import { CARD_PATH } from '../card/build-card.ts'
import { generatedBlock } from '../card/model-card.ts'
import { mapConcurrent } from '../lib/concurrency.ts'
import { gitBlobOid, sha256Of } from '../lib/file-hash.ts'
import type { ExpectedFile } from './verify-files.ts'

/** The files recorded by the newest publish reachable from `revision`; empty when there is none. */
export async function expectedFromHistory(
  hub: HubClient,
  revision: string,
  log: (line: string) => void
): Promise<ExpectedFile[]> {
  const records = publishHistory(await hub.listCommits(revision, 500), 500)
  const newest = records.find((r) => r.provenance.files.length > 0 || r.provenance.rollbackOf)
  const publish = newest?.provenance.rollbackOf ? records.find((r) => r.oid === newest.provenance.rollbackOf) : newest
  if (!publish || publish.provenance.files.length === 0) return []
  log(`Checking against the files recorded by the publish ${publish.oid}.`)
  return withRegularFileIds(hub, revision, publish, publish.provenance.files)
}

/**
 * Provenance records SHA-256 only; the Hub reports regular files by git blob id. For those
 * (small) files, read the bytes at the revision and derive the blob id when the SHA-256 matches,
 * so a changed regular file still shows up as a hash mismatch.
 */
async function withRegularFileIds(
  hub: HubClient,
  revision: string,
  publish: { oid: string },
  files: ReadonlyArray<{ path: string; size: number; sha256: string }>
): Promise<ExpectedFile[]> {
  const remote = await hub.pathsInfo(
    revision,
    files.map((f) => f.path)
  )
  // Regular files (and the card) are downloaded to compute what to compare: a few at a time, not all at once.
  return mapConcurrent(files, 8, async (f) => {
    const entry = remote.get(f.path)
    if (!entry) return { ...f }
    if (f.path === CARD_PATH) {
      // A generated card owns only its block: hand edits on the Hub outside the markers are not a mismatch.
      const card = await hub.readBytes(f.path, publish.oid)
      const block =
        card !== undefined && sha256Of(card) === f.sha256
          ? generatedBlock(Buffer.from(card).toString('utf8'))
          : undefined
      if (block !== undefined) return { ...f, generatedBlock: block }
    }
    if (entry.lfs) return { ...f }
    const bytes = await hub.readBytes(f.path, revision)
    const matches = bytes !== undefined && sha256Of(bytes) === f.sha256
    return { ...f, gitOid: matches ? gitBlobOid(bytes) : `sha256:${f.sha256}` }
  })
}
