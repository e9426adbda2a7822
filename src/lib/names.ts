/**
 * Names from untrusted places (artifact names, zip entries, file and folder names, branch names) are
 * data: they must never act as a line break, a terminal or log control sequence, a runner command,
 * a right-to-left spoof, or a second spelling of another path on a case-insensitive disk. Pure.
 */

/**
 * C0 controls (newline and tab included), DEL, C1 controls, the Unicode line and paragraph
 * separators (U+2028, U+2029: line breaks to JavaScript, JSON tools and some renderers), and the
 * bidi controls (embeddings, overrides, isolates and the invisible direction marks) that make
 * `gnp.exe` display as `exe.png`.
 */
// Written once, as RegExp source: DEL, C1, ALM, LRM/RLM, LS/PS, the embeddings/overrides and the isolates.
const UNSAFE_BEYOND_C0 = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069'
const UNSAFE_CHARACTER = new RegExp(`[\\u0000-\\u001f${UNSAFE_BEYOND_C0}]`, 'u')
const UNSAFE_CHARACTERS = new RegExp(UNSAFE_CHARACTER.source, 'gu')
/** The same set without newline and tab (U+0009, U+000A), for multi-line text we write ourselves. */
const UNSAFE_IN_TEXT = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${UNSAFE_BEYOND_C0}]`, 'gu')

/** The first character that may not appear in a name, written visibly (`\u202E`), or undefined. */
export function unsafeCharacter(name: string): string | undefined {
  const match = UNSAFE_CHARACTER.exec(name)
  return match ? visible(match[0]) : undefined
}

/** A name as an error message shows it: quoted, every unsafe character written as `\uXXXX`. */
export function showName(name: string): string {
  return `"${name.replace(UNSAFE_CHARACTERS, visible)}"`
}

/** Unsafe characters of a text written as `\uXXXX`; newline and tab are kept (the text is ours, multi-line). */
export function escapeUnsafeCharacters(text: string): string {
  return text.replace(UNSAFE_IN_TEXT, visible)
}

/** Why a name cannot be used, or undefined. `what` says what it is ("file name", "artifact name"). */
export function nameProblem(name: string, what: string): string | undefined {
  const bad = unsafeCharacter(name)
  if (bad === undefined) return undefined
  return (
    `the ${what} ${showName(name)} contains the control character ${bad}; line breaks, control and bidi ` +
    'characters are refused because logs, Markdown and other tools would read them as commands or display ' +
    'another name. Rename it'
  )
}

/**
 * A path segment that git treats as its own `.git` folder: git refuses to check out any path with
 * such a segment (case-insensitively, with the trailing dots and spaces Windows drops, and the 8.3
 * short name), so neither may the action publish one.
 */
export function isGitSegment(segment: string): boolean {
  return /^\.git[. ]*$/i.test(segment) || /^git~1$/i.test(segment)
}

/**
 * The key under which macOS and Windows see a path as the same as another: case-folded and in one
 * Unicode normal form (both file systems ignore case, and macOS ignores the composed/decomposed form).
 */
export function foldPath(path: string): string {
  return path.normalize('NFC').toUpperCase().toLowerCase()
}

/**
 * Pairs of different paths, or folders of them, that only differ by case or normal form. Each pair
 * once, as `[first seen, second]`. A clone on a case-insensitive disk silently keeps one of the two.
 */
export function caseConflicts(paths: Iterable<string>): Array<[string, string]> {
  const byKey = new Map<string, string>()
  const conflicts: Array<[string, string]> = []
  const reported = new Set<string>()
  for (const path of paths) {
    const segments = path.split('/')
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/')
      const key = foldPath(prefix)
      const seen = byKey.get(key)
      if (seen === undefined) byKey.set(key, prefix)
      else if (seen !== prefix) {
        // Deeper segments of the same path would only repeat this conflict.
        if (!reported.has(key)) conflicts.push([seen, prefix])
        reported.add(key)
        break
      }
    }
  }
  return conflicts
}

function visible(character: string): string {
  return `\\u${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`
}
