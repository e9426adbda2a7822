/**
 * Regenerates test/fixtures/events/{workflow_run.completed,workflow_dispatch}.json from the demo
 * seed, with a fixed clock and GitHub's public API host in every URL, so the fixtures describe the
 * same run (ids, sha, artifacts) that `cli.ts --seed demo` serves.
 *
 *   node --import tsx test/emulators/github/make-fixtures.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEMO_REPO, DEMO_RUN_ID, seedDemo } from './seed.ts'
import { startGithubEmulator } from './server.ts'

const FIXED_NOW = new Date('2026-11-27T09:48:30Z')
const OUT_DIR = fileURLToPath(new URL('../../fixtures/events/', import.meta.url))

const dataDir = mkdtempSync(join(tmpdir(), 'gh-fixtures-'))
const emulator = await startGithubEmulator({ dataDir, clock: () => FIXED_NOW })
try {
  await seedDemo(emulator, dataDir)
  // Fixtures must not point at a port that only existed while this script ran.
  const publish = (file: string, payload: object) =>
    writeFileSync(
      join(OUT_DIR, file),
      `${JSON.stringify(payload, null, 2).replaceAll(emulator.url, 'https://api.github.com')}\n`
    )
  publish('workflow_run.completed.json', emulator.workflowRunPayload(DEMO_REPO, DEMO_RUN_ID, 'completed'))
  publish('workflow_dispatch.json', emulator.workflowDispatchPayload(DEMO_REPO, { 'run-id': String(DEMO_RUN_ID) }))
  console.log(`wrote ${OUT_DIR}workflow_run.completed.json and workflow_dispatch.json`)
} finally {
  await emulator.close()
  rmSync(dataDir, { recursive: true, force: true })
}
