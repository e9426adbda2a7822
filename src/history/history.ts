/**
 * The publish history of a branch, read back from the provenance trailers of its commits, and
 * its renderings: a table and a metric trend for the job summary, and JSON for the `history`
 * output. Pure: the caller lists the commits. Everything from a commit is untrusted text (anyone
 * with write access can craft a description), so it is escaped wherever it is rendered.
 */
import { parseDescription, type Provenance } from '../provenance/trailers.ts'
import { escapeHtml } from '../report/escape.ts'

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
}

const SHORT = 7

/** The publishes among `commits` (newest first): at most `limit` of them, newest first. */
export function publishHistory(commits: readonly CommitRecord[], limit: number): PublishRecord[] {
  const records: PublishRecord[] = []
  for (const commit of commits) {
    if (records.length >= limit) break
    const provenance = parseDescription(descriptionOf(commit))
    if (provenance) records.push({ oid: commit.oid, date: commit.date, title: commit.title, provenance })
  }
  return records
}

function descriptionOf(commit: CommitRecord): string {
  // The trailers are the last paragraph either way; dropping a leading title line only keeps a
  // title such as "Published-By: hf-upload-action" from passing for a trailer of its own.
  const { message, title } = commit
  const rest = message.startsWith(title) ? message.slice(title.length) : undefined
  return rest !== undefined && /^(\r?\n|$)/.test(rest) ? rest : message
}

/** A Markdown table of publishes (newest first) for the job summary. */
export function renderHistoryTable(records: readonly PublishRecord[], repoUrl: string): string {
  if (records.length === 0) return '_No earlier publishes by hf-upload-action on this branch._\n'
  const rows = records.map((r) => {
    const p = r.provenance
    const commit = link(`${repoUrl}/commit/${r.oid}`, `<code>${cell(r.oid.slice(0, SHORT))}</code>`)
    const metrics = p.metrics.map((m) => `${m.name}=${m.value}`).join(', ')
    return `| ${cell(formatDate(r.date))} | ${commit} | ${sourceCell(p)} | ${runCell(p)} | ${metrics ? cell(metrics) : '—'} |`
  })
  return [
    '| Date | Commit | Source commit | Train run | Metrics |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    ''
  ].join('\n')
}

function sourceCell(p: Provenance): string {
  if (!p.sourceCommit) return '—'
  const short = `<code>${cell(p.sourceCommit.slice(0, SHORT))}</code>`
  return p.sourceRepository ? link(`${p.sourceRepository}/commit/${p.sourceCommit}`, short) : short
}

function runCell(p: Provenance): string {
  if (!p.workflowRun) return p.trainRunId === undefined ? '—' : cell(String(p.trainRunId))
  const label = p.trainRunId === undefined ? 'run' : String(p.trainRunId)
  const attempt = p.workflowRunAttempt && p.workflowRunAttempt > 1 ? ` (attempt ${p.workflowRunAttempt})` : ''
  return `${link(p.workflowRun, cell(label))}${attempt}`
}

/** Links only http(s) URLs; anything else (javascript:, data:) stays plain text. */
function link(url: string, html: string): string {
  return /^https?:\/\//i.test(url) ? `<a href="${cell(url)}">${html}</a>` : html
}

/**
 * Escapes HTML, then turns the characters Markdown would act on into entities: "|" would split
 * the table cell, "*", "_", "~", "[" and "`" would start emphasis, links or code.
 */
function cell(text: string): string {
  return escapeHtml(text).replace(/[|*_~[\]`\\]/g, (c) => `&#${c.charCodeAt(0)};`)
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
    const value = r.provenance.metrics.find((m) => m.name === metric)?.value
    return value === undefined ? [] : [{ label: (r.provenance.sourceCommit ?? r.oid).slice(0, SHORT), value }]
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
    `  line [${points.map((p) => plainNumber(p.value)).join(', ')}]`,
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

/** Mermaid's number syntax has no exponent: 1e-7 must be written 0.0000001. */
function plainNumber(value: number): string {
  return value.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 10 })
}

/** The history as plain data for the `history` output: metrics keyed by name, file count only. */
export function historyJson(records: readonly PublishRecord[]): unknown {
  return records.map((r) => {
    const { files, filesOmitted, metrics, ...rest } = r.provenance
    return {
      commit: r.oid,
      date: r.date,
      title: r.title,
      ...rest,
      metrics: Object.fromEntries(metrics.map((m) => [m.name, m.value])),
      fileCount: files.length + (filesOmitted ?? 0)
    }
  })
}
