/**
 * Everything that creates or looks up GitHub objects, shared by the seeding helpers and the routes,
 * plus the record → REST view conversions that need lookups (a run's repositories, an issue's labels).
 */
import { createHash } from 'node:crypto'
import * as render from './render.ts'
import {
  isoSeconds,
  type ArtifactRecord,
  type AttemptRecord,
  type Comment,
  type Issue,
  type LabelRecord,
  type Repo,
  type RunRecord,
  type Store
} from './store.ts'
import { buildZip, type ZipEntry } from './zip.ts'

export interface RepoOptions {
  id?: number
  defaultBranch?: string
  fork?: boolean
  private?: boolean
  description?: string | null
}

/** Any REST field of the run; users need only a `login`, and omitted fields get realistic values. */
export type WorkflowRunSeed = Omit<Partial<render.WorkflowRun>, 'actor' | 'triggering_actor'> & {
  actor?: { login: string }
  triggering_actor?: { login: string }
  path?: string
  /** Full name of the repository the head commit comes from; created as a fork if unknown. */
  headRepository?: string
}

/** A re-run: the new attempt's state. Defaults: completed, success, started now, by the run's actor. */
export interface RerunSeed {
  status?: string
  conclusion?: string | null
  run_started_at?: string
  updated_at?: string
  triggering_actor?: { login: string }
}

/** Fields of the current attempt that a test may change after seeding (a run that moved on). */
export type RunUpdate = Omit<WorkflowRunSeed, 'id' | 'path' | 'headRepository' | 'run_attempt' | 'name'>

export interface ArtifactSeed {
  name: string
  /** Files to zip (with yazl), or a ready-made zip. */
  files: Record<string, string | Buffer | ZipEntry> | { zip: Buffer }
  expired?: boolean
  /** Default: the real `sha256:<hex of the zip bytes>`; `null` mimics pre-v4 uploads. */
  digest?: string | null
  /**
   * The attempt that uploads it (default: the run's current attempt). Its `created_at` falls inside
   * that attempt's time window, which is all GitHub tells a consumer about the attempt.
   */
  attempt?: number
  /**
   * A fixed id. GitHub's ids are not in upload order across attempts (a re-run's artifact can get a
   * lower id than the first attempt's); pass one to reproduce that. Must be unused.
   */
  id?: number
}

export interface IssueSeed {
  title: string
  body?: string | null
  labels?: string[]
  user?: string
  state?: 'open' | 'closed'
}

const MINUTE = 60_000
const DAY = 24 * 60 * MINUTE
/** upload-artifact's default retention. */
const RETENTION_DAYS = 90

/** Deterministic 40-hex "git" ids, so seeded runs look real without randomness. */
function fakeSha(seed: string): string {
  return createHash('sha1').update(seed).digest('hex')
}

/** `.github/workflows/train.yml` → `Train`, the usual way a workflow is named after its file. */
function workflowNameFromPath(path: string): string {
  const base = (path.split('/').pop() ?? path).replace(/\.ya?ml$/, '')
  return base.charAt(0).toUpperCase() + base.slice(1)
}

export class Model {
  /** `clock` makes timestamps reproducible (fixtures); by default it is the real time. */
  constructor(
    readonly store: Store,
    private readonly clock: () => Date = () => new Date()
  ) {}

  /** The current time as GitHub writes it. */
  now(offsetMs = 0): string {
    return isoSeconds(new Date(this.clock().getTime() + offsetMs))
  }

  addRepo(fullName: string, opts: RepoOptions = {}): Repo {
    const [owner, name, ...rest] = fullName.split('/')
    if (!owner || !name || rest.length) throw new Error(`repository must be "owner/name": ${fullName}`)
    if (this.store.findRepo(fullName)) throw new Error(`repository exists: ${fullName}`)
    const id = opts.id ?? this.store.nextId('repo')
    this.store.reserveId('repo', id)
    const now = this.now()
    const repo: Repo = {
      id,
      full_name: fullName,
      owner,
      name,
      default_branch: opts.defaultBranch ?? 'main',
      fork: opts.fork ?? false,
      private: opts.private ?? false,
      description: opts.description ?? null,
      created_at: this.now(-30 * DAY),
      pushed_at: now
    }
    this.store.insertRepo(repo)
    this.store.save()
    return repo
  }

  repoOrCreate(fullName: string, opts: RepoOptions = {}): Repo {
    return this.store.findRepo(fullName) ?? this.addRepo(fullName, opts)
  }

  addWorkflowRun(fullName: string, seed: WorkflowRunSeed = {}): RunRecord {
    const repo = this.repoOrCreate(fullName)
    const headRepo = seed.headRepository ? this.repoOrCreate(seed.headRepository, { fork: true }) : repo
    const path = seed.path ?? '.github/workflows/train.yml'
    const workflow = this.workflowFor(repo, path, seed.name ?? undefined)
    const run = this.runRecord(repo, headRepo, workflow.id, path, seed)
    this.store.insertRun(run)
    this.store.save()
    return run
  }

  private workflowFor(repo: Repo, path: string, name: string | undefined) {
    const existing = this.store.findWorkflowByPath(repo.full_name, path)
    if (existing) return existing
    const workflow = {
      id: this.store.nextId('workflow'),
      repo: repo.full_name,
      name: name ?? workflowNameFromPath(path),
      path,
      created_at: repo.created_at
    }
    this.store.insertWorkflow(workflow)
    return workflow
  }

  private runRecord(repo: Repo, headRepo: Repo, workflowId: number, path: string, seed: WorkflowRunSeed): RunRecord {
    const id = seed.id ?? this.store.nextId('run')
    this.store.reserveId('run', id)
    const createdAt = seed.created_at ?? this.now(-12 * MINUTE)
    const status = seed.status ?? 'completed'
    const headSha = seed.head_sha ?? fakeSha(`head:${id}`)
    const actor = seed.actor?.login ?? repo.owner
    const attempt = seed.run_attempt ?? 1
    if (!Number.isInteger(attempt) || attempt < 1) throw new Error(`run_attempt must be >= 1, got ${attempt}`)
    // A run seeded at attempt N had N-1 earlier attempts, 3 minutes apart, each failed after 2 minutes.
    const startedAt = seed.run_started_at ?? shift(createdAt, (attempt - 1) * 3 * MINUTE)
    const previousAttempts: AttemptRecord[] = Array.from({ length: attempt - 1 }, (_, i) => ({
      run_attempt: i + 1,
      status: 'completed',
      conclusion: 'failure',
      run_started_at: shift(createdAt, i * 3 * MINUTE),
      updated_at: shift(createdAt, (i * 3 + 2) * MINUTE),
      triggering_actor: actor
    }))
    const updatedAt =
      seed.updated_at ??
      isoSeconds(new Date(Math.max(Date.parse(startedAt) + 2 * MINUTE, Date.parse(createdAt) + 9 * MINUTE)))
    const headCommit = seed.head_commit === undefined ? this.headCommit(headSha, actor, createdAt) : seed.head_commit
    const previousRuns = this.store.runsOf(repo.full_name).filter((r) => r.workflow_id === workflowId)
    return {
      id,
      repo: repo.full_name,
      head_repo: headRepo.full_name,
      workflow_id: workflowId,
      name: seed.name === undefined ? (this.store.findWorkflowById(workflowId)?.name ?? null) : seed.name,
      path,
      display_title: seed.display_title ?? headCommit?.message.split('\n')[0] ?? 'Train',
      event: seed.event ?? 'push',
      status,
      conclusion: seed.conclusion !== undefined ? seed.conclusion : status === 'completed' ? 'success' : null,
      head_branch: seed.head_branch !== undefined ? seed.head_branch : headRepo.default_branch,
      head_sha: headSha,
      run_number: seed.run_number ?? previousRuns.length + 1,
      run_attempt: attempt,
      check_suite_id: seed.check_suite_id ?? this.store.nextId('check_suite'),
      actor,
      triggering_actor: seed.triggering_actor?.login ?? actor,
      created_at: createdAt,
      updated_at: updatedAt,
      run_started_at: startedAt,
      head_commit: headCommit,
      pull_requests: seed.pull_requests ?? [],
      referenced_workflows: seed.referenced_workflows === undefined ? [] : seed.referenced_workflows,
      previous_attempts: previousAttempts
    }
  }

  /**
   * A re-run: attempt N+1 of the same run (same id, number, head), started after attempt N ended.
   * The earlier attempt is kept for `GET …/attempts/{n}` and for its artifacts.
   */
  rerunWorkflowRun(fullName: string, runId: number, seed: RerunSeed = {}): RunRecord {
    const run = this.requireRun(fullName, runId)
    const previous: AttemptRecord = {
      run_attempt: run.run_attempt,
      status: run.status,
      conclusion: run.conclusion,
      run_started_at: run.run_started_at,
      updated_at: run.updated_at,
      triggering_actor: run.triggering_actor
    }
    const status = seed.status ?? 'completed'
    // Never before the previous attempt ended, or the attempts' time windows would overlap.
    const startedAt =
      seed.run_started_at ??
      isoSeconds(new Date(Math.max(Date.parse(run.updated_at) + MINUTE, this.clock().getTime() - 2 * MINUTE)))
    const endedAt = status === 'completed' ? Math.max(Date.parse(startedAt) + MINUTE, this.clock().getTime()) : 0
    Object.assign(run, {
      previous_attempts: [...(run.previous_attempts ?? []), previous],
      run_attempt: run.run_attempt + 1,
      status,
      conclusion: seed.conclusion !== undefined ? seed.conclusion : status === 'completed' ? 'success' : null,
      run_started_at: startedAt,
      updated_at: seed.updated_at ?? (endedAt ? isoSeconds(new Date(endedAt)) : startedAt),
      triggering_actor: seed.triggering_actor?.login ?? run.actor
    })
    this.store.save()
    return run
  }

  /** Changes the current attempt's state, as GitHub's own record changes after a payload was sent. */
  updateWorkflowRun(fullName: string, runId: number, update: RunUpdate): RunRecord {
    const run = this.requireRun(fullName, runId)
    const { actor, triggering_actor: triggeringActor, ...fields } = update
    Object.assign(run, fields)
    if (actor) run.actor = actor.login
    if (triggeringActor) run.triggering_actor = triggeringActor.login
    if (update.status !== undefined && update.status !== 'completed' && update.conclusion === undefined)
      run.conclusion = null
    this.store.save()
    return run
  }

  requireRun(fullName: string, runId: number): RunRecord {
    const run = this.store.findRun(this.requireRepo(fullName).full_name, runId)
    if (!run) throw new Error(`no run ${runId} in ${fullName}`)
    return run
  }

  /** The run as it was (or is) at attempt `n`, or undefined when the run never had that attempt. */
  attemptOf(run: RunRecord, n: number): RunRecord | undefined {
    if (n === run.run_attempt) return run
    const earlier = run.previous_attempts?.find((a) => a.run_attempt === n)
    return earlier ? { ...run, ...earlier } : undefined
  }

  private headCommit(sha: string, actor: string, timestamp: string): RunRecord['head_commit'] {
    return {
      id: sha,
      tree_id: fakeSha(`tree:${sha}`),
      message: 'Train tiny DiT on cats',
      timestamp,
      author: { name: actor, email: `${actor}@users.noreply.github.com` },
      committer: { name: 'GitHub', email: 'noreply@github.com' }
    }
  }

  async addArtifact(fullName: string, runId: number, seed: ArtifactSeed): Promise<ArtifactRecord> {
    const repo = this.requireRepo(fullName)
    const run = this.requireRun(fullName, runId)
    const attempt = this.attemptOf(run, seed.attempt ?? run.run_attempt)
    if (!attempt) throw new Error(`run ${runId} has no attempt ${seed.attempt}; it is at attempt ${run.run_attempt}`)
    if (seed.id !== undefined && this.store.hasArtifactId(seed.id)) throw new Error(`artifact id ${seed.id} is taken`)
    const zip = 'zip' in seed.files && Buffer.isBuffer(seed.files.zip) ? seed.files.zip : await buildZip(seed.files)
    const blob = this.store.putBlob(zip)
    // A fixed id does not move the sequence (so later artifacts can get lower ids); the sequence skips it.
    let id = seed.id ?? this.store.nextId('artifact')
    while (seed.id === undefined && this.store.hasArtifactId(id)) id = this.store.nextId('artifact')
    const record: ArtifactRecord = {
      id,
      repo: repo.full_name,
      run_id: run.id,
      name: seed.name,
      size_in_bytes: zip.length,
      digest: seed.digest === undefined ? `sha256:${blob}` : seed.digest,
      expired: seed.expired ?? false,
      blob,
      run_attempt: attempt.run_attempt,
      ...artifactDates(attempt, seed.expired ?? false, this.clock().getTime())
    }
    this.store.insertArtifact(record)
    this.store.save()
    return record
  }

  addIssue(fullName: string, seed: IssueSeed, isPullRequest = false): Issue {
    const repo = this.requireRepo(fullName)
    const now = this.now()
    const closed = seed.state === 'closed'
    const user = seed.user ?? 'github-actions[bot]'
    const issue: Issue = {
      id: this.store.nextId('issue'),
      number: this.store.nextIssueNumber(repo.full_name),
      title: seed.title,
      body: seed.body ?? null,
      state: closed ? 'closed' : 'open',
      state_reason: closed ? 'completed' : null,
      labels: this.ensureLabels(repo, seed.labels ?? []).map((l) => l.name),
      user,
      comments: [],
      locked: false,
      is_pull_request: isPullRequest,
      created_at: now,
      updated_at: now,
      closed_at: closed ? now : null,
      closed_by: closed ? user : null
    }
    this.store.issuesOf(repo.full_name).push(issue)
    this.store.save()
    return issue
  }

  /** GitHub creates unknown labels on the fly (grey, `ededed`) when the caller may push. */
  ensureLabels(repo: Repo, names: string[]): LabelRecord[] {
    return names.map(
      (name) => this.store.findLabel(repo.full_name, name) ?? this.createLabel(repo, name, 'ededed', null)
    )
  }

  createLabel(repo: Repo, name: string, color: string, description: string | null): LabelRecord {
    const label: LabelRecord = { id: this.store.nextId('label'), name, color, description, default: false }
    this.store.labelsOf(repo.full_name).push(label)
    return label
  }

  addComment(issue: Issue, body: string, user: string): Comment {
    const now = this.now()
    const comment: Comment = { id: this.store.nextId('comment'), body, user, created_at: now, updated_at: now }
    issue.comments.push(comment)
    issue.updated_at = now
    this.store.save()
    return comment
  }

  requireRepo(fullName: string): Repo {
    const repo = this.store.findRepo(fullName)
    if (!repo) throw new Error(`unknown repository ${fullName}; call addRepo first`)
    return repo
  }

  // REST views
  runView(run: RunRecord, api: string): render.WorkflowRun {
    const repo = this.requireRepo(run.repo)
    return render.workflowRun(run, { repo, headRepo: this.requireRepo(run.head_repo), api })
  }

  /** `GET …/actions/runs/{id}/attempts/{n}`: the run as attempt `n` left it (or is). */
  attemptView(run: RunRecord, n: number, api: string): render.WorkflowRun | undefined {
    const attempt = this.attemptOf(run, n)
    return attempt ? this.runView(attempt, api) : undefined
  }

  artifactView(record: ArtifactRecord, api: string): render.Artifact {
    const run = this.store.findRun(record.repo, record.run_id)
    if (!run) throw new Error(`artifact ${record.id} has no run`)
    return render.artifact(record, run, this.requireRepo(run.repo), this.requireRepo(run.head_repo), api)
  }

  issueView(issue: Issue, repo: Repo, api: string) {
    const labels = issue.labels.map((name) => this.store.findLabel(repo.full_name, name)).filter((l) => l !== undefined)
    return render.issue(issue, repo, labels, api)
  }

  commentView(comment: Comment, issue: Issue, repo: Repo, api: string) {
    return render.issueComment(comment, issue.number, repo, api)
  }

  labelView(label: LabelRecord, repo: Repo, api: string) {
    return render.label(label, repo, api)
  }

  openIssueCount(repo: Repo): number {
    return this.store.issuesOf(repo.full_name).filter((i) => i.state === 'open').length
  }
}

function shift(iso: string, ms: number): string {
  return isoSeconds(new Date(Date.parse(iso) + ms))
}

/**
 * Artifacts are created just before their attempt ends (now, if it is still running), never before
 * it started, and kept for upload-artifact's default 90 days. An expired one keeps its creation time
 * and shows an expiry just past, as a short retention would.
 */
function artifactDates(attempt: RunRecord, expired: boolean, now: number) {
  const started = Date.parse(attempt.run_started_at)
  const end = attempt.status === 'completed' ? Date.parse(attempt.updated_at) : now
  const created = Math.max(started, end - MINUTE)
  const expires = expired ? Math.min(now - MINUTE, created + RETENTION_DAYS * DAY) : created + RETENTION_DAYS * DAY
  return {
    created_at: isoSeconds(new Date(created)),
    updated_at: isoSeconds(new Date(created)),
    expires_at: isoSeconds(new Date(expires))
  }
}
