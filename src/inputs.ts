/**
 * The action's inputs: one zod schema, parsed once at the edge into a frozen `Settings` object.
 * Every invalid input is reported at once, each naming the input and what was expected; a value
 * that might be a secret is never echoed.
 */
import { z } from 'zod'
import { InputError } from './errors.ts'
import { parseArtifactRules, type ArtifactRule } from './artifacts/select-artifacts.ts'
import { parseFileMapping, type FileMappingRule } from './files/file-mapping.ts'

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
  'issue-labels'
] as const
export type InputName = (typeof INPUT_NAMES)[number]
export type RawInputs = Record<InputName, string | undefined>

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
        'hf-token: this is not a Hugging Face access token (expected a value starting with "hf_"; the value is not shown). Create one at https://huggingface.co/settings/tokens with write access'
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
    .refine((v) => !BAD_REF.test(v), { message: 'branch: not a valid git branch name (no spaces, "..", "~^:?*[\\", leading "-" or trailing "/" or ".lock")' }),
  'hub-url': z
    .string()
    .trim()
    .refine(isPlainHttpUrl, {
      message: 'hub-url: expected an http(s) URL without credentials, query or fragment, e.g. https://huggingface.co'
    })
    .transform((v) => v.replace(/\/+$/, '')),
  files: z
    .string({ error: 'files: required; expected one "<local path> -> <path in repo>" per line' })
    .transform((text, ctx): FileMappingRule[] => {
      const { rules, problems } = parseFileMapping(text)
      for (const problem of problems) ctx.issues.push({ code: 'custom', message: `files: ${problem}`, input: '' })
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
    .regex(/^[1-9][0-9]{0,18}$/, { message: 'run-id: expected the numeric id of a workflow run (the number in its URL .../actions/runs/<id>)' })
    .transform(Number)
    .optional(),
  'allow-fork-runs': bool('allow-fork-runs'),
  'allowed-events': list('allowed-events', /^[a-z_]+$/, 'event names such as push, workflow_dispatch, schedule').refine((v) => v.length > 0, {
    message: 'allowed-events: name at least one event, e.g. push'
  }),
  'allowed-branches': list('allowed-branches', /^[^\s~^:?*[\\]+$/, 'branch names'),
  artifacts: z.string().transform((text, ctx): ArtifactRule[] => {
    const { rules, problems } = parseArtifactRules(text)
    for (const problem of problems) ctx.issues.push({ code: 'custom', message: `artifacts: ${problem}`, input: '' })
    return rules
  }),
  'failure-issue': bool('failure-issue'),
  'issue-labels': list('issue-labels', /^[^,]{1,50}$/, 'label names of at most 50 characters')
})

/** A comma- or newline-separated list, each item checked against `item`. */
function list(name: string, item: RegExp, expected: string) {
  return z
    .string()
    .transform((text) => text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean))
    .refine((items) => items.every((i) => item.test(i)), { message: `${name}: expected a comma-separated list of ${expected}` })
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
  'issue-labels': 'hf-upload-failure'
}

/** Reads every input through `getInput` and validates them together. Throws one InputError listing every problem. */
export function readSettings(getInput: (name: InputName) => string): Settings {
  const raw = Object.fromEntries(INPUT_NAMES.map((n) => [n, getInput(n) || DEFAULTS[n]])) as RawInputs
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `- ${issue.message}`)
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
    issueLabels: Object.freeze(v['issue-labels'])
  })
}

function repoIdProblem(value: string): string | undefined {
  if (/^(models|datasets|spaces)\//.test(value)) {
    return 'write it without a type prefix and set repo-type instead (e.g. repo-id: user/name, repo-type: dataset)'
  }
  const parts = value.split('/')
  if (parts.length !== 2) return 'expected exactly one "/" as in "<namespace>/<name>", e.g. "d4oit/tiny-cats-model"'
  if (!parts.every((p) => REPO_PART.test(p))) {
    return 'expected "<namespace>/<name>" where each part uses letters, digits, "-", "_" or "." (at most 96 characters, not starting or ending with "-" or ".", no "--" or "..")'
  }
  return undefined
}

function isPlainHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash
  } catch {
    return false
  }
}
