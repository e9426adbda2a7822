/**
 * Publishing: plan against the branch head, then push exactly one commit.
 *
 * Optimistic concurrency: the commit names the head it was planned against (`parentCommit`), so of
 * all the commits ever sent with one parent at most one can land. That makes every ending safe:
 * - the branch moved (412): read the head again and plan again;
 * - nobody knows whether the commit landed (no answer, an answer that broke, a gateway error after
 *   the Hub did the work, a timeout): the Hub decides. The branch is read back; our commit is the
 *   child of the head we planned on, with our title, description and exactly our files. Landed: use
 *   it. Not landed: plan and send again (against the same parent while the branch has not moved).
 * - the storage refused an expired upload URL: plan again, which fetches fresh URLs;
 * - another commit on the repo was being written (409): nothing of ours landed; wait (jittered
 *   backoff) and plan again against whatever head that commit left.
 * Each a bounded number of times (409s on a budget of their own: they say nothing about our
 * commit). LFS objects already uploaded by an earlier attempt are not uploaded again (the Hub
 * reports them as stored). The metric gate is asked only when there is something to commit: a
 * re-run with the same content, or our own commit found after a broken connection, never meets it.
 */
import type { CommitProgressEvent } from '@huggingface/hub'
import { HubError } from '../errors.ts'
import { withGitOid } from '../files/manifest.ts'
import { DEFAULT_RETRY_POLICY, pauseBeforeRetry, type RetryPolicy } from '../lib/retry.ts'
import type { HubClient, HubCommit } from './hub-client.ts'
import { commitEnding, describeEnding, isExpiredUpload } from './hub-errors.ts'
import { needsGitOid, planUpload, type ManifestEntry, type RemoteFile, type UploadPlan } from './upload-plan.ts'

export const MAX_COMMIT_ATTEMPTS = 4
/** How far back the branch is read when looking for a commit of ours that may have landed. */
const LANDED_LOOKBACK = 100

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
  /** The Hub's base URL: an error from another origin came from the storage. */
  hubUrl: string
  /** The run's deadline: once passed, a commit in flight is settled (read back), never sent again. */
  deadline?: { readonly passed: boolean; readonly signal: AbortSignal; enterGrace(): void }
  /** Backoff between commits the Hub refused as busy (409); its `retries` bounds them. */
  retryPolicy?: RetryPolicy
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
  /** Commits sent (0 when nothing was sent). */
  attempts: number
  /** The commit is one whose answer was lost, found on the branch afterwards. */
  landedUnseen?: boolean
  /** What `prepareCommit` and `judgeCommit` decided for the commit that was made (or planned). */
  preparation?: CommitPreparation & CommitVerdict
}

/**
 * What depends on the branch head and is decided again on every attempt: files generated from
 * what the head holds (the model card) and the commit description.
 */
export interface CommitPreparation {
  extraFiles: ManifestEntry[]
  description?: string
}

/** The metric gate's say on a commit that would change something. */
export interface CommitVerdict {
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
  /** Asked only when the plan changes something (never for a re-run, never for our own landed commit). */
  judgeCommit?(head: string | undefined): Promise<CommitVerdict>
}

/** A commit that was sent and whose fate is unknown: what it must look like if it landed. */
interface SentCommit {
  parent: string
  title: string
  description?: string
  files: ManifestEntry[]
  /** What it was planned as, against the parent's tree: the result when it did land. */
  plan: UploadPlan
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
  const policy = request.retryPolicy ?? DEFAULT_RETRY_POLICY
  let sends = 0
  /** Sends the Hub refused as busy (409): they do not use up MAX_COMMIT_ATTEMPTS. */
  let busy = 0
  /** Sent commits that may have landed; read back before anything else is decided. */
  const unsettled: SentCommit[] = []
  /** Why the last send did not end in a commit; thrown when it was final or no attempt is left. */
  let pending: { error: unknown; final: boolean } | undefined

  for (;;) {
    const state = exists
      ? await readBranch(client, request.branch)
      : { head: undefined, base: undefined, tree: new Map<string, RemoteFile>() }
    if (unsettled.length > 0 && state.head) {
      const landed = await findLanded(client, request.branch, unsettled)
      if (landed) {
        hooks.info(`The commit whose answer was lost did land, as ${landed.commit}; using it (nothing is sent again).`)
        const sent = landed.sent
        return {
          plan: sent.plan,
          changed: true,
          commit: { oid: landed.commit, url: request.commitUrl(landed.commit) },
          createdRepo,
          attempts: sends,
          landedUnseen: true,
          preparation: { extraFiles: [], description: sent.description }
        }
      }
    }
    if (pending !== undefined) {
      if (pending.final || sends - busy >= MAX_COMMIT_ATTEMPTS || request.deadline?.passed) throw pending.error
      if (unsettled.length > 0)
        hooks.warning(
          `The commit did not land (the branch is at ${state.head?.slice(0, 12) ?? 'nothing'}); sending it again ` +
            `(attempt ${sends - busy + 1} of ${MAX_COMMIT_ATTEMPTS}).`
        )
      pending = undefined
    }
    if (exists && !state.head && !request.dryRun) {
      await createBranch(client, request.branch, state.base!)
      hooks.info(`Created branch "${request.branch}" from the default branch at ${state.base}.`)
      continue
    }
    manifest = await addNeededGitOids(manifest, state.tree)
    const preparation = (await hooks.prepareCommit?.(state.head)) ?? { extraFiles: [] }
    const files = [...manifest, ...preparation.extraFiles]
    const plan = planUpload(files, state.tree, state.head)
    hooks.checkPlan?.(plan)
    const verdict = plan.changed ? ((await hooks.judgeCommit?.(state.head)) ?? {}) : {}
    const decided = { ...preparation, ...verdict }

    if (request.dryRun || !plan.changed || verdict.skip) {
      const commit = state.head ? { oid: state.head, url: request.commitUrl(state.head) } : undefined
      return {
        plan,
        changed: plan.changed && !verdict.skip,
        commit,
        skipped: verdict.skip,
        createdRepo,
        attempts: sends,
        preparation: decided
      }
    }
    if (!exists) {
      await createRepo(client, request.private)
      hooks.info(`Created the repo (${request.private ? 'private' : 'public'}).`)
      exists = createdRepo = true
      continue // plan again against the repo's first commit
    }
    const parent = state.head!
    const description = preparation.description ?? request.description
    let committing = false
    sends++
    try {
      const { pullRequestUrl, ...commit } = await client.commit({
        title: request.title,
        description,
        branch: request.branch,
        parentCommit: parent,
        pullRequest: verdict.pullRequest,
        uploads: plan.toUpload.map((f) =>
          f.content
            ? { pathInRepo: f.pathInRepo, sha256: f.sha256, content: new Blob([f.content as Uint8Array<ArrayBuffer>]) }
            : { pathInRepo: f.pathInRepo, sha256: f.sha256, localPath: f.localPath, size: f.size }
        ),
        onProgress: (event) => {
          if (event.event === 'phase' && event.phase === 'committing') committing = true
          hooks.onCommitProgress?.(event, plan)
        }
      })
      return { plan, changed: true, commit, pullRequestUrl, createdRepo, attempts: sends, preparation: decided }
    } catch (error) {
      if (request.deadline?.passed) request.deadline.enterGrace()
      // Before the commit request went out nothing can have landed; after it, the Hub may have acted.
      const ending = committing ? commitEnding(error) : isExpiredUpload(error, request.hubUrl) ? 'expired' : 'refused'
      if (ending === 'busy') busy++
      const left =
        (ending === 'busy' ? busy <= policy.retries : sends - busy < MAX_COMMIT_ATTEMPTS) && !request.deadline?.passed
      // A pull request cannot be found on the branch: its unclear ending stays unclear.
      const lost = ending === 'ambiguous' && !verdict.pullRequest
      const again = left && (lost || ending === 'conflict' || ending === 'expired' || ending === 'busy')
      if (lost) unsettled.push({ parent, title: request.title, description, files, plan })
      if (!again && unsettled.length === 0) throw error
      pending = { error, final: !again }
      const next = `(attempt ${sends - busy + 1} of ${MAX_COMMIT_ATTEMPTS})`
      if (again && ending === 'busy') {
        hooks.warning(
          `The Hub is writing another commit on the repo (409); waiting, then planning again against the head it ` +
            `leaves (${busy} of ${policy.retries} such waits).`
        )
        await pauseBeforeRetry(policy, busy, request.deadline?.signal)
      } else if (lost) {
        hooks.warning(
          `The commit's answer was lost (${describeEnding(error)}); reading the branch back before deciding anything.`
        )
      } else if (!again) {
        hooks.warning(
          `The commit was refused (${describeEnding(error)}); reading the branch back, since an earlier commit whose ` +
            'answer was lost may have landed.'
        )
      } else if (ending === 'conflict') {
        hooks.warning(
          `Branch "${request.branch}" moved since ${parent.slice(0, 12)} (412); planning again against the new ` +
            `head ${next}.`
        )
      } else {
        hooks.warning(
          `The storage refused an upload URL (${describeEnding(error)}); planning again with fresh URLs ${next}.`
        )
      }
    }
  }
}

/**
 * Our commit among the branch's newest commits, if one of the unsettled sends landed: the child of
 * the head it was planned on, with its title and description, whose tree holds exactly its files.
 */
async function findLanded(
  client: HubClient,
  branch: string,
  unsettled: readonly SentCommit[]
): Promise<{ commit: string; sent: SentCommit } | undefined> {
  const commits = await client.listCommits(branch, LANDED_LOOKBACK)
  for (const sent of unsettled) {
    const index = commits.findIndex((c) => c.oid === sent.parent)
    const child = index > 0 ? commits[index - 1] : undefined
    if (!child || !sameMessage(child, sent)) continue
    const tree = await client.listTree(child.oid)
    const files = await addNeededGitOids(sent.files, tree)
    if (planUpload(files, tree, child.oid).changed) continue
    return { commit: child.oid, sent }
  }
  return undefined
}

/** The Hub reports a commit's message as "title\n\ndescription" (or the description alone). */
export function sameMessage(
  commit: Pick<HubCommit, 'title' | 'message'>,
  sent: { title: string; description?: string }
) {
  const normalise = (text: string) => text.replace(/\r\n/g, '\n').trim()
  const message = normalise(commit.message)
  const title = normalise(sent.title)
  if (normalise(commit.title) !== title) return false
  const body = message.startsWith(title) ? message.slice(title.length) : message
  return normalise(body) === normalise(sent.description ?? '')
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

/** Creating a branch is not repeated blindly either: after an unclear ending, the branch is looked for. */
async function createBranch(client: HubClient, branch: string, from: string): Promise<void> {
  try {
    await client.createBranch(branch, from)
  } catch (error) {
    if (!(await client.headCommit(branch).catch(() => undefined))) throw error
  }
}

/** The same for the repo: an unclear ending (or "already exists", from our own lost answer) is settled by looking. */
async function createRepo(client: HubClient, isPrivate: boolean): Promise<void> {
  try {
    await client.createRepo({ private: isPrivate })
  } catch (error) {
    if (!(await client.repoExists().catch(() => false))) throw error
  }
}

async function addNeededGitOids(
  manifest: ManifestEntry[],
  tree: ReadonlyMap<string, RemoteFile>
): Promise<ManifestEntry[]> {
  return Promise.all(
    manifest.map(async (entry) => (needsGitOid(entry, tree.get(entry.pathInRepo)) ? withGitOid(entry) : entry))
  )
}
