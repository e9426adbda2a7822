/**
 * Publishing: plan against the branch head, then push exactly one commit.
 *
 * Optimistic concurrency: the commit names the head it was planned against (`parentCommit`).
 * If the branch moved (412), or the connection broke while the commit was being sent, nothing is
 * re-sent blindly: the head is read again and the plan made again, a bounded number of times.
 * LFS objects already uploaded by an earlier attempt are not uploaded again (the Hub reports them
 * as stored).
 */
import { HubApiError, type CommitProgressEvent } from '@huggingface/hub'
import { HubError } from '../errors.ts'
import { withGitOid } from '../files/manifest.ts'
import type { HubClient } from './hub-client.ts'
import { isNetworkError } from './hub-errors.ts'
import { needsGitOid, planUpload, type ManifestEntry, type RemoteFile, type UploadPlan } from './upload-plan.ts'

export const MAX_COMMIT_ATTEMPTS = 4

export interface PublishRequest {
  manifest: readonly ManifestEntry[]
  branch: string
  title: string
  description?: string
  dryRun: boolean
  createRepo: boolean
  private: boolean
  /** URL of a commit page, for commits we must recognise after a broken connection. */
  commitUrl: (oid: string) => string
}

export interface PublishResult {
  plan: UploadPlan
  changed: boolean
  /** The new commit, or the current head when nothing changed (undefined in a dry run of a new repo). */
  commit?: { oid: string; url: string }
  /** Set when the commit went to a Hub pull request instead of the branch. */
  pullRequestUrl?: string
  /** Why nothing was committed although files differ (the metric gate said so). */
  skipped?: string
  createdRepo: boolean
  attempts: number
  /** What `prepareCommit` decided for the commit that was made (or planned). */
  preparation?: CommitPreparation
}

/**
 * What depends on the branch head and is decided again on every attempt: files generated from
 * what the head holds (the model card), the commit description, and the metric gate's verdict.
 */
export interface CommitPreparation {
  extraFiles: ManifestEntry[]
  description?: string
  /** Commit as a Hub pull request instead of to the branch. */
  pullRequest?: boolean
  /** Make no commit, for this reason. */
  skip?: string
}

export interface PublishHooks {
  info(line: string): void
  warning(line: string): void
  onCommitProgress?(event: CommitProgressEvent, plan: UploadPlan): void
  prepareCommit?(head: string | undefined): Promise<CommitPreparation>
  /** Sees each plan before anything of it is uploaded; throwing stops the publish there. */
  checkPlan?(plan: UploadPlan): void
}

export async function publish(client: HubClient, request: PublishRequest, hooks: PublishHooks): Promise<PublishResult> {
  let exists = await client.repoExists()
  let createdRepo = false
  if (!exists && !request.createRepo && !request.dryRun) {
    throw new HubError(
      'repo-id names a repo that does not exist on hub-url. Create it on the Hub, or set create-repo: true (with ' +
        'private: true|false)',
      'upload',
      404
    )
  }
  let manifest = [...request.manifest]
  let previousHead: string | undefined
  let commitMayHaveLanded = false

  for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
    const state = exists
      ? await readBranch(client, request.branch)
      : { head: undefined, base: undefined, tree: new Map<string, RemoteFile>() }
    if (exists && !state.head && !request.dryRun) {
      await client.createBranch(request.branch, state.base!)
      hooks.info(`Created branch "${request.branch}" from the default branch at ${state.base}.`)
      attempt-- // not a commit attempt
      continue
    }
    manifest = await addNeededGitOids(manifest, state.tree)
    const preparation = (await hooks.prepareCommit?.(state.head)) ?? { extraFiles: [] }
    const plan = planUpload([...manifest, ...preparation.extraFiles], state.tree, state.head)
    hooks.checkPlan?.(plan)

    if (commitMayHaveLanded && state.head !== previousHead && !plan.changed) {
      // The broken commit did land: the branch moved and now holds exactly our files.
      hooks.info(`The commit sent before the connection broke did land as ${state.head}.`)
      return {
        plan,
        changed: true,
        commit: { oid: state.head!, url: request.commitUrl(state.head!) },
        createdRepo,
        attempts: attempt,
        preparation
      }
    }
    if (request.dryRun || !plan.changed || preparation.skip) {
      const commit = state.head ? { oid: state.head, url: request.commitUrl(state.head) } : undefined
      const changed = plan.changed && !preparation.skip
      return {
        plan,
        changed,
        commit,
        skipped: plan.changed ? preparation.skip : undefined,
        createdRepo,
        attempts: attempt,
        preparation
      }
    }
    if (!exists) {
      await client.createRepo({ private: request.private })
      hooks.info(`Created the repo (${request.private ? 'private' : 'public'}).`)
      exists = createdRepo = true
      attempt-- // creating the repo is not a commit attempt; plan again against its first commit
      continue
    }
    const parent = state.head!

    try {
      const { pullRequestUrl, ...commit } = await client.commit({
        title: request.title,
        description: preparation.description ?? request.description,
        branch: request.branch,
        parentCommit: parent,
        pullRequest: preparation.pullRequest,
        uploads: plan.toUpload.map((f) =>
          f.content
            ? { pathInRepo: f.pathInRepo, sha256: f.sha256, content: new Blob([f.content as Uint8Array<ArrayBuffer>]) }
            : { pathInRepo: f.pathInRepo, sha256: f.sha256, localPath: f.localPath, size: f.size }
        ),
        onProgress: (event) => hooks.onCommitProgress?.(event, plan)
      })
      return { plan, changed: true, commit, pullRequestUrl, createdRepo, attempts: attempt, preparation }
    } catch (error) {
      const conflict = error instanceof HubApiError && error.statusCode === 412
      const brokenCommit = !conflict && isNetworkError(error)
      if ((!conflict && !brokenCommit) || attempt === MAX_COMMIT_ATTEMPTS) throw error
      hooks.warning(
        conflict
          ? `Branch "${request.branch}" moved since ${parent.slice(0, 12)} (412); planning again against the new ` +
              `head (attempt ${attempt + 1} of ${MAX_COMMIT_ATTEMPTS}).`
          : `The connection broke while committing; reading the branch again before deciding anything (attempt ` +
              `${attempt + 1} of ${MAX_COMMIT_ATTEMPTS}).`
      )
      previousHead = parent
      commitMayHaveLanded = brokenCommit
    }
  }
  throw new Error('unreachable')
}

interface BranchState {
  /** Tip of the branch, undefined when the branch does not exist yet. */
  head: string | undefined
  /** Where a missing branch will start (the default branch's tip). */
  base: string | undefined
  tree: Map<string, RemoteFile>
}

async function readBranch(client: HubClient, branch: string): Promise<BranchState> {
  const head = await client.headCommit(branch)
  if (head) return { head, base: head, tree: await client.listTree(head) }
  const base = await client.headCommit('HEAD')
  if (!base)
    throw new HubError('The repo has no commits on its default branch; cannot start a new branch from it', 'upload')
  return { head: undefined, base, tree: await client.listTree(base) }
}

async function addNeededGitOids(
  manifest: ManifestEntry[],
  tree: ReadonlyMap<string, RemoteFile>
): Promise<ManifestEntry[]> {
  return Promise.all(
    manifest.map(async (entry) => (needsGitOid(entry, tree.get(entry.pathInRepo)) ? withGitOid(entry) : entry))
  )
}
