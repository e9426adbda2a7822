/**
 * The Hub judges the card: its metadata validator (`/api/validate-yaml`) is the one the Hub applies
 * to every commit that touches README.md, so it is current by definition (new licenses, tasks,
 * libraries). The local check (validate-card.ts) always runs first, for what must hold before the
 * card is even sent; when a Hub has no validator (a self-hosted Hub), it is all there is, and the
 * run says so.
 */
import { ActionError, describeError, type Stage } from '../errors.ts'
import type { HubClient } from '../hub/hub-client.ts'
import { checkCard } from './validate-card.ts'

export interface CardVerdict {
  /** Problems that refuse the card (local, or the Hub's own messages). */
  errors: string[]
  /** The Hub's warnings and notes, e.g. "empty or missing yaml metadata in repo card". */
  warnings: string[]
  /** Whether the Hub's validator answered (false: checked locally only). */
  byHub: boolean
}

/** Checks a card locally, then (when that passes) with the Hub. Never throws for the card's content: see `errors`. */
export async function judgeCard(hub: Pick<HubClient, 'validateCard'>, text: string): Promise<CardVerdict> {
  const local = checkCard(text).problems
  if (local.length > 0) return { errors: local, warnings: [], byHub: false }
  let verdict
  try {
    verdict = await hub.validateCard(text)
  } catch (error) {
    // The commit is the Hub's final word anyway: a validator that fails (after retries) does not stop the run.
    const why = `the Hub's card validator failed (${describeError(error)}); the card was checked locally only`
    return { errors: [], warnings: [why], byHub: false }
  }
  if (!verdict) {
    const why =
      'hub-url has no card validator (/api/validate-yaml, e.g. a self-hosted Hub): the card was checked locally ' +
      'only (YAML, and the shapes of its keys), not against the Hub’s lists of licenses and tasks'
    return { errors: [], warnings: [why], byHub: false }
  }
  return { errors: verdict.errors, warnings: verdict.warnings, byHub: true }
}

/** The card must pass before any byte is pushed: throws the Hub's (or the local) reasons, one per line. */
export async function requireValidCard(
  hub: Pick<HubClient, 'validateCard'>,
  text: string,
  warn: (line: string) => void,
  stage: Stage
): Promise<void> {
  const verdict = await judgeCard(hub, text)
  for (const warning of verdict.warnings) warn(`Model card: ${warning}`)
  if (verdict.errors.length === 0) return
  const source = verdict.byHub ? 'The Hub refused the model card’s metadata' : 'The model card is invalid'
  throw new ActionError(
    `${source}, so nothing was pushed:\n${verdict.errors.map((e) => `- ${e}`).join('\n')}\n` +
      'Fix the model-card inputs (license, pipeline-tag, tags, …), the template, or the README.md on the Hub',
    stage
  )
}
