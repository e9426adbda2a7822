// Finds secrets in captured text. The one legitimate place a token is printed is the
// `::add-mask::<token>` command that registers it with the runner (core.setSecret); the runner
// swallows that line of a step's stdout, so there it is exempt (`masksExempt`); in a summary, an
// issue or a Hub file the same line is published as text, so a caller scanning those turns it off.
// Everything else is a leak, in any of the forms a secret travels in: as is, percent-encoded, or
// base64-encoded inside a longer value (actions/checkout writes
// `AUTHORIZATION: basic base64("x-access-token:<token>")` into .git/config), that base64 itself
// percent-encoded. Presigned storage URLs' signatures are leaks too, whatever their value, also
// inside an HTML-escaped (`&amp;`) or percent-encoded URL: a scrubbed one reads `=***`.
//
// Written independently of src/lib/redact.ts on purpose: the check must not share the code it checks.

/**
 * The substrings that betray `secret`: itself, its percent-encoding, and the stable middle of its
 * base64 encoding at each of the three byte alignments, in both alphabets.
 * @param {string} secret
 * @returns {string[]}
 */
export function secretVariants(secret) {
  const variants = new Set([secret, encodeURIComponent(secret)])
  const bytes = Buffer.from(secret, 'utf8')
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    const middle = encoded.slice(shift === 0 ? 0 : 4, Math.floor((shift + bytes.length) / 3) * 4)
    if (middle.length >= 16) {
      variants.add(middle)
      variants.add(encodeURIComponent(middle))
      variants.add(middle.replace(/\+/g, '-').replace(/\//g, '_'))
    }
  }
  return [...variants]
}

/**
 * A presigned URL's signature that was not scrubbed (S3 `X-Amz-Signature`, Azure `sig`, the Hub's
 * completion `signature`), after `?`/`&`, an HTML-escaped `&amp;`, or their percent-encodings.
 */
const SIGNATURE = /(?:X-Amz-Signature|(?:[?&;]|%26|%3F)(?:sig|signature))(?:=|%3D)(?!\*\*\*)[0-9A-Za-z%+/]{16,}/i

/** @typedef {{ masksExempt?: boolean }} ScanOptions `masksExempt` (default true): skip `::add-mask::` lines. */

/**
 * @param {string} text
 * @param {string[]} secrets
 * @param {ScanOptions} [options]
 * @returns {{line: number, secret: string}[]}
 */
export function findTokenLeaks(text, secrets, { masksExempt = true } = {}) {
  const leaks = []
  const variants = secrets.filter(Boolean).flatMap((s) => secretVariants(s).map((v) => ({ v, s })))
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    if (masksExempt && line.startsWith('::add-mask::')) return
    const found = variants.find(({ v }) => line.includes(v))
    if (found) leaks.push({ line: i + 1, secret: found.s })
    else if (SIGNATURE.test(line)) leaks.push({ line: i + 1, secret: 'a presigned URL signature' })
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
 * @param {ScanOptions} [options]
 * @returns {{line: number, secret: string}[]}
 */
export function findMintedSecretLeaks(text, { masksExempt = true } = {}) {
  const leaks = []
  text.split('\n').forEach((line, i) => {
    if (masksExempt && line.startsWith('::add-mask::')) return
    for (const pattern of MINTED_SECRET_PATTERNS) {
      const match = pattern.exec(line)
      if (match) leaks.push({ line: i + 1, secret: match[0] })
    }
  })
  return leaks
}
