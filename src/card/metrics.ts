/**
 * From the evaluation report to the model card's metrics: which numbers of the report become
 * rows of the card's "Evaluation" table and `model-index` results in its front matter.
 *
 * Without `card-metrics` (the default), every finite number at the top level of the report, and
 * one level down as "parent.child", in the report's key order (as JSON.parse gives it):
 *
 *     {"fid": 41.7, "scores": {"IS@10k": 3.12}, "steps": 200000, "device": "cpu", "losses": [0.3]}
 *       → fid = 41.7 (path "fid"), scores_is_10k = 3.12 (path "scores.IS@10k"), steps = 200000
 *
 *   - Strings, booleans, nulls, lists and anything nested deeper are left out.
 *   - The metric type (the id the Hub files the result under) is the path lower-cased, with every
 *     character outside [a-z0-9_] replaced by "_". When two paths give the same type, the later
 *     ones get "_2", "_3", … so no result hides another.
 *   - The metric name (the label the card and the Hub show) is the common name when the type or
 *     the path's last key is a metric card/metric-meaning.ts knows ("fid" → "FID"), else the path.
 *     A second metric with the same name is shown under its path instead.
 *
 * With `card-metrics`, exactly the listed paths, in the listed order; one rule per line, `#` starts
 * a comment:
 *
 *     fid                                   # type "fid", name "FID"
 *     scores.inception -> inception_score   # a nested field, under another type
 *     losses.0 -> first_loss                # a list element, by index
 *     fid50k "FID (50k samples)"            # a readable name of your own, in double quotes
 *
 *   - A path is dot-separated keys; a key that itself contains dots is found too ("lr.final"
 *     matches {"lr.final": 0.1}).
 *   - Without "->" the type is derived from the path as above. The name is the quoted one, else the
 *     common name of a known metric, else the type when "->" gives a different one, else the path.
 *   - A path the report does not have, or whose value is not a finite number, fails the publish
 *     before anything is pushed, with an error that names the rule and lists the numeric paths
 *     the report does have.
 *
 * Which way is better comes from the same table (FID lower, Inception Score higher, …), and for
 * the gate's metric from `gate-direction` (card/build-card.ts).
 *
 * In the card, the metrics form one `model-index` result when the evaluation data is known (task
 * type = `pipeline_tag` or "other", dataset = the first of `datasets`), one `{type, value, name}`
 * per metric, the value exactly as in the report (card/model-card.ts).
 *
 * Pure: nothing here touches the disk.
 */
import { parseLineInput } from '../lib/line-input.ts'
import { unsafeCharacter } from '../lib/names.ts'
import { describeValue, isObject } from '../lib/values.ts'
import { CardError } from './card-error.ts'
import { knownMetric, type Better } from './metric-meaning.ts'

/**
 * One line of the `card-metrics` input: "<path in the evaluation report> [-> <metric type>]", e.g. "fid",
 * "scores.inception -> inception_score".
 */
export interface MetricRule {
  /** 1-based line number in the input, for error messages. */
  line: number
  /** Dot path in the evaluation report. */
  path: string
  /** The metric type written to the card: the one after "->", else derived from the path. */
  type: string
  /** The readable name given in double quotes, if any. */
  label?: string
}

/** One metric of the card: `type` and `name` for model-index, `path` for the table's "report field" column. */
export interface CardMetric {
  type: string
  name: string
  value: number
  path: string
  /** Which values are better, when known (absent otherwise). */
  better?: Better
}

const ARROW = '->'
const METRIC_TYPE = /^[A-Za-z0-9][A-Za-z0-9_./-]{0,99}$/
/** `… "Readable name"` at the end of a rule. */
const LABEL = /^(.*?)\s*"([^"]*)"$/
const MAX_LABEL = 100
/** How deep the list of available paths in an error message looks; reports are small and shallow. */
const MAX_LISTED_DEPTH = 6
const MAX_LISTED_PATHS = 40

/** Parses the `card-metrics` input. Empty input means the default mapping (no rules, no problems). */
export function parseMetricRules(text: string): { rules: MetricRule[]; problems: string[] } {
  const { rules, problems } = parseLineInput(text, parseLine)
  const byType = new Map<string, number>()
  for (const rule of rules) {
    const earlier = byType.get(rule.type)
    if (earlier !== undefined)
      problems.push(
        `line ${rule.line} ("${rule.path}"): metric type "${rule.type}" is already given on line ${earlier}; give ` +
          `each metric its own type with "-> <type>"`
      )
    else byType.set(rule.type, rule.line)
  }
  return { rules, problems }
}

function parseLine(content: string, line: number): MetricRule | string {
  const labelled = LABEL.exec(content)
  const label = labelled?.[2]?.trim()
  if (labelled && !label) return 'the name in double quotes is empty; give a readable one, e.g. fid "FID (50k samples)"'
  if (label !== undefined && (label.length > MAX_LABEL || unsafeCharacter(label) !== undefined))
    return `the name "${label}" must be one line of at most ${MAX_LABEL} characters, without control characters`
  const rule = labelled ? labelled[1]! : content
  if (rule.includes('"'))
    return (
      'a double quote outside the readable name; expected <path in the report> [-> <metric type>] ' +
      '["Readable name"]'
    )
  const parts = rule.split(ARROW).map((part) => part.trim())
  if (parts.length > 2) return `more than one "${ARROW}"; expected "<path in the report> [-> <metric type>]"`
  const [path = '', typeText] = parts
  if (path === '')
    return (
      'the path in the evaluation report is empty; expected "<path in the report> [-> <metric type>]", e.g. ' +
      '"scores.fid -> fid"'
    )
  if (path.split('.').some((key) => key.trim() === ''))
    return `the path "${path}" has an empty key; separate keys with single dots, e.g. "scores.fid"`
  const named = label === undefined ? {} : { label }
  if (typeText === undefined) return { line, path, type: metricTypeFor(path), ...named }
  if (!METRIC_TYPE.test(typeText))
    return (
      `the metric type "${typeText}" may only hold letters, digits and "_.-/" (at most 100), e.g. ` +
      `"inception_score"`
    )
  return { line, path, type: typeText, ...named }
}

/** "scores.IS@10k" → "scores_is_10k": the metric type the Hub files a result under. */
export function metricTypeFor(path: string): string {
  return path.toLowerCase().replace(/[^a-z0-9_]/g, '_')
}

/**
 * The metric as the card shows it: its name (see the top of this file) and, when known, which way
 * is better. `taken` holds the names given so far: a second "FID" is shown under its path.
 */
function describe(
  rule: Omit<MetricRule, 'line'>,
  value: number,
  taken: Set<string>,
  fallback = rule.type === metricTypeFor(rule.path) ? rule.path : rule.type
): CardMetric {
  const known = knownMetricOf(rule)
  const common = known?.exact && !taken.has(known.metric.name) ? known.metric.name : undefined
  const name = rule.label ?? common ?? fallback
  taken.add(name)
  const better = known?.metric.better
  return { type: rule.type, name, value, path: rule.path, ...(better ? { better } : {}) }
}

/** What card/metric-meaning.ts knows about a metric, by its type, else by the last key of its report path. */
export function knownMetricOf(metric: { type: string; path: string }): ReturnType<typeof knownMetric> {
  const lastKey = metric.path.slice(metric.path.lastIndexOf('.') + 1)
  return knownMetric([metric.type, metricTypeFor(lastKey)])
}

/**
 * The documented mapping from report fields to metrics (see the comment at the top of this file).
 * Without rules: every finite number at the top level of the report (and one level down, as
 * "parent.child") in the report's key order, type = the path with non [a-z0-9_] chars replaced by
 * "_", lower-cased. With rules: exactly those paths (dot-separated; a missing path or a
 * non-number is an error naming the path and listing the numeric paths the report has).
 * Throws a CardError when the report is not a JSON object or a rule does not match.
 */
export function extractMetrics(report: unknown, rules: readonly MetricRule[]): CardMetric[] {
  if (!isObject(report)) {
    throw new CardError(
      `The evaluation report is ${describeValue(report)}, not a JSON object; the card's metrics are read from its ` +
        `fields (e.g. {"fid": 41.7}).`
    )
  }
  return rules.length === 0 ? defaultMetrics(report) : ruleMetrics(report, rules)
}

function defaultMetrics(report: Record<string, unknown>): CardMetric[] {
  const found: Array<{ path: string; value: number }> = []
  for (const [key, value] of Object.entries(report)) {
    if (isFiniteNumber(value)) found.push({ path: key, value })
    else if (isObject(value)) {
      for (const [child, childValue] of Object.entries(value))
        if (isFiniteNumber(childValue)) found.push({ path: `${key}.${child}`, value: childValue })
    }
  }
  const types = new Set<string>()
  const names = new Set<string>()
  return found.map(({ path, value }) =>
    describe({ path, type: uniqueType(metricTypeFor(path), types) }, value, names, path)
  )
}

function uniqueType(type: string, taken: Set<string>): string {
  let candidate = type
  for (let n = 2; taken.has(candidate); n++) candidate = `${type}_${n}`
  taken.add(candidate)
  return candidate
}

function ruleMetrics(report: Record<string, unknown>, rules: readonly MetricRule[]): CardMetric[] {
  const metrics: CardMetric[] = []
  const problems: string[] = []
  const names = new Set<string>()
  for (const rule of rules) {
    const found = valueAtPath(report, rule.path)
    const where = `card-metrics line ${rule.line} ("${rule.path}")`
    if (!found.exists) problems.push(`${where}: the evaluation report has no field "${rule.path}"`)
    else if (!isFiniteNumber(found.value))
      problems.push(`${where}: the value is ${describeValue(found.value)}, not a number`)
    else metrics.push(describe(rule, found.value, names))
  }
  if (problems.length > 0) {
    const paths = numericPaths(report)
    const available =
      paths.length === 0
        ? 'The evaluation report has no numeric fields.'
        : `Numeric fields in the evaluation report: ${paths.slice(0, MAX_LISTED_PATHS).join(', ')}` +
          (paths.length > MAX_LISTED_PATHS ? `, and ${paths.length - MAX_LISTED_PATHS} more.` : '.')
    throw new CardError(
      `The card-metrics input does not match the evaluation report:\n${problems.map((p) => `- ${p}`).join('\n')}\n` +
        `${available}\nFix the paths in card-metrics, or leave it empty to take every top-level number.`
    )
  }
  return metrics
}

/** The number at a dot path, or undefined. Used by the metric gate on evaluation reports. */
export function numberAtPath(report: unknown, path: string): number | undefined {
  const found = valueAtPath(report, path)
  return found.exists && isFiniteNumber(found.value) ? found.value : undefined
}

/**
 * The value at a dot path. Each step takes the longest run of keys that names an own field, and
 * backs off to shorter ones, so both {"a": {"b": 1}} and {"a.b": 1} answer "a.b".
 */
function valueAtPath(root: unknown, path: string): { exists: true; value: unknown } | { exists: false } {
  const walk = (node: unknown, keys: readonly string[]): { exists: true; value: unknown } | { exists: false } => {
    if (keys.length === 0) return { exists: true, value: node }
    for (let take = keys.length; take >= 1; take--) {
      const key = keys.slice(0, take).join('.')
      if (!hasField(node, key)) continue
      const found = walk((node as Record<string, unknown>)[key], keys.slice(take))
      if (found.exists) return found
    }
    return { exists: false }
  }
  return walk(root, path.split('.'))
}

/** Own data fields only: never `__proto__`, `constructor` or an array's `length`. */
function hasField(node: unknown, key: string): boolean {
  if (Array.isArray(node)) return /^(0|[1-9][0-9]*)$/.test(key) && Number(key) < node.length
  return isObject(node) && Object.hasOwn(node, key)
}

/** Every dot path to a finite number, depth-first in key order, for "did you mean" lists. */
export function numericPaths(report: unknown): string[] {
  const paths: string[] = []
  const visit = (node: unknown, prefix: string, depth: number): void => {
    if (isFiniteNumber(node)) {
      if (prefix !== '') paths.push(prefix)
      return
    }
    if (depth >= MAX_LISTED_DEPTH) return
    const entries = Array.isArray(node)
      ? node.map((v, i) => [String(i), v] as const)
      : isObject(node)
        ? Object.entries(node)
        : []
    for (const [key, value] of entries) visit(value, prefix === '' ? key : `${prefix}.${key}`, depth + 1)
  }
  visit(report, '', 0)
  return paths
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value)
}
