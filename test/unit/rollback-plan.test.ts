import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RemoteFile } from '../../src/hub/upload-plan.ts'
import type { Provenance } from '../../src/provenance/trailers.ts'
import {
  compareTrees,
  planRollback,
  renderRollbackSummary,
  resolveRollbackTarget,
  type RollbackPlan
} from '../../src/rollback/rollback-plan.ts'

const tree = (files: RemoteFile[]) => new Map(files.map((f) => [f.path, f]))
const lfs = (path: string, sha: string, size = 100): RemoteFile => ({
  path,
  size,
  oid: `ptr-${sha}`,
  lfs: { oid: sha, size }
})
const regular = (path: string, oid: string, size = 5): RemoteFile => ({ path, size, oid })

const TARGET = tree([
  lfs('generator/model.pt', 'sha-old'),
  lfs('same.pt', 'sha-same'),
  regular('config.json', 'blob-old'),
  regular('README.md', 'blob-readme'),
  lfs('only-in-target.pt', 'sha-t')
])
const HEAD = tree([
  lfs('generator/model.pt', 'sha-new'),
  lfs('same.pt', 'sha-same'),
  regular('config.json', 'blob-new'),
  regular('README.md', 'blob-readme'),
  regular('added-later.txt', 'blob-x'),
  lfs('z-late.bin', 'sha-z')
])

test('the plan restores LFS files by pointer, re-sends regular files and removes what the target lacks', () => {
  const plan = planRollback(TARGET, HEAD)
  assert.deepEqual(
    plan.restoreLfs.map((f) => f.path),
    ['generator/model.pt', 'only-in-target.pt']
  )
  assert.deepEqual(plan.restoreLfs[0]!.lfs, { oid: 'sha-old', size: 100 }, "the pointer is the target's")
  assert.deepEqual(plan.restoreRegular, [regular('config.json', 'blob-old')])
  assert.deepEqual(plan.remove, ['added-later.txt', 'z-late.bin'])
  assert.equal(plan.unchanged, 2)
  assert.equal(plan.changed, true)
})

test("rolling back to the head's own tree changes nothing", () => {
  const plan = planRollback(HEAD, HEAD)
  assert.deepEqual(plan, { restoreLfs: [], restoreRegular: [], remove: [], unchanged: HEAD.size, changed: false })
})

test('a file that moved between LFS and regular storage is restored', () => {
  const plan = planRollback(tree([regular('a.bin', 'blob-a')]), tree([lfs('a.bin', 'sha-a')]))
  assert.deepEqual(
    plan.restoreRegular.map((f) => f.path),
    ['a.bin']
  )
  assert.equal(plan.changed, true)
})

test('comparing trees names every difference, and nothing when they are equal', () => {
  assert.deepEqual(compareTrees(TARGET, TARGET), [])
  assert.deepEqual(compareTrees(TARGET, HEAD), [
    'added-later.txt: present but not expected',
    'config.json: blob blob-new, blob-old expected',
    'generator/model.pt: LFS object sha-new, sha-old expected',
    'only-in-target.pt: missing',
    'z-late.bin: present but not expected'
  ])
})

const sha = (c: string) => c.repeat(40)
const published = (oid: string, sourceCommit?: string): { oid: string; title: string; provenance?: Provenance } => ({
  oid,
  title: `Publish from ${sourceCommit?.slice(0, 7) ?? 'nowhere'}`,
  provenance: { sourceCommit, artifacts: [], metrics: [], files: [] }
})
const COMMITS = [
  published('a1' + 'a'.repeat(38), sha('5')),
  { oid: 'b2' + 'b'.repeat(38), title: 'Manual edit' },
  published('c3' + 'c'.repeat(38), sha('5')),
  published('d4' + 'd'.repeat(38), sha('4')),
  published('d4' + 'e'.repeat(38), '4444444f' + '0'.repeat(32))
]
const TAGS = [{ name: 'v1.0', targetCommit: 'c3' + 'c'.repeat(38) }]

test('rollback-to resolves a tag, a Hub commit id, a source commit or a unique Hub prefix', () => {
  assert.deepEqual(resolveRollbackTarget('v1.0', COMMITS, TAGS), { oid: 'c3' + 'c'.repeat(38), how: 'tag v1.0' })
  assert.deepEqual(resolveRollbackTarget(' B2' + 'B'.repeat(38) + '\n', COMMITS, TAGS), {
    oid: 'b2' + 'b'.repeat(38),
    how: 'Hub commit id'
  })
  assert.deepEqual(resolveRollbackTarget(sha('5'), COMMITS, TAGS), {
    oid: 'a1' + 'a'.repeat(38),
    how: `newest publish of source commit ${sha('5')}`
  })
  assert.equal(
    resolveRollbackTarget('5555555', COMMITS, TAGS).oid,
    'a1' + 'a'.repeat(38),
    'the newest publish of that source commit wins'
  )
  assert.deepEqual(resolveRollbackTarget('c3ccccc', COMMITS, TAGS), {
    oid: 'c3' + 'c'.repeat(38),
    how: 'prefix of a Hub commit id'
  })
})

test('a prefix of both a Hub commit and a source commit is an error naming both; a full id is exact', () => {
  const hubOid = '5555555' + '0'.repeat(33)
  const commits = [published(hubOid, sha('1')), published(sha('a'), sha('5'))]
  assert.throws(
    () => resolveRollbackTarget('5555555', commits, []),
    (error: Error) =>
      error.message.includes(`the Hub commit ${hubOid}`) &&
      error.message.includes(`the source commit ${sha('5')} (published as ${sha('a')})`) &&
      /full 40-character id/.test(error.message)
  )
  assert.deepEqual(resolveRollbackTarget(hubOid, commits, []), { oid: hubOid, how: 'Hub commit id' })
  assert.equal(resolveRollbackTarget(sha('5'), commits, []).oid, sha('a'), 'a full source commit is exact too')
  assert.equal(resolveRollbackTarget('5555555', commits, [{ name: '5555555', targetCommit: sha('e') }]).oid, sha('e'))
})

test('an ambiguous or unknown rollback-to fails, listing what was tried and recent publishes', () => {
  assert.throws(
    () => resolveRollbackTarget('4444444', COMMITS, TAGS),
    /matches 2 source commits .*give more characters/
  )
  const unknown = resolveError('v9')
  assert.match(unknown.message, /^rollback-to "v9" matches nothing\./)
  assert.match(unknown.message, /Tried: tag names \(v1\.0\); full Hub commit ids/)
  assert.match(
    unknown.message,
    /Recent publishes:\n {2}a1aaaaa Publish from 5555555 \(source commit 5555555\)\n {2}c3ccccc/
  )
  assert.doesNotMatch(unknown.message, /b2bbbbb/, 'only publishes are listed')
  assert.match(resolveError('a1aa').message, /needs at least 7 hex characters/)
  assert.match(resolveError('d4').message, /needs at least 7/)
  assert.match(resolveError('d4' + 'f'.repeat(38)).message, /matches nothing/, 'a full id not on the branch is refused')
  assert.match(resolveError('x', []).message, /no publishes by hf-upload-action/)
})

function resolveError(text: string, commits = COMMITS): Error {
  try {
    resolveRollbackTarget(text, commits, TAGS)
  } catch (error) {
    return error as Error
  }
  assert.fail(`${text} resolved`)
}

test('two Hub commits sharing a prefix are ambiguous', () => {
  assert.throws(
    () =>
      resolveRollbackTarget(
        'd4' + 'd'.repeat(5),
        [published('d4' + 'd'.repeat(38)), published('d4' + 'd'.repeat(10) + 'e'.repeat(28))],
        []
      ),
    /matches 2 Hub commits/
  )
})

test('the summary lists each restored and removed path, escaped, with sizes and the target link', () => {
  const plan: RollbackPlan = {
    restoreLfs: [lfs('generator/model.pt', 'sha', 1024 ** 3)],
    restoreRegular: [regular('<b>_x_</b>|@me.json', 'blob', 2048)],
    remove: ['late*.bin'],
    unchanged: 3,
    changed: true
  }
  const md = renderRollbackSummary(plan, 'f'.repeat(40), 'https://huggingface.co/d4oit/tiny')
  assert.equal(
    md.split('\n')[0],
    `Rolled back to <a ` +
      `href="https://huggingface.co/d4oit/tiny/commit/${'f'.repeat(40)}"><code>ffffffffffff</code></a>: 1 LFS ` +
      `file(s) restored by pointer (no bytes re-uploaded), 1 regular file(s) re-sent, 1 removed, 3 unchanged.`
  )
  assert.match(md, /^- <code>generator\/model\.pt<\/code>: restored by LFS pointer \(1\.0 GiB\)$/m)
  assert.match(md, /^- <code>&lt;b&gt;&#95;x&#95;&lt;\/b&gt;&#124;@\u200bme\.json<\/code>: re-sent \(2\.0 KiB\)$/m)
  assert.match(md, /^- <code>late&#42;\.bin<\/code>: removed$/m)
  assert.match(
    renderRollbackSummary(
      { ...plan, restoreLfs: [], restoreRegular: [], remove: [], changed: false },
      'f'.repeat(40),
      'https://h'
    ),
    /already has the tree of/
  )
})
