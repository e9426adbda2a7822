// When an earlier publish's File trailers may stand in for hashing artifact files again.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseFileMapping } from '../../src/files/file-mapping.ts'
import { knownArtifactDigests, mappingFingerprint } from '../../src/provenance/known-digests.ts'
import { formatDescription, parseDescription, type Provenance } from '../../src/provenance/trailers.ts'

const D1 = 'sha256:' + '1'.repeat(64)
const D2 = 'sha256:' + '2'.repeat(64)
const rules = parseFileMapping('checkpoints/model.pt -> generator/model.pt\nsamples/ -> samples/').rules
const layout = [{ name: 'checkpoints', folder: 'checkpoints' }]
const fingerprint = mappingFingerprint(rules, layout)
const earlier: Provenance = {
  workflowRun: 'https://github.com/o/r/actions/runs/1',
  artifacts: [{ name: 'checkpoints', digest: D1 }],
  metrics: [],
  files: [{ path: 'generator/model.pt', size: 10, sha256: 'a'.repeat(64) }],
  filesMapping: fingerprint
}

test('the fingerprint follows the rules and the layout, not line numbers or comments', () => {
  const commented = parseFileMapping(
    '# weights\ncheckpoints/model.pt -> generator/model.pt\n\nsamples/ -> samples/'
  ).rules
  assert.equal(mappingFingerprint(commented, layout), fingerprint)
  assert.notEqual(mappingFingerprint(parseFileMapping('checkpoints/model.pt -> model.pt').rules, layout), fingerprint)
  assert.notEqual(mappingFingerprint(rules, [{ name: 'checkpoints', folder: 'ckpt' }]), fingerprint)
  assert.match(fingerprint, /^[0-9a-f]{16}$/)
})

test('the trailers carry the fingerprint both ways', () => {
  assert.equal(parseDescription(formatDescription(earlier))?.filesMapping, fingerprint)
})

test('known only when the mapping and every artifact digest are the same, and every artifact has one', () => {
  const now = { fingerprint, artifacts: [{ name: 'checkpoints', digest: D1 }] }
  assert.deepEqual(
    knownArtifactDigests(earlier, now),
    new Map([['generator/model.pt', { size: 10, sha256: 'a'.repeat(64) }]])
  )
  assert.equal(knownArtifactDigests(undefined, now), undefined)
  assert.equal(knownArtifactDigests(earlier, { ...now, fingerprint: '0'.repeat(16) }), undefined)
  assert.equal(
    knownArtifactDigests(earlier, { fingerprint, artifacts: [{ name: 'checkpoints', digest: D2 }] }),
    undefined
  )
  assert.equal(
    knownArtifactDigests(earlier, { fingerprint, artifacts: [{ name: 'checkpoints', digest: null }] }),
    undefined
  )
  assert.equal(
    knownArtifactDigests(earlier, {
      fingerprint,
      artifacts: [
        { name: 'checkpoints', digest: D1 },
        { name: 'extra', digest: D2 }
      ]
    }),
    undefined
  )
  assert.equal(knownArtifactDigests({ ...earlier, filesMapping: undefined }, now), undefined, 'an older publish')
})
