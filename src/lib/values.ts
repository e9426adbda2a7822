/** Looking at values parsed from untrusted JSON or YAML (evaluation reports, card metadata). */

/** A JSON/YAML mapping: an object that is not an array or null. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value as an error message shows it: `"foo"`, `42`, `a list`, `a mapping`, `empty`, `the date 2024-01-01`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`
  if (typeof value === 'object') return 'a mapping'
  const text = JSON.stringify(value)
  return text.length > 80 ? `${text.slice(0, 77)}…` : text
}
