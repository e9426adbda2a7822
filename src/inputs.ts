/**
 * The action's inputs: one zod schema, parsed once at the edge into a frozen `Settings` object.
 * Every invalid input is reported at once, each naming the input and what was expected; a value
 * that might be a secret is never echoed.
 */
import * as z from 'zod'
import { InputError } from './errors.ts'
import { parseArtifactRules, type ArtifactRule } from './artifacts/select-artifacts.ts'
import { parseMetricRules, type MetricRule } from './card/metrics.ts'
import type { CardMetadataInputs } from './card/model-card.ts'
import {
  NO_MAPPING,
  checkRepoPath,
  normaliseRepoPath,
  parseFileMapping,
  type FileMappingRule
} from './files/file-mapping.ts'

/** Names exactly as in action.yml. Adding one here without reading it fails to compile. */
export const INPUT_NAMES = [
  'hf-token',
  'repo-id',
  'repo-type',
  'branch',
  'hub-url',
  'files',
  'commit-message',
  'commit-description',
  'create-repo',
  'private',
  'dry-run',
  'github-token',
  'workflow',
  'run-id',
  'allow-fork-runs',
  'allowed-events',
  'allowed-branches',
  'artifacts',
  'failure-issue',
  'issue-labels',
  'mode',
  'revision',
  'expected-files',
  'model-card',
  'license',
  'library-name',
  'tags',
  'pipeline-tag',
  'base-model',
  'datasets',
  'card-metrics',
  'evaluation-report',
  'tag',
  'gate-metric',
  'gate-direction',
  'gate-min-delta',
  'on-regression',
  'rollback-to',
  'history-limit',
  'max-commit-files'
] as const
export type InputName = (typeof INPUT_NAMES)[number]
export type RawInputs = Record<InputName, string | undefined>

/** The Hub recommends fewer than 100,000 files per repo: no commit may carry more. */
const MAX_COMMIT_FILES_CEILING = 100_000

const REPO_PART = /^(?![.-])(?!.*(--|\.\.))[A-Za-z0-9._-]{1,96}(?<![.-])$/
// git check-ref-format, the parts that matter for a branch name typed into a workflow file.
const BAD_REF = /(^[-/.])|([/.]$)|(\.\.)|(\/\/)|(@\{)|([\s~^:?*[\\])|(\.lock$)/

const bool = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false'].includes(v), { message: `${name}: expected "true" or "false"` })
    .transform((v) => v === 'true')

const schema = z.object({
  'hf-token': z
    .string({ error: 'hf-token: required; pass a Hugging Face write token, e.g. ${{ secrets.HF_TOKEN }}' })
    .refine((v) => /^hf_[A-Za-z0-9_-]{8,}$/.test(v.trim()), {
      message:
        'hf-token: this is not a Hugging Face access token (expected a value starting with "hf_"; the value is not ' +
        'shown). Create one at https://huggingface.co/settings/tokens with write access'
    })
    .transform((v) => v.trim()),
  'repo-id': z
    .string({ error: 'repo-id: required; expected "<namespace>/<name>", e.g. "d4oit/tiny-cats-model"' })
    .trim()
    .superRefine((value, ctx) => {
      const problem = repoIdProblem(value)
      if (problem) ctx.addIssue({ code: 'custom', message: `repo-id: ${problem}` })
    }),
  'repo-type': z.enum(['model', 'dataset', 'space'], { error: 'repo-type: expected one of model, dataset, space' }),
  branch: z
    .string()
    .trim()
    .min(1, { message: 'branch: must not be empty (default: main)' })
    .refine((v) => !BAD_REF.test(v), {
      message:
        'branch: not a valid git branch name (no spaces, "..", "~^:?*[\\", leading "-" or trailing "/" or ".lock")'
    }),
  'hub-url': z
    .string()
    .trim()
    .refine(isPlainHttpUrl, {
      message: 'hub-url: expected an http(s) URL without credentials, query or fragment, e.g. https://huggingface.co'
    })
    .transform((v) => v.replace(/\/+$/, '')),
  files: z
    .string()
    .optional()
    .transform((text, ctx): FileMappingRule[] => {
      const { rules, problems } = parseFileMapping(text ?? '')
      // An empty mapping is checked with the mode (publishing needs one; verify/rollback/history do not).
      for (const problem of problems.filter((p) => p !== NO_MAPPING))
        ctx.issues.push({ code: 'custom', message: `files: ${problem}`, input: '' })
      return rules
    }),
  'commit-message': z.string().trim().max(1000, { message: 'commit-message: at most 1000 characters' }).optional(),
  'commit-description': z.string().optional(),
  'create-repo': bool('create-repo'),
  private: bool('private'),
  'dry-run': bool('dry-run'),
  'github-token': z.string().trim().optional(),
  workflow: z
    .string()
    .trim()
    .refine((v) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(v.replace(/^\.\//, '')), {
      message: 'workflow: expected the Train workflow\'s file, e.g. ".github/workflows/train.yml"'
    }),
  'run-id': z
    .string()
    .trim()
    .regex(/^[1-9][0-9]{0,18}$/, {
      message: 'run-id: expected the numeric id of a workflow run (the number in its URL .../actions/runs/<id>)'
    })
    .transform(Number)
    .optional(),
  'allow-fork-runs': bool('allow-fork-runs'),
  'allowed-events': list('allowed-events', /^[a-z_]+$/, 'event names such as push, workflow_dispatch, schedule').refine(
    (v) => v.length > 0,
    {
      message: 'allowed-events: name at least one event, e.g. push'
    }
  ),
  'allowed-branches': list('allowed-branches', /^[^\s~^:?*[\\]+$/, 'branch names'),
  artifacts: z.string().transform((text, ctx): ArtifactRule[] => {
    const { rules, problems } = parseArtifactRules(text)
    for (const problem of problems) ctx.issues.push({ code: 'custom', message: `artifacts: ${problem}`, input: '' })
    return rules
  }),
  'failure-issue': bool('failure-issue'),
  'issue-labels': list('issue-labels', /^[^,]{1,50}$/, 'label names of at most 50 characters'),
  mode: z.enum(['publish', 'verify', 'rollback', 'history'], {
    error: 'mode: expected one of publish, verify, rollback, history'
  }),
  revision: z
    .string()
    .trim()
    .refine((v) => !BAD_REF.test(v), { message: 'revision: expected a branch, tag or commit id of the Hub repo' })
    .optional(),
  'expected-files': list('expected-files', /^[^\n]+$/, 'paths in the repo').superRefine((paths, ctx) => {
    for (const path of paths) {
      const problem = checkRepoPath(path, false)
      if (problem) ctx.addIssue({ code: 'custom', message: `expected-files: ${problem}` })
    }
  }),
  'model-card': z
    .string()
    .trim()
    .refine((v) => ['generate', 'keep'].includes(v) || /\.(md|markdown)$/i.test(v), {
      message: 'model-card: expected "generate", "keep", or the path of a Markdown template (ending in .md)'
    }),
  license: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9.+-]*$/, { message: 'license: expected a Hub license id such as apache-2.0, mit or other' })
    .optional(),
  'library-name': z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]+$/, { message: 'library-name: expected a library id such as pytorch or transformers' })
    .optional(),
  tags: list('tags', /^[^\s,][^,]{0,99}$/, 'tags'),
  'pipeline-tag': z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+$/, { message: 'pipeline-tag: expected a Hub task id such as unconditional-image-generation' })
    .optional(),
  'base-model': list('base-model', /^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/, 'Hub model ids ("<namespace>/<name>")'),
  datasets: list('datasets', /^[A-Za-z0-9._/-]+$/, 'Hub dataset ids'),
  'card-metrics': z.string().transform((text, ctx): MetricRule[] => {
    const { rules, problems } = parseMetricRules(text)
    for (const problem of problems) ctx.issues.push({ code: 'custom', message: `card-metrics: ${problem}`, input: '' })
    return rules
  }),
  'evaluation-report': z
    .string()
    .trim()
    .superRefine((v, ctx) => {
      const problem = v ? checkRepoPath(v, false) : undefined
      if (problem) ctx.addIssue({ code: 'custom', message: `evaluation-report: ${problem}` })
    })
    .transform((v) => (v ? normaliseRepoPath(v) : undefined)),
  tag: z
    .string()
    .trim()
    .refine((v) => !BAD_REF.test(v.replace(/\{[a-z_]+\}/g, 'x')), {
      message: 'tag: not a valid tag name (placeholders: {run_number}, {run_id}, {short_sha}, {sha}, {date})'
    })
    .optional(),
  'gate-metric': z
    .string()
    .trim()
    .regex(/^[^.\s][^\s]*$/, {
      message: 'gate-metric: expected a dot path into the evaluation report, e.g. fid or scores.fid'
    })
    .optional(),
  'gate-direction': z.enum(['lower', 'higher'], {
    error: 'gate-direction: expected "lower" or "higher" (which values are better)'
  }),
  'gate-min-delta': z
    .string()
    .trim()
    .refine((v) => Number.isFinite(Number(v)) && Number(v) >= 0, { message: 'gate-min-delta: expected a number >= 0' })
    .transform(Number),
  'on-regression': z.enum(['skip', 'pull-request', 'fail'], {
    error: 'on-regression: expected skip, pull-request or fail'
  }),
  'rollback-to': z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._/-]+$/, { message: 'rollback-to: expected a Hub commit id, a tag, or a source git commit' })
    .optional(),
  'history-limit': z
    .string()
    .trim()
    .regex(/^[1-9][0-9]{0,3}$/, { message: 'history-limit: expected a whole number from 1 to 9999' })
    .transform(Number),
  'max-commit-files': z
    .string()
    .trim()
    .refine((v) => /^[1-9][0-9]{0,5}$/.test(v) && Number(v) <= MAX_COMMIT_FILES_CEILING, {
      message: `max-commit-files: expected a whole number from 1 to ${MAX_COMMIT_FILES_CEILING}`
    })
    .transform(Number)
})

/** A comma- or newline-separated list, each item checked against `item`. */
function list(name: string, item: RegExp, expected: string) {
  return z
    .string()
    .transform((text) =>
      text
        .split(/[,\n]/)
        .map((s) => s.trim())
        .filter(Boolean)
    )
    .refine((items) => items.every((i) => item.test(i)), {
      message: `${name}: expected a comma-separated list of ${expected}`
    })
}

/** The validated, typed inputs. */
export interface Settings {
  hfToken: string
  repo: { type: 'model' | 'dataset' | 'space'; name: string }
  branch: string
  hubUrl: string
  files: readonly FileMappingRule[]
  commitMessage?: string
  commitDescription?: string
  createRepo: boolean
  private: boolean
  dryRun: boolean
  /** Token for GitHub's API (artifacts, runs, the failure issue). Empty when not given. */
  githubToken: string
  /** The Train workflow's file. */
  workflow: string
  runId?: number
  allowForkRuns: boolean
  allowedEvents: readonly string[]
  allowedBranches: readonly string[]
  artifacts: readonly ArtifactRule[]
  failureIssue: boolean
  issueLabels: readonly string[]
  mode: 'publish' | 'verify' | 'rollback' | 'history'
  /** Revision to verify (mode verify); default: the branch head. */
  revision?: string
  expectedFiles: readonly string[]
  card: CardSettings
  /** Hub tag to create on each publish, placeholders not yet filled in. */
  tag?: string
  gate?: {
    metric: string
    direction: 'lower' | 'higher'
    minDelta: number
    onRegression: 'skip' | 'pull-request' | 'fail'
  }
  rollbackTo?: string
  historyLimit: number
  /** Most files one commit may add, update or delete (the Hub gives a commit request 60 s). */
  maxCommitFiles: number
}

export interface CardSettings extends CardMetadataInputs {
  /** generate, keep, or a template path. */
  mode: 'generate' | 'keep' | { template: string }
  metrics: readonly MetricRule[]
  /** Repo path of the evaluation report; default: a published file named evaluation_report.json. */
  evaluationReport?: string
}

/** Defaults for inputs the workflow left empty (the same defaults as action.yml, for local runs). */
export const DEFAULTS: Partial<RawInputs> = {
  'repo-type': 'model',
  branch: 'main',
  'hub-url': 'https://huggingface.co',
  'create-repo': 'false',
  private: 'true',
  'dry-run': 'false',
  workflow: '.github/workflows/train.yml',
  'allow-fork-runs': 'false',
  'allowed-events': 'push, workflow_dispatch, schedule',
  'allowed-branches': '',
  artifacts: '',
  'failure-issue': 'true',
  'issue-labels': 'hf-upload-failure',
  mode: 'publish',
  'expected-files': '',
  'model-card': 'generate',
  tags: '',
  'base-model': '',
  datasets: '',
  'card-metrics': '',
  'evaluation-report': '',
  'gate-direction': 'lower',
  'gate-min-delta': '0',
  'on-regression': 'skip',
  'history-limit': '20',
  'max-commit-files': '1000'
}

/** Reads every input through `getInput` and validates them together. Throws one InputError listing every problem. */
export function readSettings(getInput: (name: InputName) => string): Settings {
  const raw = Object.fromEntries(INPUT_NAMES.map((n) => [n, getInput(n) || DEFAULTS[n]])) as RawInputs
  const parsed = schema.safeParse(raw)
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => issue.message)),
    ...crossFieldProblems(raw)
  ]
  if (!parsed.success || problems.length > 0) {
    const lines = problems.map((message) => `- ${message}`)
    throw new InputError(`Invalid inputs (nothing was uploaded):\n${[...new Set(lines)].join('\n')}`)
  }
  const v = parsed.data
  return Object.freeze({
    hfToken: v['hf-token'],
    repo: Object.freeze({ type: v['repo-type'], name: v['repo-id'] }),
    branch: v.branch,
    hubUrl: v['hub-url'],
    files: Object.freeze(v.files),
    commitMessage: v['commit-message'] || undefined,
    commitDescription: v['commit-description'] || undefined,
    createRepo: v['create-repo'],
    private: v.private,
    dryRun: v['dry-run'],
    githubToken: v['github-token'] ?? '',
    workflow: v.workflow.replace(/^\.\//, ''),
    runId: v['run-id'],
    allowForkRuns: v['allow-fork-runs'],
    allowedEvents: Object.freeze(v['allowed-events']),
    allowedBranches: Object.freeze(v['allowed-branches']),
    artifacts: Object.freeze(v.artifacts),
    failureIssue: v['failure-issue'],
    issueLabels: Object.freeze(v['issue-labels']),
    mode: v.mode,
    revision: v.revision || undefined,
    expectedFiles: Object.freeze(v['expected-files'].map(normaliseRepoPath)),
    card: Object.freeze({
      // A dataset's or Space's README configures the repo (dataset viewer, Space SDK): never generated.
      mode:
        v['repo-type'] !== 'model'
          ? 'keep'
          : v['model-card'] === 'generate' || v['model-card'] === 'keep'
            ? v['model-card']
            : { template: v['model-card'] },
      license: v.license || undefined,
      libraryName: v['library-name'] || undefined,
      tags: Object.freeze(v.tags),
      pipelineTag: v['pipeline-tag'] || undefined,
      baseModel: Object.freeze(v['base-model']),
      datasets: Object.freeze(v.datasets),
      metrics: Object.freeze(v['card-metrics']),
      evaluationReport: v['evaluation-report']
    }),
    tag: v.tag || undefined,
    gate: v['gate-metric']
      ? Object.freeze({
          metric: v['gate-metric'],
          direction: v['gate-direction'],
          minDelta: v['gate-min-delta'],
          onRegression: v['on-regression']
        })
      : undefined,
    rollbackTo: v['rollback-to'] || undefined,
    historyLimit: v['history-limit'],
    maxCommitFiles: v['max-commit-files']
  })
}

/** Inputs that are required only in some modes. */
function crossFieldProblems(raw: RawInputs): string[] {
  const problems: string[] = []
  const mode = raw.mode?.trim()
  if (mode === 'publish' && parseFileMapping(raw.files ?? '').problems.includes(NO_MAPPING))
    problems.push(`files: ${NO_MAPPING}`)
  if (mode === 'rollback' && !raw['rollback-to']?.trim())
    problems.push('rollback-to: required when mode is rollback; name a Hub commit id, a tag, or a source git commit')
  return problems
}

function repoIdProblem(value: string): string | undefined {
  if (/^(models|datasets|spaces)\//.test(value)) {
    return 'write it without a type prefix and set repo-type instead (e.g. repo-id: user/name, repo-type: dataset)'
  }
  const parts = value.split('/')
  if (parts.length !== 2) return 'expected exactly one "/" as in "<namespace>/<name>", e.g. "d4oit/tiny-cats-model"'
  if (!parts.every((p) => REPO_PART.test(p))) {
    return (
      'expected "<namespace>/<name>" where each part uses letters, digits, "-", "_" or "." (at most 96 ' +
      'characters, not starting or ending with "-" or ".", no "--" or "..")'
    )
  }
  return undefined
}

function isPlainHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      !url.username &&
      !url.password &&
      !url.search &&
      !url.hash
    )
  } catch {
    return false
  }
}
