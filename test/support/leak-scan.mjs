// Finds secrets in captured text. The one legitimate place a token is printed is the
// `::add-mask::<token>` command that registers it with the runner (core.setSecret); the runner
// swallows that line, so it is exempt. Everything else is a leak.
/**
 * @param {string} text
 * @param {string[]} secrets
 * @returns {{line: number, secret: string}[]}
 */
export function findTokenLeaks(text, secrets) {
  const leaks = []
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    if (line.startsWith('::add-mask::')) return
    for (const secret of secrets) {
      if (secret && line.includes(secret)) leaks.push({ line: i + 1, secret })
    }
  })
  return leaks
}
