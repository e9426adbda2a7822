/**
 * Takes the run's secrets out of text, in every form they can travel in: as given, trimmed,
 * percent-encoded, and base64-encoded as part of a longer value (actions/checkout stores the job
 * token in `.git/config` as `AUTHORIZATION: basic base64("x-access-token:<token>")`). Defence in
 * depth behind `core.setSecret`, which only the runner applies, and only to the step log.
 */

/** Shorter values are not redacted: "***" in place of every "main" would make logs unreadable. */
const MIN_SECRET_LENGTH = 4
/** Base64 forms are only derived for secrets long enough that their fragments are unique. */
const MIN_BASE64_SECRET_LENGTH = 12

/**
 * The substrings that appear in any text carrying `secret`: the raw and trimmed value, its
 * percent-encoding, and for base64 the part that is the same whatever precedes or follows the
 * secret in the encoded value (three alignments, standard and URL-safe alphabets), so a
 * `basic <base64 of user:token>` header is caught whoever the user is.
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>()
  for (const value of [secret, secret.trim()]) {
    if (value.length < MIN_SECRET_LENGTH) continue
    forms.add(value)
    forms.add(encodeURIComponent(value))
    if (value.length >= MIN_BASE64_SECRET_LENGTH) for (const form of base64Cores(value)) forms.add(form)
  }
  // Longest first, so a longer form is replaced whole before a shorter one cuts into it.
  return [...forms].sort((a, b) => b.length - a.length)
}

/** Replaces each of `forms` (from `secretForms`) with ***. */
export function redactForms(text: string, forms: readonly string[]): string {
  let out = text
  for (const form of forms) if (out.includes(form)) out = out.split(form).join('***')
  return out
}

function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const cores: string[] = []
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64')
    // Drop the group that mixes in the bytes before the secret, and the last (partial) group,
    // which mixes in the bytes after it.
    const start = shift === 0 ? 0 : 4
    const fullGroups = Math.floor((shift + bytes.length) / 3)
    const core = encoded.slice(start, fullGroups * 4)
    if (core.length >= 8) {
      cores.push(core)
      cores.push(core.replace(/\+/g, '-').replace(/\//g, '_'))
    }
  }
  return cores
}
