// Names are data (issue 7, point 3): control and bidi characters, `.git` segments, case conflicts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkRepoPath } from '../../src/files/file-mapping.ts'
import { planUpload, type ManifestEntry, type RemoteFile } from '../../src/hub/upload-plan.ts'
import { caseConflicts, isGitSegment, nameProblem, showName, unsafeCharacter } from '../../src/lib/names.ts'

test('newline, C0, DEL, C1, U+2028/9 and bidi controls are unsafe in a name; ordinary Unicode is not', () => {
  for (const [name, shown] of [
    ['a\nb', '\\u000A'],
    ['a\tb', '\\u0009'],
    ['a\u0000b', '\\u0000'],
    ['a\u007fb', '\\u007F'],
    ['a\u0085b', '\\u0085'],
    ['a\u009bb', '\\u009B'],
    ['cat\u202egnp.exe', '\\u202E'],
    ['a\u2066b', '\\u2066'],
    ['a\u200fb', '\\u200F'],
    ['a\u2028b', '\\u2028'],
    ['a\u2029b', '\\u2029']
  ] as const) {
    assert.equal(unsafeCharacter(name), shown, JSON.stringify(name))
  }
  for (const name of ['café.png', '猫/图.png', 'weights#2.pt', 'a b(1).txt', 'emoji 🐱.png'])
    assert.equal(unsafeCharacter(name), undefined, name)
})

test('an error shows the name escaped, never the raw control character', () => {
  const problem = nameProblem('samples/a\n::error::x.png', 'file name')!
  assert.ok(!problem.includes('\n'))
  assert.match(problem, /"samples\/a\\u000A::error::x\.png"/)
  assert.equal(showName('a\u202eb'), '"a\\u202Eb"')
})

test('.git segments in every spelling git refuses', () => {
  for (const s of ['.git', '.GIT', '.Git', '.git.', '.git ', 'GIT~1']) assert.ok(isGitSegment(s), s)
  for (const s of ['.github', 'git', '.gitattributes', '.git-x']) assert.ok(!isGitSegment(s), s)
  assert.match(checkRepoPath('models/.git/config')!, /inside "\.git"/)
  assert.match(checkRepoPath('.GIT/hooks/x')!, /inside "\.git"/)
  assert.equal(checkRepoPath('.github/workflows/x.yml'), undefined)
  assert.match(checkRepoPath('a\u202eb.txt')!, /control character \\u202E/)
})

test('paths and folders that differ only by case or Unicode form conflict, once per pair', () => {
  assert.deepEqual(caseConflicts(['Samples/a.png', 'samples/a.png']), [['Samples', 'samples']])
  assert.deepEqual(caseConflicts(['samples/A.png', 'samples/a.png']), [['samples/A.png', 'samples/a.png']])
  assert.deepEqual(caseConflicts(['README.md', 'readme.md']), [['README.md', 'readme.md']])
  assert.deepEqual(caseConflicts(['caf\u00e9.txt', 'cafe\u0301.txt']), [['caf\u00e9.txt', 'cafe\u0301.txt']])
  assert.deepEqual(caseConflicts(['A/x', 'a/y', 'a/z']), [['A', 'a']])
  assert.deepEqual(caseConflicts(['a/x', 'a/y', 'b']), [])
})

const entry = (pathInRepo: string): ManifestEntry => ({ pathInRepo, localPath: '', size: 1, sha256: 'a'.repeat(64) })
const remoteFile = (path: string): [string, RemoteFile] => [path, { path, size: 1, oid: 'b'.repeat(40) }]

test('the plan refuses a new path that only differs by case from one in the repo', () => {
  assert.throws(
    () => planUpload([entry('samples/a.png')], new Map([remoteFile('Samples/b.png')]), 'c'.repeat(40)),
    /"samples" and "Samples" differ only by case|"samples" and "Samples"/
  )
  assert.throws(() => planUpload([entry('README.md')], new Map([remoteFile('readme.md')]), undefined), /README\.md/)
  // Conflicts already on the branch, away from what we publish, are not ours to refuse.
  const plan = planUpload([entry('x.bin')], new Map([remoteFile('A/1'), remoteFile('a/2')]), undefined)
  assert.equal(plan.files.length, 1)
})
