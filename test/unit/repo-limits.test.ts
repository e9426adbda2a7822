// The Hub's folder limit and the commit-size limit, on synthetic paths (no files are written).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_FOLDER_ENTRIES,
  crowdedFolders,
  describeCrowdedFolders,
  describeOversizedCommit
} from '../../src/files/repo-limits.ts'

const many = (n: number, make: (i: number) => string) => Array.from({ length: n }, (_, i) => make(i))

test('a folder with exactly 10,000 entries is allowed; one more is refused, with its counts', () => {
  assert.equal(MAX_FOLDER_ENTRIES, 10_000)
  assert.deepEqual(crowdedFolders(many(10_000, (i) => `samples/${i}.png`)), [])
  assert.deepEqual(crowdedFolders(many(10_001, (i) => `samples/${i}.png`)), [
    { folder: 'samples', files: 10_001, folders: 0 }
  ])
})

test('files and subfolders count together, at every level, the root included', () => {
  const paths = [
    ...many(5_000, (i) => `data/file${i}.txt`),
    ...many(5_001, (i) => `data/sub${i}/file.txt`),
    ...many(10_001, (i) => `top${i}.bin`)
  ]
  assert.deepEqual(crowdedFolders(paths), [
    { folder: '', files: 10_001, folders: 1 },
    { folder: 'data', files: 5_000, folders: 5_001 }
  ])
  // Spread over subfolders of 1,000, the same 20,000 files are fine.
  assert.deepEqual(crowdedFolders(many(20_000, (i) => `samples/${Math.floor(i / 1000)}/${i}.png`)), [])
})

test('the messages say what the Hub refuses, that nothing was uploaded, and what to do', () => {
  const text = describeCrowdedFolders([{ folder: 'samples', files: 10_001, folders: 0 }])
  assert.match(text, /more than 10,000 entries into one folder/)
  assert.match(text, /nothing was uploaded/)
  assert.match(text, /- samples: 10001 entries \(10001 files, 0 folders\)/)
  assert.match(text, /Split such a folder into subfolders/)
  assert.match(describeCrowdedFolders([{ folder: '', files: 10_001, folders: 0 }]), /- \/: 10001 entries/)
  const commit = describeOversizedCommit(1500, 1000)
  assert.match(commit, /1500 files in one commit, more than max-commit-files \(1000\); nothing was uploaded/)
  assert.match(commit, /60 s request timeout/)
})
