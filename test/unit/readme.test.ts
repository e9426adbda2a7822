// The README's inputs and outputs tables are generated from action.yml (`npm run docs`); this is the
// drift check CI also runs, like check-dist.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'
// @ts-expect-error plain ESM script without type declarations
import { inputsTable, renderReadme } from '../../.github/scripts/docs.mjs'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: object
}

test('the inputs and outputs tables are exactly what npm run docs writes from action.yml', () => {
  assert.equal(renderReadme(readme, action), readme, 'run `npm run docs` and commit README.md')
})

test('every input and output of action.yml has its row', () => {
  for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) {
    assert.ok(readme.includes(`| \`${name}\` |`), `README lists ${name}`)
  }
})

test('a table cell cannot be broken or swallowed by what a description says', () => {
  const table = inputsTable({
    inputs: { x: { description: 'a | b <namespace>/<name>\nwrapped\n  indented example', required: true } }
  }) as string
  const row = table.split('\n')[2]!
  assert.equal(row, '| `x` | yes |  | a \\| b &lt;namespace&gt;/&lt;name&gt; wrapped<br>indented example |')
})

test('the README names the two commands a newcomer runs', () => {
  assert.match(readme, /npm run demo/)
  assert.match(readme, /npm test/)
})

test('the first workflow of Usage publishes keyless: id-token: write, and no hf-token', () => {
  const start = readme.indexOf('## Usage')
  const usage = readme.slice(start, readme.indexOf('\n## ', start + 3))
  const first = /```yaml\n([\s\S]*?)```/.exec(usage)?.[1] ?? ''
  const workflow = parse(first) as { permissions: Record<string, string>; jobs: Record<string, unknown> }
  assert.equal(workflow.permissions['id-token'], 'write')
  assert.ok(!first.includes('hf-token'), 'no Hub secret at all')
  assert.match(usage, /^### Keyless publishing/m)
  assert.ok(usage.indexOf('### Keyless publishing') < usage.indexOf('```yaml'), 'the section comes first')
})
