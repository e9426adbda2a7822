// The files mapping against a hostile workspace (issue 7, points 2 and 3): a real git checkout
// made here, with the token in .git/config as actions/checkout leaves it and a committed symlink
// into it; names with control characters; paths that differ only by case.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { LocalFilesError } from '../../src/errors.ts'
import { parseFileMapping } from '../../src/files/file-mapping.ts'
import { resolveLocalFiles } from '../../src/files/resolve-files.ts'
import { GH_TOKEN } from '../support/tokens.ts'
import { makeGitCheckout } from '../support/git-checkout.ts'

let workspace: string

before(async () => {
  workspace = await makeGitCheckout(GH_TOKEN, {
    'samples/cat.png': 'png',
    'Samples2/a.png': 'A',
    'samples2/a.png': 'a'
  })
  await symlink('../.git/config', join(workspace, 'samples/x'))
  await symlink('.git', join(workspace, 'gitdir'))
  execFileSync('git', ['add', '-A'], { cwd: workspace })
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'links'], { cwd: workspace })
})

const resolve = (mapping: string) =>
  resolveLocalFiles(parseFileMapping(mapping).rules, { roots: [{ dir: workspace, label: 'workspace' }] })

async function refusal(mapping: string): Promise<string> {
  const error = await resolve(mapping).then(
    () => undefined,
    (e: unknown) => e
  )
  assert.ok(error instanceof LocalFilesError, `refused: ${mapping}`)
  return error.message
}

test('the checkout really holds the token the way actions/checkout writes it', async () => {
  const config = await readFile(join(workspace, '.git/config'), 'utf8')
  assert.match(config, /extraheader = AUTHORIZATION: basic /)
  assert.equal(
    execFileSync('git', ['ls-files', '-s', 'samples/x'], { cwd: workspace, encoding: 'utf8' }).slice(0, 6),
    '120000'
  )
})

test('a committed symlink into .git is refused, in a folder mapping as on its own', async () => {
  for (const mapping of ['samples/ -> samples/', 'samples/x -> config.txt', 'samples/* -> s/', 'gitdir/config -> c']) {
    const message = await refusal(mapping)
    assert.match(message, /leads through a symlink into a \.git folder/, mapping)
    assert.ok(!message.includes(GH_TOKEN))
  }
})

test('.git named directly is refused; a whole-workspace mapping skips .git silently', async () => {
  assert.match(await refusal('.git/config -> config'), /into a \.git folder/)
  assert.match(await refusal('.git/ -> g/'), /into a \.git folder/)
  // A clean checkout (no link into .git) publishes whole, without its .git folder.
  const clean = await makeGitCheckout(GH_TOKEN, { 'a.txt': 'a', 'sub/b.txt': 'b' })
  const files = await resolveLocalFiles(parseFileMapping('./ -> all/').rules, {
    roots: [{ dir: clean, label: 'workspace' }]
  })
  assert.deepEqual(
    files.map((f) => f.pathInRepo),
    ['all/a.txt', 'all/sub/b.txt']
  )
})

test('a file name with a newline, a C1 control or a bidi override is refused, escaped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hfua-names-'))
  for (const name of ['a\n::error::x.png', 'b\u0085.png', 'cat\u202egnp.exe']) {
    await mkdir(join(dir, 'f', name.slice(0, 1)), { recursive: true })
    await writeFile(join(dir, 'f', name.slice(0, 1), name), 'x')
  }
  for (const [mapping, shown] of [
    ['f/a/ -> s/', '\\u000A'],
    ['f/b/* -> s/', '\\u0085'],
    ['f/c/ -> s/', '\\u202E']
  ] as const) {
    const error = await resolveLocalFiles(parseFileMapping(mapping).rules, {
      roots: [{ dir, label: 'workspace' }]
    }).then(
      () => undefined,
      (e: unknown) => e as Error
    )
    assert.ok(error instanceof LocalFilesError, mapping)
    assert.ok(error.message.includes(shown), error.message)
    // One heading line and one problem line: a raw line break from the name would add a line.
    const lines = error.message.split('\n')
    assert.equal(lines.length, 2, error.message)
    assert.ok(!/[\u0085\u202e]/.test(lines[1]!), 'the raw character is not shown')
  }
})

test('two destinations that differ only by case are refused', async () => {
  assert.match(await refusal('Samples2/ -> x/\nsamples2/ -> X/'), /"x" and "X" differ only by case/)
  assert.match(
    await refusal('Samples2/a.png -> samples/a.png\nsamples2/a.png -> Samples/a.png'),
    /"samples" and "Samples" differ only by case/
  )
})
