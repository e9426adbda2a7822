/**
 * `npm run bench [-- --size 1GiB] [--files N] [--wan 40ms,50MB/s,200MB/s] [--repeat 3] [--json]
 *  [--rollback] [--rerun] [--keep] [--dist <another build's index.js>] [--node-options="<flags>"]`
 *
 * Publishes one generated file of the given size (plus N small files with --files) through
 * dist/index.js (a child process, as on a runner) to the Hub emulator, and measures in the same run
 * the floor for the same bytes: a streamed SHA-256 of every file with node:crypto plus one raw
 * streamed PUT of all the bytes to the emulator's storage (which stores and hashes the object, as it
 * does for the action). With --wan the action runs a second time, through a link-shaping proxy in
 * front of both emulator origins (round trip, per-connection and total bandwidth), against that
 * link's floor: the same SHA-256 plus the bytes at the link's total bandwidth.
 *
 * Reported per contender: wall time, the ratio to its floor, the action process's peak RSS and
 * `read_passes` (its `rchar` from /proc/<pid>/io over the bytes published: one read to hash and one
 * to upload is 2.0), the log's size, the time from spawn to its first log line (the median of
 * separate starts) and the bundle's size. --rollback times a rollback of the published file (LFS
 * bytes sent: 0 expected); --rerun re-runs a published Train run (artifacts from the GitHub
 * emulator) and times the decision that nothing changed. A benchmark, not a test.
 */
import { createHash, randomFillSync } from 'node:crypto'
import { createReadStream, createWriteStream, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve as resolvePath } from 'node:path'
import { Readable } from 'node:stream'
import { execFileSync, spawn } from 'node:child_process'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import yazl from 'yazl'
import { startHubEmulator, type HubEmulator } from '../emulators/hub/server.ts'
import { DIST_ENTRY, parseOutputFile } from '../support/run-dist.ts'
import { describeLink, parseLinkProfile, startLinkShaper, type LinkProfile } from './link-shaper.ts'

const TOKEN = 'hf_' + 'bench'.repeat(7)
const PROBE = pathToFileURL(join(import.meta.dirname, 'process-probe.mjs')).href
const FLOOR_CLIENT = join(import.meta.dirname, 'floor-client.mjs')
const FILES_PER_FOLDER = 1000

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1GiB' },
    files: { type: 'string', default: '0' },
    'small-size': { type: 'string', default: '4KiB' },
    'small-kind': { type: 'string', default: 'text' },
    wan: { type: 'string' },
    repeat: { type: 'string', default: '1' },
    startups: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    rollback: { type: 'boolean', default: false },
    rerun: { type: 'boolean', default: false },
    // Another build of the action to measure instead (e.g. an older dist/index.js, for a before/after).
    dist: { type: 'string' },
    // NODE_OPTIONS for the action's process, to look inside it (e.g. "--trace-gc", "--heap-prof").
    'node-options': { type: 'string' }
  }
})
const ACTION = values.dist ? resolvePath(values.dist) : DIST_ENTRY
const bigBytes = parseSize(values.size)
const smallCount = Math.max(0, Number(values.files))
const smallBytes = parseSize(values['small-size'])
const smallKind = values['small-kind'] === 'binary' ? 'binary' : 'text'
const wan = values.wan === undefined ? undefined : parseLinkProfile(values.wan)
const repeat = Math.max(1, Number(values.repeat))
const say = (line: string) => (values.json ? process.stderr.write(line + '\n') : console.log(line))
const loadBefore = loadavg()[0]!

const root = await mkdtemp(join(tmpdir(), 'hfua-bench-'))
// GiBs of generated files and emulator state: gone however the run ends (unless --keep).
if (!values.keep) process.on('exit', () => rmSync(root, { recursive: true, force: true }))
const workspace = join(root, 'ws')
const bigFile = join(workspace, 'model.bin')
await mkdir(workspace, { recursive: true })
say(`Generating ${fmt(bigBytes)} of random bytes in ${bigFile} …`)
await writeRandomFile(bigFile, bigBytes)
const smallFiles = await writeSmallFiles(workspace, smallCount, smallBytes, smallKind)
if (smallCount > 0) say(`… and ${smallCount} ${smallKind} files of ${fmt(smallBytes)} under ${workspace}/samples/`)
const allFiles = [bigFile, ...smallFiles]
const bytes = bigBytes + smallCount * smallBytes
const filesInput = ['model.bin -> weights/model.bin', ...(smallCount > 0 ? ['samples/ -> samples/'] : [])].join('\n')
// The floor's PUT sends every file's bytes as one object; its oid is known beforehand, as the
// action's is. This pass also warms the page cache for every contender.
const concatOid = await hashStream(concatenated(allFiles))

const startup = await measureStartup(Math.max(1, Number(values.startups)))
say(
  `startup: first log line after ${startup.median.toFixed(0)} ms (median of ${startup.runs}, min ` +
    `${startup.min.toFixed(0)})`
)

interface Run {
  floor: number
  hash: number
  put: number
  action: ActionRun
  wan?: ActionRun & { floor: number; peakUploads: number }
}
const runs: Run[] = []
for (let i = 0; i < repeat; i++) {
  // Each contender starts with no dirty pages left by the other: GiBs of writeback otherwise
  // throttle whichever one runs next and swamp the comparison.
  settleDisk()
  const floor = await measureFloor(i)
  settleDisk()
  const action = await measureAction(i)
  const run: Run = { floor: floor.hash + floor.put, hash: floor.hash, put: floor.put, action }
  say(
    `run ${i + 1}: action ${action.wall.toFixed(2)} s (peak RSS ${action.peakRssMiB.toFixed(0)} MiB, read passes ` +
      `${(action.rchar / bytes).toFixed(2)}); floor ${run.floor.toFixed(2)} s = sha256 ${floor.hash.toFixed(2)} s + ` +
      `PUT ${floor.put.toFixed(2)} s`
  )
  if (wan) {
    settleDisk()
    const shaped = await measureActionWan(i, wan)
    const wanFloor = floor.hash + bytes / wan.total
    run.wan = { ...shaped, floor: wanFloor }
    say(
      `run ${i + 1}, link ${describeLink(wan)}: action ${shaped.wall.toFixed(2)} s (peak RSS ` +
        `${shaped.peakRssMiB.toFixed(0)} MiB, at most ${shaped.peakUploads} uploads at once); floor ` +
        `${wanFloor.toFixed(2)} s = sha256 ${floor.hash.toFixed(2)} s + ${fmt(bytes)} at ${wan.total / 1e6} MB/s`
    )
  }
  runs.push(run)
}
const rollback = values.rollback ? await measureRollback() : undefined
if (rollback) {
  say(
    `rollback: ${rollback.seconds.toFixed(2)} s, ${rollback.lfsBytes} LFS bytes uploaded, peak RSS ` +
      `${rollback.peakRssMiB.toFixed(0)} MiB`
  )
}
const rerun = values.rerun ? await measureRerun() : undefined
if (rerun) {
  say(
    `re-run of a published Train run: decided in ${rerun.decideSeconds.toFixed(2)} s (the first publish took ` +
      `${rerun.firstSpanSeconds.toFixed(2)} s from hashing to its plan's verdict, upload included), whole job ` +
      `${rerun.wall.toFixed(2)} s (the artifact's download included), ${rerun.lfsBytes} LFS bytes, ${rerun.commits} ` +
      'new commits'
  )
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
const ratios = runs.map((r) => r.action.wall / r.floor)
const wanRuns = runs.flatMap((r) => (r.wan ? [r.wan] : []))
const result = {
  bytes,
  files: 1 + smallCount,
  wall_s: round(median(runs.map((r) => r.action.wall))),
  floor_s: round(median(runs.map((r) => r.floor))),
  ratio: round(median(ratios)),
  ratio_range: [round(Math.min(...ratios)), round(Math.max(...ratios))],
  peak_rss_mib: round(Math.max(...runs.map((r) => r.action.peakRssMiB))),
  read_passes: round(Math.max(...runs.map((r) => r.action.rchar / bytes))),
  log_bytes: Math.max(...runs.map((r) => r.action.logBytes)),
  first_line_ms: round(startup.median),
  first_line_min_ms: round(startup.min),
  bundle_bytes: statSync(ACTION).size,
  dist_bytes: readdirSync(dirname(ACTION)).reduce((sum, f) => sum + statSync(join(dirname(ACTION), f)).size, 0),
  throughput_mb_s: round(bytes / 1e6 / median(runs.map((r) => r.action.wall))),
  floor_sha256_s: round(median(runs.map((r) => r.hash))),
  floor_put_s: round(median(runs.map((r) => r.put))),
  ...(wan
    ? {
        wan: describeLink(wan),
        wan_wall_s: round(median(wanRuns.map((r) => r.wall))),
        wan_floor_s: round(median(wanRuns.map((r) => r.floor))),
        wan_ratio: round(median(wanRuns.map((r) => r.wall / r.floor))),
        wan_ratio_range: [
          round(Math.min(...wanRuns.map((r) => r.wall / r.floor))),
          round(Math.max(...wanRuns.map((r) => r.wall / r.floor)))
        ],
        wan_peak_rss_mib: round(Math.max(...wanRuns.map((r) => r.peakRssMiB))),
        wan_peak_uploads: Math.max(...wanRuns.map((r) => r.peakUploads))
      }
    : {}),
  ...(rollback
    ? {
        rollback_s: round(rollback.seconds),
        rollback_lfs_bytes: rollback.lfsBytes,
        rollback_peak_rss_mib: round(rollback.peakRssMiB)
      }
    : {}),
  ...(rerun
    ? {
        rerun_decide_s: round(rerun.decideSeconds),
        rerun_first_span_s: round(rerun.firstSpanSeconds),
        rerun_wall_s: round(rerun.wall),
        rerun_lfs_bytes: rerun.lfsBytes,
        rerun_commits: rerun.commits
      }
    : {}),
  runs: repeat,
  node: process.versions.node,
  machine: `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`,
  load_avg: [round(loadBefore), round(loadavg()[0]!)]
}
if (values.json) console.log(JSON.stringify(result))
else {
  console.log(
    `\n${fmt(bytes)} in ${result.files} files: wall ${result.wall_s} s (${result.throughput_mb_s} MB/s), floor ` +
      `${result.floor_s} s, ratio ${result.ratio}, peak RSS ${result.peak_rss_mib} MiB, read passes ` +
      `${result.read_passes}, log ${result.log_bytes} B` +
      (wan
        ? `\nlink ${result.wan}: wall ${result.wan_wall_s} s, floor ${result.wan_floor_s} s, ratio ${result.wan_ratio}`
        : '')
  )
}

// ---------------------------------------------------------------------------------------------

function newHub(name: string, extra: { storageOrigin?: string; multipartThreshold?: number } = {}) {
  return startHubEmulator({
    dataDir: join(root, name),
    tokens: { [TOKEN]: { user: 'bench', role: 'write' } },
    ...extra
  })
}

/** The action, as the runner starts it, against a fresh emulator on loopback. */
async function measureAction(i: number): Promise<ActionRun> {
  const hub = await newHub(`hub-action-${i}`)
  try {
    await hub.createRepo({ type: 'model', name: 'bench/model' })
    const run = await runAction(hub.url, join(root, `out-${i}`), {})
    if (run.outputs.changed !== 'true') throw new Error('the action did not commit')
    return run
  } finally {
    await hub.close()
    await rm(join(root, `hub-action-${i}`), { recursive: true, force: true })
  }
}

/** The action through the shaped link: both the Hub API and storage (the presigned URLs name the proxy). */
async function measureActionWan(i: number, profile: LinkProfile) {
  const shaper = await startLinkShaper(profile, ['hub', 'storage'])
  const hub = await newHub(`hub-wan-${i}`, { storageOrigin: shaper.fronts.storage })
  try {
    await shaper.route('hub', hub.url)
    await shaper.route('storage', hub.storageUrl)
    await hub.createRepo({ type: 'model', name: 'bench/model' })
    const run = await runAction(shaper.fronts.hub!, join(root, `out-wan-${i}`), {})
    if (run.outputs.changed !== 'true') throw new Error('the action did not commit')
    const stats = await shaper.readStats()
    if (stats.bytesUp < bigBytes) throw new Error('the upload did not go through the shaped link')
    return { ...run, peakUploads: stats.peakUploading }
  } finally {
    await hub.close()
    await shaper.close()
    await rm(join(root, `hub-wan-${i}`), { recursive: true, force: true })
  }
}

/** Publish v1, publish v2, then time the rollback to v1 and count the LFS bytes it sends. */
async function measureRollback() {
  const hub = await newHub('hub-rollback')
  try {
    await hub.createRepo({ type: 'model', name: 'bench/model' })
    const v1 = await runAction(hub.url, join(root, 'out-v1'), {})
    say('rollback: publishing a second version …')
    await writeRandomFile(bigFile, bigBytes)
    await runAction(hub.url, join(root, 'out-v2'), {})
    hub.resetStats()
    const rollback = await runAction(hub.url, join(root, 'out-rb'), {
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

/**
 * A Train run whose checkpoint (the big file) arrives as an artifact: published once, then the same
 * run again (a re-run of the publish job). Times, from the log, the stretch between the start of the
 * upload group (hashing) and the plan's verdict, in both runs (the first one's includes its upload;
 * compare the re-run's with floor_sha256_s, one hash of the same bytes).
 */
async function measureRerun() {
  const { startGithubEmulator } = await import('../emulators/github/server.ts')
  const ghToken = 'ghs_' + 'bench'.repeat(7)
  const gh = await startGithubEmulator({
    dataDir: join(root, 'gh-rerun'),
    tokens: { [ghToken]: { login: 'github-actions[bot]' } }
  })
  const hub = await newHub('hub-rerun')
  try {
    const repo = 'bench/train'
    gh.addRepo(repo, { id: 4242 })
    await hub.createRepo({ type: 'model', name: 'bench/model' })
    const run = gh.addWorkflowRun(repo, {})
    say(`re-run: zipping ${fmt(bigBytes)} into the Train run's artifact …`)
    await gh.addArtifact(repo, run.id, { name: 'checkpoints', files: { zip: await storedZip(bigFile, 'model.bin') } })
    const event = join(root, 'event.json')
    await writeFile(event, JSON.stringify(gh.workflowRunPayload(repo, run.id)))
    const env = {
      'INPUT_GITHUB-TOKEN': ghToken,
      INPUT_ARTIFACTS: 'checkpoints',
      INPUT_FILES: 'checkpoints/model.bin -> weights/model.bin',
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: event,
      GITHUB_REPOSITORY: repo,
      GITHUB_API_URL: gh.url,
      GITHUB_RUN_ID: '900',
      RUNNER_TEMP: join(root, 'runner-temp')
    }
    await mkdir(env.RUNNER_TEMP, { recursive: true })
    const marks = { start: /::group::Upload to Hugging Face/, decided: /files to upload, / }
    const first = await runAction(hub.url, join(root, 'out-first'), env, marks, join(root, 'empty-ws'))
    if (first.outputs.changed !== 'true') throw new Error('the first publish did not commit')
    const commitsBefore = (await hub.listCommits({ type: 'model', name: 'bench/model' })).length
    hub.resetStats()
    settleDisk()
    const again = await runAction(hub.url, join(root, 'out-again'), env, marks, join(root, 'empty-ws'))
    if (again.outputs.changed !== 'false') throw new Error('the re-run committed')
    const span = (r: ActionRun) => (r.marks.decided! - r.marks.start!) / 1000
    return {
      decideSeconds: span(again),
      firstSpanSeconds: span(first),
      wall: again.wall,
      lfsBytes: hub.stats.lfsBytesReceived,
      commits: (await hub.listCommits({ type: 'model', name: 'bench/model' })).length - commitsBefore
    }
  } finally {
    await hub.close()
    await gh.close()
  }
}

/** A zip holding one file, stored (not deflated), built from the file on disk (yazl's buffers stop at 1 GiB). */
async function storedZip(path: string, name: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addFile(path, name, { compress: false, mtime: new Date('2026-01-01T00:00:00Z') })
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

interface ActionRun {
  wall: number
  peakRssMiB: number
  rchar: number
  logBytes: number
  outputs: Record<string, string>
  /** Milliseconds after spawn at which the first line matching each mark appeared. */
  marks: Record<string, number | undefined>
}

async function runAction(
  hubUrl: string,
  outFile: string,
  extra: Record<string, string>,
  markPatterns: Record<string, RegExp> = {},
  ws = workspace
): Promise<ActionRun> {
  await mkdir(ws, { recursive: true })
  await writeFile(outFile, '')
  const probeFile = `${outFile}.probe.json`
  const env = {
    PATH: process.env.PATH ?? '',
    GITHUB_WORKSPACE: ws,
    GITHUB_OUTPUT: outFile,
    HFUA_BENCH_PROBE: probeFile,
    'INPUT_HF-TOKEN': TOKEN,
    'INPUT_REPO-ID': 'bench/model',
    'INPUT_HUB-URL': hubUrl,
    INPUT_FILES: filesInput,
    // The default (1,000) guards the real Hub's commit timeout; the emulator takes any count.
    'INPUT_MAX-COMMIT-FILES': String(Math.max(1000, smallCount + 10)),
    ...(values['node-options'] ? { NODE_OPTIONS: values['node-options'] } : {}),
    ...extra
  }
  const started = performance.now()
  const child = spawn(process.execPath, ['--import', PROBE, ACTION], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  const chunks: Buffer[] = []
  const marks: Record<string, number | undefined> = {}
  let pending = ''
  child.stdout.on('data', (d: Buffer) => {
    chunks.push(d)
    const now = performance.now() - started
    pending += d.toString('utf8')
    const lines = pending.split('\n')
    pending = lines.pop()!
    for (const line of lines)
      for (const [name, pattern] of Object.entries(markPatterns))
        if (marks[name] === undefined && pattern.test(line)) marks[name] = now
  })
  const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)))
  const wall = (performance.now() - started) / 1000
  const log = Buffer.concat(chunks)
  if (code !== 0) throw new Error(`the action failed:\n${log.toString('utf8').slice(-4000)}`)
  const probe = JSON.parse(await readFile(probeFile, 'utf8')) as { vmHwmKiB: number; rchar: number }
  return {
    wall,
    peakRssMiB: probe.vmHwmKiB / 1024,
    rchar: probe.rchar,
    logBytes: log.length,
    outputs: parseOutputFile(readFileSync(outFile, 'utf8')),
    marks
  }
}

/** Time from spawn to the action's first log line, over separate starts (each stopped right there). */
async function measureStartup(n: number): Promise<{ median: number; min: number; runs: number }> {
  const times: number[] = []
  for (let i = 0; i < n; i++) {
    const started = performance.now()
    const child = spawn(process.execPath, [ACTION], {
      env: {
        PATH: process.env.PATH ?? '',
        GITHUB_WORKSPACE: workspace,
        'INPUT_HF-TOKEN': TOKEN,
        'INPUT_REPO-ID': 'bench/model',
        'INPUT_HUB-URL': 'http://127.0.0.1:9',
        INPUT_FILES: filesInput
      },
      stdio: ['ignore', 'pipe', 'ignore']
    })
    times.push(await new Promise<number>((r) => child.stdout.once('data', () => r(performance.now() - started))))
    child.kill()
    await new Promise((r) => child.on('close', r))
  }
  const sorted = times.sort((a, b) => a - b)
  return { median: sorted[Math.floor(n / 2)]!, min: sorted[0]!, runs: n }
}

/**
 * The floor, in a process of its own as the action is: sha256 of every file (each opened and
 * streamed, as the action does), then one streamed PUT of all of them to storage.
 */
async function measureFloor(i: number) {
  // A separate emulator that answers basic (single PUT) for any size.
  const hub = await newHub(`hub-floor-${i}`, { multipartThreshold: Number.MAX_SAFE_INTEGER })
  try {
    await hub.createRepo({ type: 'model', name: 'bench/floor' })
    const href = await basicUploadHref(hub, concatOid, bytes)
    const list = join(root, 'floor-files.txt')
    await writeFile(list, allFiles.join('\n'))
    const child = spawn(process.execPath, [FLOOR_CLIENT, list, href, String(bytes)], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? 1)))
    if (code !== 0) throw new Error(`the floor client failed (${code})`)
    const { hash_s, put_s } = JSON.parse(out) as { hash_s: number; put_s: number }
    if (!(await hub.hasLfsObject({ type: 'model', name: 'bench/floor' }, concatOid))) {
      throw new Error('the floor upload was not stored')
    }
    return { hash: hash_s, put: put_s }
  } finally {
    await hub.close()
    await rm(join(root, `hub-floor-${i}`), { recursive: true, force: true })
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

function concatenated(paths: readonly string[]): Readable {
  return Readable.from(
    (async function* () {
      for (const path of paths) yield* createReadStream(path, { highWaterMark: 1024 * 1024 })
    })()
  )
}

async function hashStream(stream: AsyncIterable<unknown>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of stream) hash.update(chunk as Buffer)
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

/**
 * N small files under samples/, at most FILES_PER_FOLDER per folder (the Hub allows 10,000): text
 * (an evaluation record per file; the Hub stores these as regular files, inlined in the commit) or
 * binary (random bytes; LFS, one upload each).
 */
async function writeSmallFiles(dir: string, n: number, size: number, kind: 'text' | 'binary'): Promise<string[]> {
  const paths: string[] = []
  for (let i = 0; i < n; i++) {
    const folder = join(dir, 'samples', String(Math.floor(i / FILES_PER_FOLDER)).padStart(3, '0'))
    if (i % FILES_PER_FOLDER === 0) await mkdir(folder, { recursive: true })
    const path = join(folder, `sample_${String(i).padStart(5, '0')}.${kind === 'text' ? 'json' : 'bin'}`)
    await writeFile(path, kind === 'text' ? textOfSize(i, size) : randomFillSync(Buffer.allocUnsafe(size)))
    paths.push(path)
  }
  return paths
}

function textOfSize(i: number, size: number): string {
  const line = `{"sample": ${i}, "prompt": "a cat on a windowsill", "fid": ${(40 + (i % 7) / 10).toFixed(1)}}\n`
  return line.repeat(Math.ceil(size / line.length)).slice(0, size)
}

function settleDisk(): void {
  execFileSync('sync')
}

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i.exec(text.trim())
  if (!m) throw new Error(`expected a size such as 1GiB, 512MiB or 4KiB, got ${text}`)
  const unit = (m[2] ?? 'B').toLowerCase()
  const mult: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 }
  return Math.round(Number(m[1]) * mult[unit]!)
}

function fmt(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024).toFixed(1)} KiB`
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
