/**
 * `npm run bench [-- --size 1GiB] [--repeat 1] [--json] [--rollback]`
 *
 * Publishes one generated file of the given size through dist/index.js (a child process, as on a
 * runner) to the Hub emulator, and measures in the same run the floor for the same bytes:
 * a streamed SHA-256 with node:crypto plus one raw streamed PUT to the emulator's own LFS upload
 * route (which stores and verifies the object, as it does for the action). Reports wall time,
 * throughput, the action process's peak RSS, and the ratio wall/floor. A benchmark, not a test.
 *
 * With --rollback it also publishes a second version of the file and times `mode: rollback` back
 * to the first, reporting the LFS bytes the emulator received during the rollback (expected: 0).
 */
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream, readFileSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync, spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { DIST_ENTRY, parseOutputFile } from '../support/run-dist.ts'

const TOKEN = 'hf_' + 'bench'.repeat(7)

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    repeat: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    rollback: { type: 'boolean', default: false }
  }
})
const bytes = parseSize(values.size)
const repeat = Math.max(1, Number(values.repeat))
const say = (line: string) => (values.json ? process.stderr.write(line + '\n') : console.log(line))

const root = await mkdtemp(join(tmpdir(), 'hfua-bench-'))
const workspace = join(root, 'ws')
const file = join(workspace, 'model.bin')
await import('node:fs/promises').then((fs) => fs.mkdir(workspace, { recursive: true }))
say(`Generating ${fmt(bytes)} of random bytes in ${file} …`)
await writeRandomFile(file, bytes)
const sha256 = await timed(() => hashFile(file)) // also warms the page cache for both contenders

const runs: Array<{ wall: number; floor: number; hash: number; put: number; rss: number }> = []
for (let i = 0; i < repeat; i++) {
  // Each contender starts with no dirty pages left by the other: GiBs of writeback otherwise
  // throttle whichever one runs next and swamp the comparison.
  settleDisk()
  const floor = await measureFloor(root, file, sha256.value, i)
  await rm(join(root, `hub-floor-${i}`), { recursive: true, force: true })
  settleDisk()
  const action = await measureAction(root, workspace, i)
  await rm(join(root, `hub-action-${i}`), { recursive: true, force: true })
  runs.push({
    wall: action.wall,
    floor: floor.hash + floor.put,
    hash: floor.hash,
    put: floor.put,
    rss: action.peakRssMiB
  })
  say(
    `run ${i + 1}: action ${action.wall.toFixed(2)} s (peak RSS ${action.peakRssMiB.toFixed(0)} MiB); floor ` +
      `${(floor.hash + floor.put).toFixed(2)} s = sha256 ${floor.hash.toFixed(2)} s + PUT ${floor.put.toFixed(2)} s`
  )
}
const rollback = values.rollback ? await measureRollback(root, workspace, file) : undefined
if (rollback)
  say(
    `rollback: ${rollback.seconds.toFixed(2)} s, ${rollback.lfsBytes} LFS bytes uploaded, peak RSS ` +
      `${rollback.peakRssMiB.toFixed(0)} MiB`
  )
const best = runs.reduce((a, b) => (b.wall / b.floor < a.wall / a.floor ? b : a))
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const result = {
  bytes,
  wall_s: round(median(runs.map((r) => r.wall))),
  floor_s: round(median(runs.map((r) => r.floor))),
  ratio: round(median(runs.map((r) => r.wall / r.floor))),
  best_ratio: round(best.wall / best.floor),
  throughput_mb_s: round(bytes / 1e6 / median(runs.map((r) => r.wall))),
  peak_rss_mib: round(Math.max(...runs.map((r) => r.rss))),
  floor_sha256_s: round(median(runs.map((r) => r.hash))),
  floor_put_s: round(median(runs.map((r) => r.put))),
  runs: repeat,
  node: process.versions.node,
  ...(rollback
    ? {
        rollback_s: round(rollback.seconds),
        rollback_lfs_bytes: rollback.lfsBytes,
        rollback_peak_rss_mib: round(rollback.peakRssMiB)
      }
    : {})
}
if (values.json) console.log(JSON.stringify(result))
else {
  console.log(
    `\n${fmt(bytes)}: wall ${result.wall_s} s (${result.throughput_mb_s} MB/s), floor ${result.floor_s} s, ratio ` +
      `${result.ratio}, peak RSS ${result.peak_rss_mib} MiB`
  )
}
if (!values.keep) await rm(root, { recursive: true, force: true })

/** The action, as the runner starts it, against a fresh emulator. */
async function measureAction(root: string, workspace: string, i: number) {
  const hub = await startHubEmulator({
    dataDir: join(root, `hub-action-${i}`),
    tokens: { [TOKEN]: { user: 'bench', role: 'write' } }
  })
  try {
    await hub.createRepo({ type: 'model', name: 'bench/model' })
    const run = await runAction(hub.url, workspace, join(root, `out-${i}`), {})
    if (run.outputs.changed !== 'true') throw new Error('the action did not commit')
    return run
  } finally {
    await hub.close()
  }
}

/** Publish v1, publish v2, then time the rollback to v1 and count the LFS bytes it sends. */
async function measureRollback(root: string, workspace: string, file: string) {
  const hub = await startHubEmulator({
    dataDir: join(root, 'hub-rollback'),
    tokens: { [TOKEN]: { user: 'bench', role: 'write' } }
  })
  try {
    await hub.createRepo({ type: 'model', name: 'bench/model' })
    const v1 = await runAction(hub.url, workspace, join(root, 'out-v1'), {})
    say('rollback: publishing a second version …')
    await writeRandomFile(file, bytes)
    await runAction(hub.url, workspace, join(root, 'out-v2'), {})
    hub.resetStats()
    const rollback = await runAction(hub.url, workspace, join(root, 'out-rb'), {
      INPUT_MODE: 'rollback',
      'INPUT_ROLLBACK-TO': v1.outputs['commit-sha']!,
      INPUT_FILES: ''
    })
    if (rollback.outputs.verified !== 'true') throw new Error('the rollback was not verified')
    return { seconds: rollback.wall, lfsBytes: hub.stats.lfsBytesReceived, peakRssMiB: rollback.peakRssMiB }
  } finally {
    await hub.close()
  }
}

async function runAction(hubUrl: string, workspace: string, outFile: string, extra: Record<string, string>) {
  await import('node:fs/promises').then((fs) => fs.writeFile(outFile, ''))
  const env = {
    PATH: process.env.PATH ?? '',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outFile,
    'INPUT_HF-TOKEN': TOKEN,
    'INPUT_REPO-ID': 'bench/model',
    'INPUT_HUB-URL': hubUrl,
    INPUT_FILES: 'model.bin -> weights/model.bin',
    ...extra
  }
  const started = performance.now()
  const child = spawn(process.execPath, [DIST_ENTRY], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  let log = ''
  child.stdout.on('data', (d) => (log += d))
  let peakKiB = 0
  const poll = setInterval(() => (peakKiB = Math.max(peakKiB, readPeakRssKiB(child.pid!))), 20)
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)))
  clearInterval(poll)
  const wall = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`the action failed:\n${log}`)
  return { wall, peakRssMiB: peakKiB / 1024, outputs: parseOutputFile(readFileSync(outFile, 'utf8')) }
}

/** sha256 of the file, plus one streamed PUT of it to the emulator's basic LFS upload route. */
async function measureFloor(root: string, file: string, oid: string, i: number) {
  const hash = (await timed(() => hashFile(file))).seconds
  // A separate emulator that answers basic (single PUT) for any size.
  const hub = await startHubEmulator({
    dataDir: join(root, `hub-floor-${i}`),
    tokens: { [TOKEN]: { user: 'bench', role: 'write' } },
    multipartThreshold: Number.MAX_SAFE_INTEGER
  })
  try {
    await hub.createRepo({ type: 'model', name: 'bench/floor' })
    const href = await basicUploadHref(hub, oid, bytes)
    const put = (await timed(() => streamPut(href, file, bytes))).seconds
    return { hash, put }
  } finally {
    await hub.close()
  }
}

async function basicUploadHref(hub: HubEmulator, oid: string, size: number): Promise<string> {
  const res = await fetch(`${hub.url}/bench/floor.git/info/lfs/objects/batch`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/vnd.git-lfs+json',
      accept: 'application/vnd.git-lfs+json'
    },
    body: JSON.stringify({ operation: 'upload', transfers: ['basic'], hash_algo: 'sha_256', objects: [{ oid, size }] })
  })
  const json = (await res.json()) as {
    objects: Array<{ actions?: { upload?: { href: string; header?: Record<string, string> } } }>
  }
  const upload = json.objects[0]?.actions?.upload
  if (!upload || upload.header?.chunk_size) throw new Error('expected a basic upload href from the floor emulator')
  return upload.href
}

function streamPut(href: string, path: string, size: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(href, { method: 'PUT', headers: { 'content-length': size } }, (res) => {
      res.resume()
      res.on('end', () =>
        res.statusCode && res.statusCode < 300 ? resolve() : reject(new Error(`floor PUT answered ${res.statusCode}`))
      )
    })
    req.on('error', reject)
    createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(req)
  })
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function writeRandomFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path)
  const block = Buffer.allocUnsafe(8 * 1024 * 1024)
  for (let written = 0; written < size;) {
    const n = Math.min(block.length, size - written)
    randomFillSync(block, 0, n)
    if (!out.write(n === block.length ? Buffer.from(block) : block.subarray(0, n)))
      await new Promise<void>((r) => out.once('drain', () => r()))
    written += n
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())))
  if ((await stat(path)).size !== size) throw new Error('short write')
}

function settleDisk(): void {
  execFileSync('sync')
}

function readPeakRssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0)
  } catch {
    return 0 // the process already exited
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now()
  const value = await fn()
  return { value, seconds: (performance.now() - started) / 1000 }
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i.exec(text.trim())
  if (!m) throw new Error(`--size: expected e.g. 1GiB or 512MiB, got ${text}`)
  const unit = (m[2] ?? 'B').toLowerCase()
  const mult: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 }
  return Math.round(Number(m[1]) * mult[unit]!)
}

function fmt(n: number): string {
  return n >= 1024 ** 3 ? `${(n / 1024 ** 3).toFixed(2)} GiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
