/**
 * A README.md's YAML front matter (the `---` block the Hub reads into `cardData`): splitting it
 * from the body, parsing it so that comments and unmanaged keys survive, and writing it back.
 */
import { Scalar, isMap, parse, parseDocument, visit, type Document } from 'yaml'

export interface CardParts {
  /** The YAML between the `---` lines; undefined when the card has none. */
  frontMatter: string | undefined
  /** Everything after the closing `---` line (or the whole text without front matter). */
  body: string
  /** README line number of the front matter's first YAML line, for error messages. */
  firstLine: number
  /** The text opens a front matter with `---` but never closes it. */
  unclosed: boolean
}

// The Hub, like huggingface_hub, allows blank lines before the opening `---`.
const OPENING = /^\uFEFF?\s*?---[ \t]*\r?\n/
const CLOSING = /^---[ \t]*(?:\r?\n|$)/m

/** Splits a card into front matter and body. */
export function splitCard(text: string): CardParts {
  const open = OPENING.exec(text)
  const withoutBom = text.replace(/^\uFEFF/, '')
  if (!open) return { frontMatter: undefined, body: withoutBom, firstLine: 1, unclosed: false }
  const rest = text.slice(open[0].length)
  const close = CLOSING.exec(rest)
  if (!close) return { frontMatter: undefined, body: withoutBom, firstLine: 1, unclosed: true }
  return {
    frontMatter: rest.slice(0, close.index),
    body: rest.slice(close.index + close[0].length),
    firstLine: open[0].split('\n').length,
    unclosed: false
  }
}

/** Parses front matter YAML. Problems name the README line and column, so they can be found in the card. */
export function parseFrontMatter(yaml: string, firstLine: number): { doc: Document; problems: string[] } {
  const doc = parseDocument(yaml, { prettyErrors: true })
  const problems = doc.errors.map((error) => {
    const [message = error.code] = error.message.split('\n')
    const at = error.linePos?.[0]
    const where = at ? ` (README.md line ${at.line + firstLine - 1}, column ${at.col})` : ''
    return `the front matter is not valid YAML${where}: ${message.replace(/ at line \d+, column \d+:?$/, '')}`
  })
  return { doc, problems }
}

/** True when the document is empty or a mapping, the only shapes a card's metadata may have. */
export function isMappingOrEmpty(doc: Document): boolean {
  return doc.contents === null || isMap(doc.contents)
}

/**
 * Sets a top-level key, keeping its place when it exists (new keys go last). Strings that YAML 1.1
 * would read as something else ("yes", "on", "2024-01-01", "1_000") are double-quoted: the
 * `yaml` package writes YAML 1.2, but Python's huggingface_hub reads cards with PyYAML (1.1).
 */
export function setKey(doc: Document, key: string, value: unknown): void {
  const node = doc.createNode(value)
  visit(node, {
    Scalar(_, scalar) {
      if (typeof scalar.value === 'string' && !readsBackAsYaml11(scalar.value)) scalar.type = Scalar.QUOTE_DOUBLE
    }
  })
  doc.set(key, node)
}

function readsBackAsYaml11(text: string): boolean {
  try {
    return parse(text, { version: '1.1' }) === text
  } catch {
    return false
  }
}

/** The front matter block, `---` lines included; '' when there is nothing to write. */
export function writeFrontMatter(doc: Document): string {
  if (
    doc.contents === null ||
    (isMap(doc.contents) && doc.contents.items.length === 0 && !doc.commentBefore && !doc.comment)
  )
    return ''
  // lineWidth 0: never fold long strings, so a value is one line and diffs stay small.
  return `---\n${doc.toString({ lineWidth: 0 })}---\n`
}
