/** The action's inputs as a workflow gives them: a valid base, and what each test changes in it. */
import assert from 'node:assert/strict'
import { InputError } from '../../src/errors.ts'
import { readSettings, type InputName, type Settings } from '../../src/inputs.ts'
import { HF_TOKEN } from './tokens.ts'

export type Inputs = Partial<Record<InputName, string>>

export const VALID_INPUTS: Inputs = {
  'hf-token': HF_TOKEN,
  'repo-id': 'd4oit/tiny-cats-model',
  files: 'checkpoints/tinydit_final.pt -> generator/model.pt\nsamples/evaluation/ -> samples/'
}

/** The settings of the valid base with `overrides` (inputs left out read as empty, as on a runner). */
export function readInputs(overrides: Inputs): Settings {
  return readSettings((name) => ({ ...VALID_INPUTS, ...overrides })[name] ?? '')
}

/** The InputError's message for the valid base with `overrides`; fails the test when they are valid. */
export function inputProblems(overrides: Inputs): string {
  try {
    readInputs(overrides)
  } catch (error) {
    assert.ok(error instanceof InputError)
    return error.message
  }
  assert.fail('expected an InputError')
}
