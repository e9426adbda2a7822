// `.gitignore` matching for the preupload answer's `shouldIgnore` (the Python client skips files the
// repo's .gitignore, or the one it is about to commit, ignores). The `ignore` package implements
// git's rules (negation, directory patterns, anchoring, `**`), so the emulator does not re-implement them.
import ignore, { type Ignore } from 'ignore'

const compiled = new Map<string, Ignore>()

/** True when `path` (repo-relative, `/`-separated) is ignored by this .gitignore text. */
export function isIgnored(gitignore: string, path: string): boolean {
  if (!gitignore.trim()) return false
  let matcher = compiled.get(gitignore)
  if (!matcher) {
    matcher = ignore().add(gitignore)
    if (compiled.size > 32) compiled.clear()
    compiled.set(gitignore, matcher)
  }
  try {
    return matcher.ignores(path)
  } catch {
    // `ignore` refuses paths git could not hold (absolute, `..`); the commit refuses them anyway.
    return false
  }
}
