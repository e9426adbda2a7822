/**
 * Tagging a published commit on the Hub, settling a lost answer: a tag request whose answer was
 * lost may have been applied, and a repeat would be refused as "exists", so the tags are read
 * back. A tag that cannot be made never fails the run: the commit is made and verified.
 */
import { PUBLISHED_BY } from '../provenance/trailers.ts'
import type { HubClient } from './hub-client.ts'

/** Creates `tag` on `revision`; the tag, or undefined (with a warning) when it could not be made. */
export async function createTag(
  hub: HubClient,
  tag: string,
  revision: string,
  log: { info: (line: string) => void; warning: (line: string) => void }
): Promise<string | undefined> {
  try {
    await hub.createTag(tag, revision, `Published by ${PUBLISHED_BY}`)
    log.info(`Tagged ${revision} as "${tag}".`)
    return tag
  } catch (error) {
    // A tag request whose answer was lost may have been applied; a repeat would be refused as "exists".
    const existing = await hub
      .listTags()
      .then((tags) => tags.find((t) => t.name === tag))
      .catch(() => undefined)
    if (existing?.targetCommit === revision) {
      log.info(`Tagged ${revision} as "${tag}" (the tag request's answer was lost; the tag is there).`)
      return tag
    }
    // The commit is made and verified; a tag that cannot be created must not turn that into a failure.
    const where = existing ? ` It already names ${existing.targetCommit}.` : ''
    log.warning(
      `Could not create the tag "${tag}": ${(error as Error).message}.${where} The commit stands; ` +
        'check the tag input (placeholders make tags unique per run).'
    )
    return undefined
  }
}
