/**
 * The generated block of the model card: how to use the files, evaluation metrics, sample gallery,
 * benchmark and provenance, between two HTML comments so that a later publish can find and replace
 * it while the hand-written rest of the card stays as it is. Every string from the Train run (file
 * names, report keys and values, artifact names) is escaped; output depends only on the context
 * (sorted, no dates), so the same publish renders the same bytes.
 */
import { formatBytes, formatNumber } from '../lib/format.ts'
import {
  codeSpan,
  escapeMarkdown,
  fencedCode,
  link,
  repoPathUrl,
  safeHttpUrl,
  table,
  type ColumnAlignment
} from '../lib/markdown.ts'
import type { CardContext, CardProvenance } from './card-context.ts'
import { meaningFor } from './metric-meaning.ts'
import { knownMetricOf } from './metrics.ts'
import { usageSection } from './usage.ts'

/** Opens the generated block. The text after "begin" may change between versions; only the prefix is matched. */
export const GENERATED_BEGIN =
  '<!-- hf-upload-action:begin — generated, edits between these markers are replaced on the next publish -->'
/** Closes the generated block. */
export const GENERATED_END = '<!-- hf-upload-action:end -->'

/** The provenance line naming the publishing run (see keepEarlierPublishingRun in model-card.ts). */
export const PUBLISHING_RUN_LINE = /^- Publishing run: .*$/m

/** What the card's front matter says after the merge (input or the card's own): snippets and meanings depend on it. */
export interface MergedMetadata {
  libraryName?: string
  pipelineTag?: string
}

const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i
const MAX_GALLERY_IMAGES = 12
const GALLERY_COLUMNS = 4
const MAX_TABLE_ROWS = 100
/** As many `sha256sum -c` lines as the commit has File trailers. */
const MAX_CHECKSUM_LINES = 1000
/** Deeper benchmark values than this are left out: the table is a summary, the JSON is linked. */
const MAX_BENCHMARK_DEPTH = 6
const MAX_BENCHMARK_TEXT = 100
/** Significant digits of a non-integer in the card's tables; the report and model-index keep every digit. */
const CARD_DIGITS = 4

/** The block, markers included, without a trailing newline. */
export function renderGeneratedBlock(ctx: CardContext, merged: MergedMetadata): string {
  const sections = [
    usageSection({
      repoId: ctx.repoId,
      revision: ctx.revision,
      libraryName: merged.libraryName,
      pipelineTag: merged.pipelineTag,
      paths: ctx.files.map((f) => f.path)
    }),
    evaluationSection(ctx, merged),
    samplesSection(ctx.files),
    benchmarkSection(ctx.benchmark),
    provenanceSection(ctx)
  ]
  return [GENERATED_BEGIN, '', sections.filter((s) => s !== undefined).join('\n\n'), '', GENERATED_END].join('\n')
}

function evaluationSection(ctx: CardContext, merged: MergedMetadata): string | undefined {
  const { metrics, evaluationReportPath } = ctx
  if (metrics.length === 0 && evaluationReportPath === undefined) return undefined
  const report =
    evaluationReportPath === undefined
      ? 'the evaluation report'
      : `the evaluation report ${repoLink(evaluationReportPath)}`
  if (metrics.length === 0) return `## Evaluation\n\nNo numeric metrics were found in ${report}.`
  const rows = metrics.map((m) => [
    escapeMarkdown(m.name),
    formatNumber(m.value, CARD_DIGITS),
    m.better ?? '—',
    codeSpan(m.path)
  ])
  // Rounded: the number shown is not the number in the report.
  const rounded = metrics.some((m) => Number(formatNumber(m.value, CARD_DIGITS)) !== m.value)
  const intro =
    `Metrics from ${report}` +
    (rounded ? `, rounded to ${CARD_DIGITS} significant digits (the report has every digit).` : '.')
  const meanings = metrics.flatMap((m) => {
    const known = knownMetricOf(m)
    const meaning = known && meaningFor(known.metric, merged.pipelineTag)
    return meaning ? [`- **${escapeMarkdown(m.name)}**: ${meaning}.`] : []
  })
  const parts = [
    intro,
    table(['Metric', 'Value', 'Better', 'Report field'], rows, ['left', 'right', 'left', 'left']),
    ...(meanings.length > 0 ? [meanings.join('\n')] : [])
  ]
  return `## Evaluation\n\n${parts.join('\n\n')}`
}

/**
 * Published images, sorted by path, at most MAX_GALLERY_IMAGES, in a grid with each image's file
 * name as its caption. Images in a folder or file whose name contains "sample" are preferred, so a
 * logo or a diagram does not crowd out the samples; without any, every image is shown.
 */
function samplesSection(files: CardContext['files']): string | undefined {
  const images = files.map((f) => f.path).filter((path) => IMAGE_FILE.test(path))
  const samples = images.filter((path) => /sample/i.test(path))
  const shown = sortByCodeUnits(samples.length > 0 ? samples : images)
  if (shown.length === 0) return undefined
  const gallery = shown.slice(0, MAX_GALLERY_IMAGES)
  const columns = Math.min(GALLERY_COLUMNS, gallery.length)
  // Captions drop the folder the images share: "samples/a/cat.png" and "samples/b/cat.png" stay apart.
  const folder = commonFolder(gallery)
  const rows: string[][] = []
  for (let i = 0; i < gallery.length; i += columns) {
    const chunk = gallery.slice(i, i + columns)
    const pad = (cells: string[]) => [...cells, ...Array<string>(columns - cells.length).fill(' ')]
    rows.push(pad(chunk.map((path) => `![${escapeMarkdown(baseName(path))}](${repoPathUrl(path)})`)))
    rows.push(pad(chunk.map((path) => codeSpan(path.slice(folder.length)))))
  }
  // The first row of images is the table's header: GFM tables need one, and an empty one shows as a bar.
  const [header, ...body] = rows
  const grid = table(header!, body, Array<ColumnAlignment>(columns).fill('center'))
  const more = shown.length > MAX_GALLERY_IMAGES ? `\n\nShowing ${MAX_GALLERY_IMAGES} of ${shown.length} images.` : ''
  return `## Samples\n\n${grid}${more}`
}

function benchmarkSection(benchmark: CardContext['benchmark']): string | undefined {
  if (benchmark === undefined) return undefined
  const leaves = benchmarkLeaves(benchmark.report)
  const intro = `From ${repoLink(benchmark.path)}`
  if (leaves.length === 0) return `## Benchmark\n\n${intro}. It has no numeric values.`
  // Text values (such as "device": "cpu") say what the numbers were measured on: a sentence, not table rows.
  const setting = leaves.filter((leaf) => typeof leaf.value !== 'number')
  const measures = leaves.filter((leaf) => typeof leaf.value === 'number')
  const on =
    setting.length === 0
      ? ''
      : `, measured with ${setting.map((s) => `${codeSpan(s.path)} ${escapeMarkdown(String(s.value))}`).join(', ')}`
  const rows = measures
    .slice(0, MAX_TABLE_ROWS)
    .map(({ path, value }) => [codeSpan(path), formatNumber(value as number, CARD_DIGITS)])
  const measured = table(['Measure', 'Value'], rows, ['left', 'right'])
  return `## Benchmark\n\n${intro}${on}.\n\n${measured}${andMore(measures.length, 'values')}`
}

/**
 * The benchmark's scalar leaves as dot paths, depth-first in key order: every finite number, and
 * short strings and booleans (such as "device": "cpu"), which say what the numbers were measured on.
 * Returns nothing when the report has no number at all.
 */
function benchmarkLeaves(report: unknown): Array<{ path: string; value: number | string | boolean }> {
  const leaves: Array<{ path: string; value: number | string | boolean }> = []
  const visit = (node: unknown, path: string, depth: number): void => {
    if (
      typeof node === 'number'
        ? Number.isFinite(node)
        : typeof node === 'boolean' || (typeof node === 'string' && node.length <= MAX_BENCHMARK_TEXT)
    ) {
      if (path !== '') leaves.push({ path, value: node as number | string | boolean })
      return
    }
    if (depth >= MAX_BENCHMARK_DEPTH || typeof node !== 'object' || node === null) return
    const entries = Array.isArray(node) ? node.map((v, i) => [String(i), v] as const) : Object.entries(node)
    for (const [key, value] of entries) visit(value, path === '' ? key : `${path}.${key}`, depth + 1)
  }
  visit(report, '', 0)
  return leaves.some((leaf) => typeof leaf.value === 'number') ? leaves : []
}

function provenanceSection(ctx: CardContext): string {
  const { provenance, files } = ctx
  const parts: string[] = []
  const facts = [sourceLine(provenance), trainRunLine(provenance), publishingRunLine(provenance)].filter(
    (line) => line !== undefined
  )
  if (facts.length > 0) parts.push(facts.map((line) => `- ${line}`).join('\n'))
  if (provenance.artifacts.length > 0) {
    const artifacts = [...provenance.artifacts].sort((a, b) => compareCodeUnits(a.name, b.name))
    const rows = artifacts.map((a) => [
      escapeMarkdown(a.name),
      a.digest === null ? 'not recorded' : codeSpan(a.digest),
      formatBytes(a.size)
    ])
    const artifactTable = table(['Artifact', 'Digest', 'Size'], rows, ['left', 'left', 'right'])
    parts.push(`Artifacts of the Train run:\n\n${artifactTable}`)
  }
  if (files.length > 0) {
    const sorted = [...files].sort((a, b) => compareCodeUnits(a.path, b.path))
    const rows = sorted
      .slice(0, MAX_TABLE_ROWS)
      .map((f) => [codeSpan(f.path), formatBytes(f.size), shortSha256(f.sha256)])
    const fileTable = table(['File', 'Size', 'SHA-256'], rows, ['left', 'right', 'left'])
    parts.push(`Files in this revision:\n\n${fileTable}${andMore(files.length, 'files')}`)
    parts.push(checksumsBlock(ctx, sorted))
  }
  if (parts.length === 0) parts.push('No source, Train run or files were recorded.')
  return `## Provenance\n\n${parts.join('\n\n')}`
}

/**
 * The full SHA-256 of every file as `sha256sum -c` reads it (`<hash>  <path>`, GNU's escaping for a
 * path with a backslash), folded away in a <details> block: long, and for machines more than people.
 */
function checksumsBlock(ctx: CardContext, sorted: CardContext['files']): string {
  const listed = sorted.filter((f) => /^[0-9a-f]{64}$/i.test(f.sha256))
  const lines = listed.slice(0, MAX_CHECKSUM_LINES).map((f) => sha256sumLine(f.sha256.toLowerCase(), f.path))
  const revision = ctx.revision === 'main' ? '' : ` --revision ${ctx.revision}`
  const download = codeSpan(`hf download ${ctx.repoId}${revision} --local-dir ${ctx.modelName}`)
  const omitted =
    listed.length > MAX_CHECKSUM_LINES ? `\n\n…and ${listed.length - MAX_CHECKSUM_LINES} more files, not listed.` : ''
  return [
    '<details>',
    '<summary>Full SHA-256 of every file, for <code>sha256sum -c</code></summary>',
    '',
    `Download the revision (e.g. ${download}), save these lines as <code>SHA256SUMS</code> in that folder and run ` +
      '<code>sha256sum -c SHA256SUMS</code> there:',
    '',
    fencedCode(lines.join('\n'), 'text') + omitted,
    '',
    '</details>'
  ].join('\n')
}

/** One `sha256sum` line. GNU marks a name holding a backslash or line break with a leading "\" and escapes it. */
export function sha256sumLine(sha256: string, path: string): string {
  if (!/[\\\n\r]/.test(path)) return `${sha256}  ${path}`
  const escaped = path.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
  return `\\${sha256}  ${escaped}`
}

function sourceLine(p: CardProvenance): string | undefined {
  const commit = p.sourceCommit === undefined ? undefined : commitLink(p.sourceCommit, p.sourceCommitUrl)
  if (p.sourceRepository !== undefined)
    return `Source: ${link(p.sourceRepository, p.sourceRepositoryUrl)}${commit ? ` at commit ${commit}` : ''}`
  return commit ? `Source commit: ${commit}` : undefined
}

function commitLink(sha: string, url: string | undefined): string {
  const text = /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(sha) ? `<code>${sha.slice(0, 12)}</code>` : codeSpan(sha)
  const href = safeHttpUrl(url)
  return href ? `[${text}](${href})` : text
}

function trainRunLine({ trainRun }: CardProvenance): string | undefined {
  if (trainRun === undefined) return undefined
  const attempt = trainRun.attempt === undefined ? '' : ` (attempt ${trainRun.attempt})`
  return `Train run: ${link(String(trainRun.id), trainRun.url)}${attempt}`
}

function publishingRunLine({ publishingRun }: CardProvenance): string | undefined {
  if (publishingRun === undefined) return undefined
  return `Publishing run: ${link(publishingRun.id, publishingRun.url)}`
}

/** The first 16 hex digits, as in the job summary; anything that is not a SHA-256 is shown escaped. */
function shortSha256(sha256: string): string {
  return /^[0-9a-f]{64}$/i.test(sha256) ? `<code>${sha256.slice(0, 16)}</code>` : codeSpan(sha256)
}

function repoLink(path: string): string {
  return `[${escapeMarkdown(path)}](${repoPathUrl(path)})`
}

function andMore(total: number, what: string): string {
  return total > MAX_TABLE_ROWS ? `\n\n…and ${total - MAX_TABLE_ROWS} more ${what}.` : ''
}

/** "samples/" for ["samples/a.png", "samples/b.png"]; "" when they share no folder. */
function commonFolder(paths: readonly string[]): string {
  const folders = paths.map((p) => p.slice(0, p.lastIndexOf('/') + 1))
  let prefix = folders[0] ?? ''
  for (const folder of folders)
    while (!folder.startsWith(prefix)) prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1)
  return prefix
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** Locale-independent order (localeCompare would differ between runners), so the card is byte-stable. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function sortByCodeUnits(items: readonly string[]): string[] {
  return [...items].sort(compareCodeUnits)
}
