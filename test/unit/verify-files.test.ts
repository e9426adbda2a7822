import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RemoteFile } from '../../src/hub/upload-plan.ts'
import {
  describeMismatches,
  verifyFiles,
  type ExpectedFile,
  type VerificationReport
} from '../../src/verify/verify-files.ts'

const sha = (c: string) => c.repeat(64)
const remote = (files: RemoteFile[]) => new Map(files.map((f) => [f.path, f]))
const lfs = (path: string, size: number, sha256: string): RemoteFile => ({
  path,
  size,
  oid: 'pointer-' + path,
  lfs: { oid: sha256, size }
})
const regular = (path: string, size: number, oid: string): RemoteFile => ({ path, size, oid })

test('files stored as the manifest says verify clean: SHA-256 for LFS, blob id for regular files', () => {
  const expected: ExpectedFile[] = [
    { path: 'generator/model.pt', size: 2048, sha256: sha('a') },
    { path: 'config.json', size: 12, sha256: sha('b'), gitOid: 'blob-config' }
  ]
  const report = verifyFiles(
    expected,
    remote([
      lfs('generator/model.pt', 2048, sha('A')),
      regular('config.json', 12, 'blob-config'),
      regular('other.txt', 1, 'x')
    ])
  )
  assert.deepEqual(report, { checked: 2, mismatches: [], ok: true })
})

test('every mismatch is reported at once: missing, size, LFS hash, blob hash', () => {
  const expected: ExpectedFile[] = [
    { path: 'gone.bin', size: 1, sha256: sha('1') },
    { path: 'generator/model.pt', size: 2048, sha256: sha('a') },
    { path: 'weights.safetensors', size: 10, sha256: sha('b') },
    { path: 'config.json', size: 12, sha256: sha('c'), gitOid: 'blob-local' },
    { path: 'fine.json', size: 3, sha256: sha('d'), gitOid: 'blob-fine' }
  ]
  const report = verifyFiles(
    expected,
    remote([
      lfs('generator/model.pt', 1024, sha('a')),
      lfs('weights.safetensors', 10, sha('9')),
      regular('config.json', 12, 'blob-hub'),
      regular('fine.json', 3, 'blob-fine')
    ])
  )
  assert.equal(report.ok, false)
  assert.equal(report.checked, 5)
  assert.deepEqual(report.mismatches, [
    { kind: 'missing', path: 'gone.bin' },
    { kind: 'size', path: 'generator/model.pt', expected: 2048, actual: 1024 },
    { kind: 'hash', path: 'weights.safetensors', algorithm: 'sha256', expected: sha('b'), actual: sha('9') },
    { kind: 'hash', path: 'config.json', algorithm: 'git-blob', expected: 'blob-local', actual: 'blob-hub' }
  ])
})

test('a regular remote file without a local blob id is a programming error, not a pass', () => {
  assert.throws(
    () =>
      verifyFiles([{ path: 'config.json', size: 12, sha256: sha('c') }], remote([regular('config.json', 12, 'blob')])),
    /git blob id of config\.json/
  )
  // Not needed when the sizes already differ, or the file is stored in LFS.
  assert.equal(
    verifyFiles([{ path: 'config.json', size: 13, sha256: sha('c') }], remote([regular('config.json', 12, 'blob')]))
      .mismatches[0]?.kind,
    'size'
  )
})

test('the message lists every mismatch, one line each, with the revision', () => {
  const report: VerificationReport = {
    checked: 4,
    ok: false,
    mismatches: [
      { kind: 'missing', path: 'gone.bin' },
      { kind: 'size', path: 'generator/model.pt', expected: 2048, actual: 1024 },
      { kind: 'hash', path: 'w.safetensors', algorithm: 'sha256', expected: 'e1', actual: 'a1' },
      { kind: 'hash', path: 'config.json', algorithm: 'git-blob', expected: 'e2', actual: 'a2' },
      { kind: 'card', path: 'README.md', problem: 'the Hub reports no card metadata' }
    ]
  }
  assert.equal(
    describeMismatches(report, 'abc123'),
    [
      'Verification of 4 files at abc123 found 5 problems:',
      '- gone.bin: missing on the Hub',
      '- generator/model.pt: size 1024 on the Hub, 2048 expected',
      '- w.safetensors: SHA-256 a1 on the Hub, e1 expected',
      '- config.json: git blob id a2 on the Hub, e2 expected',
      '- README.md (model card): the Hub reports no card metadata'
    ].join('\n')
  )
  assert.equal(
    describeMismatches({ checked: 1, mismatches: [], ok: true }, 'abc123'),
    '1 file verified on the Hub at abc123: every size and hash matches.'
  )
})

test('a flood of mismatches is capped in the message, with the count of the rest', () => {
  const expected = Array.from({ length: 250 }, (_, i): ExpectedFile => ({ path: `f${i}`, size: 1, sha256: sha('a') }))
  const message = describeMismatches(verifyFiles(expected, new Map()), 'r')
  assert.equal(message.split('\n').length, 1 + 200 + 1)
  assert.match(message, /found 250 problems/)
  assert.match(message, /- … and 50 more$/)
})
