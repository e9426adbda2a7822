#!/usr/bin/env node
// The README's test command. Runs every *.test.ts under test/ with Node's own test runner
// (TypeScript through the tsx loader), captures the whole suite's output, and then runs that
// output, plus every file the tests left in the capture folder (action logs, job summaries,
// outputs, emulator state, issue bodies), past a check that no test token ever appears.
//
// Usage: node test/run-tests.mjs [path-fragment ...]   e.g. `npm test -- test/e2e`
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { glob } from 'tinyglobby'
import { findMintedSecretLeaks, findTokenLeaks } from './support/leak-scan.mjs'

const filters = process.argv.slice(2)
const all = (await glob('test/**/*.test.ts', { ignore: ['**/node_modules/**'] })).sort()
const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all
if (files.length === 0) {
  console.error(`No test files match ${JSON.stringify(filters)}`)
  process.exit(2)
}

// Fresh fake tokens per run: nothing token-shaped is committed, and a leak of today's values
// cannot hide behind a string that some fixture happens to contain.
const fake = (prefix) => prefix + randomBytes(24).toString('base64url').replace(/[-_]/g, 'x').slice(0, 34)
const tokens = {
  HFUA_TEST_HF_TOKEN: process.env.HFUA_TEST_HF_TOKEN ?? fake('hf_'),
  HFUA_TEST_HF_TOKEN_READONLY: process.env.HFUA_TEST_HF_TOKEN_READONLY ?? fake('hf_'),
  HFUA_TEST_GH_TOKEN: process.env.HFUA_TEST_GH_TOKEN ?? fake('ghs_')
}
const captureDir = process.env.HFUA_TEST_CAPTURE ?? mkdtempSync(join(tmpdir(), 'hfua-capture-'))

const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { env: { ...process.env, ...tokens, HFUA_TEST_CAPTURE: captureDir }, stdio: ['ignore', 'pipe', 'pipe'] }
)
const chunks = []
child.stdout.on('data', (d) => (chunks.push(d), process.stdout.write(d)))
child.stderr.on('data', (d) => (chunks.push(d), process.stderr.write(d)))
const code = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)))
writeFileSync(join(captureDir, 'suite-output.log'), Buffer.concat(chunks))

// Scan everything the suite produced.
const scanned = []
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) walk(p)
    else if (entry.isFile() && statSync(p).size < 64 * 1024 * 1024) scanned.push(p)
  }
}
walk(captureDir)
// Only a step's stdout (an action run's stdout.log, and the suite's own output that quotes it) has
// `::add-mask::` lines the runner swallows; anywhere else (a summary, an issue, a Hub file) one is text.
const STDOUT_LOG = /(?:^|[\\/])(?:stdout|suite-output)\.log$/
const leaks = []
for (const file of scanned) {
  const text = readFileSync(file, 'latin1')
  const options = { masksExempt: STDOUT_LOG.test(file) }
  for (const leak of [...findTokenLeaks(text, Object.values(tokens), options), ...findMintedSecretLeaks(text, options)])
    leaks.push(`${relative(captureDir, file)}:${leak.line}`)
}
console.log(`\ntoken-leak check: scanned ${scanned.length} captured files in ${captureDir}`)
if (leaks.length) {
  console.log(`token-leak check: FAILED, a test token appears in:\n  ${leaks.join('\n  ')}`)
  process.exit(1)
}
console.log('token-leak check: no test token appears outside ::add-mask:: commands')
// Keep what a failing run left behind for inspection; a green run's leftovers are only disk.
if (code === 0 && !process.env.HFUA_TEST_CAPTURE && !process.env.HFUA_KEEP_CAPTURE)
  rmSync(captureDir, { recursive: true, force: true })
process.exit(code)
