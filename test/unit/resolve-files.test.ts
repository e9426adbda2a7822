import assert from 'node:assert/strict'
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, test } from 'node:test'
import { LocalFilesError } from '../../src/errors.ts'
import { parseFileMapping } from '../../src/files/file-mapping.ts'
import { resolveLocalFiles } from '../../src/files/resolve-files.ts'

let workspace: string
let outside: string

before(async () => {
  const root = await mkdtemp(join(tmpdir(), 'hfua-resolve-'))
  workspace = join(root, 'ws')
  outside = join(root, 'outside')
  const files: Record<string, string> = {
    'checkpoints/tinydit_final.pt': 'weights',
    'samples/evaluation/cat_0.png': 'png0',
    'samples/evaluation/sub/cat_1.png': 'png1',
    'samples/evaluation/.hidden': 'dot',
    'reports/a.json': '{}',
    'reports/deep/b.json': '{}',
    'reports/c.txt': 'c',
    'README.extra.md': '# hi',
    '.git/config': 'x'
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(workspace, path, '..'), { recursive: true })
    await writeFile(join(workspace, path), content)
  }
  await mkdir(join(workspace, 'empty'))
  await mkdir(outside, { recursive: true })
  await writeFile(join(outside, 'secret.txt'), 'secret')
  await symlink(join(outside, 'secret.txt'), join(workspace, 'link-out.txt'))
  await symlink(join(workspace, 'reports/a.json'), join(workspace, 'link-in.json'))
})

const resolve = (mapping: string) =>
  resolveLocalFiles(parseFileMapping(mapping).rules, { roots: [{ dir: workspace, label: 'workspace' }] })
const pairs = async (mapping: string) => (await resolve(mapping)).map((f) => [f.pathInRepo, f.size])

test('files, folders and globs land where the mapping says', async () => {
  assert.deepEqual(
    await pairs(`
      checkpoints/tinydit_final.pt -> generator/model.pt
      reports/a.json -> evaluation/
      samples/evaluation/ -> samples/
      reports/**/*.json -> benchmarks/
      README.extra.md
    `),
    [
      ['generator/model.pt', 7],
      ['evaluation/a.json', 2],
      ['samples/.hidden', 3],
      ['samples/cat_0.png', 4],
      ['samples/sub/cat_1.png', 4],
      ['benchmarks/a.json', 2],
      ['benchmarks/deep/b.json', 2],
      ['README.extra.md', 4]
    ]
  )
})

test('without a destination, folders and globs keep their workspace paths', async () => {
  assert.deepEqual(await pairs('reports/*.json\nsamples/evaluation/sub'), [
    ['reports/a.json', 2],
    ['samples/evaluation/sub/cat_1.png', 4]
  ])
})

test('a symlink inside the workspace is followed to its real file', async () => {
  const [file] = await resolve('link-in.json -> x.json')
  assert.equal(file!.localPath, join(workspace, 'reports/a.json'))
})

test('every problem is reported together and names the line', async () => {
  await assert.rejects(
    resolve(
      [
        'missing.pt -> a.pt', //1
        '../outside/secret.txt -> b.txt', //2
        'link-out.txt -> c.txt', //3
        'nothing/*.onnx -> d/', //4
        'empty/ -> e/', //5
        'reports/c.txt/ -> f/', //6
        'reports/a.json -> same.json', //7
        'reports/deep/b.json -> same.json' //8
      ].join('\n')
    ),
    (error: unknown) => {
      assert.ok(error instanceof LocalFilesError)
      const m = error.message
      assert.match(m, /nothing was uploaded/)
      assert.match(m, /line 1 \("missing\.pt"\): does not exist/)
      assert.match(m, /line 2 .*outside the workspace/)
      assert.match(m, /line 3 .*through a symlink outside the workspace/)
      assert.match(m, /line 4 .*matched no files/)
      assert.match(m, /line 5 .*empty folder/)
      assert.match(m, /line 6 .*ends with "\/" but is a file/)
      assert.match(m, /line 8: "same\.json" in the repo is also the destination of line 7/)
      return true
    }
  )
})

test('an absolute source is accepted only inside the workspace', async () => {
  assert.deepEqual(await pairs(`${join(workspace, 'reports/c.txt')} -> c.txt`), [['c.txt', 1]])
  await assert.rejects(resolve(`${join(outside, 'secret.txt')} -> s.txt`), /outside the workspace/)
})

test('a symlink anywhere in a folder mapping is looked at: outside the workspace refuses the rule', async () => {
  // link-out.txt (to a file outside) used to be skipped unseen; link-in.json (inside) is published.
  await assert.rejects(resolve('./ -> all/'), /link-out\.txt leads through a symlink outside the workspace/)
  assert.deepEqual(await pairs('link-in.json'), [['link-in.json', 2]])
  assert.deepEqual(await pairs('*.json -> j/'), [['j/link-in.json', 2]])
})
