/** Builds small, deterministic workspaces that look like a Train run's output. */
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** Deterministic pseudo-random bytes (SHA-256 in counter mode): same seed, same bytes. */
export function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.allocUnsafe(size)
  let offset = 0
  for (let counter = 0; offset < size; counter++) {
    const block = createHash('sha256').update(`${seed}:${counter}`).digest()
    offset += block.copy(out, offset)
  }
  return out
}

export async function makeWorkspace(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hfua-ws-'))
  await writeFiles(root, files)
  return root
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), content)
  }
}

/** The seed's Train output, scaled down: a checkpoint, an ONNX export, an evaluation report, samples. */
export function seedTrainOutput(scale = 1): Record<string, string | Buffer> {
  return {
    'checkpoints/tinydit_final.pt': pseudoRandomBytes(Math.round(3 * 1024 * 1024 * scale), 'checkpoint'),
    'frontend/public/models/generator_quantized.onnx': pseudoRandomBytes(Math.round(512 * 1024 * scale), 'onnx'),
    'evaluation/evaluation_report.json': JSON.stringify(
      { fid: 41.7, inception_score: 3.12, precision: 0.61, recall: 0.48, steps: 200000 },
      null,
      2
    ),
    'benchmark_report.json': JSON.stringify({ onnx_latency_ms: { p50: 12.5, p95: 19.1 }, device: 'cpu' }, null, 2),
    'samples/evaluation/cat_000.png': pseudoRandomBytes(2048, 'cat0'),
    'samples/evaluation/cat_001.png': pseudoRandomBytes(2048, 'cat1'),
    'samples/evaluation/cat_002.png': pseudoRandomBytes(2048, 'cat2')
  }
}

/**
 * The checked-out repo's part of `seedTrainOutput`: the ONNX export, the benchmark report and the
 * samples. The checkpoint and the evaluation report arrive as the Train run's artifacts.
 */
export function seedCheckout(scale = 1): Record<string, string | Buffer> {
  return Object.fromEntries(
    Object.entries(seedTrainOutput(scale)).filter(
      ([path]) => !path.startsWith('checkpoints/') && !path.startsWith('evaluation/')
    )
  )
}

/** The seed's files mapping for `seedTrainOutput`. */
export const SEED_FILES_MAPPING = [
  'checkpoints/tinydit_final.pt -> generator/model.pt',
  'frontend/public/models/generator_quantized.onnx -> generator/model.onnx',
  'evaluation/evaluation_report.json -> evaluation/',
  'benchmark_report.json -> benchmarks/',
  'samples/evaluation/ -> samples/'
].join('\n')

/** What `SEED_FILES_MAPPING` publishes from `output` (a `seedTrainOutput`): path in the repo → content. */
export function seedPublished(output: Record<string, string | Buffer>): Record<string, string | Buffer> {
  const from = (path: string) => {
    const content = output[path]
    if (content === undefined) throw new Error(`seedPublished: the output has no ${path}`)
    return content
  }
  return {
    'generator/model.pt': from('checkpoints/tinydit_final.pt'),
    'generator/model.onnx': from('frontend/public/models/generator_quantized.onnx'),
    'evaluation/evaluation_report.json': from('evaluation/evaluation_report.json'),
    'benchmarks/benchmark_report.json': from('benchmark_report.json'),
    'samples/cat_000.png': from('samples/evaluation/cat_000.png'),
    'samples/cat_001.png': from('samples/evaluation/cat_001.png'),
    'samples/cat_002.png': from('samples/evaluation/cat_002.png')
  }
}
