/**
 * Provenance as git-style trailers in the Hub commit description: "Key: value" lines in the
 * description's last paragraph. The Hub keeps every commit, so these trailers are the audit
 * log of what was published from where; the history, the metric gate and rollback read them back.
 * Pure: no I/O.
 */

/** Where a publish came from and what it contained. */
export interface Provenance {
  /** URL of the source repository, e.g. https://github.com/d4oit/tiny-cats-model. */
  sourceRepository?: string
  /** The git commit the files were built from (40 hex). */
  sourceCommit?: string
  /** URL of the Train run (or of the publishing run when there was no Train run). */
  workflowRun?: string
  workflowRunAttempt?: number
  trainRunId?: number
  actor?: string
  /** Artifacts and the digest GitHub registered for each (null when it had none). */
  artifacts: Array<{ name: string; digest: string | null }>
  metrics: Array<{ name: string; value: number }>
  files: Array<{ path: string; size: number; sha256: string }>
  /** How many files had no File trailer because of the cap (absent when none were left out). */
  filesOmitted?: number
  /** The Hub commit this publish rolled the branch back to. */
  rollbackOf?: string
  /** Fingerprint of how artifact files were mapped to repo paths (known-digests.ts). */
  filesMapping?: string
}

/** The value of the Published-By trailer that marks a commit as ours. */
export const PUBLISHED_BY = 'hf-upload-action'

/** Beyond this many File trailers the description would dwarf the commit; the rest are counted. */
export const MAX_FILE_TRAILERS = 1000

/**
 * The commit description: the human text (if any), a blank line, then the trailers in a fixed
 * order. Every value is made single-line, so no value can end its trailer early and smuggle in a
 * "Key: value" line of its own. Non-finite metrics are left out (they cannot be compared).
 */
export function formatDescription(p: Provenance, text?: string): string {
  const trailers = formatTrailers(p).join('\n')
  const human = text?.trim()
  return human ? `${human}\n\n${trailers}` : trailers
}

function formatTrailers(p: Provenance): string[] {
  const lines = [`Published-By: ${PUBLISHED_BY}`]
  const add = (key: string, value: string | number | undefined) => {
    if (value === undefined || value === '') return
    lines.push(`${key}: ${oneLine(String(value))}`)
  }
  add('Source-Repository', p.sourceRepository)
  add('Source-Commit', p.sourceCommit)
  add('Workflow-Run', p.workflowRun)
  add('Workflow-Run-Attempt', wholeNumber(p.workflowRunAttempt))
  add('Train-Run-Id', wholeNumber(p.trainRunId))
  add('Actor', p.actor)
  // The digest is the last space-separated word, so it must not contain spaces itself.
  for (const a of p.artifacts)
    add('Artifact-Digest', `${a.name} ${a.digest ? oneLine(a.digest).replace(/\s+/g, '') : 'none'}`)
  for (const m of p.metrics) if (Number.isFinite(m.value)) add('Metric', `${m.name}=${m.value}`)
  add('Rollback-To', p.rollbackOf)
  add('Files-Mapping', p.filesMapping)
  for (const f of p.files.slice(0, MAX_FILE_TRAILERS)) add('File', `${f.sha256} ${f.size} ${f.path}`)
  const omitted = Math.max(0, p.files.length - MAX_FILE_TRAILERS) + (p.filesOmitted ?? 0)
  if (omitted > 0) add('Files-Omitted', omitted)
  return lines
}

/**
 * Reads the trailers of the description's last paragraph. Unknown keys and malformed lines are
 * ignored; for single-valued keys the first occurrence wins. Undefined when the block does not
 * say Published-By: hf-upload-action, i.e. the commit was not made by this action.
 */
export function parseDescription(description: string): Provenance | undefined {
  const trailers = lastParagraph(description).flatMap((line) => {
    const match = /^([A-Za-z][A-Za-z0-9-]*): ?(.*)$/.exec(line)
    return match ? [{ key: match[1]!.toLowerCase(), value: match[2]! }] : []
  })
  const first = (key: string) => trailers.find((t) => t.key === key)?.value.trim() || undefined
  if (first('published-by') !== PUBLISHED_BY) return undefined
  const all = (key: string) => trailers.filter((t) => t.key === key).map((t) => t.value)
  return dropUndefined({
    sourceRepository: first('source-repository'),
    sourceCommit: first('source-commit'),
    workflowRun: first('workflow-run'),
    workflowRunAttempt: parseWholeNumber(first('workflow-run-attempt')),
    trainRunId: parseWholeNumber(first('train-run-id')),
    actor: first('actor'),
    artifacts: all('artifact-digest').flatMap(parseArtifact),
    metrics: all('metric').flatMap(parseMetric),
    files: all('file').flatMap(parseFile),
    filesOmitted: parseWholeNumber(first('files-omitted')),
    rollbackOf: first('rollback-to'),
    filesMapping: first('files-mapping')
  })
}

/** The lines after the last blank line, ignoring trailing blank lines. */
function lastParagraph(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/)
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop()
  const lastBlank = lines.findLastIndex((line) => line.trim() === '')
  return lines.slice(lastBlank + 1)
}

function parseArtifact(value: string): Provenance['artifacts'] {
  const match = /^(.+) (\S+)$/.exec(value.trim())
  return match ? [{ name: match[1]!, digest: match[2] === 'none' ? null : match[2]! }] : []
}

function parseMetric(value: string): Provenance['metrics'] {
  // Split at the last "=": a metric name may contain "=", a number never does.
  const at = value.lastIndexOf('=')
  const name = value.slice(0, at).trim()
  const number = value.slice(at + 1).trim()
  const parsed = Number(number)
  return at > 0 && name && number && Number.isFinite(parsed) ? [{ name, value: parsed }] : []
}

function parseFile(value: string): Provenance['files'] {
  // The path is the rest of the line, untrimmed: a path may contain (even end in) spaces.
  const match = /^([0-9a-fA-F]{64}) (\d+) (.+)$/.exec(value)
  return match ? [{ sha256: match[1]!.toLowerCase(), size: Number(match[2]), path: match[3]! }] : []
}

/** Line breaks of every kind (and other control characters) become spaces. */
function oneLine(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is being replaced
  return value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, ' ')
}

function wholeNumber(n: number | undefined): number | undefined {
  return n !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

function parseWholeNumber(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined
}

/** Leaves optional fields out rather than present-but-undefined, so results compare cleanly. */
function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}
