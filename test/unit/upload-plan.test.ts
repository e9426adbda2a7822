import assert from 'node:assert/strict'
import { test } from 'node:test'
import { needsGitOid, planUpload, type ManifestEntry, type RemoteFile } from '../../src/hub/upload-plan.ts'

const entry = (pathInRepo: string, size: number, sha256: string, gitOid?: string): ManifestEntry => ({
  pathInRepo,
  localPath: `/w/${pathInRepo}`,
  size,
  sha256,
  gitOid
})
const remote = (files: RemoteFile[]) => new Map(files.map((f) => [f.path, f]))

test('new, changed and identical files are told apart by content, not by name', () => {
  const plan = planUpload(
    [
      entry('new.bin', 10, 'a'),
      entry('lfs-same.pt', 100, 'sha-same'),
      entry('lfs-changed.pt', 100, 'sha-new'),
      entry('small-same.json', 5, 'x', 'blob-1'),
      entry('small-changed.json', 5, 'y', 'blob-2'),
      entry('resized.pt', 7, 'sha-same')
    ],
    remote([
      { path: 'lfs-same.pt', size: 100, oid: 'pointer', lfs: { oid: 'sha-same', size: 100 } },
      { path: 'lfs-changed.pt', size: 100, oid: 'pointer', lfs: { oid: 'sha-old', size: 100 } },
      { path: 'small-same.json', size: 5, oid: 'blob-1' },
      { path: 'small-changed.json', size: 5, oid: 'blob-9' },
      { path: 'resized.pt', size: 8, oid: 'p', lfs: { oid: 'sha-same', size: 8 } },
      { path: 'untouched-remote.txt', size: 1, oid: 'z' }
    ]),
    'head1'
  )
  assert.deepEqual(
    plan.files.map((f) => [f.pathInRepo, f.status]),
    [
      ['new.bin', 'added'],
      ['lfs-same.pt', 'unchanged'],
      ['lfs-changed.pt', 'updated'],
      ['small-same.json', 'unchanged'],
      ['small-changed.json', 'updated'],
      ['resized.pt', 'updated']
    ]
  )
  assert.equal(plan.bytesToUpload, 10 + 100 + 5 + 7)
  assert.equal(plan.changed, true)
  assert.equal(plan.baseCommit, 'head1')
})

test('nothing to do when the head holds every file', () => {
  const plan = planUpload(
    [entry('a.pt', 3, 's')],
    remote([{ path: 'a.pt', size: 3, oid: 'p', lfs: { oid: 's', size: 3 } }]),
    'h'
  )
  assert.equal(plan.changed, false)
  assert.deepEqual(plan.toUpload, [])
})

test('a git blob id is needed only against a regular remote file of the same size', () => {
  assert.equal(needsGitOid({ size: 5 }, undefined), false)
  assert.equal(needsGitOid({ size: 5 }, { path: 'x', size: 6, oid: 'o' }), false)
  assert.equal(needsGitOid({ size: 5 }, { path: 'x', size: 5, oid: 'o', lfs: { oid: 's', size: 5 } }), false)
  assert.equal(needsGitOid({ size: 5 }, { path: 'x', size: 5, oid: 'o' }), true)
  assert.throws(() => planUpload([entry('x', 5, 's')], remote([{ path: 'x', size: 5, oid: 'o' }]), 'h'), /git blob id/)
})
