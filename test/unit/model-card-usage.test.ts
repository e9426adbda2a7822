// The card's "How to use": which snippet fits which library and files, and that every untrusted
// string in it stays an inert Python literal (checked with Python's own parser when it is installed).
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { chooseSnippets, pythonString, usageSection, type UsageFacts } from '../../src/card/usage.ts'

const REPO = 'd4oit/tiny-cats-model'
const facts = (over: Partial<UsageFacts>): UsageFacts => ({ repoId: REPO, revision: 'main', paths: [], ...over })
const titles = (f: UsageFacts) => chooseSnippets(f).map((s) => s.title)

const python = (() => {
  try {
    execFileSync('python3', ['-c', 'pass'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/** Python's own reading of a snippet: it must parse, and its string literals are returned in order. */
function pythonLiterals(code: string): string[] {
  const script =
    'import ast, json, sys\n' +
    'tree = ast.parse(sys.stdin.read())\n' +
    'print(json.dumps([n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]))'
  return JSON.parse(execFileSync('python3', ['-c', script], { input: code, encoding: 'utf8' })) as string[]
}

test('the seed: PyTorch weights and an ONNX export, each with the loader that reads it', () => {
  const section = usageSection(
    facts({ libraryName: 'pytorch', paths: ['generator/model.pt', 'generator/model.onnx', 'samples/cat_0.png'] })
  )!
  assert.equal(
    section,
    [
      '## How to use',
      '',
      'Load the published files from Python with ' +
        '[huggingface_hub](https://huggingface.co/docs/huggingface_hub/guides/download); a private repo also needs ' +
        'a token (`hf auth login`, or the `HF_TOKEN` environment variable).',
      '',
      '**ONNX, with onnxruntime**:',
      '',
      '```python',
      '# pip install huggingface_hub onnxruntime',
      'import onnxruntime as ort',
      'from huggingface_hub import hf_hub_download',
      '',
      `path = hf_hub_download(repo_id="${REPO}", filename="generator/model.onnx")`,
      'session = ort.InferenceSession(path)',
      'print([(i.name, i.shape, i.type) for i in session.get_inputs()])  # what to feed session.run()',
      '```',
      '',
      '**PyTorch checkpoint**:',
      '',
      '```python',
      '# pip install huggingface_hub torch',
      'import torch',
      'from huggingface_hub import hf_hub_download',
      '',
      `path = hf_hub_download(repo_id="${REPO}", filename="generator/model.pt")`,
      '# weights_only=True reads tensors and plain containers (a state dict) and runs no pickled code.',
      '# A checkpoint of whole pickled objects needs weights_only=False: only for files you trust.',
      'checkpoint = torch.load(path, map_location="cpu", weights_only=True)',
      '```'
    ].join('\n')
  )
})

test('only what can be right: no library, another library or no loadable file gives no snippet for it', () => {
  // A .pt of another library (an Ultralytics model, a Lightning checkpoint) need not load with weights_only.
  assert.deepEqual(titles(facts({ paths: ['model.pt'] })), [])
  assert.deepEqual(titles(facts({ libraryName: 'ultralytics', paths: ['model.pt'] })), [])
  assert.equal(usageSection(facts({ libraryName: 'pytorch', paths: ['weights.bin', 'config.json'] })), undefined)
  // ONNX and safetensors are formats every reader of them loads the same way
  assert.deepEqual(titles(facts({ paths: ['model.onnx', 'model.safetensors'] })), [
    'ONNX, with onnxruntime',
    'safetensors'
  ])
  assert.deepEqual(titles(facts({ libraryName: 'keras', paths: ['model.safetensors', 'model.onnx'] })), [
    'ONNX, with onnxruntime'
  ])
  assert.deepEqual(titles(facts({ libraryName: 'PyTorch', paths: ['a.pth'] })), ['PyTorch checkpoint'])
  // one shard of a sharded checkpoint is not the model
  const shards = ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']
  assert.deepEqual(titles(facts({ paths: [...shards, 'model.safetensors.index.json'] })), [])
})

test('transformers and diffusers only with their layout at the repo root; the pipeline only for its tasks', () => {
  const layout = ['config.json', 'model.safetensors', 'tokenizer.json', 'onnx/model.onnx']
  const classifier = chooseSnippets(
    facts({ libraryName: 'transformers', pipelineTag: 'text-classification', paths: layout })
  )
  assert.deepEqual(
    classifier.map((s) => s.title),
    ['Transformers', 'ONNX, with onnxruntime'],
    'the library loader replaces the file-level ones, an ONNX export still gets its own'
  )
  assert.equal(
    classifier[0]!.code,
    '# pip install transformers\nfrom transformers import pipeline\n\n' +
      `pipe = pipeline("text-classification", model="${REPO}")`
  )
  const other = chooseSnippets(facts({ libraryName: 'transformers', pipelineTag: 'text-to-image', paths: layout }))
  assert.match(other[0]!.code, /AutoModel\.from_pretrained\("d4oit\/tiny-cats-model"\)$/)
  // config.json without weights, or weights in a folder: from_pretrained would not find them
  assert.deepEqual(titles(facts({ libraryName: 'transformers', paths: ['config.json', 'sub/model.safetensors'] })), [])
  assert.deepEqual(titles(facts({ libraryName: 'transformers', paths: ['model.safetensors'] })), [])
  assert.deepEqual(titles(facts({ libraryName: 'diffusers', paths: ['model_index.json', 'unet/x.safetensors'] })), [
    'Diffusers'
  ])
  assert.deepEqual(titles(facts({ libraryName: 'diffusers', paths: ['unet/x.safetensors'] })), [])
})

test('the revision is the branch published to; several files of a kind: the shallowest, and the note says so', () => {
  const [onnx, weights] = chooseSnippets(
    facts({
      revision: 'release',
      libraryName: 'pytorch',
      paths: ['b/deep/z.onnx', 'b/model.onnx', 'a/model.onnx', 'a/model.onnx.data', 'ckpt/last.pt']
    })
  )
  assert.equal(onnx!.note, 'loads <code>a/model.onnx</code>, one of 3 such files')
  // the graph's external weights are downloaded next to it, where onnxruntime looks for them
  assert.ok(
    onnx!.code.includes(
      `hf_hub_download(repo_id="${REPO}", filename="a/model.onnx.data", revision="release")  # the external ` +
        `weights, saved next to the graph\npath = hf_hub_download(repo_id="${REPO}", filename="a/model.onnx", ` +
        'revision="release")'
    ),
    onnx!.code
  )
  assert.match(weights!.code, /filename="ckpt\/last\.pt", revision="release"\)/)
  assert.equal(weights!.note, undefined)
})

test('pythonString: one line of ASCII, escapes for everything that could end a string or a block', () => {
  assert.equal(pythonString('generator/model.pt'), '"generator/model.pt"')
  assert.equal(pythonString('a"b\\c`d\ne'), '"a\\x22b\\x5cc\\x60d\\x0ae"')
  assert.equal(pythonString('\'\'\'"""'), '"\\x27\\x27\\x27\\x22\\x22\\x22"')
  assert.equal(pythonString('ü\u202e😀'), '"\\xfc\\u202e\\U0001f600"')
  assert.equal(pythonString(''), '""')
})

test(
  'hostile names, revision and repo id stay data: Python parses each snippet to exactly those strings',
  {
    skip: !python && 'python3 is not installed'
  },
  () => {
    const hostile = [
      'w/"); import os; os.system("echo pwned") #.pt',
      'q/\'\'\'"""\\\\.pt',
      'x/```\n<script>alert(1)</script>\n```.onnx',
      'u/\u202eexe.gnp\u2066 ü 😀 \\N{BULLET}.safetensors'
    ]
    const revision = 'dev"\\`x'
    const snippets = [
      ...chooseSnippets(facts({ libraryName: 'pytorch', revision, paths: hostile })),
      ...chooseSnippets(facts({ revision, paths: hostile.slice(3) }))
    ]
    assert.deepEqual(
      snippets.map((s) => s.title),
      ['ONNX, with onnxruntime', 'safetensors', 'PyTorch checkpoint', 'safetensors']
    )
    for (const snippet of snippets) {
      assert.doesNotMatch(snippet.code, /`|[^\x20-\x7e\n]/, 'ASCII only, no backtick')
      const literals = pythonLiterals(snippet.code)
      const path = hostile.find((p) => literals.includes(p))
      assert.ok(path, `the snippet names one of the files exactly: ${JSON.stringify(literals)}`)
      assert.ok(literals.includes(revision) && literals.includes(REPO))
      // nothing but our own calls: a name cannot add a statement
      assert.doesNotMatch(snippet.code.replace(/"(?:[^"\\]|\\.)*"/g, '""'), /os\.system|pwned|script/)
    }
    const section = usageSection(facts({ libraryName: 'pytorch', revision, paths: hostile }))!
    assert.equal((section.match(/^```/gm) ?? []).length, 6, 'three blocks, each opened and closed once')
  }
)
