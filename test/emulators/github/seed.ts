/**
 * The `--seed demo` data set: the first user's repository `d4oit/tiny-cats-model` with one successful
 * Train run (push to main, `.github/workflows/train.yml`) and the two artifacts its workflow uploads
 * (ADR-039): `checkpoints` (tinydit_final.pt) and `evaluation-report` (evaluation_report.json).
 * Ids are fixed so the event fixtures in test/fixtures/events/ describe the same run.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { GithubEmulator } from './server.ts'

export const DEMO_REPO = 'd4oit/tiny-cats-model'
export const DEMO_REPO_ID = 1001
export const DEMO_RUN_ID = 19_000_000_001
export const DEMO_HEAD_SHA = '8f14e45fceea167a5a36dedd4bea2543c0ffee01'
const CHECKPOINT_BYTES = 3 * 1024 * 1024

/** Deterministic pseudo-random bytes (xorshift32): incompressible like real weights, same on every machine. */
export function pseudoRandomBytes(length: number, seed = 0x2545f491): Buffer {
  const out = Buffer.alloc(Math.ceil(length / 4) * 4)
  let x = seed >>> 0 || 1
  for (let offset = 0; offset < out.length; offset += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out.writeUInt32LE(x >>> 0, offset)
  }
  return out.subarray(0, length)
}

export const DEMO_EVALUATION_REPORT = {
  model: 'TinyDiT',
  checkpoint: 'tinydit_final.pt',
  dataset: 'cats-64px',
  image_size: 64,
  training_steps: 200000,
  num_samples: 5000,
  metrics: {
    fid: 38.72,
    inception_score: 4.91,
    inception_score_std: 0.12,
    precision: 0.612,
    recall: 0.447,
    loss: 0.0413
  },
  evaluated_at: '2026-11-27T09:48:00Z'
}

export interface DemoSeed {
  repo: string
  runId: number
  /** Where the `workflow_run` payload was written (GITHUB_EVENT_PATH for a local run). */
  eventPath: string
}

/** Seeds the demo (once per data dir) and (re)writes `<dataDir>/event-workflow_run.json`. */
export async function seedDemo(emulator: GithubEmulator, dataDir: string): Promise<DemoSeed> {
  if (!emulator.findWorkflowRun(DEMO_REPO, DEMO_RUN_ID)) {
    emulator.addRepo(DEMO_REPO, {
      id: DEMO_REPO_ID,
      defaultBranch: 'main',
      description: 'Tiny diffusion transformer that draws cats'
    })
    emulator.addWorkflowRun(DEMO_REPO, {
      id: DEMO_RUN_ID,
      name: 'Train',
      path: '.github/workflows/train.yml',
      event: 'push',
      head_branch: 'main',
      head_sha: DEMO_HEAD_SHA,
      status: 'completed',
      conclusion: 'success'
    })
    await emulator.addArtifact(DEMO_REPO, DEMO_RUN_ID, {
      name: 'checkpoints',
      files: { 'tinydit_final.pt': pseudoRandomBytes(CHECKPOINT_BYTES) }
    })
    await emulator.addArtifact(DEMO_REPO, DEMO_RUN_ID, {
      name: 'evaluation-report',
      files: { 'evaluation_report.json': `${JSON.stringify(DEMO_EVALUATION_REPORT, null, 2)}\n` }
    })
  }
  const eventPath = join(dataDir, 'event-workflow_run.json')
  writeFileSync(
    eventPath,
    `${JSON.stringify(emulator.workflowRunPayload(DEMO_REPO, DEMO_RUN_ID, 'completed'), null, 2)}\n`
  )
  return { repo: DEMO_REPO, runId: DEMO_RUN_ID, eventPath }
}
