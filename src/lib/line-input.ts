/**
 * Multi-line inputs (`files`, `artifacts`, `card-metrics`) share one syntax: one entry per line,
 * blank lines ignored, `#` starting a comment when it begins the line or follows whitespace (so
 * `weights#2.pt` stays a name). Every bad line is reported, with its number, not just the first.
 */
export function parseLineInput<T>(
  text: string,
  parseLine: (content: string, line: number) => T | string
): { rules: T[]; problems: string[] } {
  const lines = text.split(/\r?\n/)
  // A generated 50 000-line input is refused at once, with one short error, before any line is read.
  if (lines.length > MAX_LINES || text.length > MAX_CHARACTERS) {
    const size = lines.length > MAX_LINES ? `${lines.length} lines` : `${text.length} characters`
    return {
      rules: [],
      problems: [
        `${size}; at most ${MAX_LINES} lines of at most ${MAX_CHARACTERS} characters in all are read. ` +
          'Map whole folders or globs instead of single files'
      ]
    }
  }
  const rules: T[] = []
  const problems: string[] = []
  let unshown = 0
  lines.forEach((raw, index) => {
    const line = index + 1
    const content = stripComment(raw).trim()
    if (content === '') return
    const result = parseLine(content, line)
    if (typeof result !== 'string') rules.push(result)
    else if (problems.length < MAX_PROBLEMS) problems.push(`line ${line} ("${content}"): ${result}`)
    else unshown++
  })
  if (unshown > 0) problems.push(`… and ${unshown} more lines with problems`)
  return { rules, problems }
}

/** More lines than this is not a mapping written by a person. */
export const MAX_LINES = 10_000
const MAX_CHARACTERS = 1024 * 1024
/** Problems listed per input; the rest are counted. */
const MAX_PROBLEMS = 20

function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line)
  return match ? line.slice(0, match.index) : line
}
