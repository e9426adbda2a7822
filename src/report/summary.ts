/** The job summary: what was published where, as Markdown with every untrusted string escaped. */
import { formatBytes } from './progress.ts'
import { escapeHtml } from './escape.ts'
import type { RunResult } from './run-result.ts'

const STATUS_LABEL = { added: 'added', updated: 'updated', unchanged: 'unchanged' } as const
const DRY_LABEL = { added: 'would add', updated: 'would update', unchanged: 'unchanged' } as const

export function renderSummary(result: RunResult): string {
  const lines: string[] = []
  const repoLink = `<a href="${escapeHtml(result.repo.url)}">${escapeHtml(result.repo.name)}</a>`
  lines.push(`## Hugging Face Hub: ${result.dryRun ? 'dry run' : result.changed ? 'published' : 'already up to date'}`)
  lines.push('')
  lines.push(`<p>Repo ${repoLink} (${result.repo.type}), branch <code>${escapeHtml(result.branch)}</code>.</p>`)
  lines.push(`<p>${headline(result)}</p>`)
  lines.push('')
  const labels = result.dryRun ? DRY_LABEL : STATUS_LABEL
  const rows = result.files.map(
    (f) =>
      `<tr><td><code>${escapeHtml(f.pathInRepo)}</code></td><td>${labels[f.status]}</td><td align="right">${formatBytes(f.size)}</td><td><code>${f.sha256.slice(0, 16)}…</code></td></tr>`
  )
  lines.push(`<table><tr><th>Path in repo</th><th>Status</th><th>Size</th><th>SHA-256</th></tr>${rows.join('')}</table>`)
  lines.push('')
  return lines.join('\n')
}

function headline(result: RunResult): string {
  const counts = { added: 0, updated: 0, unchanged: 0 }
  for (const f of result.files) counts[f.status]++
  const tally = `${counts.added} added, ${counts.updated} updated, ${counts.unchanged} unchanged`
  if (result.dryRun) return `Dry run: nothing was committed. The plan: ${tally}, ${formatBytes(result.bytesUploaded)} to upload.`
  if (!result.changed) {
    const at = result.commit ? ` at <a href="${escapeHtml(result.commit.url)}"><code>${result.commit.oid.slice(0, 12)}</code></a>` : ''
    return `Every file is already on the Hub${at}; no commit was made.`
  }
  return `Commit <a href="${escapeHtml(result.commit!.url)}"><code>${result.commit!.oid.slice(0, 12)}</code></a>: ${tally}, ${formatBytes(result.bytesUploaded)} uploaded.`
}
