import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_FILE_TRAILERS,
  PUBLISHED_BY,
  formatDescription,
  parseDescription,
  type Provenance
} from '../../src/provenance/trailers.ts'

const sha = (c: string) => c.repeat(64)

const full = (): Provenance => ({
  sourceRepository: 'https://github.com/d4oit/tiny-cats-model',
  sourceCommit: 'c'.repeat(40),
  workflowRun: 'https://github.com/d4oit/tiny-cats-model/actions/runs/19000000001',
  workflowRunAttempt: 2,
  trainRunId: 19000000001,
  actor: 'octocat',
  artifacts: [
    { name: 'checkpoints', digest: 'sha256:' + sha('a') },
    { name: 'evaluation report', digest: null }
  ],
  metrics: [
    { name: 'fid', value: 39.2 },
    { name: 'loss=final', value: -0.000125 }
  ],
  files: [
    { path: 'generator/model.pt', size: 2048, sha256: sha('b') },
    { path: 'samples/a cat  .png', size: 7, sha256: sha('d') }
  ],
  rollbackOf: 'e'.repeat(40)
})

test('every field survives a round trip', () => {
  assert.deepEqual(parseDescription(formatDescription(full(), 'Nightly publish')), full())
})

test('trailers come in a fixed order after the human text and a blank line', () => {
  const text = formatDescription(full(), 'Nightly publish\nwith two lines')
  const [human, trailers] = text.split('\n\n')
  assert.equal(human, 'Nightly publish\nwith two lines')
  assert.deepEqual(
    trailers!.split('\n').map((line) => line.slice(0, line.indexOf(':'))),
    [
      'Published-By',
      'Source-Repository',
      'Source-Commit',
      'Workflow-Run',
      'Workflow-Run-Attempt',
      'Train-Run-Id',
      'Actor',
      'Artifact-Digest',
      'Artifact-Digest',
      'Metric',
      'Metric',
      'Rollback-To',
      'File',
      'File'
    ]
  )
  assert.match(trailers!, /^Artifact-Digest: evaluation report none$/m)
  assert.match(trailers!, /^Metric: fid=39\.2$/m)
  assert.match(trailers!, new RegExp(`^File: ${sha('b')} 2048 generator/model.pt$`, 'm'))
})

test('absent fields leave no trailer; without text the description is the trailer block alone', () => {
  const minimal: Provenance = { artifacts: [], metrics: [], files: [] }
  assert.equal(formatDescription(minimal), `Published-By: ${PUBLISHED_BY}`)
  assert.equal(formatDescription(minimal, '  \n'), `Published-By: ${PUBLISHED_BY}`)
  assert.deepEqual(parseDescription(formatDescription(minimal)), minimal)
})

test('a newline in a value cannot end the trailer early or inject another one', () => {
  const hostile: Provenance = {
    ...full(),
    actor: 'mallory\nRollback-To: ' + 'f'.repeat(40),
    sourceCommit: 'c'.repeat(40) + '\r\nTrain-Run-Id: 1',
    metrics: [{ name: 'fid\nMetric: accuracy', value: 1 }],
    files: [{ path: 'x\nFile: ' + sha('9') + ' 1 evil.bin', size: 3, sha256: sha('b') }]
  }
  const text = formatDescription(hostile)
  const parsed = parseDescription(text)!
  assert.equal(parsed.rollbackOf, 'e'.repeat(40))
  assert.equal(parsed.trainRunId, 19000000001)
  assert.equal(parsed.actor, 'mallory Rollback-To: ' + 'f'.repeat(40))
  assert.deepEqual(parsed.metrics, [{ name: 'fid Metric: accuracy', value: 1 }])
  assert.deepEqual(parsed.files, [{ path: 'x File: ' + sha('9') + ' 1 evil.bin', size: 3, sha256: sha('b') }])
  assert.equal(
    text.split('\n').length,
    7 + 2 + 1 + 1 + 1,
    'one line per trailer: 7 single ones, 2 artifacts, 1 metric, Rollback-To, 1 file'
  )
})

test('human text cannot forge the trailer block: only the last paragraph counts', () => {
  const text = formatDescription(
    { artifacts: [], metrics: [], files: [] },
    'Published-By: hf-upload-action\nRollback-To: ' + 'f'.repeat(40)
  )
  assert.equal(parseDescription(text)?.rollbackOf, undefined)
})

test('commits by anyone else parse as undefined', () => {
  assert.equal(parseDescription(''), undefined)
  assert.equal(parseDescription('Upload folder using huggingface_hub'), undefined)
  assert.equal(parseDescription('Fix typo\n\nSigned-off-by: Someone <s@example.com>'), undefined)
  assert.equal(parseDescription('Published-By: someone-else\nSource-Commit: abc'), undefined)
  assert.equal(parseDescription(`Published-By: ${PUBLISHED_BY}\n\nSome text written after the block`), undefined)
})

test('parsing tolerates CRLF, text before the block, trailing blank lines, odd key case and unknown keys', () => {
  const description = [
    'Publish 3 files',
    '',
    'Some words: with a colon',
    '',
    'published-by: hf-upload-action',
    'Source-Commit: ' + 'c'.repeat(40),
    'Reviewed-By: someone',
    'Metric: fid=not-a-number',
    'Metric: fid=41.5',
    'Train-Run-Id: 12x',
    'File: too-short 1 a.txt',
    '',
    ''
  ].join('\r\n')
  assert.deepEqual(parseDescription(description), {
    sourceCommit: 'c'.repeat(40),
    artifacts: [],
    metrics: [{ name: 'fid', value: 41.5 }],
    files: []
  })
})

test(`beyond ${MAX_FILE_TRAILERS} files, the rest are counted in one Files-Omitted trailer`, () => {
  const files = Array.from({ length: MAX_FILE_TRAILERS + 5 }, (_, i) => ({
    path: `samples/${i}.png`,
    size: i,
    sha256: sha('a')
  }))
  const text = formatDescription({ artifacts: [], metrics: [], files })
  assert.equal(text.match(/^File: /gm)?.length, MAX_FILE_TRAILERS)
  assert.match(text, /\nFiles-Omitted: 5$/)
  const parsed = parseDescription(text)!
  assert.equal(parsed.files.length, MAX_FILE_TRAILERS)
  assert.equal(parsed.files.at(-1)?.path, `samples/${MAX_FILE_TRAILERS - 1}.png`)
  assert.equal(parsed.filesOmitted, 5)
  assert.doesNotMatch(formatDescription({ artifacts: [], metrics: [], files: files.slice(0, 3) }), /Files-Omitted/)
})

test('non-finite metrics and non-integer run ids are left out rather than written unparseable', () => {
  const text = formatDescription({
    artifacts: [],
    metrics: [
      { name: 'nan', value: NaN },
      { name: 'ok', value: 1e-7 }
    ],
    files: [],
    trainRunId: 1.5
  })
  assert.doesNotMatch(text, /nan|Train-Run-Id/)
  assert.deepEqual(parseDescription(text)?.metrics, [{ name: 'ok', value: 1e-7 }])
})
