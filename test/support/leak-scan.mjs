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

/**
 * Secrets minted while the suite runs, whose values the runner cannot know in advance: exchanged
 * Hub tokens (`hf_jwt_…`) and JWTs (OIDC ID tokens, the runner's ID-token request token). Any of
 * them outside an `::add-mask::` line is a leak.
 */
export const MINTED_SECRET_PATTERNS = [/hf_jwt_[\w-]{16,}/, /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{16,}/]

/**
 * @param {string} text
 * @returns {{line: number, secret: string}[]}
 */
export function findMintedSecretLeaks(text) {
  const leaks = []
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('::add-mask::')) return
    for (const pattern of MINTED_SECRET_PATTERNS) {
      const match = pattern.exec(line)
      if (match) leaks.push({ line: i + 1, secret: match[0] })
    }
  })
  return leaks
}
