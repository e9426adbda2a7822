/**
 * Retries around one artifact download. `@actions/artifact` stays the thing that downloads, but:
 * - its download API call (`GET …/artifacts/{id}/zip`, answered with a redirect to the blob) is made
 *   with a plain Octokit, without any retry: a 5xx, a secondary rate limit or a reset there fails
 *   the download at once. Those are retried here, waiting at least what `Retry-After` asks (never
 *   more than the policy's cap);
 * - its blob loop retries the same signed URL 5 times, 5 s apart, with a 30 s stall timeout per
 *   try. When all of that fails, one more round here asks for a fresh URL (the first may have
 *   expired meanwhile).
 * The folder is emptied before each round, so a half-extracted zip never mixes with the next one.
 * The run's deadline stops the wait (the library's own requests cannot be aborted; the run ends anyway).
 */
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunDeadline } from '../lib/deadline.ts'
import { isGitHubRateLimit } from '../github/github-api.ts'
import { requestedWaitMs, withRetries, type RetryPolicy, type RetryVerdict } from '../lib/retry.ts'
import type { ArtifactDownloader } from './artifact-downloader.ts'

/** Fresh-URL rounds after the library's own blob loop gave up. */
const BLOB_ROUNDS = 1

export function withDownloadRetries(
  downloader: ArtifactDownloader,
  options: { policy: RetryPolicy; log: (line: string) => void; deadline?: RunDeadline }
): ArtifactDownloader {
  return {
    async download(request) {
      let blobFailures = 0
      return withRetries(
        async () => {
          await emptyFolder(request.directory)
          const downloading = downloader.download(request)
          return options.deadline ? options.deadline.race(downloading) : downloading
        },
        {
          policy: options.policy,
          signal: options.deadline?.signal,
          verdict: (error) => {
            const verdict = downloadVerdict(error, options.policy.maxRetryAfterMs)
            if (verdict?.reason === 'blob download failed' && ++blobFailures > BLOB_ROUNDS) return undefined
            return verdict
          },
          onRetry: (n) =>
            options.log(
              `Downloading artifact ${request.artifactId} failed (${n.reason}); retrying in ` +
                `${Math.ceil(n.waitMs / 1000)} s, ${n.retriesLeft} retr${n.retriesLeft === 1 ? 'y' : 'ies'} left`
            )
        }
      )
    }
  }
}

/** Worth another round? API-level failures of the download call, and a blob loop that gave up. */
export function downloadVerdict(error: unknown, maxWaitMs: number): RetryVerdict | undefined {
  const status = (error as { status?: unknown }).status
  const isApiError = typeof status === 'number' && (error as { request?: unknown }).request !== undefined
  if (isApiError) {
    const headers = (error as { response?: { headers?: Record<string, string | undefined> } }).response?.headers ?? {}
    const present = Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string')
    const waitAtLeastMs = requestedWaitMs(new Headers(present))
    if (waitAtLeastMs > maxWaitMs) return undefined
    const rateLimited = isGitHubRateLimit(status, headers, error instanceof Error ? error.message : '')
    if (rateLimited && headers['x-ratelimit-remaining'] === '0' && !waitAtLeastMs) return undefined // the hour is spent
    if (rateLimited || status === 429) return { reason: `HTTP ${status} (rate limit)`, waitAtLeastMs }
    if (status >= 500) return { reason: `HTTP ${status}`, waitAtLeastMs }
    return undefined
  }
  if (error instanceof Error && /Artifact download failed after \d+ retries/.test(error.message))
    return { reason: 'blob download failed', waitAtLeastMs: 0 }
  return undefined
}

async function emptyFolder(directory: string): Promise<void> {
  const entries = await readdir(directory).catch(() => [])
  await Promise.all(entries.map((name) => rm(join(directory, name), { recursive: true, force: true })))
}
