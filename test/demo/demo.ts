/**
 * `npm run demo`: the action end to end on this machine, with nothing to configure.
 *
 * Starts the Hub emulator on a free loopback port, writes a sample Train output (a checkpoint of
 * a few MB, an ONNX export, an evaluation report, sample images) into a scratch workspace, runs
 * the committed dist/index.js exactly as a runner would (INPUT_* and GITHUB_* environment), and
 * prints the job summary, the outputs and the commit URL. Builds nothing.
 *
 * Options: --keep-running  leave the emulator up afterwards so you can browse its HTTP API.
 */
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startHubEmulator } from '../emulators/hub/server.ts'
import { samplePng } from '../support/png.ts'
import { DIST_ENTRY, parseOutputFile } from '../support/run-dist.ts'
import { SEED_FILES_MAPPING, pseudoRandomBytes, writeFiles } from '../support/workspace.ts'

const keepRunning = process.argv.includes('--keep-running')
const DEMO_TOKEN = 'hf_' + 'demo'.repeat(9)
const REPO_ID = 'd4oit/tiny-cats-model'

const root = await mkdtemp(join(tmpdir(), 'hf-upload-action-demo-'))
const dataDir = join(root, 'hub-data')
const workspace = join(root, 'workspace')
const runnerTemp = join(root, 'runner-temp')
await mkdir(runnerTemp, { recursive: true })

const hub = await startHubEmulator({ dataDir, tokens: { [DEMO_TOKEN]: { user: 'd4oit', role: 'write' } } })
console.log(`Hub emulator listening on ${hub.url} (data: ${dataDir})`)

await writeFiles(workspace, {
  'checkpoints/tinydit_final.pt': pseudoRandomBytes(4 * 1024 * 1024, 'demo-checkpoint'),
  'frontend/public/models/generator_quantized.onnx': pseudoRandomBytes(768 * 1024, 'demo-onnx'),
  'evaluation/evaluation_report.json': JSON.stringify({ fid: 41.7, inception_score: 3.12, precision: 0.61, recall: 0.48, steps: 200000 }, null, 2),
  'benchmark_report.json': JSON.stringify({ onnx_latency_ms: { p50: 12.5, p95: 19.1 }, device: 'cpu' }, null, 2),
  ...Object.fromEntries([0, 1, 2, 3].map((i) => [`samples/evaluation/cat_${String(i).padStart(3, '0')}.png`, samplePng(i)]))
})
console.log(`Sample Train output written to ${workspace}\n`)

const outputFile = join(runnerTemp, 'github_output')
const summaryFile = join(runnerTemp, 'step_summary.md')
await writeFile(outputFile, '')
await writeFile(summaryFile, '')

const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? root,
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKSPACE: workspace,
  GITHUB_OUTPUT: outputFile,
  GITHUB_STEP_SUMMARY: summaryFile,
  RUNNER_TEMP: runnerTemp,
  GITHUB_REPOSITORY: REPO_ID,
  GITHUB_SHA: '4f2c9e1d7a3b5c6d8e9f0a1b2c3d4e5f6a7b8c9d',
  GITHUB_RUN_ID: '1001',
  GITHUB_SERVER_URL: 'https://github.com',
  'INPUT_HF-TOKEN': DEMO_TOKEN,
  'INPUT_REPO-ID': REPO_ID,
  'INPUT_HUB-URL': hub.url,
  'INPUT_CREATE-REPO': 'true',
  INPUT_PRIVATE: 'false',
  INPUT_FILES: SEED_FILES_MAPPING
}
console.log(`$ node ${DIST_ENTRY}   (with INPUT_* and GITHUB_* as a runner sets them)\n`)
const child = spawn(process.execPath, [DIST_ENTRY], { env, stdio: ['ignore', 'pipe', 'inherit'] })
child.stdout.on('data', (d: Buffer) => process.stdout.write(d.toString().replaceAll(DEMO_TOKEN, '***')))
const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)))

const outputs = parseOutputFile(await readFile(outputFile, 'utf8'))
console.log('\n── Job summary (GITHUB_STEP_SUMMARY) ──\n')
console.log(await readFile(summaryFile, 'utf8'))
console.log('── Outputs ──')
for (const [name, value] of Object.entries(outputs)) console.log(`${name}: ${name === 'files' ? JSON.stringify(JSON.parse(value), null, 2) : value}`)
console.log(`\n${code === 0 ? 'Published' : 'FAILED'}: ${outputs['commit-url'] ?? '(no commit)'}`)
console.log(`The emulator's data (repos, commits, LFS objects) is in ${dataDir}`)

if (keepRunning) {
  console.log(`Emulator still running at ${hub.url}; press Ctrl+C to stop.`)
} else {
  await hub.close()
  process.exitCode = code
}
