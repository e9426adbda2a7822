/**
 * Markdown building blocks for the model card, where file names, report keys and artifact names
 * come from the Train run and must show as text: never as HTML, a link, an image, emphasis, math,
 * or a broken table.
 */
import { escapeHtml } from '../report/escape.ts'

/**
 * Characters that Markdown (GFM tables, emphasis, code, links, strikethrough, the Hub's KaTeX
 * math) would act on, written as numeric character references: those always render as the
 * character itself and never as syntax, also inside table cells where `\|` is not enough.
 * `_` between letters or digits is left alone (it cannot start emphasis there), so names like
 * `evaluation_report.json` stay readable in the raw README.
 */
const MARKDOWN_SYNTAX = /[\\`*[\]|~$]|_(?![A-Za-z0-9])|(?<![A-Za-z0-9])_/g

/** Text for a table cell, link text or image alt text: one line, no HTML, no Markdown syntax. */
export function escapeMarkdown(text: string): string {
  return escapeHtml(text.replace(/[\r\n\t]+/g, ' ')).replace(MARKDOWN_SYNTAX, (c) => `&#${c.charCodeAt(0)};`)
}

/** Untrusted text in a monospace span. `<code>` rather than backticks: a backtick in the name cannot close it. */
export function codeSpan(text: string): string {
  return `<code>${escapeMarkdown(text)}</code>`
}

/**
 * A relative link target for a path in the Hub repo: every segment percent-encoded, so spaces,
 * parentheses, `:` or `#` in a file name cannot end the link or turn it into another scheme.
 */
export function repoPathUrl(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    )
    .join('/')
}

/** The URL when it is a plain http(s) URL that can sit in a Markdown link as is, else undefined (then no link is made). */
export function safeHttpUrl(url: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  return url !== undefined && /^https?:\/\/[^\s<>"'`()\\\u0000-\u001f\u007f]+$/i.test(url) ? url : undefined
}

/** `[text](url)` with the text escaped, or only the escaped text when the URL is not safe to link. */
export function link(text: string, url: string | undefined): string {
  const href = safeHttpUrl(url)
  return href ? `[${escapeMarkdown(text)}](${href})` : escapeMarkdown(text)
}

/** A GFM table. Cells must already be escaped; `rightAligned` lists the numeric columns (by index). */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  rightAligned: readonly number[] = []
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  const rule = header.map((_, i) => (rightAligned.includes(i) ? '---:' : '---'))
  return [line(header), line(rule), ...rows.map(line)].join('\n')
}

/**
 * A number as the card shows it, the same on every machine (no locale): integers in full,
 * anything else rounded to 6 significant digits without trailing zeros (41.7, 0.000123457, 1e-7).
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  return String(Number(value.toPrecision(6)))
}
