/**
 * The emulator's state: repositories, workflows, runs, artifacts, issues and labels, kept as plain
 * records and persisted as one JSON file in the data directory (artifact zips sit next to it under
 * `blobs/`, named by their SHA-256). Records hold facts only; every URL and nested object of the
 * REST and webhook shapes is derived from them in `render.ts`, so the same state can be served
 * under whatever port the emulator happens to listen on.
 *
 * Tokens never enter this module: nothing here is secret.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Repo {
  id: number
  full_name: string
  owner: string
  name: string
  default_branch: string
  fork: boolean
  private: boolean
  description: string | null
  created_at: string
  pushed_at: string
}

export interface WorkflowRecord {
  id: number
  repo: string
  name: string
  path: string
  created_at: string
}

export interface HeadCommit {
  id: string
  tree_id: string
  message: string
  timestamp: string
  author: { name: string; email: string | null }
  committer: { name: string; email: string | null }
}

export interface RunRecord {
  id: number
  repo: string
  /** Full name of the repository the head commit came from (differs from `repo` for fork PRs). */
  head_repo: string
  workflow_id: number
  name: string | null
  path: string
  display_title: string
  event: string
  status: string | null
  conclusion: string | null
  head_branch: string | null
  head_sha: string
  run_number: number
  run_attempt: number
  check_suite_id: number
  actor: string
  triggering_actor: string
  created_at: string
  updated_at: string
  run_started_at: string
  head_commit: HeadCommit | null
  pull_requests: unknown[]
  referenced_workflows: unknown[] | null
  /**
   * Earlier attempts, oldest first; the fields above describe the current attempt (`run_attempt`).
   * Missing in state files written before attempts were kept, which means "no earlier attempt known".
   */
  previous_attempts?: AttemptRecord[]
}

/** What differs between the attempts of one run: a re-run keeps the id, number, head and workflow. */
export interface AttemptRecord {
  run_attempt: number
  status: string | null
  conclusion: string | null
  run_started_at: string
  updated_at: string
  triggering_actor: string
}

export interface ArtifactRecord {
  id: number
  repo: string
  run_id: number
  name: string
  size_in_bytes: number
  digest: string | null
  expired: boolean
  created_at: string
  updated_at: string
  expires_at: string
  /** SHA-256 hex of the zip; the file `blobs/<blob>.zip` holds the bytes. */
  blob: string
  /**
   * The attempt that uploaded it. GitHub keeps this to itself: the REST artifact has no attempt
   * field, so it is never rendered (consumers can only compare `created_at` with the attempts' times).
   */
  run_attempt?: number
}

export interface Comment {
  id: number
  body: string
  user: string
  created_at: string
  updated_at: string
}

export interface Issue {
  id: number
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  state_reason: string | null
  labels: string[]
  user: string
  comments: Comment[]
  locked: boolean
  /** True for the pull-request-shaped entries that `GET /repos/{o}/{r}/issues` also returns. */
  is_pull_request: boolean
  created_at: string
  updated_at: string
  closed_at: string | null
  closed_by: string | null
}

export interface LabelRecord {
  id: number
  name: string
  color: string
  description: string | null
  default: boolean
}

type SequenceName = 'repo' | 'workflow' | 'run' | 'check_suite' | 'artifact' | 'issue' | 'comment' | 'label'

interface State {
  version: 1
  sequences: Record<SequenceName, number>
  repos: Repo[]
  workflows: WorkflowRecord[]
  runs: RunRecord[]
  artifacts: ArtifactRecord[]
  issues: Record<string, Issue[]>
  labels: Record<string, LabelRecord[]>
}

/** Starting points chosen to look like GitHub's id ranges, so ids of different kinds never collide. */
const FIRST_IDS: Record<SequenceName, number> = {
  repo: 700_000_001,
  workflow: 160_000_001,
  run: 19_000_000_001,
  check_suite: 45_000_000_001,
  artifact: 4_600_000_001,
  issue: 2_700_000_001,
  comment: 3_500_000_001,
  label: 8_100_000_001
}

function emptyState(): State {
  return {
    version: 1,
    sequences: { ...FIRST_IDS },
    repos: [],
    workflows: [],
    runs: [],
    artifacts: [],
    issues: {},
    labels: {}
  }
}

/** GitHub timestamps carry whole seconds: `2026-11-27T10:00:00Z`. */
export function isoSeconds(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export class Store {
  private state: State
  private readonly statePath: string
  private readonly blobDir: string

  constructor(readonly dataDir: string) {
    this.statePath = join(dataDir, 'state.json')
    this.blobDir = join(dataDir, 'blobs')
    mkdirSync(this.blobDir, { recursive: true })
    this.state = existsSync(this.statePath) ? (JSON.parse(readFileSync(this.statePath, 'utf8')) as State) : emptyState()
  }

  /** Written through a temporary file so a crash never leaves half a state file behind. */
  save(): void {
    const tmp = `${this.statePath}.tmp`
    writeFileSync(tmp, JSON.stringify(this.state, null, 2))
    renameSync(tmp, this.statePath)
  }

  nextId(kind: SequenceName): number {
    return this.state.sequences[kind]++
  }

  /** Keeps a caller-chosen id from being handed out again later. */
  reserveId(kind: SequenceName, id: number): void {
    this.state.sequences[kind] = Math.max(this.state.sequences[kind], id + 1)
  }

  // Repositories: GitHub resolves owner/name case-insensitively.
  findRepo(fullName: string): Repo | undefined {
    const wanted = fullName.toLowerCase()
    return this.state.repos.find((r) => r.full_name.toLowerCase() === wanted)
  }

  findRepoById(id: number): Repo | undefined {
    return this.state.repos.find((r) => r.id === id)
  }

  insertRepo(repo: Repo): void {
    this.state.repos.push(repo)
    this.state.issues[repo.full_name] = []
    this.state.labels[repo.full_name] = []
  }

  // Workflows and runs
  findWorkflow(repo: string, idOrFileName: string): WorkflowRecord | undefined {
    return this.state.workflows.find(
      (w) => w.repo === repo && (String(w.id) === idOrFileName || w.path.split('/').pop() === idOrFileName)
    )
  }

  findWorkflowByPath(repo: string, path: string): WorkflowRecord | undefined {
    return this.state.workflows.find((w) => w.repo === repo && w.path === path)
  }

  findWorkflowById(id: number): WorkflowRecord | undefined {
    return this.state.workflows.find((w) => w.id === id)
  }

  insertWorkflow(workflow: WorkflowRecord): void {
    this.state.workflows.push(workflow)
  }

  runsOf(repo: string): RunRecord[] {
    return this.state.runs.filter((r) => r.repo === repo)
  }

  findRun(repo: string, id: number): RunRecord | undefined {
    return this.state.runs.find((r) => r.repo === repo && r.id === id)
  }

  insertRun(run: RunRecord): void {
    this.state.runs.push(run)
  }

  // Artifacts
  artifactsOfRun(repo: string, runId: number): ArtifactRecord[] {
    return this.state.artifacts.filter((a) => a.repo === repo && a.run_id === runId)
  }

  findArtifact(repo: string, id: number): ArtifactRecord | undefined {
    return this.state.artifacts.find((a) => a.repo === repo && a.id === id)
  }

  /** Artifact ids are unique across repositories, as on GitHub. */
  hasArtifactId(id: number): boolean {
    return this.state.artifacts.some((a) => a.id === id)
  }

  insertArtifact(artifact: ArtifactRecord): void {
    this.state.artifacts.push(artifact)
  }

  /** Stores zip bytes content-addressed and returns their SHA-256 hex. */
  putBlob(bytes: Buffer): string {
    const sha = createHash('sha256').update(bytes).digest('hex')
    const path = this.blobPath(sha)
    if (!existsSync(path)) writeFileSync(path, bytes)
    return sha
  }

  readBlob(sha: string): Buffer {
    return readFileSync(this.blobPath(sha))
  }

  private blobPath(sha: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new Error(`not a blob id: ${sha}`)
    return join(this.blobDir, `${sha}.zip`)
  }

  // Issues, comments, labels
  issuesOf(repo: string): Issue[] {
    return (this.state.issues[repo] ??= [])
  }

  findIssue(repo: string, number: number): Issue | undefined {
    return this.issuesOf(repo).find((i) => i.number === number)
  }

  /** Issues and pull requests share one number sequence per repository, as on GitHub. */
  nextIssueNumber(repo: string): number {
    return this.issuesOf(repo).reduce((max, i) => Math.max(max, i.number), 0) + 1
  }

  labelsOf(repo: string): LabelRecord[] {
    return (this.state.labels[repo] ??= [])
  }

  /** Label names are unique per repository regardless of case. */
  findLabel(repo: string, name: string): LabelRecord | undefined {
    const wanted = name.toLowerCase()
    return this.labelsOf(repo).find((l) => l.name.toLowerCase() === wanted)
  }

  /** A JSON-safe copy for `GET /_emulator/state` and the `issues()` helper. */
  snapshot(): Omit<State, 'sequences' | 'version'> {
    const { repos, workflows, runs, artifacts, issues, labels } = structuredClone(this.state)
    return { repos, workflows, runs, artifacts, issues, labels }
  }
}
