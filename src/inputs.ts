/**
 * The action's inputs: one zod schema, parsed once at the edge into a frozen `Settings` object.
 * Every invalid input is reported at once, each naming the input and what was expected; a value
 * that might be a secret is never echoed.
 */
import * as z from 'zod'
import { InputError } from './errors.ts'
import { parseArtifactRules, type ArtifactRule } from './artifacts/select-artifacts.ts'
import { parseMetricRules, type MetricRule } from './card/metrics.ts'
import { parseByteSize } from './lib/format.ts'
import { unsafeCharacter } from './lib/names.ts'
import { AUTH_INPUT_VALUES, chooseAuth, type AuthInput, type AuthMethod } from './hub/auth/auth-method.ts'
import type { CardMetadataInputs } from './card/card-context.ts'
import {
  NO_MAPPING,
  checkRepoPath,
  normaliseRepoPath,
  parseFileMapping,
  type FileMappingRule
} from './files/file-mapping.ts'
import { TAG_PLACEHOLDERS } from './provenance/tag.ts'

/** Names exactly as in action.yml. Adding one here without reading it fails to compile. */
export const INPUT_NAMES = [
  'hf-token',
  'auth',
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
  'allow-insecure-hub-url',
  'artifacts-max-size',
  'deadline-minutes',
  'verify-content',
  'max-commit-files'
] as const
export type InputName = (typeof INPUT_NAMES)[number]
export type RawInputs = Record<InputName, string | undefined>

/** A user token (`hf_…`), or a token a Trusted Publisher exchange issued (`hf_jwt_<JWT>`). */
const HF_TOKEN = /^hf_(jwt_[\w-]+\.[\w-]+\.[\w-]+|[A-Za-z0-9_-]{8,})$/
/** The Hub recommends fewer than 100,000 files per repo: no commit may carry more. */
const MAX_COMMIT_FILES_CEILING = 100_000

const REPO_PART = /^(?![.-])(?!.*(--|\.\.))[A-Za-z0-9._-]{1,96}(?<![.-])$/
// git check-ref-format, the parts that matter for a branch name typed into a workflow file.
const BAD_REF = /(^[-/.])|([/.]$)|(\.\.)|(\/\/)|(@\{)|([\s~^:?*[\\])|(\.lock$)/
/** Not a ref name git would take, or one with a control or bidi character (lib/names.ts). */
const badRef = (v: string) => BAD_REF.test(v) || unsafeCharacter(v) !== undefined

const bool = (name: string) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((v) => ['true', 'false'].includes(v), { message: `${name}: expected "true" or "false"` })
    .transform((v) => v === 'true')

const schema = z.object({
  // Optional: without it (auth: auto) the run publishes keyless; the cross-field checks pair it with auth.
  'hf-token': z
    .string()
    .optional()
    .transform((v) => (v ?? '').trim())
    .refine((v) => v === '' || HF_TOKEN.test(v), {
      message:
        'hf-token: this is not a Hugging Face access token (expected a value starting with "hf_"; the value is not ' +
        'shown). Create one at https://huggingface.co/settings/tokens with write access, or leave hf-token empty ' +
        'to publish keyless'
    }),
  auth: z.enum(AUTH_INPUT_VALUES, {
    error: 'auth: expected auto (hf-token when given, else keyless), token (hf-token) or oidc (keyless)'
  }),
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
    .refine((v) => !badRef(v), {
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
    .refine((v) => !badRef(v), { message: 'revision: expected a branch, tag or commit id of the Hub repo' })
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
    .superRefine((v, ctx) => {
      const unknown = [...v.matchAll(/\{([^{}]*)\}/g)]
        .map((m) => m[1]!)
        .filter((name) => !(TAG_PLACEHOLDERS as readonly string[]).includes(name))
      const known = TAG_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')
      if (unknown.length > 0) {
        const names = [...new Set(unknown)].map((n) => `{${n}}`).join(', ')
        ctx.addIssue({ code: 'custom', message: `tag: unknown placeholder ${names}; the placeholders are ${known}` })
      } else if (badRef(v.replace(/\{[a-z_]+\}/g, 'x'))) {
        ctx.addIssue({ code: 'custom', message: `tag: not a valid tag name (placeholders: ${known})` })
      }
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
  'allow-insecure-hub-url': bool('allow-insecure-hub-url'),
  'artifacts-max-size': z
    .string()
    .trim()
    .transform((v) => parseByteSize(v))
    .refine((v) => v !== undefined && v > 0, {
      message: 'artifacts-max-size: expected a size such as 10GiB, 500MiB or a number of bytes'
    })
    .transform((v) => v!),
  'deadline-minutes': z
    .string()
    .trim()
    .refine((v) => /^[0-9]+(\.[0-9]+)?$/.test(v) && Number(v) > 0 && Number(v) <= 360, {
      message:
        "deadline-minutes: expected a number of minutes above 0 and at most 360 (GitHub's job limit), below the " +
        "job's timeout-minutes, e.g. 50"
    })
    .transform(Number),
  'verify-content': bool('verify-content'),
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
  /** The stored token; empty when the run publishes keyless. */
  hfToken: string
  /** How the run authenticates with the Hub, `auth` resolved (auto: hf-token when given, else oidc). */
  auth: AuthMethod
  /** The `auth` input as given, for error messages (auto chose keyless because hf-token was empty). */
  authInput: AuthInput
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
  /** The most bytes the Train run's artifacts may extract to, all together. */
  artifactsMaxBytes: number
  /** After this long the run stops cleanly, writes what it knows and files the failure issue. */
  deadlineMinutes: number
  /** Verification also downloads every LFS file and checks its SHA-256 (streamed, bounded memory). */
  verifyContent: boolean
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
  auth: 'auto',
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
  'allow-insecure-hub-url': 'false',
  'artifacts-max-size': '10GiB',
  'deadline-minutes': '50',
  'verify-content': 'false',
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
    auth: chooseAuth(v.auth, v['hf-token']),
    authInput: v.auth,
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
    artifactsMaxBytes: v['artifacts-max-size'],
    deadlineMinutes: v['deadline-minutes'],
    verifyContent: v['verify-content'],
    maxCommitFiles: v['max-commit-files']
  })
}

/** Inputs that are required only in some modes. */
function crossFieldProblems(raw: RawInputs): string[] {
  const problems: string[] = []
  const mode = raw.mode?.trim()
  const hasToken = Boolean(raw['hf-token']?.trim())
  const auth = raw.auth?.trim()
  if (auth === 'token' && !hasToken)
    problems.push(
      'hf-token: required with auth: token; pass a Hugging Face write token, e.g. ${{ secrets.HF_TOKEN }}, or ' +
        'use auth: auto to publish keyless'
    )
  if (auth === 'oidc' && hasToken)
    problems.push(
      'hf-token: leave it empty with auth: oidc (keyless publishing uses no stored token), or use auth: auto'
    )
  if (mode === 'publish' && parseFileMapping(raw.files ?? '').problems.includes(NO_MAPPING))
    problems.push(`files: ${NO_MAPPING}`)
  if (mode === 'rollback' && !raw['rollback-to']?.trim())
    problems.push('rollback-to: required when mode is rollback; name a Hub commit id, a tag, or a source git commit')
  const insecure = insecureHubUrl(raw['hub-url'] ?? '')
  if (insecure && raw['allow-insecure-hub-url']?.trim().toLowerCase() !== 'true')
    problems.push(
      `hub-url: ${insecure} is plain http to a host other than this machine, so hf-token would travel in clear ` +
        'text and anyone on the network path could read it. Use https://, or set allow-insecure-hub-url: true ' +
        'for a Hub reached over a network you trust'
    )
  return problems
}

/** The origin of an http:// URL to a host that is not loopback, or undefined (https, loopback, or not a URL). */
function insecureHubUrl(value: string): string | undefined {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:') return undefined
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const loopback =
    host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1'
  return loopback ? undefined : url.origin
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
