/**
 * The local part of checking a card before anything is pushed: the metadata must parse and have
 * the shapes the Hub's schema gives (strings, lists, model-index). Which license ids, tasks or
 * libraries the Hub accepts is the Hub's to say: the card is sent to its validator
 * (`/api/validate-yaml`, card/hub-validation.ts), and this check stands alone only when a Hub has
 * no such endpoint. Spec: https://huggingface.co/docs/hub/model-cards#model-card-metadata
 */
import { CardError } from './card-error.ts'
import { isMappingOrEmpty, parseFrontMatter, splitCard } from './front-matter.ts'
import { describeValue, isObject } from '../lib/values.ts'

const METADATA_DOCS = 'https://huggingface.co/docs/hub/model-cards#model-card-metadata'
const EXAMPLES = { license: '"apache-2.0"', library_name: '"pytorch"', pipeline_tag: '"text-to-image"' } as const
// A Hub repo id, with or without its namespace ("stabilityai/sd-turbo", "gpt2").
const REPO_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/

/**
 * Parses and checks a card's front matter: returns the metadata, or throws one CardError listing
 * every problem (not YAML, not a mapping, license/library_name/pipeline_tag not strings,
 * tags/datasets/base_model not strings or lists of strings, base_model not a repo id, model-index
 * without the required fields or numeric values). A card without front matter has no metadata,
 * which is valid; so is one whose opening "---" is never closed (the Hub then reads none either).
 */
export function validateCard(text: string): Record<string, unknown> {
  const { metadata, problems } = checkCard(text)
  if (problems.length > 0) throw cardError(problems)
  return metadata
}

/** The metadata and every local problem of a card, without throwing. */
export function checkCard(text: string): { metadata: Record<string, unknown>; problems: string[] } {
  const parts = splitCard(text)
  if (parts.frontMatter === undefined) return { metadata: {}, problems: [] }
  const { doc, problems } = parseFrontMatter(parts.frontMatter, parts.firstLine)
  if (problems.length > 0) return { metadata: {}, problems }
  if (!isMappingOrEmpty(doc)) {
    const what = describeValue(doc.toJS())
    return { metadata: {}, problems: [`the front matter is ${what}, not a mapping of keys such as "license:"`] }
  }
  const metadata = (doc.toJS() ?? {}) as Record<string, unknown>
  return { metadata, problems: checkMetadata(metadata) }
}

/** The front matter as an object, or undefined when the text has none or it does not parse. */
export function readCardMetadata(text: string): Record<string, unknown> | undefined {
  const parts = splitCard(text)
  if (parts.frontMatter === undefined) return undefined
  const { doc, problems } = parseFrontMatter(parts.frontMatter, parts.firstLine)
  if (problems.length > 0 || !isMappingOrEmpty(doc)) return undefined
  try {
    return (doc.toJS() ?? {}) as Record<string, unknown>
  } catch {
    return undefined // e.g. an alias bomb: the yaml package refuses to expand it
  }
}

/** The value of the model-index metric with this type in a card (first result that has it), for the metric gate. */
export function publishedMetric(cardText: string, metricType: string): number | undefined {
  const modelIndex = readCardMetadata(cardText)?.['model-index']
  for (const entry of asArray(modelIndex)) {
    for (const result of asArray(field(entry, 'results'))) {
      for (const metric of asArray(field(result, 'metrics'))) {
        const value = field(metric, 'value')
        if (field(metric, 'type') === metricType && typeof value === 'number' && Number.isFinite(value)) return value
      }
    }
  }
  return undefined
}

/** Every problem in the metadata, each naming the key and what to write instead. */
export function checkMetadata(data: Record<string, unknown>): string[] {
  const problems: string[] = []
  for (const key of ['license', 'library_name', 'pipeline_tag'] as const) {
    const value = data[key]
    if (value !== undefined && !isNonEmptyString(value)) {
      problems.push(`${key}: expected a string such as ${EXAMPLES[key]}, got ${describeValue(value)}`)
    }
  }
  for (const key of ['tags', 'datasets', 'base_model'] as const) {
    const value = data[key]
    if (value !== undefined && !isStringOrStringList(value))
      problems.push(`${key}: expected a string or a list of strings, got ${describeValue(value)}`)
  }
  for (const id of isStringOrStringList(data.base_model) ? [data.base_model].flat() : []) {
    if (!REPO_ID.test(id))
      problems.push(
        `base_model: "${id}" is not a Hub model id; write it as "<namespace>/<name>", e.g. "stabilityai/sd-turbo"`
      )
  }
  if (data['model-index'] !== undefined) problems.push(...modelIndexProblems(data['model-index']))
  return problems
}

/**
 * The shape the Hub requires: name, and per result task.type, dataset.type/name and metrics with type and a numeric
 * value.
 */
function modelIndexProblems(modelIndex: unknown): string[] {
  if (!Array.isArray(modelIndex))
    return [`model-index: expected a list of {name, results}, got ${describeValue(modelIndex)}`]
  const problems: string[] = []
  for (const [i, entry] of modelIndex.entries()) {
    const at = `model-index[${i}]`
    if (!isObject(entry)) {
      problems.push(`${at}: expected {name, results}, got ${describeValue(entry)}`)
      continue
    }
    if (!isNonEmptyString(entry.name)) problems.push(`${at}.name: required, the model's name (a string)`)
    if (!Array.isArray(entry.results) || entry.results.length === 0)
      problems.push(`${at}.results: required, a list of {task, dataset, metrics}`)
    else
      for (const [j, result] of entry.results.entries()) problems.push(...resultProblems(result, `${at}.results[${j}]`))
  }
  return problems
}

function resultProblems(result: unknown, at: string): string[] {
  if (!isObject(result)) return [`${at}: expected {task, dataset, metrics}, got ${describeValue(result)}`]
  const problems: string[] = []
  const { task, dataset, metrics } = result
  if (!isObject(task) || !isNonEmptyString(task.type))
    problems.push(`${at}.task.type: required, a task id such as "unconditional-image-generation"`)
  if (!isObject(dataset)) problems.push(`${at}.dataset: required, {type, name} of the evaluation data`)
  else {
    if (!isNonEmptyString(dataset.type)) problems.push(`${at}.dataset.type: required, a dataset id (a string)`)
    if (!isNonEmptyString(dataset.name))
      problems.push(`${at}.dataset.name: required, the dataset's display name (a string)`)
    for (const key of ['config', 'split', 'revision'] as const) {
      if (dataset[key] !== undefined && typeof dataset[key] !== 'string')
        problems.push(`${at}.dataset.${key}: expected a string, got ${describeValue(dataset[key])}`)
    }
  }
  if (!Array.isArray(metrics) || metrics.length === 0) {
    problems.push(`${at}.metrics: required, a list of {type, value}`)
    return problems
  }
  for (const [k, metric] of metrics.entries()) {
    const where = `${at}.metrics[${k}]`
    if (!isObject(metric)) {
      problems.push(`${where}: expected {type, value, name}, got ${describeValue(metric)}`)
      continue
    }
    if (!isNonEmptyString(metric.type)) problems.push(`${where}.type: required, a metric id such as "fid"`)
    if (metric.value === undefined || metric.value === null) problems.push(`${where}.value: required, a number`)
    else if (typeof metric.value !== 'number' || !Number.isFinite(metric.value))
      problems.push(`${where}.value: expected a number, got ${describeValue(metric.value)}`)
    if (metric.name !== undefined && typeof metric.name !== 'string')
      problems.push(`${where}.name: expected a string, got ${describeValue(metric.name)}`)
  }
  return problems
}

function cardError(problems: readonly string[]): CardError {
  return new CardError(
    `The model card's metadata (README.md front matter) is invalid:\n${problems.map((p) => `- ${p}`).join('\n')}\n` +
      `Fix the model-card inputs, the template, or the README.md on the Hub. Metadata reference: ${METADATA_DOCS}`
  )
}

function isStringOrStringList(value: unknown): value is string | string[] {
  return typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== ''
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined
}
