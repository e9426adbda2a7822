/**
 * The narrow interface the action needs from the Hub, and its adapter over `@huggingface/hub`.
 * Everything goes through the library's own seams: `hubUrl`, `accessToken`, an injected `fetch`
 * (with retries for idempotent calls) and an abort signal.
 */
import {
  HubApiError,
  commitIter,
  createBranch,
  createRepo,
  listCommits,
  listFiles,
  pathsInfo,
  repoExists,
  whoAmI,
  type CommitOperation,
  type CommitOutput,
  type CommitProgressEvent,
  type RepoDesignation
} from '@huggingface/hub'
import { localFileBlob } from '../lib/local-file-blob.ts'
import type { RemoteFile } from './upload-plan.ts'

export interface HubIdentity {
  name: string
  /** Token role: "write", "read", "fineGrained", or undefined for non-user tokens. */
  role?: string
}

export interface CommitRequest {
  title: string
  description?: string
  branch: string
  parentCommit: string
  /** Files to add or replace, streamed from disk. */
  uploads: ReadonlyArray<{ pathInRepo: string; localPath: string; size: number } | { pathInRepo: string; content: Blob }>
  deletions?: readonly string[]
  onProgress?: (event: CommitProgressEvent) => void
}

export interface CommitResult {
  oid: string
  url: string
}

/** What the action does on the Hub. One instance is bound to one repo. */
export interface HubClient {
  whoAmI(): Promise<HubIdentity>
  repoExists(): Promise<boolean>
  createRepo(options: { private: boolean }): Promise<void>
  /** Commit oid at the tip of `revision`, or undefined when the revision does not exist. */
  headCommit(revision: string): Promise<string | undefined>
  /** Every file of the tree at `revision` (a commit oid), by path. */
  listTree(revision: string): Promise<Map<string, RemoteFile>>
  pathsInfo(revision: string, paths: readonly string[]): Promise<Map<string, RemoteFile>>
  createBranch(branch: string, from: string): Promise<void>
  commit(request: CommitRequest): Promise<CommitResult>
}

export interface HubClientOptions {
  hubUrl: string
  accessToken: string
  repo: RepoDesignation
  fetch: typeof fetch
  signal?: AbortSignal
}

export function createHubClient(options: HubClientOptions): HubClient {
  const common = { hubUrl: options.hubUrl, accessToken: options.accessToken, fetch: options.fetch }
  const repo = options.repo
  return {
    async whoAmI() {
      const me = await whoAmI(common)
      return { name: me.name, role: me.auth.accessToken?.role }
    },
    repoExists: () => repoExists({ ...common, repo }),
    async createRepo({ private: isPrivate }) {
      await createRepo({ ...common, repo, private: isPrivate })
    },
    async headCommit(revision) {
      try {
        for await (const commit of listCommits({ ...common, repo, revision, batchSize: 1 })) return commit.oid
        return undefined
      } catch (error) {
        // Callers check that the repo exists first, so a 404 here means the revision is missing.
        if (error instanceof HubApiError && error.statusCode === 404) return undefined
        throw error
      }
    },
    async listTree(revision) {
      const files = new Map<string, RemoteFile>()
      for await (const entry of listFiles({ ...common, repo, revision, recursive: true })) {
        if (entry.type === 'file') files.set(entry.path, toRemoteFile(entry))
      }
      return files
    },
    async pathsInfo(revision, paths) {
      const found = new Map<string, RemoteFile>()
      for (let i = 0; i < paths.length; i += 500) {
        const entries = await pathsInfo({ ...common, repo, revision, paths: paths.slice(i, i + 500), expand: false })
        for (const entry of entries) if (entry.type === 'file') found.set(entry.path, toRemoteFile(entry))
      }
      return found
    },
    async createBranch(branch, from) {
      await createBranch({ ...common, repo, branch, revision: from })
    },
    async commit(request) {
      const operations: CommitOperation[] = [
        ...request.uploads.map((u) => ({
          operation: 'addOrUpdate' as const,
          path: u.pathInRepo,
          content: 'localPath' in u ? localFileBlob(u.localPath, u.size) : u.content
        })),
        ...(request.deletions ?? []).map((path) => ({ operation: 'delete' as const, path }))
      ]
      const iterator = commitIter({
        ...common,
        repo,
        title: request.title,
        description: request.description,
        branch: request.branch,
        parentCommit: request.parentCommit,
        operations,
        // The action always speaks plain LFS (basic/multipart), which the Hub accepts for every
        // repo, Xet-backed or not; it is the path the project tests end to end.
        useXet: false,
        abortSignal: options.signal
      })
      let step = await iterator.next()
      while (!step.done) {
        request.onProgress?.(step.value)
        step = await iterator.next()
      }
      const output: CommitOutput | undefined = step.value
      if (!output) throw new Error('the Hub returned no commit')
      return { oid: output.commit.oid, url: output.commit.url }
    }
  }
}

function toRemoteFile(entry: { path: string; size: number; oid?: string; lfs?: { oid: string; size: number } }): RemoteFile {
  return { path: entry.path, size: entry.size, oid: entry.oid ?? '', lfs: entry.lfs ? { oid: entry.lfs.oid, size: entry.lfs.size } : undefined }
}
