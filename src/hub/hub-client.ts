/**
 * The narrow interface the action needs from the Hub, and its adapter over `@huggingface/hub`.
 * Everything goes through the library's own seams: `hubUrl`, `accessToken`, an injected `fetch`
 * (with retries for idempotent calls).
 */
import {
  HubApiError,
  commitIter,
  createBranch,
  createRepo,
  datasetInfo,
  downloadFile,
  listCommits,
  listFiles,
  modelInfo,
  pathsInfo,
  repoExists,
  spaceInfo,
  whoAmI,
  type CommitOperation,
  type CommitOutput,
  type CommitProgressEvent
} from '@huggingface/hub'
import { localFileBlob } from '../lib/local-file-blob.ts'
import { MAX_PARALLEL_UPLOADS } from './upload-slots.ts'
import { hubCommit, type HubRepoRef } from '../lib/urls.ts'
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
  /**
   * Files to add or replace, streamed from disk, each with the SHA-256 the action computed: the
   * library (patched, see patches/) then does not hash it again. Storage checks the bytes against it.
   */
  uploads: ReadonlyArray<
    ({ localPath: string; size: number } | { content: Blob }) & { pathInRepo: string; sha256: string }
  >
  deletions?: readonly string[]
  /** Open a Hub pull request (discussion) instead of committing to the branch. */
  pullRequest?: boolean
  onProgress?: (event: CommitProgressEvent) => void
}

export interface CommitResult {
  oid: string
  url: string
  pullRequestUrl?: string
}

/** A commit made of references to content the Hub already stores (rollback). */
export interface PointerCommitRequest {
  title: string
  description?: string
  branch: string
  parentCommit: string
  lfsFiles: ReadonlyArray<{ path: string; oid: string; size: number }>
  regularFiles: ReadonlyArray<{ path: string; content: Uint8Array }>
  deletions: readonly string[]
}

export interface HubCommit {
  oid: string
  title: string
  message: string
  date: string
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
  /** Text of a file at a revision, or undefined when it is not there. */
  readText(path: string, revision: string): Promise<string | undefined>
  /** Bytes of a (small, regular) file at a revision, or undefined when it is not there. */
  readBytes(path: string, revision: string): Promise<Uint8Array | undefined>
  /** Card metadata (`cardData`) as the Hub parsed it from README.md at a revision; undefined when there is none. */
  cardData(revision: string): Promise<Record<string, unknown> | undefined>
  /** Commits reachable from `revision`, newest first. */
  listCommits(revision: string, limit: number): Promise<HubCommit[]>
  listTags(): Promise<Array<{ name: string; targetCommit: string }>>
  createTag(tag: string, revision: string, message?: string): Promise<void>
  commitPointers(request: PointerCommitRequest): Promise<CommitResult>
  /** Does the repo's LFS storage hold this object (the LFS batch answers it without an upload action)? */
  lfsObjectStored(oid: string, size: number): Promise<boolean>
  /** A file's bytes at a revision in chunks (ranged reads, each retried on its own); undefined when it is not there. */
  readChunks(path: string, revision: string, chunkSize: number): Promise<AsyncIterable<Uint8Array> | undefined>
  /**
   * The Hub's own verdict on a README.md's metadata (`POST /api/validate-yaml`, what the Hub checks
   * on commit). Undefined when this Hub has no such endpoint (a self-hosted Hub).
   */
  validateCard(content: string): Promise<CardValidation | undefined>
}

/** What the Hub's metadata validator said: errors refuse the card, warnings do not. */
export interface CardValidation {
  errors: string[]
  warnings: string[]
}

export interface HubClientOptions {
  hubUrl: string
  accessToken: string
  repo: HubRepoRef
  fetch: typeof fetch
}

export function createHubClient(options: HubClientOptions): HubClient {
  const common = { hubUrl: options.hubUrl, accessToken: options.accessToken, fetch: options.fetch }
  const repo = options.repo
  const { type: repoType, name: repoName } = repo
  const apiBase = `${options.hubUrl}/api/${repoType}s/${repoName}`
  /** For the few Hub routes @huggingface/hub has no function for (tags, refs, pointer commits). */
  const api = async (
    method: string,
    url: string,
    body?: string,
    contentType = 'application/json'
  ): Promise<unknown> => {
    const response = await options.fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${options.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': contentType })
      },
      body
    })
    const text = await response.text()
    const json = parseJson(text)
    if (!response.ok) {
      const message = (json as { error?: string } | undefined)?.error ?? `Api error with status ${response.status}`
      throw new HubApiError(
        url,
        response.status,
        response.headers.get('x-request-id') ?? undefined,
        `${message}. URL: ${url}`
      )
    }
    return json
  }
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
          content: 'localPath' in u ? localFileBlob(u.localPath, u.size) : u.content,
          sha256: u.sha256
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
        isPullRequest: request.pullRequest,
        operations,
        // The action always speaks plain LFS (basic/multipart), which the Hub accepts for every
        // repo, Xet-backed or not; it is the path the project tests end to end.
        useXet: false,
        // The upload fetch holds back what the link cannot take (upload-slots.ts).
        maxParallelUploads: MAX_PARALLEL_UPLOADS
      })
      let step = await iterator.next()
      while (!step.done) {
        request.onProgress?.(step.value)
        step = await iterator.next()
      }
      const output: CommitOutput | undefined = step.value
      if (!output) throw new Error('the Hub returned no commit')
      return { oid: output.commit.oid, url: output.commit.url, pullRequestUrl: output.pullRequestUrl }
    },
    async readText(path, revision) {
      const blob = await downloadFile({ ...common, repo, path, revision })
      return blob ? blob.text() : undefined
    },
    async readBytes(path, revision) {
      const blob = await downloadFile({ ...common, repo, path, revision })
      return blob ? new Uint8Array(await blob.arrayBuffer()) : undefined
    },
    async readChunks(path, revision, chunkSize) {
      const blob = await downloadFile({ ...common, repo, path, revision })
      if (!blob) return undefined
      return (async function* () {
        // A slice is one ranged GET, read whole within its (retried) attempt: memory stays at one chunk.
        for (let offset = 0; offset < blob.size; offset += chunkSize)
          yield new Uint8Array(await blob.slice(offset, Math.min(blob.size, offset + chunkSize)).arrayBuffer())
      })()
    },
    async cardData(revision) {
      // Each repo type through its own info endpoint: a Space's card is not served by the model route.
      const fields = { ...common, name: repoName, revision, additionalFields: ['cardData' as const] }
      const info =
        repoType === 'dataset'
          ? await datasetInfo(fields)
          : repoType === 'space'
            ? await spaceInfo(fields)
            : await modelInfo(fields)
      const card = (info as { cardData?: unknown }).cardData
      return card && typeof card === 'object' && Object.keys(card).length > 0
        ? (card as Record<string, unknown>)
        : undefined
    },
    async listCommits(revision, limit) {
      const commits: HubCommit[] = []
      for await (const c of listCommits({ ...common, repo, revision, batchSize: Math.min(limit, 100) })) {
        commits.push({ oid: c.oid, title: c.title, message: c.message, date: c.date.toISOString() })
        if (commits.length >= limit) break
      }
      return commits
    },
    async listTags() {
      const refs = (await api('GET', `${apiBase}/refs`)) as { tags?: Array<{ name: string; targetCommit: string }> }
      return (refs.tags ?? []).map((t) => ({ name: t.name, targetCommit: t.targetCommit }))
    },
    async createTag(tag, revision, message) {
      await api('POST', `${apiBase}/tag/${encodeURIComponent(revision)}`, JSON.stringify({ tag, message }))
    },
    async validateCard(content) {
      const url = `${options.hubUrl}/api/validate-yaml`
      const response = await options.fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ content, repoType })
      })
      const json = parseJson(await response.text()) as { errors?: unknown; warnings?: unknown } | undefined
      // A Hub without the validator answers 404 (or 405/501); then the caller checks locally.
      if (response.status === 404 || response.status === 405 || response.status === 501) return undefined
      if (!response.ok && response.status !== 400) {
        const message = (json as { error?: string } | undefined)?.error ?? `Api error with status ${response.status}`
        throw new HubApiError(url, response.status, response.headers.get('x-request-id') ?? undefined, message)
      }
      const errors = messagesOf(json?.errors)
      // A 400 without a readable message is still a refusal: never let it pass as "valid".
      if (response.status === 400 && errors.length === 0) errors.push(`the Hub refused the metadata (400)`)
      return { errors, warnings: messagesOf(json?.warnings) }
    },
    async commitPointers(request) {
      // @huggingface/hub can only commit content it hashes itself, which for a rollback would mean
      // downloading every LFS object again. The Hub's commit endpoint accepts LFS pointers to
      // objects it already stores, so the rollback sends those: zero LFS bytes move.
      const lines = [
        {
          key: 'header',
          value: { summary: request.title, description: request.description, parentCommit: request.parentCommit }
        },
        ...request.lfsFiles.map((f) => ({
          key: 'lfsFile',
          value: { path: f.path, algo: 'sha256', oid: f.oid, size: f.size }
        })),
        ...request.regularFiles.map((f) => ({
          key: 'file',
          value: { path: f.path, encoding: 'base64', content: Buffer.from(f.content).toString('base64') }
        })),
        ...request.deletions.map((path) => ({ key: 'deletedFile', value: { path } }))
      ]
      const body = lines.map((l) => JSON.stringify(l)).join('\n')
      const result = (await api(
        'POST',
        `${apiBase}/commit/${encodeURIComponent(request.branch)}`,
        body,
        'application/x-ndjson'
      )) as { commitOid: string; commitUrl?: string }
      return {
        oid: result.commitOid,
        url: result.commitUrl ?? hubCommit(options.hubUrl, repo, result.commitOid).url
      }
    },
    async lfsObjectStored(oid, size) {
      const prefix = repoType === 'model' ? '' : `${repoType}s/`
      const answer = (await api(
        'POST',
        `${options.hubUrl}/${prefix}${repoName}.git/info/lfs/objects/batch`,
        JSON.stringify({
          operation: 'upload',
          transfers: ['basic', 'multipart'],
          hash_algo: 'sha_256',
          objects: [{ oid, size }]
        }),
        'application/vnd.git-lfs+json'
      )) as { objects?: Array<{ oid?: string; actions?: unknown; error?: unknown }> }
      const object = answer.objects?.find((o) => o.oid === oid)
      // The Hub leaves out the upload action exactly when it already has the object.
      return object !== undefined && object.error === undefined && object.actions === undefined
    }
  }
}

/** `[{message}]` (the Hub's form) or plain strings, as text. */
function messagesOf(list: unknown): string[] {
  if (!Array.isArray(list)) return []
  return list.flatMap((item: unknown) => {
    const message = typeof item === 'string' ? item : (item as { message?: unknown } | null)?.message
    return typeof message === 'string' && message.trim() !== '' ? [message] : []
  })
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
}

function toRemoteFile(entry: {
  path: string
  size: number
  oid?: string
  lfs?: { oid: string; size: number }
}): RemoteFile {
  return {
    path: entry.path,
    size: entry.size,
    oid: entry.oid ?? '',
    lfs: entry.lfs ? { oid: entry.lfs.oid, size: entry.lfs.size } : undefined
  }
}
