/**
 * A small validator for the JSON-schema subset GitHub's OpenAPI 3.0 description uses: `$ref`,
 * `type` (a name or a list of names), `nullable`, `enum`, `const`, `properties`, `required`,
 * `additionalProperties`, `items`, `oneOf` / `anyOf` / `allOf`, and the formats `date-time`
 * and `uri`. It is strict where it matters for an emulator: every required property must be there
 * and every value must have a declared type. Keywords it does not know are ignored.
 */

export type Schema = {
  $ref?: string
  type?: string | string[]
  nullable?: boolean
  enum?: unknown[]
  const?: unknown
  format?: string
  properties?: Record<string, Schema>
  required?: string[]
  additionalProperties?: boolean | Schema
  items?: Schema
  oneOf?: Schema[]
  anyOf?: Schema[]
  allOf?: Schema[]
}

export interface SchemaProblem {
  /** JSON path of the offending value, e.g. `$.workflow_runs[0].actor.login`. */
  path: string
  message: string
}

export class SchemaValidator {
  constructor(private readonly document: unknown) {}

  /** All problems found; an empty list means the value conforms. */
  validate(schema: Schema, value: unknown, path = '$'): SchemaProblem[] {
    const resolved = this.resolve(schema)
    if (value === null && (resolved.nullable || typeNames(resolved).includes('null'))) return []
    const problems = [
      ...this.checkType(resolved, value, path),
      ...checkEnum(resolved, value, path),
      ...checkFormat(resolved, value, path),
      ...this.checkCombinators(resolved, value, path)
    ]
    if (problems.length) return problems
    if (isObject(value)) return this.checkObject(resolved, value, path)
    if (Array.isArray(value) && resolved.items)
      return value.flatMap((item, i) => this.validate(resolved.items as Schema, item, `${path}[${i}]`))
    return []
  }

  /** Follows local `$ref`s (`#/components/schemas/…`). */
  resolve(schema: Schema): Schema {
    let current = schema
    for (let hops = 0; current.$ref; hops++) {
      if (hops > 50) throw new Error(`$ref loop at ${schema.$ref}`)
      current = this.pointer(current.$ref) as Schema
    }
    return current
  }

  pointer(ref: string): unknown {
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`)
    return ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((node, key) => {
        if (!isObject(node) || !(key in node)) throw new Error(`unresolvable $ref ${ref}`)
        return node[key]
      }, this.document)
  }

  private checkType(schema: Schema, value: unknown, path: string): SchemaProblem[] {
    const names = typeNames(schema)
    if (names.length === 0 || names.some((name) => hasType(value, name))) return []
    return [
      { path, message: `expected ${names.join(' | ')}${schema.nullable ? ' | null' : ''}, got ${describe(value)}` }
    ]
  }

  private checkCombinators(schema: Schema, value: unknown, path: string): SchemaProblem[] {
    const problems: SchemaProblem[] = []
    for (const part of schema.allOf ?? []) problems.push(...this.validate(part, value, path))
    if (schema.anyOf && !schema.anyOf.some((part) => this.validate(part, value, path).length === 0)) {
      problems.push({ path, message: `matches none of anyOf: ${this.branchSummary(schema.anyOf, value, path)}` })
    }
    if (schema.oneOf) {
      const matching = schema.oneOf.filter((part) => this.validate(part, value, path).length === 0).length
      if (matching !== 1)
        problems.push({
          path,
          message: `matches ${matching} of oneOf (exactly 1 required): ${this.branchSummary(schema.oneOf, value, path)}`
        })
    }
    return problems
  }

  private branchSummary(branches: Schema[], value: unknown, path: string): string {
    return branches.map((b, i) => `#${i}: ${this.validate(b, value, path)[0]?.message ?? 'ok'}`).join('; ')
  }

  private checkObject(schema: Schema, value: Record<string, unknown>, path: string): SchemaProblem[] {
    const problems: SchemaProblem[] = []
    for (const key of schema.required ?? [])
      if (!(key in value)) problems.push({ path, message: `missing required property "${key}"` })
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}.${key}`
      const declared = schema.properties?.[key]
      if (declared) problems.push(...this.validate(declared, child, childPath))
      else if (schema.additionalProperties === false)
        problems.push({ path: childPath, message: 'property not allowed (additionalProperties: false)' })
      else if (isObject(schema.additionalProperties))
        problems.push(...this.validate(schema.additionalProperties, child, childPath))
    }
    return problems
  }
}

function typeNames(schema: Schema): string[] {
  if (schema.type === undefined) return []
  return Array.isArray(schema.type) ? schema.type : [schema.type]
}

function hasType(value: unknown, name: string): boolean {
  switch (name) {
    case 'null':
      return value === null
    case 'integer':
      return Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
    case 'array':
      return Array.isArray(value)
    case 'object':
      return isObject(value)
    default:
      return typeof value === name
  }
}

function checkEnum(schema: Schema, value: unknown, path: string): SchemaProblem[] {
  if (schema.enum && !schema.enum.includes(value))
    return [{ path, message: `${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}` }]
  if ('const' in schema && schema.const !== value)
    return [{ path, message: `expected const ${JSON.stringify(schema.const)}` }]
  return []
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

function checkFormat(schema: Schema, value: unknown, path: string): SchemaProblem[] {
  if (typeof value !== 'string') return []
  if (schema.format === 'date-time' && !(DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)))) {
    return [{ path, message: `${JSON.stringify(value)} is not an RFC 3339 date-time` }]
  }
  if (schema.format === 'uri' && !URL.canParse(value))
    return [{ path, message: `${JSON.stringify(value)} is not a URI` }]
  return []
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 60)}`
}
