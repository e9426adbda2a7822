import assert from 'node:assert/strict'
import { test } from 'node:test'
// @ts-expect-error plain ESM helper shared with the test runner
import { findMintedSecretLeaks, findTokenLeaks } from '../support/leak-scan.mjs'

test('the leak scanner finds a token anywhere but in the add-mask command', () => {
  const token = 'hf_' + 'q'.repeat(34)
  const text = `::add-mask::${token}\nfine line\nerror: ${token} leaked\n  ::add-mask::${token}`
  assert.deepEqual(
    findTokenLeaks(text, [token]).map((l: { line: number }) => l.line),
    [3, 4]
  )
  assert.deepEqual(findTokenLeaks('nothing here', [token]), [])
})

test('minted secrets (exchanged hf_jwt_ tokens, JWTs) are found by their shape', () => {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
  const jwt = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'repo:o/r:ref:refs/heads/main' })}.${'s'.repeat(40)}`
  const exchanged = `hf_jwt_${jwt}`
  const text = `::add-mask::${jwt}\nid token ${jwt}\n::add-mask::${exchanged}\nAuthorization: Bearer ${exchanged}\nok`
  assert.deepEqual(
    findMintedSecretLeaks(text).map((l: { line: number }) => l.line),
    [2, 4, 4]
  )
  assert.deepEqual(findMintedSecretLeaks('hf_jwt_ alone, eyJ.eyJ.x'), [])
})
