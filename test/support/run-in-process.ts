/**
 * Runs the action's orchestrator in this process with the real Hub client over real HTTP, and an
 * in-memory core. Faster than spawning dist/ and lets a test wrap the Hub client (e.g. to make a
 * concurrent commit land between planning and committing).
 */
import { writeFileSync } from 'node:fs'
import { getIDToken } from '@actions/core'
import { join } from 'node:path'
import type { Deps } from '../../src/deps.ts'
import { createArtifactDownloader } from '../../src/artifacts/artifact-downloader.ts'
import { createGitHubApi } from '../../src/github/github-api.ts'
import { createHubClient, type HubClient, type HubClientOptions } from '../../src/hub/hub-client.ts'
import { run } from '../../src/main.ts'
import { captureFolder } from './capture.ts'
import { recordingCore, type RecordingCore } from './recording-core.ts'

export interface InProcessOptions {
  inputs: Record<string, string>
  workspace: string
  env?: Record<string, string>
  wrapHub?: (client: HubClient) => HubClient
  /** The action's clock (keyless token lifetimes, tag dates). */
  now?: () => number
  getIDToken?: (audience: string) => Promise<string>
  name?: string
}

export async function runInProcess(options: InProcessOptions): Promise<RecordingCore> {
  const core = recordingCore(options.inputs)
  const deps: Deps = {
    core,
    // A closed loopback port unless a test points GitHub calls at its emulator: never the internet.
    env: { GITHUB_WORKSPACE: options.workspace, GITHUB_API_URL: 'http://127.0.0.1:9', ...options.env },
    fetch: globalThis.fetch,
    createHubClient: (o: HubClientOptions) => (options.wrapHub ?? ((c) => c))(createHubClient(o)),
    createGitHubApi,
    createArtifactDownloader,
    retryPolicy: { retries: 3, baseDelayMs: 10, maxDelayMs: 80, maxRetryAfterMs: 5000 },
    // Reads ACTIONS_ID_TOKEN_REQUEST_* from process.env, as on a runner: a keyless test sets them there.
    getIDToken: options.getIDToken ?? ((audience) => getIDToken(audience)),
    now: options.now ?? Date.now
  }
  await run(deps)
  const dir = captureFolder(options.name ?? 'in-process')
  writeFileSync(join(dir, 'log.txt'), core.log.join('\n'))
  writeFileSync(join(dir, 'outputs.json'), JSON.stringify(core.outputs, null, 2))
  writeFileSync(join(dir, 'summary.md'), core.summaries.join('\n'))
  return core
}
