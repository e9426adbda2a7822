/**
 * Multi-line inputs (`files`, `artifacts`, `card-metrics`) share one syntax: one entry per line,
 * blank lines ignored, `#` starting a comment when it begins the line or follows whitespace (so
 * `weights#2.pt` stays a name). Every bad line is reported, with its number, not just the first.
 */
export function parseLineInput<T>(
  text: string,
  parseLine: (content: string, line: number) => T | string
): { rules: T[]; problems: string[] } {
  const rules: T[] = []
  const problems: string[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    const content = stripComment(raw).trim()
    if (content === '') return
    const result = parseLine(content, line)
    if (typeof result === 'string') problems.push(`line ${line} ("${content}"): ${result}`)
    else rules.push(result)
  })
  return { rules, problems }
}

function stripComment(line: string): string {
  const match = /(^|\s)#/.exec(line)
  return match ? line.slice(0, match.index) : line
}
