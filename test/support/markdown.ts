/** Reading Markdown the way CommonMark does, for checks on what a card or a summary renders. */
import assert from 'node:assert/strict'

/**
 * The text outside fenced code blocks, and each block's contents. As in CommonMark, a fence is at
 * least three backticks (with no backtick after them) or tildes, indented by at most three spaces,
 * and a block opened with N of them closes only on a line of at least N of the same and nothing
 * else, indented alike; a block that never closes fails the assertion (it would swallow the rest
 * of the page). Code renders as text: checks for live markup belong on `prose`.
 */
export function splitCode(markdown: string): { prose: string; code: string[] } {
  const prose: string[] = []
  const code: string[] = []
  let fence: string | undefined
  let current: string[] = []
  for (const line of markdown.split('\n')) {
    if (fence === undefined) {
      const open = /^ {0,3}(`{3,}(?=[^`]*$)|~{3,})/.exec(line)
      if (open) {
        fence = open[1]
        current = []
      } else prose.push(line)
    } else if (new RegExp(`^ {0,3}${fence}${fence.charAt(0)}*[ \\t]*$`).test(line)) {
      code.push(current.join('\n'))
      fence = undefined
    } else current.push(line)
  }
  assert.equal(fence, undefined, 'every code block is closed')
  return { prose: prose.join('\n'), code }
}
