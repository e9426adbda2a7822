/**
 * The narrow interface the action needs from GitHub's REST API, and its adapter over Octokit
 * (`@actions/github`). The base URL is passed explicitly (GITHUB_API_URL), so GHES and the
 * project's emulator work the same way as api.github.com.
 *
 * GitHub is as fault-tolerant here as the Hub: every call goes through the Octokit retry plugin
 * (5xx and network errors, quadratic backoff) and the throttling plugin (primary and secondary rate
 * limits, waiting what `Retry-After` / `x-ratelimit-reset` say, but never longer than the policy's
 * cap, so a spent hourly quota fails at once with the time it resets instead of sleeping for an
 * hour). Each attempt has a time limit and reads its whole answer (a body that breaks half-way is
 * retried, not parsed as empty), and the run's deadline stops everything.
 */
// Types only: the modules themselves are imported lazily, on first use.
import type { getOctokit } from '@actions/github'
import type { RunDeadline } from '../lib/deadline.ts'
import { bufferedResponse } from '../lib/buffered-response.ts'
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../lib/retry.ts'
import type { RepoRef, WorkflowRun } from '../trigger/workflow-run.ts'

export interface RunArtifact {
  id: number
  name: string
  size: number
  expired: boolean
  /** "sha256:<hex>", or null for uploads older than upload-artifact v4. */
  digest: string | null
  createdAt?: string
}

export interface Issue {
  number: number
  url: string
  body: string
}

export interface GitHubApi {
  getRepo(): Promise<RepoRef & { default_branch: string }>
  /** The run as it is now (its latest attempt). */
  getWorkflowRun(runId: number): Promise<WorkflowRun>
  /**
   * Successful runs of one workflow file, newest first, page after page (GitHub stops filtered lists
   * at 1000), optionally only those of one branch and one event.
   */
  listSuccessfulRuns(workflowFile: string, filter: { branch?: string; event?: string }): AsyncIterable<WorkflowRun>
  listRunArtifacts(runId: number): Promise<RunArtifact[]>
  /** Open issues (not pull requests) carrying every one of `labels`. */
  listOpenIssues(labels: readonly string[]): Promise<Issue[]>
  createIssue(issue: { title: string; body: string; labels: readonly string[] }): Promise<Issue>
  commentOnIssue(issueNumber: number, body: string): Promise<void>
  closeIssue(issueNumber: number): Promise<void>
}

export interface GitHubApiOptions {
  token: string
  apiUrl: string
  owner: string
  repo: string
  /** Retries, waits and per-attempt time limits (default: the action's defaults). */
  retryPolicy?: RetryPolicy
  /** The run's deadline: no call outlives it (except in its grace period, for the failure issue). */
  deadline?: RunDeadline
  /** Where retry and rate-limit lines go (the step log). */
  log?: (line: string) => void
}

type Octokit = ReturnType<typeof getOctokit>
type OctokitPlugin = Parameters<typeof getOctokit>[2]

export function createGitHubApi(options: GitHubApiOptions): GitHubApi {
  // Loaded on first use: a run that publishes workspace files never needs Octokit, and not
  // loading it keeps the upload path's memory lower.
  let client: Promise<Octokit> | undefined
  const api = () => (client ??= makeOctokit(options))
  const deadline = options.deadline
  /** A call that stops at the deadline even while the plugins wait between attempts. */
  const call = <T>(fn: (octokit: Octokit) => Promise<T>): Promise<T> => {
    const running = api().then(fn)
    return deadline ? deadline.race(running) : running
  }
  const where = { owner: options.owner, repo: options.repo }
  /** Open issues (not pull requests) carrying every one of `labels`, all pages. */
  const openIssues = async (octokit: Octokit, labels: readonly string[]) => {
    const issues = await octokit.paginate(octokit.rest.issues.listForRepo, {
      ...where,
      state: 'open',
      labels: labels.join(','),
      per_page: 100
    })
    return issues.filter((i) => !i.pull_request)
  }
  return {
    getRepo: () =>
      call(async (octokit) => {
        const { data } = await octokit.rest.repos.get(where)
        return { id: data.id, full_name: data.full_name, default_branch: data.default_branch }
      }),
    getWorkflowRun: (runId) =>
      call(async (octokit) => (await octokit.rest.actions.getWorkflowRun({ ...where, run_id: runId })).data),
    async *listSuccessfulRuns(workflowFile, filter) {
      const octokit = await api()
      const pages = octokit.paginate.iterator(octokit.rest.actions.listWorkflowRuns, {
        ...where,
        workflow_id: workflowFile,
        status: 'success',
        ...(filter.branch ? { branch: filter.branch } : {}),
        ...(filter.event ? { event: filter.event } : {}),
        per_page: 100
      })
      const iterator = pages[Symbol.asyncIterator]()
      for (;;) {
        const page = await (deadline ? deadline.race(iterator.next()) : iterator.next())
        if (page.done) return
        yield* page.value.data
      }
    },
    listRunArtifacts: (runId) =>
      call(async (octokit) => {
        const artifacts = await octokit.paginate(octokit.rest.actions.listWorkflowRunArtifacts, {
          ...where,
          run_id: runId,
          per_page: 100
        })
        return artifacts.map((a) => ({
          id: a.id,
          name: a.name,
          size: a.size_in_bytes,
          expired: a.expired,
          digest: a.digest ?? null,
          createdAt: a.created_at ?? undefined
        }))
      }),
    listOpenIssues: (labels) => call(async (octokit) => (await openIssues(octokit, labels)).map(asIssue)),
    // Creating an issue or a comment is not idempotent: the retry plugin must not send it again blindly
    // (two issues). After an unclear ending, GitHub is asked whether it was created; only if not, it is sent again.
    createIssue: ({ title, body, labels }) =>
      call((octokit) =>
        createOnce(
          async () => {
            const { data } = await octokit.rest.issues.create({
              ...where,
              title,
              body,
              labels: [...labels],
              request: { retries: 0 }
            })
            return asIssue(data)
          },
          async () => {
            const found = (await openIssues(octokit, labels)).find((i) => i.title === title && (i.body ?? '') === body)
            return found && asIssue(found)
          }
        )
      ),
    commentOnIssue: (issueNumber, body) =>
      call(async (octokit) => {
        await createOnce(
          async () => {
            await octokit.rest.issues.createComment({
              ...where,
              issue_number: issueNumber,
              body,
              request: { retries: 0 }
            })
            return true
          },
          async () => {
            const comments = await octokit.paginate(octokit.rest.issues.listComments, {
              ...where,
              issue_number: issueNumber,
              per_page: 100
            })
            return comments.some((c) => c.body === body) ? true : undefined
          }
        )
      }),
    closeIssue: (issueNumber) =>
      call(async (octokit) => {
        await octokit.rest.issues.update({
          ...where,
          issue_number: issueNumber,
          state: 'closed',
          state_reason: 'completed'
        })
      })
  }
}

function asIssue(issue: { number: number; html_url: string; body?: string | null }): Issue {
  return { number: issue.number, url: issue.html_url, body: issue.body ?? '' }
}

async function makeOctokit(options: GitHubApiOptions): Promise<Octokit> {
  const [{ getOctokit }, { retry }, { throttling }] = await Promise.all([
    import('@actions/github'),
    import('@octokit/plugin-retry'),
    import('@octokit/plugin-throttling')
  ])
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY
  const log = options.log ?? (() => {})
  // GitHub's Retry-After and reset times are in seconds; tests shrink a second like every other wait.
  const secondMs = Math.min(1000, policy.baseDelayMs)
  const limit =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const what = `${request.method} ${request.url.replace(/\?.*$/, '')}`
      if (retryAfter * 1000 > policy.maxRetryAfterMs || retryCount >= 2) {
        log(
          `GitHub's ${kind} for github-token: ${what} may be retried in ${retryAfter} s, longer than this action ` +
            `waits (${Math.round(policy.maxRetryAfterMs / 1000)} s) or once too often; giving up`
        )
        return false
      }
      log(`GitHub's ${kind} for github-token: ${what}; retrying in ${retryAfter} s`)
      return true
    }
  return getOctokit(
    options.token,
    {
      baseUrl: options.apiUrl,
      retry: {
        retries: policy.retries,
        retryAfterBaseValue: secondMs,
        // Rate limits belong to the throttling plugin, which honours Retry-After; client errors are final.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
      },
      throttle: {
        // The plugin spaces writes 1-3 s apart in module-wide queues. A run makes at most three writes,
        // nowhere near the bursts that trip the secondary limit, and the shared queues would make
        // every run in one process (the project's tests) wait for the others: no pacing, only the
        // limit handling below.
        write: UNPACED,
        notifications: UNPACED,
        search: UNPACED,
        retryAfterBaseValue: secondMs,
        fallbackSecondaryRateRetryAfter: 60,
        onRateLimit: limit('rate limit'),
        onSecondaryRateLimit: limit('secondary rate limit')
      }
    },
    // First in the chain, so closest to the wire: it runs once per attempt, under the retry plugins.
    perAttempt(policy, options.deadline),
    retry,
    throttling
  )
}

/** A stand-in for a Bottleneck group that runs each job at once. */
const UNPACED = {
  key: () => ({
    schedule: (first: unknown, ...rest: unknown[]) => {
      const [fn, ...args] = (typeof first === 'function' ? [first, ...rest] : rest) as [
        (...a: unknown[]) => unknown,
        ...unknown[]
      ]
      return Promise.resolve().then(() => fn(...args))
    }
  })
} as never

/**
 * Each attempt: a time limit, the run's deadline, and the whole answer read before Octokit parses
 * it (Octokit turns a JSON body that broke half-way into an empty string, which no caller expects).
 */
function perAttempt(policy: RetryPolicy, deadline: RunDeadline | undefined): OctokitPlugin {
  const timeoutMs = policy.requestTimeoutMs ?? DEFAULT_RETRY_POLICY.requestTimeoutMs!
  // Octokit's hooks share one options object per call (a hook's own argument is ignored by the next),
  // so each attempt sets its signal and fetch on it, from what the caller had set first.
  const callers = new WeakMap<object, { fetch: typeof fetch; signal?: AbortSignal }>()
  return ((octokit: Parameters<OctokitPlugin>[0]) => {
    octokit.hook.wrap('request', async (request, options) => {
      let caller = callers.get(options)
      if (!caller) {
        const own = options.request as { fetch?: typeof fetch; signal?: AbortSignal } | undefined
        caller = { fetch: own?.fetch ?? globalThis.fetch, signal: own?.signal }
        callers.set(options, caller)
      }
      const signals = [caller.signal, deadline?.signal, AbortSignal.timeout(timeoutMs)].filter(
        (s): s is AbortSignal => s instanceof AbortSignal
      )
      options.request = { ...options.request, signal: AbortSignal.any(signals), fetch: readWhole(caller.fetch) }
      try {
        return await request(options)
      } catch (error) {
        // The deadline (or the end of its grace period) is final: not a 500 for the retry plugin to try again.
        if (deadline?.signal.aborted) throw deadline.signal.reason as Error
        throw error
      }
    })
  }) satisfies OctokitPlugin
}

function readWhole(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await inner(input, init)
    if (response.body === null || init?.redirect === 'manual') return response
    return bufferedResponse(response)
  }
}

/**
 * Sends a create request once; when its ending is unclear (a 5xx, a broken or lost answer), looks
 * for what it would have created, and sends it again only when it is not there (once).
 */
async function createOnce<T>(create: () => Promise<T>, find: () => Promise<T | undefined>): Promise<T> {
  try {
    return await create()
  } catch (error) {
    const status = (error as { status?: unknown }).status
    if (typeof status === 'number' && status < 500) throw error
    const found = await find().catch(() => undefined)
    if (found !== undefined) return found
    return create()
  }
}

/**
 * What a GitHub API failure means for the user, appended to the caller's own message: the permission
 * to add, the time a spent rate limit resets, or that GitHub itself failed.
 */
/** GitHub's rate-limit refusals, 403 or 429: the primary limit spent (remaining 0), or a secondary one. */
export function isGitHubRateLimit(
  status: number | undefined,
  headers: Record<string, string | undefined>,
  message: string
): boolean {
  return (status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || /rate limit/i.test(message))
}

export function gitHubErrorHint(error: unknown): string {
  const status = (error as { status?: number }).status
  const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {}
  const message = error instanceof Error ? error.message : ''
  if (isGitHubRateLimit(status, headers, message)) {
    const reset = Number(headers['x-ratelimit-reset'])
    const when = Number.isFinite(reset) && reset > 0 ? ` until ${new Date(reset * 1000).toISOString()}` : ''
    return `. GitHub's API rate limit for github-token is spent${when}; re-run the workflow after that`
  }
  if (status === 401 || status === 403) return '. Give the job "permissions: actions: read" and pass github-token'
  if (status !== undefined && status >= 500)
    return `. GitHub failed with ${status} even after retries; re-run the workflow later`
  return ''
}
