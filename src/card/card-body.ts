/**
 * The generated block of the model card: evaluation metrics, sample gallery, benchmark and
 * provenance, between two HTML comments so that a later publish can find and replace it while the
 * hand-written rest of the card stays as it is. Every string from the Train run (file names,
 * report keys, artifact names) is escaped; output depends only on the context (sorted, no dates).
 */
import { formatBytes, formatNumber } from '../lib/format.ts'
import { codeSpan, escapeMarkdown, link, repoPathUrl, safeHttpUrl, table } from '../lib/markdown.ts'
import type { CardContext, CardProvenance } from './card-context.ts'

/** Opens the generated block. The text after "begin" may change between versions; only the prefix is matched. */
export const GENERATED_BEGIN =
  '<!-- hf-upload-action:begin — generated, edits between these markers are replaced on the next publish -->'
/** Closes the generated block. */
export const GENERATED_END = '<!-- hf-upload-action:end -->'

const IMAGE_FILE = /\.(png|jpe?g|gif|webp)$/i
const MAX_GALLERY_IMAGES = 12
const MAX_TABLE_ROWS = 100
/** Deeper benchmark values than this are left out: the table is a summary, the JSON is linked. */
const MAX_BENCHMARK_DEPTH = 6
const MAX_BENCHMARK_TEXT = 100
/** Significant digits of a non-integer in the card's tables; the report itself keeps every digit. */
const CARD_DIGITS = 6

/** The block, markers included, without a trailing newline. */
export function renderGeneratedBlock(ctx: CardContext): string {
  const sections = [
    evaluationSection(ctx),
    samplesSection(ctx.files),
    benchmarkSection(ctx.benchmark),
    provenanceSection(ctx)
  ]
  return [GENERATED_BEGIN, '', sections.filter((s) => s !== undefined).join('\n\n'), '', GENERATED_END].join('\n')
}

function evaluationSection({ metrics, evaluationReportPath }: CardContext): string | undefined {
  if (metrics.length === 0 && evaluationReportPath === undefined) return undefined
  const report =
    evaluationReportPath === undefined
      ? 'the evaluation report'
      : `the evaluation report ${repoLink(evaluationReportPath)}`
  if (metrics.length === 0) return `## Evaluation\n\nNo numeric metrics were found in ${report}.`
  const rows = metrics.map((m) => [escapeMarkdown(m.type), formatNumber(m.value, CARD_DIGITS), codeSpan(m.path)])
  return `## Evaluation\n\nMetrics from ${report}.\n\n${table(['Metric', 'Value', 'Report field'], rows, [1])}`
}

/**
 * Published images, sorted by path, at most MAX_GALLERY_IMAGES. Images in a folder or file whose
 * name contains "sample" are preferred, so a logo or a diagram does not crowd out the samples;
 * without any, every image is shown.
 */
function samplesSection(files: CardContext['files']): string | undefined {
  const images = files.map((f) => f.path).filter((path) => IMAGE_FILE.test(path))
  const samples = images.filter((path) => /sample/i.test(path))
  const shown = sortByCodeUnits(samples.length > 0 ? samples : images)
  if (shown.length === 0) return undefined
  const gallery = shown
    .slice(0, MAX_GALLERY_IMAGES)
    .map((path) => `![${escapeMarkdown(baseName(path))}](${repoPathUrl(path)})`)
  const more = shown.length > MAX_GALLERY_IMAGES ? `\n\nShowing ${MAX_GALLERY_IMAGES} of ${shown.length} images.` : ''
  return `## Samples\n\n${gallery.join('\n')}${more}`
}

function benchmarkSection(benchmark: CardContext['benchmark']): string | undefined {
  if (benchmark === undefined) return undefined
  const leaves = benchmarkLeaves(benchmark.report)
  const intro = `From ${repoLink(benchmark.path)}.`
  if (leaves.length === 0) return `## Benchmark\n\n${intro} It has no numeric values.`
  const rows = leaves
    .slice(0, MAX_TABLE_ROWS)
    .map(({ path, value }) => [
      codeSpan(path),
      typeof value === 'number' ? formatNumber(value, CARD_DIGITS) : escapeMarkdown(String(value))
    ])
  return `## Benchmark\n\n${intro}\n\n${table(['Measure', 'Value'], rows, [1])}${andMore(leaves.length, 'values')}`
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

function provenanceSection({ provenance, files }: CardContext): string {
  const parts: string[] = []
  const facts = [sourceLine(provenance), trainRunLine(provenance)].filter((line) => line !== undefined)
  if (facts.length > 0) parts.push(facts.map((line) => `- ${line}`).join('\n'))
  if (provenance.artifacts.length > 0) {
    const artifacts = [...provenance.artifacts].sort((a, b) => compareCodeUnits(a.name, b.name))
    const rows = artifacts.map((a) => [
      escapeMarkdown(a.name),
      a.digest === null ? 'not recorded' : codeSpan(a.digest),
      formatBytes(a.size)
    ])
    parts.push(`Artifacts of the Train run:\n\n${table(['Artifact', 'Digest', 'Size'], rows, [2])}`)
  }
  if (files.length > 0) {
    const sorted = [...files].sort((a, b) => compareCodeUnits(a.path, b.path))
    const rows = sorted
      .slice(0, MAX_TABLE_ROWS)
      .map((f) => [codeSpan(f.path), formatBytes(f.size), shortSha256(f.sha256)])
    parts.push(
      `Files in this revision:\n\n${table(['File', 'Size', 'SHA-256'], rows, [1])}${andMore(files.length, 'files')}`
    )
  }
  if (parts.length === 0) parts.push('No source, Train run or files were recorded.')
  return `## Provenance\n\n${parts.join('\n\n')}`
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
