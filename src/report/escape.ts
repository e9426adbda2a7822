/**
 * Escaping for text we did not write (file names, Hub messages, artifact content) before it goes
 * into Markdown/HTML that GitHub renders: job summaries and issue bodies. `core.summary` does not
 * escape anything itself.
 */

/** HTML-escapes and defuses @mentions (a zero-width space after "@" stops GitHub from pinging). */
export function escapeHtml(text: string): string {
  return stripControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/@/g, '@\u200b')
}

/** For inline code spans: no backticks or newlines can break out of them. */
export function escapeCode(text: string): string {
  return stripControl(text)
    .replace(/`/g, "'")
    .replace(/[\r\n]+/g, ' ')
}

/** Replaces every occurrence of each secret with *** (defence in depth behind core.setSecret). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text
  for (const secret of secrets) if (secret && secret.length >= 4) out = out.split(secret).join('***')
  return out
}

function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
}
