import assert from 'node:assert/strict'
import { test } from 'node:test'
// @ts-expect-error plain ESM helper shared with the test runner
import { findMintedSecretLeaks, findTokenLeaks } from '../support/leak-scan.mjs'

const lines = (text: string, secrets: string[]) => findTokenLeaks(text, secrets).map((l: { line: number }) => l.line)

test('the leak scanner finds a token anywhere but in the add-mask command', () => {
  const token = 'hf_' + 'q'.repeat(34)
  const text = `::add-mask::${token}\nfine line\nerror: ${token} leaked\n  ::add-mask::${token}`
  assert.deepEqual(lines(text, [token]), [3, 4])
  assert.deepEqual(findTokenLeaks('nothing here', [token]), [])
})

test('it finds the token percent-encoded and base64-encoded inside a checkout auth header', () => {
  const token = 'ghs_' + 'AbC1'.repeat(9)
  const header = (user: string) => Buffer.from(`${user}:${token}`).toString('base64')
  const text = [
    `extraheader = AUTHORIZATION: basic ${header('x-access-token')}`,
    `basic ${header('u')}`,
    `basic ${header('ab')}`,
    `q=${encodeURIComponent(' ' + token)}`,
    'clean'
  ].join('\n')
  assert.deepEqual(lines(text, [token]), [1, 2, 3, 4])
})

test('it finds the base64 form percent-encoded, as in a URL query', () => {
  // "?>" before the token puts "+" and "/" into its base64 core: shown percent-encoded, they differ.
  const token = 'hf_' + '?>'.repeat(17)
  const core = Buffer.from(token).toString('base64')
  assert.notEqual(encodeURIComponent(core), core)
  assert.deepEqual(lines(`u=${encodeURIComponent(core)}\nclean`, [token]), [1])
})

test('an ::add-mask:: line is exempt only where the runner swallows it (masksExempt: false elsewhere)', () => {
  const token = 'hf_' + 'm'.repeat(34)
  const jwt = `eyJ${'a'.repeat(10)}.eyJ${'b'.repeat(10)}.${'c'.repeat(20)}`
  const text = `::add-mask::${token}\n::add-mask::${jwt}`
  assert.deepEqual(lines(text, [token]), [])
  assert.deepEqual(
    findTokenLeaks(text, [token], { masksExempt: false }).map((l: { line: number }) => l.line),
    [1]
  )
  assert.deepEqual(
    findMintedSecretLeaks(text, { masksExempt: false }).map((l: { line: number }) => l.line),
    [2]
  )
})

test('it finds a presigned signature that was not scrubbed, and lets a scrubbed one pass', () => {
  const text = [
    'PUT https://s3.example/o?X-Amz-Expires=900&X-Amz-Signature=0123456789abcdef0123 failed',
    'PUT https://s3.example/o failed (X-Amz-Signature=***)',
    'blob https://acct.blob.example/c/x.zip?sv=2021&sig=AbCdEfGhIjKlMnOpQrSt%3D',
    '<a href="https://hub.example/api/complete_multipart?expiration=1&amp;signature=0123456789abcdef01">',
    'next=https%3A%2F%2Fhub.example%2Fc%3Fexpiration%3D1%26signature%3D0123456789abcdef01',
    'scrubbed: ?expiration=1&amp;signature=*** and %26signature%3D***'
  ].join('\n')
  assert.deepEqual(lines(text, []), [1, 3, 4, 5])
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
