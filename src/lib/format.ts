/** Numbers, sizes and durations as every report of the action writes them: the same on every machine (no locale). */

/**
 * A readable number: 41.7 − 39.2 shows as 2.5, not 2.5000000000000036; never in e-notation
 * (Mermaid and YAML readers would take "1e-7" for text). Integers in full, other values to at most
 * `significantDigits` significant digits, but never fewer than their integer part has (123456.7 to
 * 4 digits is 123457, not 123500).
 */
export function formatNumber(value: number, significantDigits = 10): string {
  if (!Number.isFinite(value)) return String(value)
  // Integers in full: a step count of 1234567 is not 1234570.
  const integerDigits = Math.abs(value) >= 1 ? Math.floor(Math.log10(Math.abs(value))) + 1 : 0
  const digits = Number.isInteger(value) ? 21 : Math.min(21, Math.max(significantDigits, integerDigits))
  return value.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: digits })
}

/**
 * `current − previous` to the decimals the two values are written with, as a person would subtract
 * them: 39 − 41.7 is "-2.7" (not -2.700000000000003), 0.3 − 0.1 is "0.2". Float subtraction is exact
 * to far more digits than either value shows, so rounding there loses nothing the inputs had.
 */
export function formatDifference(current: number, previous: number): string {
  const difference = current - previous
  const decimals = Math.max(decimalPlaces(current), decimalPlaces(previous))
  if (!Number.isFinite(difference) || Math.abs(difference) >= 1e21 || decimals > 100) return formatNumber(difference)
  const text = difference
    .toFixed(decimals)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '')
  return text === '-0' ? '0' : text
}

/** How many decimals the shortest exact spelling of a number has: 41.7 → 1, 1.5e-7 → 8, 1e21 → 0. */
function decimalPlaces(value: number): number {
  const match = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value))
  if (!match) return 0
  return Math.max(0, (match[1]?.length ?? 0) - Number(match[2] ?? 0))
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes(bytes: number): string {
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value >= 100 ? 0 : 1)} ${UNITS[unit]}`
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

const SIZE_FACTORS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4
}

/** `10GiB`, `500 MB`, `1048576` → bytes; undefined when it is not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]i?b|b)?$/i.exec(text.trim())
  if (!match) return undefined
  const bytes = Number(match[1]) * SIZE_FACTORS[(match[2] ?? 'b').toLowerCase()]!
  return Number.isFinite(bytes) ? Math.floor(bytes) : undefined
}
