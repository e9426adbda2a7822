/**
 * Escaping and building blocks for Markdown/HTML that GitHub or the Hub renders (the model card,
 * the job summary, the failure issue, the history table), where file names, report keys, branch
 * names and Hub messages are untrusted: they must show as text, never as HTML, a link, an image,
 * emphasis, math, a mention or a broken table. `core.summary` escapes nothing itself.
 */

/**
 * HTML-escapes and defuses @mentions and autolinks: a zero-width space after "@" stops GitHub from
 * pinging (and from making an e-mail link), and one inside "://" and after "www" stops GFM's
 * extended autolinks, so an artifact named `www.evil.example` or `https://evil.example` stays text.
 */
export function escapeHtml(text: string): string {
  return (
    escapeAttribute(text)
      // Brackets as references too: should the text ever land outside an HTML block, it makes no link.
      .replace(/\[/g, '&#91;')
      .replace(/\]/g, '&#93;')
      .replace(/@/g, '@\u200b')
      .replace(/:\/\//g, ':\u200b//')
      .replace(/\b(www)\./gi, '$1\u200b.')
  )
}

/** HTML-escapes for an attribute value we build ourselves (an href): no zero-width spaces. */
function escapeAttribute(text: string): string {
  return stripControl(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
}

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

/** For text inside a backtick code span we write ourselves: no backtick or line break can end it. */
export function escapeCode(text: string): string {
  return stripControl(text)
    .replace(/`/g, "'")
    .replace(/[\r\n]+/g, ' ')
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

/** The URL when it is a plain http(s) URL that can sit in a link as is, else undefined (then no link is made). */
export function safeHttpUrl(url: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must not pass
  return url !== undefined && /^https?:\/\/[^\s<>"'`()\\\u0000-\u001f\u007f]+$/i.test(url) ? url : undefined
}

/** `[text](url)` with the text escaped, or only the escaped text when the URL is not safe to link. */
export function link(text: string, url: string | undefined): string {
  const href = safeHttpUrl(url)
  return href ? `[${escapeMarkdown(text)}](${href})` : escapeMarkdown(text)
}

/** `<a href>` for HTML contexts (summary tables): escaped text, and no link unless the URL is plain http(s). */
export function htmlLink(html: string, url: string | undefined): string {
  const href = safeHttpUrl(url)
  return href ? `<a href="${escapeAttribute(href)}">${html}</a>` : html
}

export type ColumnAlignment = 'left' | 'right' | 'center'

/**
 * A GFM table. Cells must already be escaped. Every column says how it is aligned (text left,
 * numbers right, a gallery centered): an unaligned column leaves it to the renderer, and browsers
 * center a header cell over left-aligned text.
 */
export function table(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align: readonly ColumnAlignment[]
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  const rule = header.map((_, i) => (align[i] === 'right' ? '---:' : align[i] === 'center' ? ':---:' : ':---'))
  return [line(header), line(rule), ...rows.map(line)].join('\n')
}

/**
 * A fenced code block around text we assembled: the fence is longer than any run of backticks in
 * the text, so no line of it can close the block early (CommonMark closes only on a fence at least
 * as long as the opening one). Control characters are removed; line breaks are the text's own.
 */
export function fencedCode(text: string, info = ''): string {
  const clean = text.replace(CONTROL, '').replace(/\r/g, '')
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${info}\n${clean}\n${fence}`
}

/** Control characters but tab and line breaks, and bidi controls (in a page they reorder what follows). */
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

function stripControl(text: string): string {
  return text.replace(CONTROL, '')
}
