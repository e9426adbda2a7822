// The README documents every input and output of action.yml (a drift check, like check-dist).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  inputs: object
  outputs: object
}
const section = (title: string) =>
  readme.slice(readme.indexOf(`## ${title}`), readme.indexOf('\n## ', readme.indexOf(`## ${title}`) + 3))

test('every input of action.yml is in the README inputs table', () => {
  const table = section('Inputs')
  for (const name of Object.keys(action.inputs)) assert.ok(table.includes(`\`${name}\``), `README lists input ${name}`)
})

test('every output of action.yml is in the README outputs table', () => {
  const table = section('Outputs')
  for (const name of Object.keys(action.outputs))
    assert.ok(table.includes(`\`${name}\``), `README lists output ${name}`)
})

test('the README names the two commands a newcomer runs', () => {
  assert.match(readme, /npm run demo/)
  assert.match(readme, /npm test/)
})

test('the first workflow of Usage publishes keyless: id-token: write, and no hf-token', () => {
  const usage = section('Usage')
  const first = /```yaml\n([\s\S]*?)```/.exec(usage)?.[1] ?? ''
  const workflow = parse(first) as { permissions: Record<string, string>; jobs: Record<string, unknown> }
  assert.equal(workflow.permissions['id-token'], 'write')
  assert.ok(!first.includes('hf-token'), 'no Hub secret at all')
  assert.match(usage, /^### Keyless publishing/m)
  assert.ok(usage.indexOf('### Keyless publishing') < usage.indexOf('```yaml'), 'the section comes first')
})
