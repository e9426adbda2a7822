/**
 * Facts about the current workflow run, read once from the runner's environment and event
 * payload (the same sources `@actions/github`'s context uses, read here without its import-time
 * side effects so tests can point them anywhere).
 */
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { githubRunUrl } from '../lib/urls.ts'

export interface RunContext {
  eventName: string
  /** The webhook payload of the triggering event ({} when there is none, e.g. a local run). */
  payload: Record<string, unknown>
  /** "owner/name" of this repository, when known. */
  repository?: { owner: string; repo: string; fullName: string }
  serverUrl: string
  apiUrl: string
  runId?: string
  runAttempt?: string
  /** The publishing workflow's run number (GITHUB_RUN_NUMBER). */
  runNumber?: string
  /** Name of this (publishing) workflow. */
  workflow?: string
  /** File name of this workflow (from GITHUB_WORKFLOW_REF), e.g. "upload-hub.yml", for re-run commands. */
  workflowFile?: string
  actor?: string
  sha?: string
  workspace: string
  runnerTemp: string
}

export function readRunContext(env: Readonly<Record<string, string | undefined>>): RunContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH)
  const fullName = env.GITHUB_REPOSITORY || stringAt(payload, 'repository', 'full_name')
  const [owner, repo] = fullName?.split('/') ?? []
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    repository: owner && repo ? { owner, repo, fullName: `${owner}/${repo}` } : undefined,
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    runId: env.GITHUB_RUN_ID || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    runNumber: env.GITHUB_RUN_NUMBER || undefined,
    workflow: env.GITHUB_WORKFLOW || undefined,
    workflowFile: workflowFileFromRef(env.GITHUB_WORKFLOW_REF),
    actor: env.GITHUB_ACTOR || undefined,
    sha: env.GITHUB_SHA || undefined,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || tmpdir()
  }
}

/** URL of this run's page, when the runner told us which run this is. */
export function thisRunUrl(ctx: RunContext): string | undefined {
  return ctx.repository && ctx.runId ? githubRunUrl(ctx.serverUrl, ctx.repository.fullName, ctx.runId) : undefined
}

/** "o/r/.github/workflows/publish.yml@refs/heads/main" → "publish.yml" */
function workflowFileFromRef(ref: string | undefined): string | undefined {
  return ref?.replace(/@.*$/, '').split('/').pop() || undefined
}

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path) return {}
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'))
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function stringAt(obj: Record<string, unknown>, ...keys: string[]): string | undefined {
  let current: unknown = obj
  for (const key of keys)
    current = current && typeof current === 'object' ? (current as Record<string, unknown>)[key] : undefined
  return typeof current === 'string' ? current : undefined
}
