/**
 * What any text must lose before the action writes it anywhere (the step log, annotations, outputs,
 * the job summary, the failure issue): the run's secrets in every form, the query and fragment of
 * every URL (presigned storage URLs carry their signature there, and `@huggingface/hub` appends the
 * failing request's full URL to its errors), and control characters that would end a line or steer
 * a terminal. Pure; `report/safe-core.ts` applies it to every writer.
 */
import { escapeUnsafeCharacters } from '../lib/names.ts'
import { redactForms, secretForms } from '../lib/redact.ts'

/** An absolute URL: a scheme, `://`, then everything up to whitespace, a quote or an angle bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi
/**
 * Signature parameters wherever they appear, also outside a recognisable URL (percent-encoded
 * inside another value, or a URL cut by a line break): S3 (`X-Amz-*`), Azure SAS (`sig`), CloudFront.
 */
const SIGNATURE_PARAM =
  /\b(x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|key-pair-id|policy)(=|%3d)[^&\s"'<>`]+/gi

export class Scrubber {
  private forms: string[] = []

  constructor(secrets: readonly string[] = []) {
    for (const secret of secrets) this.addSecret(secret)
  }

  /** Registers one more secret (e.g. a token obtained during the run). */
  addSecret(secret: string | undefined): void {
    if (!secret) return
    this.forms = [...new Set([...this.forms, ...secretForms(secret)])].sort((a, b) => b.length - a.length)
  }

  /** Text that may be written anywhere. Newlines and tabs are kept. */
  text(text: string): string {
    return escapeUnsafeCharacters(stripUrlQueries(redactForms(text, this.forms)))
  }
}

/** Every URL in `text` without its query and fragment: `https://s3/x?X-Amz-Signature=…` → `https://s3/x`. */
export function stripUrlQueries(text: string): string {
  return text
    .replace(URL_IN_TEXT, (url) => url.replace(/[?#].*$/s, ''))
    .replace(SIGNATURE_PARAM, (_, name: string, equals: string) => `${name}${equals}***`)
}

/**
 * Whether the runner would take a line of `text` as a workflow command: `::name::` at the start of
 * a line (after spaces), or the older `##[name]` anywhere in it. The runner splits lines at CR too.
 */
export function mayContainCommand(text: string): boolean {
  return text.split(/\r\n|\r|\n/).some((line) => line.trimStart().startsWith('::') || line.includes('##['))
}

/** At most `max` characters of `text`, saying how many were left out. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text
  const kept = text.slice(0, max)
  return `${kept}\n… (${text.length - max} more characters left out)`
}

/**
 * A Markdown/HTML document of at most `maxBytes` UTF-8 bytes, cut at a line boundary with a note of
 * how much was left out. Tables are closed by the renderer; a cut document stays readable.
 */
export function capDocument(text: string, maxBytes: number, what: string): string {
  const size = Buffer.byteLength(text, 'utf8')
  if (size <= maxBytes) return text
  const note = (left: number) => `\n\n**${what} cut:** ${left} bytes left out (GitHub's limit is ${maxBytes} bytes).\n`
  const budget = maxBytes - Buffer.byteLength(note(size), 'utf8')
  let kept = Buffer.from(text, 'utf8').subarray(0, Math.max(0, budget)).toString('utf8')
  kept = kept.slice(0, Math.max(0, kept.lastIndexOf('\n')))
  // A partial character at the cut decodes as U+FFFD; dropping to the last newline removes it.
  return kept + note(size - Buffer.byteLength(kept, 'utf8'))
}
