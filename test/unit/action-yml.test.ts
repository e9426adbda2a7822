// action.yml is the contract with workflow authors; the code must agree with it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'
import { DEFAULTS, INPUT_NAMES } from '../../src/inputs.ts'
import { computeOutputs } from '../../src/report/outputs.ts'

const action = parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as {
  runs: { using: string; main: string }
  inputs: Record<string, { description: string; required?: boolean; default?: string }>
  outputs: Record<string, { description: string }>
}

test('runs the committed bundle on node20', () => {
  assert.deepEqual(action.runs, { using: 'node20', main: 'dist/index.js' })
})

test('every input the code reads is declared, described, and has the same default', () => {
  assert.deepEqual(Object.keys(action.inputs).sort(), [...INPUT_NAMES].sort())
  for (const [name, input] of Object.entries(action.inputs)) {
    assert.ok(input.description.length > 20, `${name} has a description`)
    if (name === 'github-token') assert.equal(input.default, '${{ github.token }}')
    else assert.equal(input.default, DEFAULTS[name as keyof typeof DEFAULTS], `default of ${name}`)
  }
  assert.equal(action.inputs['hf-token']!.required, false, 'hf-token is optional: without it the run is keyless')
})

test('every output the code sets is declared', () => {
  const set = new Set(
    Object.keys(
      computeOutputs({
        mode: 'publish',
        repo: { type: 'model', name: 'a/b', url: '' },
        branch: 'main',
        auth: 'token',
        dryRun: false,
        changed: false,
        files: [],
        bytesUploaded: 0,
        createdRepo: false
      })
    )
  )
  assert.deepEqual(Object.keys(action.outputs).sort(), [...set].sort())
})
