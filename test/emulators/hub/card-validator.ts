// The Hub's check of a repo card's metadata (README.md YAML front matter), driven by one data file,
// data/metadata-rules.json, which names the source of every list. Used by POST /api/validate-yaml,
// by the commit and repo-creation endpoints (which refuse a README.md with invalid metadata, as the
// Hub does) and by repo info (cardData only for metadata this validator accepts). Messages follow
// the Hub's Joi-style texts, e.g. `"license" must be one of [apache-2.0, …, array]`. Pure module.
import { readFileSync } from 'node:fs'
import { parseDocument } from 'yaml'
import type { RepoType } from './types.ts'

type Node =
  | { type: 'string'; enum?: string; pattern?: string; nonEmpty?: boolean }
  | { type: 'stringOrArray'; enum?: string; pattern?: string; nonEmpty?: boolean }
  | { type: 'array'; items: Node }
  | { type: 'object'; required?: string[]; properties?: Record<string, Node> }
  | { type: 'any' | 'boolean' | 'number' }
  | { schema: string }

interface MetadataRules {
  frontMatterPattern: string
  messages: { missingMetadata: string; invalidYaml: string; notAnObject: string }
  lists: Record<string, string[]>
  patterns: Record<string, string>
  schemas: Record<string, Node>
  fields: Record<'all' | RepoType, Record<string, Node>>
}

export const METADATA_RULES: MetadataRules = JSON.parse(
  readFileSync(new URL('./data/metadata-rules.json', import.meta.url), 'utf8')
) as MetadataRules

const FRONT_MATTER = new RegExp(METADATA_RULES.frontMatterPattern)

export interface CardMessage {
  message: string
}

export interface CardValidation {
  errors: CardMessage[]
  warnings: CardMessage[]
  /** The metadata as the Hub reads it (cardData); undefined when there is none or it has errors. */
  metadata?: Record<string, unknown>
}

/** Validates a README.md's text for a repo of this type, as POST /api/validate-yaml answers it. */
export function validateCard(content: string, repoType: RepoType): CardValidation {
  const block = FRONT_MATTER.exec(content)
  const missing = { errors: [], warnings: [{ message: METADATA_RULES.messages.missingMetadata }] }
  if (!block) return missing
  let data: unknown
  try {
    const doc = parseDocument(block[2] ?? '', { prettyErrors: true, uniqueKeys: true, merge: true })
    const [first] = doc.errors
    if (first) throw first
    data = doc.toJS({ maxAliasCount: 100 })
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return { errors: [{ message: METADATA_RULES.messages.invalidYaml.replace('{reason}', reason) }], warnings: [] }
  }
  if (data === null || data === undefined) return missing
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    return { errors: [{ message: METADATA_RULES.messages.notAnObject }], warnings: [] }
  }
  const metadata = data as Record<string, unknown>
  const fields = { ...METADATA_RULES.fields.all, ...METADATA_RULES.fields[repoType] }
  const errors: CardMessage[] = []
  for (const [key, node] of Object.entries(fields)) {
    if (metadata[key] !== undefined) errors.push(...check(node, metadata[key], key))
  }
  const warnings = Object.keys(metadata).length === 0 ? missing.warnings : []
  return errors.length > 0 ? { errors, warnings } : { errors, warnings, metadata }
}

/** Joi's messages for one value against one rule node; `label` is the Joi path (`a[0].b`). */
function check(node: Node, value: unknown, label: string): CardMessage[] {
  if ('schema' in node) {
    const schema = METADATA_RULES.schemas[node.schema]
    if (!schema) throw new Error(`metadata-rules.json: unknown schema ${node.schema}`)
    return check(schema, value, label)
  }
  const fail = (text: string): CardMessage[] => [{ message: `"${label}" ${text}` }]
  switch (node.type) {
    case 'any':
      return value === null ? fail('must not be null') : []
    case 'boolean':
      return typeof value === 'boolean' ? [] : fail('must be a boolean')
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? [] : fail('must be a number')
    case 'string':
      return checkString(node, value, label, false)
    case 'stringOrArray':
      if (Array.isArray(value)) return value.flatMap((item, i) => checkString(node, item, `${label}[${i}]`, false))
      return checkString(node, value, label, true)
    case 'array':
      if (!Array.isArray(value)) return fail('must be an array')
      return value.flatMap((item, i) => check(node.items, item, `${label}[${i}]`))
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('must be of type object')
      const object = value as Record<string, unknown>
      const messages: CardMessage[] = []
      for (const key of node.required ?? []) {
        if (object[key] === undefined || object[key] === null)
          messages.push({ message: `"${label}.${key}" is required` })
      }
      for (const [key, child] of Object.entries(node.properties ?? {})) {
        if (object[key] !== undefined && object[key] !== null)
          messages.push(...check(child, object[key], `${label}.${key}`))
      }
      return messages
    }
  }
}

function checkString(
  node: { enum?: string; pattern?: string; nonEmpty?: boolean },
  value: unknown,
  label: string,
  arrayAllowed: boolean
): CardMessage[] {
  const fail = (text: string): CardMessage[] => [{ message: `"${label}" ${text}` }]
  const list = node.enum ? METADATA_RULES.lists[node.enum] : undefined
  if (node.enum && !list) throw new Error(`metadata-rules.json: unknown list ${node.enum}`)
  if (list) {
    // Joi lists the other alternative's type after the allowed values: `[apache-2.0, …, array]`.
    if (typeof value === 'string' && list.includes(value)) return []
    return fail(`must be one of [${[...list, ...(arrayAllowed ? ['array'] : [])].join(', ')}]`)
  }
  if (typeof value !== 'string') return fail(arrayAllowed ? 'must be one of [string, array]' : 'must be a string')
  if (node.nonEmpty && value.trim() === '') return fail('is not allowed to be empty')
  const pattern = node.pattern ? METADATA_RULES.patterns[node.pattern] : undefined
  if (node.pattern && !pattern) throw new Error(`metadata-rules.json: unknown pattern ${node.pattern}`)
  if (pattern && !new RegExp(pattern).test(value)) {
    return fail(`with value "${value}" fails to match the required pattern: /${pattern}/`)
  }
  return []
}
