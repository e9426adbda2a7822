import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { formatNumber } from '../../src/lib/format.ts'
import { escapeMarkdown, fencedCode, repoPathUrl, safeHttpUrl, table } from '../../src/lib/markdown.ts'
import { sha256sumLine } from '../../src/card/card-body.ts'
import { splitCode } from '../support/markdown.ts'
import { extractMetrics, parseMetricRules } from '../../src/card/metrics.ts'
import {
  CardError,
  GENERATED_BEGIN,
  GENERATED_END,
  generatedBlock,
  publishedMetric,
  readCardMetadata,
  renderModelCard,
  validateCard,
  type CardContext
} from '../../src/card/model-card.ts'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const seedReport = { fid: 41.7, inception_score: 3.12, precision: 0.61, recall: 0.48, steps: 200000 }
const seedBenchmark = { onnx_latency_ms: { p50: 12.5, p95: 19.1 }, device: 'cpu' }

const hex = (c: string) => c.repeat(64)

function seedContext(over: Partial<CardContext> = {}): CardContext {
  return {
    modelName: 'tiny-cats-model',
    repoId: 'd4oit/tiny-cats-model',
    revision: 'main',
    metadata: {
      license: 'mit',
      libraryName: 'pytorch',
      tags: ['diffusion', 'cats'],
      pipelineTag: 'unconditional-image-generation',
      baseModel: [],
      datasets: ['huggan/cats']
    },
    metrics: extractMetrics(seedReport, []),
    provenance: {
      sourceRepository: 'd4oit/tiny-cats-model',
      sourceRepositoryUrl: 'https://github.com/d4oit/tiny-cats-model',
      sourceCommit: SHA,
      sourceCommitUrl: `https://github.com/d4oit/tiny-cats-model/commit/${SHA}`,
      trainRun: { id: 987654321, url: 'https://github.com/d4oit/tiny-cats-model/actions/runs/987654321', attempt: 2 },
      publishingRun: { id: '555', url: 'https://github.com/d4oit/tiny-cats-model/actions/runs/555' },
      artifacts: [
        { name: 'evaluation-report', digest: `sha256:${hex('e')}`, size: 300 },
        { name: 'checkpoints', digest: `sha256:${hex('c')}`, size: 50 * 1024 * 1024 }
      ]
    },
    files: [
      { path: 'generator/model.pt', size: 50 * 1024 * 1024, sha256: hex('a') },
      { path: 'generator/model.onnx', size: 12 * 1024 * 1024, sha256: hex('b') },
      { path: 'evaluation/evaluation_report.json', size: 120, sha256: hex('d') },
      { path: 'benchmarks/benchmark_report.json', size: 80, sha256: hex('f') },
      { path: 'samples/cat_002.png', size: 2048, sha256: hex('2') },
      { path: 'samples/cat_001.png', size: 2048, sha256: hex('1') }
    ],
    evaluationReportPath: 'evaluation/evaluation_report.json',
    benchmark: { path: 'benchmarks/benchmark_report.json', report: seedBenchmark },
    ...over
  }
}

/** The YAML between the first two `---` lines, parsed independently of the module under test. */
function frontMatterOf(card: string): unknown {
  const match = /^---\n([\s\S]*?)\n---\n/.exec(card)
  assert.ok(match, `no front matter in:\n${card}`)
  return parseYaml(match[1]!)
}

/** The generated block, markers included. */
function blockOf(card: string): string {
  const begin = card.indexOf(GENERATED_BEGIN)
  const end = card.indexOf(GENERATED_END)
  assert.ok(begin >= 0 && end > begin, 'the card has no generated block')
  return card.slice(begin, end + GENERATED_END.length)
}

const seedFrontMatter = {
  license: 'mit',
  library_name: 'pytorch',
  tags: ['diffusion', 'cats'],
  pipeline_tag: 'unconditional-image-generation',
  datasets: ['huggan/cats'],
  'model-index': [
    {
      name: 'tiny-cats-model',
      results: [
        {
          task: { type: 'unconditional-image-generation' },
          dataset: { type: 'huggan/cats', name: 'huggan/cats' },
          // readable names; the training steps are in the report but are no evaluation result
          metrics: [
            { type: 'fid', value: 41.7, name: 'FID' },
            { type: 'inception_score', value: 3.12, name: 'Inception Score' },
            { type: 'precision', value: 0.61, name: 'Precision' },
            { type: 'recall', value: 0.48, name: 'Recall' }
          ]
        }
      ]
    }
  ]
}

test('a new card from the seed: front matter, title, then the generated sections in order', () => {
  const card = renderModelCard(seedContext())
  assert.deepEqual(frontMatterOf(card), seedFrontMatter)
  // key order is part of the output, not only the values
  assert.deepEqual(Object.keys(frontMatterOf(card) as object), [
    'license',
    'library_name',
    'tags',
    'pipeline_tag',
    'datasets',
    'model-index'
  ])
  const body = card.slice(card.indexOf('\n---\n') + 5)
  assert.ok(body.startsWith(`\n# tiny-cats-model\n\n${GENERATED_BEGIN}\n`), body.slice(0, 200))
  assert.ok(card.endsWith(`${GENERATED_END}\n`))
  const headings = [...card.matchAll(/^## (.+)$/gm)].map((m) => m[1])
  assert.deepEqual(headings, ['How to use', 'Evaluation', 'Samples', 'Benchmark', 'Provenance'])
})

test('the Evaluation section tabulates every metric with its direction and meaning, and links the report', () => {
  const block = blockOf(renderModelCard(seedContext()))
  assert.ok(
    block.includes(
      'Metrics from the evaluation report [evaluation/evaluation_report.json](evaluation/evaluation_report.json).'
    )
  )
  assert.ok(
    block.includes(
      [
        '| Metric | Value | Better | Report field |',
        '| :--- | ---: | :--- | :--- |',
        '| FID | 41.7 | lower | <code>fid</code> |',
        '| Inception Score | 3.12 | higher | <code>inception_score</code> |',
        '| Precision | 0.61 | higher | <code>precision</code> |',
        '| Recall | 0.48 | higher | <code>recall</code> |',
        '| Training steps | 200000 | — | <code>steps</code> |',
        '',
        '- **FID**: Fréchet Inception Distance, how far the Inception-v3 features of generated images are from real ' +
          'ones.',
        '- **Inception Score**: how confidently and how diversely an Inception-v3 classifier labels the generated ' +
          'images.',
        // for an image generator, precision and recall are fidelity and diversity
        '- **Precision**: fidelity, the share of generated samples that fall within the distribution of real data.',
        '- **Recall**: diversity, the share of the real data distribution that generated samples cover.',
        '',
        '## Samples'
      ].join('\n')
    ),
    block
  )
})

test('values are rounded to 4 significant digits in the table, exact in model-index; the card says so', () => {
  const metrics = extractMetrics({ fid: 41.73219, loss: 0.000123456, big: 123456.78, n: 1234567 }, [])
  const card = renderModelCard(seedContext({ metrics }))
  assert.match(card, /\| FID \| 41\.73 \| lower \|/)
  assert.match(card, /\| Loss \| 0\.0001235 \| lower \|/)
  assert.match(card, /\| big \| 123457 \| — \|/, 'the integer part is never rounded away')
  assert.match(card, /\| n \| 1234567 \| — \|/)
  assert.match(card, /rounded to 4 significant digits \(the report has every digit\)/)
  assert.equal(publishedMetric(card, 'fid'), 41.73219)
  assert.equal(publishedMetric(card, 'big'), 123456.78)
  // nothing rounded, nothing said (a tiny value is written out, not taken for a rounded one)
  const exact = renderModelCard(seedContext({ metrics: extractMetrics({ loss: 1.5e-7, fid: 0.1 }, []) }))
  assert.match(exact, /\| Loss \| 0\.00000015 \| lower \|/)
  assert.doesNotMatch(exact, /rounded/)
  // precision and recall mean something else outside generative tasks: no meaning is guessed there
  const classifier = renderModelCard(
    seedContext({ metadata: { ...seedContext().metadata, pipelineTag: 'image-classification' } })
  )
  assert.match(classifier, /\| Precision \| 0\.61 \| higher \|/)
  assert.doesNotMatch(classifier, /\*\*Precision\*\*/)
  assert.match(classifier, /\*\*FID\*\*/)
})

test('the Samples, Benchmark and Provenance sections of the seed', () => {
  const block = blockOf(renderModelCard(seedContext()))
  // a gallery: the images as the table's header row, each captioned below, centered
  assert.ok(
    block.includes(
      '## Samples\n\n| ![cat_001.png](samples/cat_001.png) | ![cat_002.png](samples/cat_002.png) |\n' +
        '| :---: | :---: |\n| <code>cat_001.png</code> | <code>cat_002.png</code> |\n\n## Benchmark'
    ),
    block
  )
  // numbers right-aligned in their own table; text values say what they were measured with
  assert.ok(
    block.includes(
      'From [benchmarks/benchmark_report.json](benchmarks/benchmark_report.json), measured with ' +
        '<code>device</code> cpu.\n\n| Measure | Value |\n| :--- | ---: |\n' +
        '| <code>onnx_latency_ms.p50</code> | 12.5 |\n| <code>onnx_latency_ms.p95</code> | 19.1 |\n\n## Provenance'
    ),
    block
  )
  assert.ok(
    block.includes(
      `- Source: [d4oit/tiny-cats-model](https://github.com/d4oit/tiny-cats-model) at commit ` +
        `[<code>${SHA.slice(0, 12)}</code>](https://github.com/d4oit/tiny-cats-model/commit/${SHA})\n` +
        '- Train run: [987654321](https://github.com/d4oit/tiny-cats-model/actions/runs/987654321) (attempt 2)\n' +
        '- Publishing run: [555](https://github.com/d4oit/tiny-cats-model/actions/runs/555)\n'
    ),
    block
  )
  // artifacts and files sorted by name, whatever order they came in; text left, sizes right
  assert.ok(
    block.includes(
      `| Artifact | Digest | Size |\n| :--- | :--- | ---: |\n| checkpoints | <code>sha256:${hex('c')}</code> | ` +
        `50.0 MiB |\n| evaluation-report | <code>sha256:${hex('e')}</code> | 300 B |`
    )
  )
  const fileTable = block.slice(block.indexOf('Files in this revision:'))
  assert.ok(fileTable.includes('| File | Size | SHA-256 |\n| :--- | ---: | :--- |\n'))
  const fileRows = fileTable.split('\n').filter((l) => l.startsWith('| <code>'))
  assert.deepEqual(
    fileRows.map((l) => /<code>([^<]+)<\/code>/.exec(l)![1]),
    [
      'benchmarks/benchmark_report.json',
      'evaluation/evaluation_report.json',
      'generator/model.onnx',
      'generator/model.pt',
      'samples/cat_001.png',
      'samples/cat_002.png'
    ]
  )
  assert.ok(block.includes(`| <code>generator/model.pt</code> | 50.0 MiB | <code>${hex('a').slice(0, 16)}</code> |`))
})

test('round trip: the rendered card validates, and reads back as the same metadata', () => {
  const card = renderModelCard(seedContext())
  const validated = validateCard(card)
  assert.deepEqual(validated, seedFrontMatter)
  assert.deepEqual(readCardMetadata(card), validated)
  assert.equal(publishedMetric(card, 'fid'), 41.7)
  assert.equal(publishedMetric(card, 'recall'), 0.48)
  assert.equal(publishedMetric(card, 'steps'), undefined, 'a count is no evaluation result')
  assert.equal(publishedMetric(card, 'accuracy'), undefined)
})

test('deterministic: same input, same bytes; re-rendering over its own output changes nothing', () => {
  const first = renderModelCard(seedContext())
  assert.equal(renderModelCard(seedContext()), first)
  assert.equal(renderModelCard(seedContext(), first), first)
  const shuffled = seedContext()
  assert.equal(renderModelCard({ ...shuffled, files: [...shuffled.files].reverse() }), first)
  // also over a hand-edited card: the second publish of the same run is a no-op
  const edited = renderModelCard(seedContext(), `---\nwidget:\n  - text: a cat\n---\n# Cats\n\nIntro.\n`)
  assert.equal(renderModelCard(seedContext(), edited), edited)
})

test('hand-written text and unmanaged keys survive a regeneration with new metrics', () => {
  const handWritten = [
    '---',
    '# keep this comment',
    'widget:',
    '  - text: "a cat"',
    'license: apache-2.0',
    'tags:',
    '  - my-tag',
    '  - cats',
    'model-index:',
    '  - name: old',
    '    results: []',
    '---',
    '',
    '# Tiny cats',
    '',
    'Written by hand, before the block.',
    '',
    GENERATED_BEGIN,
    'stale generated text',
    GENERATED_END,
    '',
    '## Citation',
    '',
    'Written by hand, after the block.',
    ''
  ].join('\n')
  const ctx = seedContext({
    metadata: { tags: ['diffusion', 'cats'], baseModel: [], datasets: [] },
    metrics: extractMetrics({ fid: 30.2 }, [])
  })
  const card = renderModelCard(ctx, handWritten)
  const meta = frontMatterOf(card) as Record<string, unknown>
  assert.deepEqual(meta.widget, [{ text: 'a cat' }])
  assert.equal(meta.license, 'apache-2.0', 'no license input: the card keeps its own')
  assert.deepEqual(meta.tags, ['my-tag', 'cats', 'diffusion'], 'existing tags first, ours added once')
  // No dataset anywhere: the old model-index goes (it would contradict the table) and none is made up.
  assert.equal(meta['model-index'], undefined)
  assert.ok(!card.includes('custom') && !card.includes('evaluation report\n'))
  assert.ok(card.startsWith('---\n# keep this comment\nwidget:\n'))
  assert.ok(card.includes('---\n\n# Tiny cats\n\nWritten by hand, before the block.\n\n' + GENERATED_BEGIN))
  assert.ok(card.endsWith(GENERATED_END + '\n\n## Citation\n\nWritten by hand, after the block.\n'))
  assert.ok(!card.includes('stale generated text'))
  assert.ok(!card.includes('# tiny-cats-model'), 'no second title over a hand-written card')
  assert.match(card, /\| FID \| 30\.2 \| lower \|/)
  assert.doesNotMatch(card, /41\.7/)
})

test('an existing card without markers keeps its body and gets the block appended', () => {
  const existing = '---\nlicense: mit\n---\n\n# My cats\n\nSome words.\n\n\n'
  const card = renderModelCard(seedContext(), existing)
  assert.ok(card.includes('\n# My cats\n\nSome words.\n\n' + GENERATED_BEGIN + '\n'))
  assert.ok(card.endsWith(GENERATED_END + '\n'))
  assert.equal(renderModelCard(seedContext(), card), card)
  // a card with no front matter at all gets one
  const bare = renderModelCard(seedContext(), '# Just a title\n')
  assert.deepEqual(frontMatterOf(bare), seedFrontMatter)
  assert.ok(bare.includes('---\n# Just a title\n\n' + GENERATED_BEGIN))
})

test('a template with {{generated}} places the block there; without it the block is appended', () => {
  const template =
    '---\nlicense: other\nlicense_name: cats-license\nthumbnail: samples/cat_001.png\n---\n# Cats\n\n{{ generated ' +
    '}}\n\n## Limits\n\nSmall.\n'
  const existing = renderModelCard(seedContext(), '---\nold_key: 1\n---\nOld body\n')
  const card = renderModelCard(
    seedContext({ metadata: { ...seedContext().metadata, license: undefined } }),
    existing,
    template
  )
  const meta = frontMatterOf(card) as Record<string, unknown>
  assert.equal(meta.license, 'other')
  assert.equal(meta.license_name, 'cats-license')
  assert.equal(meta.thumbnail, 'samples/cat_001.png')
  assert.equal(meta.old_key, undefined, 'the template replaces the existing card as the starting point')
  assert.ok(!card.includes('Old body'))
  assert.ok(card.includes('# Cats\n\n' + GENERATED_BEGIN))
  assert.ok(card.includes(GENERATED_END + '\n\n## Limits\n\nSmall.\n'))
  assert.ok(!card.includes('{{'))

  const appended = renderModelCard(seedContext(), undefined, '# Cats\n\nIntro.\n')
  assert.ok(appended.includes('---\n# Cats\n\nIntro.\n\n' + GENERATED_BEGIN))
  assert.ok(!appended.includes('# tiny-cats-model'), 'a template brings its own title')

  assert.throws(
    () => renderModelCard(seedContext(), undefined, '{{generated}}\n{{generated}}\n'),
    /2 \{\{generated\}\} placeholders/
  )
  assert.throws(
    () => renderModelCard(seedContext(), undefined, '---\nlicense: mit\n# Cats\n'),
    (e: unknown) =>
      e instanceof CardError && /template opens its front matter with "---" but never closes it/.test(e.message)
  )
})

test('markers that do not pair up, or a front matter that cannot be merged, stop the render', () => {
  const only = `# Cats\n\n${GENERATED_BEGIN}\nold\n`
  assert.throws(
    () => renderModelCard(seedContext(), only),
    (e: unknown) =>
      e instanceof CardError &&
      /1 "<!-- hf-upload-action:begin" and 0 "<!-- hf-upload-action:end" markers/.test(e.message)
  )
  assert.throws(() => renderModelCard(seedContext(), `${GENERATED_END}\n${GENERATED_BEGIN}\n`), /begin first/)
  assert.throws(
    () => renderModelCard(seedContext(), '---\nlicense: [mit\n---\nbody\n'),
    /README\.md on the branch has front matter that is not valid YAML[\s\S]*model-card: keep/
  )
  assert.throws(() => renderModelCard(seedContext(), '---\n- a\n- b\n---\nbody\n'), /not a mapping of keys/)
  // a card by an older version, whose begin marker has other wording, is still recognised
  const older = '# Cats\n\n<!-- hf-upload-action:begin -->\nold\n<!-- hf-upload-action:end -->\n'
  const card = renderModelCard(seedContext(), older)
  assert.ok(!card.includes('\nold\n'))
  assert.equal(card.split(GENERATED_BEGIN).length, 2)
})

test('strings that YAML 1.1 (PyYAML) would read as booleans, dates or numbers are quoted', () => {
  const card = renderModelCard(
    seedContext({ metadata: { ...seedContext().metadata, tags: ['yes', 'on', '2024-01-01', '1_000', 'cats'] } })
  )
  assert.match(card, /tags:\n {2}- "yes"\n {2}- "on"\n {2}- "2024-01-01"\n {2}- "1_000"\n {2}- cats\n/)
  assert.deepEqual(parseYaml(/^---\n([\s\S]*?)---\n/.exec(card)![1]!, { version: '1.1' }).tags, [
    'yes',
    'on',
    '2024-01-01',
    '1_000',
    'cats'
  ])
})

test('base_model is a string for one model and a list for several', () => {
  const one = frontMatterOf(
    renderModelCard(seedContext({ metadata: { ...seedContext().metadata, baseModel: ['org/base'] } }))
  ) as Record<string, unknown>
  assert.equal(one.base_model, 'org/base')
  const two = frontMatterOf(
    renderModelCard(seedContext({ metadata: { ...seedContext().metadata, baseModel: ['org/a', 'org/b'] } }))
  ) as Record<string, unknown>
  assert.deepEqual(two.base_model, ['org/a', 'org/b'])
})

test('the local check reports every shape problem at once, and leaves ids to the Hub', () => {
  const card = [
    '---',
    'license: [mit]',
    'pipeline_tag: 7',
    'tags: 42',
    'datasets: [ok, 7]',
    'base_model: "not a model id"',
    'model-index:',
    '  - name: m',
    '    results:',
    '      - task: {type: other}',
    '        dataset: {type: custom, name: eval}',
    '        metrics:',
    '          - type: fid',
    '          - type: is',
    '            value: "3.1"',
    '---',
    'body'
  ].join('\n')
  assert.throws(
    () => validateCard(card),
    (error: unknown) => {
      assert.ok(error instanceof CardError)
      const problems = error.message.split('\n').filter((l) => l.startsWith('- '))
      assert.equal(problems.length, 7, error.message)
      assert.match(error.message, /- license: expected a string such as "apache-2\.0", got a list/)
      assert.match(error.message, /- pipeline_tag: expected a string such as "text-to-image", got 7/)
      assert.match(error.message, /- tags: expected a string or a list of strings, got 42/)
      assert.match(error.message, /- datasets: expected a string or a list of strings, got a list/)
      assert.match(error.message, /- base_model: "not a model id" is not a Hub model id/)
      assert.match(error.message, /- model-index\[0\]\.results\[0\]\.metrics\[0\]\.value: required, a number/)
      assert.match(
        error.message,
        /- model-index\[0\]\.results\[0\]\.metrics\[1\]\.value: expected a number, got "3\.1"/
      )
      return true
    }
  )
})

test('validation: missing required model-index fields are each named', () => {
  const card = '---\nmodel-index:\n  - results:\n      - metrics: []\n---\n'
  assert.throws(
    () => validateCard(card),
    (error: unknown) =>
      error instanceof CardError &&
      /model-index\[0\]\.name: required/.test(error.message) &&
      /model-index\[0\]\.results\[0\]\.task\.type: required/.test(error.message) &&
      /model-index\[0\]\.results\[0\]\.dataset: required/.test(error.message) &&
      /model-index\[0\]\.results\[0\]\.metrics: required/.test(error.message)
  )
})

test('validation: not YAML (with the README line), not a mapping; no front matter is valid', () => {
  assert.throws(
    () => validateCard('---\nlicense: mit\ntags: [a\n---\n'),
    (e: unknown) => e instanceof CardError && /not valid YAML \(README\.md line \d+, column \d+\)/.test(e.message)
  )
  assert.throws(() => validateCard('---\n- license\n- mit\n---\n'), /front matter is a list, not a mapping/)
  assert.throws(
    () => validateCard('---\nlicense: mit\nlicense: mit\n---\n'),
    /not valid YAML.*[Mm]ap keys must be unique/
  )
  assert.deepEqual(validateCard('# No metadata\n'), {})
  assert.deepEqual(validateCard('---\n---\nbody'), {})
  assert.deepEqual(
    validateCard('---\nlicense: other\npipeline_tag: text-to-image\ntags: one\nbase_model: [org/a, b]\n---\n'),
    {
      license: 'other',
      pipeline_tag: 'text-to-image',
      tags: 'one',
      base_model: ['org/a', 'b']
    }
  )
  assert.equal(readCardMetadata('---\nlicense: [\n---\n'), undefined)
  assert.equal(readCardMetadata('no front matter'), undefined)
})

test('publishedMetric takes the first result that has the metric type', () => {
  const card = [
    '---',
    'model-index:',
    '  - name: a',
    '    results:',
    '      - {task: {type: other}, dataset: {type: x, name: x}, metrics: [{type: acc, value: 0.5}]}',
    '      - {task: {type: other}, dataset: {type: y, name: y}, metrics: [{type: fid, value: 12}, {type: acc, value: ' +
      '0.9}]}',
    '---'
  ].join('\n')
  assert.equal(publishedMetric(card, 'acc'), 0.5)
  assert.equal(publishedMetric(card, 'fid'), 12)
  assert.equal(
    publishedMetric('---\nmodel-index: [{results: [{metrics: [{type: fid, value: "12"}]}]}]\n---', 'fid'),
    undefined
  )
  assert.equal(publishedMetric('not a card', 'fid'), undefined)
})

/** Splits a Markdown table row on pipes that Markdown would see (escaped ones are entities). */
const cellCount = (row: string) => row.split('|').length - 2

test('file names, report keys and artifact names cannot inject HTML, links or table cells', () => {
  const evil = 'samples/<img src=x onerror=alert(1)>|@me.png'
  const fenceBreaker = 'export/```\n<script>alert(1)</script>\n```.onnx'
  const ctx = seedContext({
    files: [
      { path: evil, size: 1, sha256: hex('9') },
      { path: 'samples/a (1)*[x](javascript:y).png', size: 1, sha256: 'not-a-hash|<b>' },
      { path: fenceBreaker, size: 1, sha256: hex('8') },
      { path: 'w/"); import os; os.system("x") #.pt', size: 1, sha256: hex('7') }
    ],
    metrics: extractMetrics({ 'x|y': 1, '<script>': 2, '*bold*': 3 }, []),
    provenance: {
      sourceRepositoryUrl: 'javascript:alert(1)',
      sourceRepository: 'a](javascript:alert(1))',
      artifacts: [{ name: '`code` ``evil``|<i>', digest: '`x`', size: 1 }],
      publishingRun: { id: '1](javascript:alert(1))', url: 'javascript:alert(1)' }
    },
    benchmark: { path: 'b.json', report: { 'k|<b>': 1, nested: { $x$: 2 }, device: '<b>gpu</b>|`x`' } }
  })
  const card = renderModelCard(ctx)
  const block = blockOf(card)
  const { prose, code } = splitCode(block)
  // the How to use snippets (ONNX, PyTorch) and the checksum list are the only code blocks
  assert.equal(code.length, 3, block)
  assert.doesNotMatch(prose, /<img|<script|<b>|<i>|onerror=alert\(1\)>/, 'no raw HTML from names')
  assert.doesNotMatch(prose, /\]\(javascript:/i, 'no javascript: link')
  assert.doesNotMatch(prose.replace(/`[^`\n]+`/g, ''), /`/, 'no backtick from a name reaches the Markdown')
  assert.doesNotMatch(prose, /\*bold\*|\$x\$/, 'no emphasis or math from report keys')
  assert.match(prose, /@\u200bme/, 'mentions are defused')
  // in the Python, names are escaped literals: no quote, backtick or line break of theirs is left
  const snippets = code.slice(0, 2).join('\n')
  assert.doesNotMatch(snippets, /<script|`/)
  assert.ok(snippets.includes('filename="w/\\x22\\x29\\x3b import os\\x3b os.system\\x28\\x22x\\x22\\x29 \\x23.pt")'))
  assert.ok(snippets.includes('filename="export/\\x60\\x60\\x60\\x0a\\x3cscript\\x3ealert\\x281\\x29'))
  // the checksum list keeps names exactly (sha256sum must find the files), in a fence they cannot close
  assert.ok(code[2]!.includes(`${hex('9')}  ${evil}`))
  assert.ok(code[2]!.includes('```'), 'the backticks are inside, and the block did not end there')
  const rows = prose.split('\n').filter((l) => l.startsWith('|'))
  assert.ok(rows.length > 10)
  // every table here has 2 to 4 columns; an unescaped "|" in a name would add one
  for (const row of rows) assert.ok([2, 3, 4].includes(cellCount(row)), `row has ${cellCount(row)} cells: ${row}`)
  // the image link target is percent-encoded: the name cannot close the link or change its scheme
  assert.ok(block.includes(`](${repoPathUrl(evil)})`))
  assert.equal(
    repoPathUrl('samples/a (1)*[x](javascript:y).png'),
    'samples/a%20%281%29%2A%5Bx%5D%28javascript%3Ay%29.png'
  )
  // an unsafe URL is not linked at all; the text stays
  assert.match(block, /- Source: a&#93;\(javascript:alert\(1\)\)\n/)
  assert.match(block, /- Publishing run: 1&#93;\(javascript:alert\(1\)\)\n/)
  // and the front matter is still valid
  assert.doesNotThrow(() => validateCard(card))
})

test('a marker inside a file name, a report key or an artifact name does not end or start the block', () => {
  const ctx = seedContext({
    files: [
      { path: `samples/${GENERATED_END}.png`, size: 1, sha256: hex('9') },
      { path: `w/${GENERATED_BEGIN} x.pt`, size: 1, sha256: hex('8') }
    ],
    metrics: extractMetrics(
      { [GENERATED_END]: 1, [`fid\n${GENERATED_BEGIN}`]: 2, nested: { [`\n${GENERATED_END}`]: 3 } },
      []
    ),
    provenance: { artifacts: [{ name: `${GENERATED_END}\n${GENERATED_BEGIN}`, digest: null, size: 1 }] }
  })
  const card = renderModelCard(ctx)
  // The block is ours from the begin marker we wrote to the end marker we wrote, each on a line of its own.
  const start = card.indexOf(`\n${GENERATED_BEGIN}\n`) + 1
  const end = card.lastIndexOf(`\n${GENERATED_END}\n`) + 1 + GENERATED_END.length
  assert.ok(start > 0 && end > start, card)
  assert.equal(generatedBlock(card), card.slice(start, end), 'verification finds the block the publish wrote')
  assert.equal(renderModelCard(ctx, card), card, 'the next publish finds it too, and changes nothing')
  assert.doesNotThrow(() => validateCard(card))
})

test('escapeMarkdown keeps ordinary names readable', () => {
  assert.equal(escapeMarkdown('evaluation_report.json'), 'evaluation_report.json')
  assert.equal(escapeMarkdown('_private_'), '&#95;private&#95;')
  assert.equal(escapeMarkdown('a|b\nc'), 'a&#124;b c')
  assert.equal(safeHttpUrl('https://github.com/o/r/commit/abc'), 'https://github.com/o/r/commit/abc')
  assert.equal(safeHttpUrl('https://x.y/a b'), undefined)
  assert.equal(safeHttpUrl('data:text/html,hi'), undefined)
})

test('numbers look the same everywhere: integers in full, others to 6 significant digits', () => {
  assert.equal(formatNumber(41.7, 6), '41.7')
  assert.equal(formatNumber(200000, 6), '200000')
  assert.equal(formatNumber(1234567, 6), '1234567')
  assert.equal(formatNumber(0.1 + 0.2, 6), '0.3')
  assert.equal(formatNumber(3.14159265, 6), '3.14159')
  assert.equal(formatNumber(0.000123456789, 6), '0.000123457')
  assert.equal(formatNumber(1.5e-7, 6), '0.00000015')
  assert.equal(formatNumber(-2.5, 6), '-2.5')
  assert.equal(formatNumber(-1.7000000000000028), '-1.7')
})

test('the gallery prefers sample images, shows at most 12, and long file lists are cut at 100 rows', () => {
  const images = Array.from({ length: 13 }, (_, i) => ({
    path: `samples/img_${String(i).padStart(2, '0')}.webp`,
    size: 1,
    sha256: hex('1')
  }))
  const others = Array.from({ length: 95 }, (_, i) => ({
    path: `data/part_${String(i).padStart(3, '0')}.bin`,
    size: 1,
    sha256: hex('2')
  }))
  const block = blockOf(
    renderModelCard(
      seedContext({ files: [{ path: 'assets/logo.png', size: 1, sha256: hex('3') }, ...images, ...others] })
    )
  )
  const shown = [...block.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1])
  assert.equal(shown.length, 12)
  assert.equal(shown[0], 'samples/img_00.webp')
  assert.ok(!shown.includes('assets/logo.png'), 'a logo is not a sample')
  assert.match(block, /Showing 12 of 13 images\./)
  const fileRows = block
    .split('\n')
    .filter((l) => /^\| <code>.*<\/code> \| [^|]+ \| <code>[0-9a-f]{16}<\/code> \|$/.test(l))
  assert.equal(fileRows.length, 100)
  assert.match(block, /…and 9 more files\./)

  const onlyLogo = blockOf(
    renderModelCard(seedContext({ files: [{ path: 'assets/logo.png', size: 1, sha256: hex('3') }] }))
  )
  assert.match(onlyLogo, /!\[logo\.png\]\(assets\/logo\.png\)/, 'without samples, every image is shown')
})

test('sections without data are left out; a card without metrics keeps its model-index', () => {
  const existing =
    '---\nmodel-index:\n  - name: hand\n    results: [{task: {type: other}, dataset: {type: x, name: x}, metrics: ' +
    '[{type: acc, value: 1}]}]\n---\n# Hand\n'
  const card = renderModelCard(
    seedContext({
      metrics: [],
      evaluationReportPath: undefined,
      benchmark: undefined,
      files: [{ path: 'model.pt', size: 1, sha256: hex('a') }]
    }),
    existing
  )
  assert.doesNotMatch(card, /## (Evaluation|Samples|Benchmark)/)
  assert.match(card, /## Provenance/)
  assert.equal(publishedMetric(card, 'acc'), 1)
})

test('license and task ids are the Hub’s to judge: an unknown id passes the local check', () => {
  // The Hub's validator (/api/validate-yaml) knows today's lists; a hand-kept copy would go stale.
  assert.doesNotThrow(() => validateCard('---\nlicense: a-license-from-next-year\npipeline_tag: new-task\n---\n'))
})

test('no dataset, no model-index: none is made up; a dataset from the card itself is used', () => {
  const withoutDataset = seedContext({ metadata: { ...seedContext().metadata, datasets: [] } })
  const card = renderModelCard(withoutDataset)
  const meta = frontMatterOf(card) as Record<string, unknown>
  assert.equal(meta['model-index'], undefined)
  assert.doesNotMatch(card, /custom|evaluation report\n/)
  assert.match(card, /\| FID \| 41\.7 \| lower \|/, 'the metrics stay in the card body')
  assert.doesNotThrow(() => validateCard(card))
  // the card's own datasets (hand-written front matter) name the evaluation data as well as the input does
  const own = renderModelCard(withoutDataset, '---\ndatasets:\n  - huggan/cats\n---\n# Cats\n')
  const index = (frontMatterOf(own) as typeof seedFrontMatter)['model-index']
  assert.deepEqual(index[0]!.results[0]!.dataset, { type: 'huggan/cats', name: 'huggan/cats' })
  // no metadata at all: no front matter is made up either
  const bare = renderModelCard(
    seedContext({ metadata: { tags: [], baseModel: [], datasets: [] }, metrics: extractMetrics({ fid: 1 }, []) })
  )
  assert.ok(bare.startsWith('# tiny-cats-model\n'), bare.slice(0, 80))
  assert.match(bare, /\| FID \| 1 \| lower \|/)
  // only counts (training steps) are no results either
  const onlySteps = renderModelCard(seedContext({ metrics: extractMetrics({ steps: 10, epochs: 2 }, []) }))
  assert.equal((frontMatterOf(onlySteps) as Record<string, unknown>)['model-index'], undefined)
})

test('the publishing run is named on every trigger; a re-publish that changes nothing else keeps the card', () => {
  const run = (id: string) => ({ id, url: `https://github.com/d4oit/tiny-cats-model/actions/runs/${id}` })
  const pushed = (id: string, over: Partial<CardContext> = {}) =>
    seedContext({ provenance: { ...seedContext().provenance, trainRun: undefined, publishingRun: run(id) }, ...over })
  const first = renderModelCard(pushed('100'))
  assert.match(
    first,
    /^- Publishing run: \[100\]\(https:\/\/github\.com\/d4oit\/tiny-cats-model\/actions\/runs\/100\)$/m
  )
  assert.doesNotMatch(first, /^- Train run:/m)
  // a scheduled run with the same files: the card on the branch stays, byte for byte (no commit)
  assert.equal(renderModelCard(pushed('200'), first), first)
  // so does one over a hand-edited card
  const edited = first.replace('# tiny-cats-model\n', '# tiny-cats-model\n\nHand-written.\n')
  assert.equal(renderModelCard(pushed('200'), edited), edited)
  // anything else that changed renders the card anew, with the run that makes the commit
  const changed = renderModelCard(pushed('200', { metrics: extractMetrics({ fid: 39.9 }, []) }), first)
  assert.match(changed, /- Publishing run: \[200\]/)
  assert.match(changed, /\| FID \| 39\.9 \|/)
  // a line that only looks like ours outside the block is the author's: only the block's own line is ignored
  const forged = first.replace('# tiny-cats-model\n', '# tiny-cats-model\n\n- Publishing run: x\n')
  assert.equal(renderModelCard(pushed('200'), forged), forged)
})

test('a readable name from card-metrics cannot break the table or inject markup; the metadata keeps it', () => {
  const name = '<img src=x>|*FID* @here'
  const metrics = extractMetrics({ fid: 41.7 }, parseMetricRules(`fid -> fid "${name}"`).rules)
  const card = renderModelCard(seedContext({ metrics }))
  const row = card.split('\n').find((l) => l.includes('41.7 |'))!
  assert.equal(cellCount(row), 4, row)
  assert.doesNotMatch(card.slice(card.indexOf(GENERATED_BEGIN)), /<img|\*FID\*|@here/)
  assert.equal((frontMatterOf(card) as typeof seedFrontMatter)['model-index'][0]!.results[0]!.metrics[0]!.name, name)
})

test('tables say how each column is aligned; a fence is longer than any backtick run inside it', () => {
  assert.equal(
    table(['Name', 'Value', 'Image'], [['a', '1', 'x']], ['left', 'right', 'center']),
    '| Name | Value | Image |\n| :--- | ---: | :---: |\n| a | 1 | x |'
  )
  assert.equal(fencedCode('plain', 'text'), '```text\nplain\n```')
  assert.equal(fencedCode('a ``` b\n````', 'text'), '`````text\na ``` b\n````\n`````')
  assert.equal(fencedCode('a\rb\u202ec\u0000'), '```\nabc\n```', 'no carriage return or control character')
})

test(
  'the checksum list is what sha256sum -c reads, also for names with spaces, backslashes and line breaks',
  {
    skip: (() => {
      try {
        execFileSync('sha256sum', ['--version'], { stdio: 'ignore' })
        return false
      } catch {
        return 'sha256sum (GNU coreutils) is not installed'
      }
    })()
  },
  () => {
    const names = ['generator/model.pt', 'samples/a b (1).png', 'odd/back\\slash.bin', 'odd/new\nline.txt', 'ü/`x`.md']
    const dir = mkdtempSync(join(tmpdir(), 'card-sha256sum-'))
    try {
      const files = names.map((path, i) => {
        const content = `file ${i}`
        mkdirSync(join(dir, dirname(path)), { recursive: true })
        writeFileSync(join(dir, path), content)
        return { path, size: content.length, sha256: createHash('sha256').update(content).digest('hex') }
      })
      const block = blockOf(renderModelCard(seedContext({ files })))
      const details = block.slice(block.indexOf('<details>'), block.indexOf('</details>'))
      assert.match(details, /<summary>Full SHA-256 of every file, for <code>sha256sum -c<\/code><\/summary>/)
      const { code } = splitCode(details)
      assert.equal(code.length, 1)
      assert.equal(code[0]!.split('\n').length, names.length, 'one line per file, a line break in a name is escaped')
      assert.ok(code[0]!.includes(sha256sumLine(files[2]!.sha256, names[2]!)))
      writeFileSync(join(dir, 'SHA256SUMS'), `${code[0]}\n`)
      const out = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })
      assert.equal((out.match(/: OK$/gm) ?? []).length, names.length, out)
      // and it fails on a file that changed
      writeFileSync(join(dir, names[1]!), 'tampered')
      assert.throws(() => execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, stdio: 'pipe' }))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
)
