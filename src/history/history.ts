/**
 * The publish history of a branch, read back from the provenance trailers of its commits, and
 * its renderings: a table and a metric trend for the job summary, and JSON for the `history`
 * output. A rollback shows what the branch serves after it: the metrics of the publish it restored.
 * Pure: the caller lists the commits. Everything from a commit is untrusted text (anyone
 * with write access can craft a description), so it is escaped wherever it is rendered.
 */
import { parseDescription, type Provenance } from '../provenance/trailers.ts'
import { formatNumber } from '../lib/format.ts'
import { escapeMarkdown, htmlLink } from '../lib/markdown.ts'
import { commitUrl } from '../lib/urls.ts'

/** A commit as the Hub lists it. */
export interface CommitRecord {
  oid: string
  title: string
  /** "title\n\ndescription", or just the description. */
  message: string
  /** ISO 8601. */
  date: string
}

/** A commit this action made, with what it says about itself. */
export interface PublishRecord {
  oid: string
  date: string
  title: string
  provenance: Provenance
  /**
   * For a rollback: the publish whose tree it restored (through rollbacks of rollbacks), when it is
   * among the listed commits. The branch then serves that publish's files and metrics.
   */
  restored?: { oid: string; provenance: Provenance }
}

const SHORT = 7
/** Rollbacks of rollbacks are followed this far; a longer chain (or a loop) is left unresolved. */
const MAX_ROLLBACK_HOPS = 20

/**
 * The publishes among `commits` (newest first): at most `limit` of them, newest first. A rollback
 * is resolved against every listed commit, also those past the limit, so that it shows what the
 * branch serves after it: the metrics of the publish it restored.
 */
export function publishHistory(commits: readonly CommitRecord[], limit: number): PublishRecord[] {
  const records: PublishRecord[] = []
  for (const commit of commits) {
    if (records.length >= limit) break
    const provenance = parseDescription(descriptionOf(commit))
    if (provenance) records.push({ oid: commit.oid, date: commit.date, title: commit.title, provenance })
  }
  if (!records.some((r) => r.provenance.rollbackOf)) return records
  const byOid = new Map(commits.map((c) => [c.oid, c]))
  const parsed = new Map<string, Provenance | undefined>()
  const provenanceOf = (oid: string) => {
    if (!parsed.has(oid)) {
      const commit = byOid.get(oid)
      parsed.set(oid, commit && parseDescription(descriptionOf(commit)))
    }
    return parsed.get(oid)
  }
  return records.map((record) => {
    let target = record.provenance.rollbackOf
    for (let hop = 0; target !== undefined && hop < MAX_ROLLBACK_HOPS; hop++) {
      const provenance = provenanceOf(target)
      if (provenance === undefined) return record
      if (provenance.rollbackOf === undefined) return { ...record, restored: { oid: target, provenance } }
      target = provenance.rollbackOf
    }
    return record
  })
}

/** What the branch serves at a publish: its own provenance, or for a rollback the restored publish's. */
export function served(record: PublishRecord): Provenance {
  return record.restored?.provenance ?? record.provenance
}

function descriptionOf(commit: CommitRecord): string {
  // The trailers are the last paragraph either way; dropping a leading title line only keeps a
  // title such as "Published-By: hf-upload-action" from passing for a trailer of its own.
  const { message, title } = commit
  const rest = message.startsWith(title) ? message.slice(title.length) : undefined
  return rest !== undefined && /^(\r?\n|$)/.test(rest) ? rest : message
}

/** The newest publish of a workflow run (by its URL), e.g. to point a re-run at the commit it already made. */
export function publishOfRun(records: readonly PublishRecord[], workflowRunUrl: string): PublishRecord | undefined {
  return records.find((r) => r.provenance.workflowRun === workflowRunUrl)
}

/**
 * A Markdown table of publishes (newest first) for the job summary. A rollback's row shows what it
 * restored (source commit, Train run, metrics), and says that it is a rollback, and of what.
 */
export function renderHistoryTable(records: readonly PublishRecord[], repoUrl: string): string {
  if (records.length === 0) return '_No earlier publishes by hf-upload-action on this branch._\n'
  const rows = records.map((r) => {
    const p = served(r)
    const commit = commitCell(r.oid, repoUrl)
    const target = r.provenance.rollbackOf
    const rollback = target === undefined ? '' : ` rollback to ${commitCell(target, repoUrl)}`
    const metrics = p.metrics.map((m) => `${m.name}=${formatNumber(m.value)}`).join(', ')
    return (
      `| ${escapeMarkdown(formatDate(r.date))} | ${commit}${rollback} | ${sourceCell(p)} | ${runCell(p)} | ` +
      `${metrics ? escapeMarkdown(metrics) : '—'} |`
    )
  })
  return [
    '| Date | Commit | Source commit | Train run | Metrics |',
    '| :--- | :--- | :--- | :--- | :--- |',
    ...rows,
    ''
  ].join('\n')
}

function commitCell(oid: string, repoUrl: string): string {
  return htmlLink(`<code>${escapeMarkdown(oid.slice(0, SHORT))}</code>`, commitUrl(repoUrl, oid))
}

function sourceCell(p: Provenance): string {
  if (!p.sourceCommit) return '—'
  const short = `<code>${escapeMarkdown(p.sourceCommit.slice(0, SHORT))}</code>`
  return p.sourceRepository ? htmlLink(short, commitUrl(p.sourceRepository, p.sourceCommit)) : short
}

function runCell(p: Provenance): string {
  if (!p.workflowRun) return p.trainRunId === undefined ? '—' : escapeMarkdown(String(p.trainRunId))
  const label = p.trainRunId === undefined ? 'run' : String(p.trainRunId)
  const attempt = p.workflowRunAttempt && p.workflowRunAttempt > 1 ? ` (attempt ${p.workflowRunAttempt})` : ''
  return `${htmlLink(escapeMarkdown(label), p.workflowRun)}${attempt}`
}

function formatDate(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/**
 * A Mermaid line chart of `metric` over the publishes, oldest to newest, with `extraPoint` (e.g.
 * the run being judged) last. Undefined with fewer than two points: one point is no trend.
 */
export function renderMetricTrend(
  records: readonly PublishRecord[],
  metric: string,
  extraPoint?: { label: string; value: number }
): string | undefined {
  const points = [...records].reverse().flatMap((r) => {
    const p = served(r)
    const value = p.metrics.find((m) => m.name === metric)?.value
    const label = (p.sourceCommit ?? r.restored?.oid ?? r.oid).slice(0, SHORT)
    return value === undefined ? [] : [{ label: r.restored ? `rollback to ${label}` : label, value }]
  })
  if (extraPoint && Number.isFinite(extraPoint.value)) points.push(extraPoint)
  if (points.length < 2) return undefined
  const labels = uniqueLabels(points.map((p) => chartText(p.label) || '?'))
  const name = chartText(metric) || 'metric'
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${name} over publishes"`,
    `  x-axis [${labels.map((l) => `"${l}"`).join(', ')}]`,
    `  y-axis "${name}"`,
    `  line [${points.map((p) => formatNumber(p.value)).join(', ')}]`,
    '```',
    ''
  ].join('\n')
}

/**
 * Keeps only characters that are inert inside a quoted Mermaid string and a Markdown fence: no
 * quote to end the string, no "%%" comment, no backtick to close the fence, no line break.
 */
function chartText(text: string): string {
  return text
    .replace(/[^A-Za-z0-9 ._:+()/-]/g, '')
    .trim()
    .slice(0, 40)
}

/** Mermaid merges equal categories (a re-published source commit), which would shift the line. */
function uniqueLabels(labels: string[]): string[] {
  const used = new Set<string>()
  return labels.map((label) => {
    let candidate = label
    for (let n = 2; used.has(candidate); n++) candidate = `${label} (${n})`
    used.add(candidate)
    return candidate
  })
}

/**
 * The history as plain data for the `history` output: metrics keyed by name, file count only. A
 * rollback has its own fields (rollbackOf, actor) and the metrics and file count of what it restored.
 */
export function historyJson(records: readonly PublishRecord[]): unknown {
  return records.map((r) => {
    const { files, filesOmitted, metrics, ...rest } = r.provenance
    const shown = r.restored ? r.restored.provenance : { files, filesOmitted, metrics }
    return {
      commit: r.oid,
      date: r.date,
      title: r.title,
      ...rest,
      metrics: Object.fromEntries(shown.metrics.map((m) => [m.name, m.value])),
      fileCount: shown.files.length + (shown.filesOmitted ?? 0)
    }
  })
}
