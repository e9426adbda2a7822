import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkRepoPath, globBase, normaliseRepoPath, parseFileMapping } from '../../src/files/file-mapping.ts'

test('the seed layout reads naturally', () => {
  const { rules, problems } = parseFileMapping(`
    # generator weights, renamed
    checkpoints/tinydit_final.pt -> generator/model.pt
    frontend/public/models/generator_quantized.onnx -> generator/model.onnx
    evaluation/evaluation_report.json -> evaluation/
    samples/evaluation/ -> samples/
    reports/*.json -> benchmarks/
    README.extra.md
  `)
  assert.deepEqual(problems, [])
  assert.deepEqual(
    rules.map((r) => ({
      s: r.source,
      d: r.destination,
      folder: r.destinationIsFolder,
      kind: r.kind,
      keep: r.keepsSourcePath
    })),
    [
      {
        s: 'checkpoints/tinydit_final.pt',
        d: 'generator/model.pt',
        folder: false,
        kind: 'file-or-directory',
        keep: false
      },
      {
        s: 'frontend/public/models/generator_quantized.onnx',
        d: 'generator/model.onnx',
        folder: false,
        kind: 'file-or-directory',
        keep: false
      },
      { s: 'evaluation/evaluation_report.json', d: 'evaluation', folder: true, kind: 'file-or-directory', keep: false },
      { s: 'samples/evaluation/', d: 'samples', folder: true, kind: 'file-or-directory', keep: false },
      { s: 'reports/*.json', d: 'benchmarks', folder: true, kind: 'glob', keep: false },
      { s: 'README.extra.md', d: '', folder: true, kind: 'file-or-directory', keep: true }
    ]
  )
  assert.equal(rules[0]!.line, 3)
})

test('comments need whitespace before #, so # inside a name survives', () => {
  const { rules } = parseFileMapping('weights#2.pt -> w.pt # the second run')
  assert.equal(rules[0]!.source, 'weights#2.pt')
  assert.equal(rules[0]!.destination, 'w.pt')
})

test('bad lines are all reported with their line number', () => {
  const { problems } = parseFileMapping(
    '-> x\na -> b -> c\nc -> /abs\nd -> a/../../e\ne -> .git/config\nf -> *.pt\ng -> C:\\x'
  )
  assert.equal(problems.length, 7)
  assert.match(problems[0]!, /^line 1 .*source is empty/)
  assert.match(problems[1]!, /^line 2 .*more than one/)
  assert.match(problems[2]!, /^line 3 .*absolute/)
  assert.match(problems[3]!, /^line 4 .*"\.\."/)
  assert.match(problems[4]!, /^line 5 .*\.git/)
  assert.match(problems[5]!, /^line 6 .*wildcard/)
  assert.match(problems[6]!, /^line 7 .*absolute/)
})

test('repo paths are normalised', () => {
  assert.equal(normaliseRepoPath('./a//b/'), 'a/b')
  assert.equal(normaliseRepoPath('.'), '')
  assert.equal(checkRepoPath('a/./b'), undefined)
  assert.match(checkRepoPath('a\\b')!, /backslash/)
})

test('globBase is the static folder in front of the first wildcard', () => {
  assert.equal(globBase('reports/**/*.json'), 'reports')
  assert.equal(globBase('*.md'), '')
  assert.equal(globBase('a/b/c?.txt'), 'a/b')
  assert.equal(globBase('a/{x,y}/z.txt'), 'a')
})
