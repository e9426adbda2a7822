import assert from 'node:assert/strict'
import { test } from 'node:test'
// @ts-expect-error plain ESM helper shared with the test runner
import { findTokenLeaks } from '../support/leak-scan.mjs'

test('the leak scanner finds a token anywhere but in the add-mask command', () => {
  const token = 'hf_' + 'q'.repeat(34)
  const text = `::add-mask::${token}\nfine line\nerror: ${token} leaked\n  ::add-mask::${token}`
  assert.deepEqual(
    findTokenLeaks(text, [token]).map((l: { line: number }) => l.line),
    [3, 4]
  )
  assert.deepEqual(findTokenLeaks('nothing here', [token]), [])
})
