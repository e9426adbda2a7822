/**
 * The card's "How to use": Python that downloads and loads the published files, chosen by the card's
 * `library_name` and the files' formats. Only what is right for every file of that kind is written
 * (onnxruntime opens any ONNX graph, `torch.load(weights_only=True)` reads any PyTorch checkpoint of
 * tensors, `from_pretrained` needs the library's own layout); when nothing fits, there is no
 * section: no snippet is better than a wrong one.
 *
 * Repo id, revision and file paths are untrusted text inside Python string literals inside a
 * Markdown code block: every character outside a small safe set is written as a Python escape
 * (`\x22`, `\u0060`), so a name can neither end the string nor the code block. Pure.
 */
import { codeSpan, fencedCode } from '../lib/markdown.ts'

export interface UsageFacts {
  /** "namespace/name" of the Hub repo. */
  repoId: string
  /** The branch the files are published to. */
  revision: string
  /** The card's library_name after the merge (input or the card's own). */
  libraryName?: string
  /** The card's pipeline_tag after the merge. */
  pipelineTag?: string
  /** Every published path, README.md excluded. */
  paths: readonly string[]
}

interface Snippet {
  title: string
  code: string
  /** What the reader should know about the choice, e.g. which of several files it loads. */
  note?: string
}

/** Tasks the `transformers` pipeline() has run under the same name for years (not every Hub task). */
const TRANSFORMERS_PIPELINES = new Set([
  'audio-classification',
  'automatic-speech-recognition',
  'depth-estimation',
  'feature-extraction',
  'fill-mask',
  'image-classification',
  'image-segmentation',
  'object-detection',
  'question-answering',
  'text-classification',
  'text-generation',
  'token-classification',
  'zero-shot-classification',
  'zero-shot-image-classification'
])
/** Weights `from_pretrained` reads from the repo root. */
const TRANSFORMERS_WEIGHTS =
  /^(model\.safetensors|model\.safetensors\.index\.json|pytorch_model\.bin|pytorch_model\.bin\.index\.json)$/
/** A shard of a checkpoint that the library's index file puts together. */
const SHARD = /-\d{5}-of-\d{5}\.safetensors$/i
/** Libraries whose checkpoints are torch tensors: `torch.load` and `safetensors.torch` read them as they are. */
const TORCH_LIBRARIES = new Set(['pytorch'])

const HUB_LIBRARY_DOCS = 'https://huggingface.co/docs/huggingface_hub/guides/download'

/** The "How to use" section, or undefined when no snippet would be right for these files. */
export function usageSection(facts: UsageFacts): string | undefined {
  const snippets = chooseSnippets(facts)
  if (snippets.length === 0) return undefined
  const parts = snippets.map((s) => `**${s.title}**${s.note ? ` (${s.note})` : ''}:\n\n${fencedCode(s.code, 'python')}`)
  const intro =
    `Load the published files from Python with [huggingface_hub](${HUB_LIBRARY_DOCS}); a private repo also ` +
    'needs a token (`hf auth login`, or the `HF_TOKEN` environment variable).'
  return `## How to use\n\n${intro}\n\n${parts.join('\n\n')}`
}

/** The snippets that fit, in a fixed order: the library's own loader first, then one per file format. */
export function chooseSnippets(facts: UsageFacts): Snippet[] {
  const { paths } = facts
  const library = facts.libraryName?.toLowerCase()
  const repo = pythonString(facts.repoId)
  const revision = facts.revision === 'main' ? '' : `, revision=${pythonString(facts.revision)}`
  const download = (path: string) => `hf_hub_download(repo_id=${repo}, filename=${pythonString(path)}${revision})`
  const snippets: Snippet[] = []

  const libraryLoader = libraryLoaderSnippet(library, facts, `${repo}${revision}`)
  if (libraryLoader) snippets.push(libraryLoader)

  const onnx = pick(paths, /\.onnx$/i)
  if (onnx) {
    const sidecars = onnxExternalData(onnx.path, paths)
    const lines = [
      '# pip install huggingface_hub onnxruntime',
      'import onnxruntime as ort',
      'from huggingface_hub import hf_hub_download',
      '',
      ...sidecars.map((p) => `${download(p)}  # the external weights, saved next to the graph`),
      `path = ${download(onnx.path)}`,
      'session = ort.InferenceSession(path)',
      'print([(i.name, i.shape, i.type) for i in session.get_inputs()])  # what to feed session.run()'
    ]
    snippets.push({ title: 'ONNX, with onnxruntime', code: lines.join('\n'), note: onnx.note })
  }
  // The library's own loader reads its weights already; a second snippet for the same files adds nothing.
  if (libraryLoader) return snippets

  // One shard of a sharded checkpoint ("model-00001-of-00003.safetensors") is not the model: no snippet.
  const tensors =
    library === undefined || TORCH_LIBRARIES.has(library)
      ? pick(
          paths.filter((p) => !SHARD.test(p)),
          /\.safetensors$/i
        )
      : undefined
  if (tensors) {
    const lines = [
      '# pip install huggingface_hub safetensors torch',
      'from huggingface_hub import hf_hub_download',
      'from safetensors.torch import load_file',
      '',
      `state_dict = load_file(${download(tensors.path)})`
    ]
    snippets.push({ title: 'safetensors', code: lines.join('\n'), note: tensors.note })
  }
  const checkpoint = library !== undefined && TORCH_LIBRARIES.has(library) ? pick(paths, /\.(pt|pth)$/i) : undefined
  if (checkpoint) {
    const lines = [
      '# pip install huggingface_hub torch',
      'import torch',
      'from huggingface_hub import hf_hub_download',
      '',
      `path = ${download(checkpoint.path)}`,
      '# weights_only=True reads tensors and plain containers (a state dict) and runs no pickled code.',
      '# A checkpoint of whole pickled objects needs weights_only=False: only for files you trust.',
      'checkpoint = torch.load(path, map_location="cpu", weights_only=True)'
    ]
    snippets.push({ title: 'PyTorch checkpoint', code: lines.join('\n'), note: checkpoint.note })
  }
  return snippets
}

/** transformers or diffusers, when the card says so and the repo root has the layout `from_pretrained` reads. */
function libraryLoaderSnippet(library: string | undefined, facts: UsageFacts, repoArgs: string): Snippet | undefined {
  const atRoot = new Set(facts.paths.filter((p) => !p.includes('/')))
  if (
    library === 'transformers' &&
    atRoot.has('config.json') &&
    [...atRoot].some((p) => TRANSFORMERS_WEIGHTS.test(p))
  ) {
    const task = facts.pipelineTag
    const code =
      task !== undefined && TRANSFORMERS_PIPELINES.has(task)
        ? `# pip install transformers\nfrom transformers import pipeline\n\n` +
          `pipe = pipeline(${pythonString(task)}, model=${repoArgs})`
        : `# pip install transformers\nfrom transformers import AutoModel\n\n` +
          `model = AutoModel.from_pretrained(${repoArgs})`
    return { title: 'Transformers', code }
  }
  if (library === 'diffusers' && atRoot.has('model_index.json')) {
    const code =
      '# pip install diffusers\nfrom diffusers import DiffusionPipeline\n\n' +
      `pipe = DiffusionPipeline.from_pretrained(${repoArgs})`
    return { title: 'Diffusers', code }
  }
  return undefined
}

/**
 * The file a snippet loads: the shallowest, then the first by path. With several, the note says
 * which one it is, so nobody mistakes it for the only one.
 */
function pick(paths: readonly string[], kind: RegExp): { path: string; note?: string } | undefined {
  const matching = paths.filter((p) => kind.test(p)).sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0))
  const [first] = matching
  if (first === undefined) return undefined
  const note = matching.length > 1 ? `loads ${codeSpan(first)}, one of ${matching.length} such files` : undefined
  return { path: first, ...(note ? { note } : {}) }
}

/**
 * The external-data files an ONNX graph over 2 GB is saved with, by the names the exporters use
 * ("model.onnx.data", "model.onnx_data", "model.data"), in the graph's folder: hf_hub_download puts
 * them side by side, where onnxruntime looks.
 */
function onnxExternalData(graph: string, paths: readonly string[]): string[] {
  const stem = graph.replace(/\.onnx$/i, '')
  const names = new Set([`${graph}.data`, `${graph}_data`, `${stem}.data`])
  return paths.filter((p) => names.has(p)).sort()
}

function depth(path: string): number {
  return path.split('/').length
}

/** Characters that stay as they are in a Python string literal; anything else is an escape. */
const PLAIN = /^[A-Za-z0-9 _.,:/+=@-]$/

/**
 * A double-quoted Python string literal of any text: `\xNN`, `\uNNNN` or `\UNNNNNNNN` for every
 * character outside PLAIN (quotes, backslashes, backticks, line breaks, `<`, non-ASCII), so the
 * literal is one line of ASCII that means exactly `text` and can end nothing around it.
 */
export function pythonString(text: string): string {
  let out = ''
  for (const char of text) {
    if (PLAIN.test(char)) {
      out += char
      continue
    }
    const code = char.codePointAt(0)!
    const hex = code.toString(16).padStart(code < 0x100 ? 2 : code < 0x10000 ? 4 : 8, '0')
    out += code < 0x100 ? `\\x${hex}` : code < 0x10000 ? `\\u${hex}` : `\\U${hex}`
  }
  return `"${out}"`
}
