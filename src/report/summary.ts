/** The job summary: what happened where, as Markdown with every untrusted string escaped. */
import { describeAuth } from '../hub/auth/auth-method.ts'
import { renderHistoryTable } from '../history/history.ts'
import { renderRollbackSummary } from '../rollback/rollback-plan.ts'
import { formatBytes } from '../lib/format.ts'
import { escapeHtml, htmlLink } from '../lib/markdown.ts'
import { changedFirst, statusTally } from './file-lines.ts'
import type { RunResult } from './run-result.ts'

const STATUS_LABEL = { added: 'added', updated: 'updated', unchanged: 'unchanged' } as const
const DRY_LABEL = { added: 'would add', updated: 'would update', unchanged: 'unchanged' } as const

export function renderSummary(result: RunResult): string {
  const repoLink = htmlLink(escapeHtml(result.repo.name), result.repo.url)
  const where =
    `<p>Repo ${repoLink} (${result.repo.type}), branch <code>${escapeHtml(result.branch)}</code>. ` +
    `Authentication: ${describeAuth(result.auth)}.</p>`
  switch (result.mode) {
    case 'history':
      return [
        `## Hugging Face Hub: publish history`,
        '',
        where,
        '',
        renderHistoryTable(result.history ?? [], result.repo.url),
        '',
        result.trend ?? '',
        ''
      ].join('\n')
    case 'rollback':
      return [
        `## Hugging Face Hub: ` +
          `${result.dryRun ? 'rollback plan (dry run)' : result.changed ? 'rolled back' : 'already at the target'}`,
        '',
        where,
        '',
        rollbackSection(result),
        ''
      ].join('\n')
    case 'verify':
      return [`## Hugging Face Hub: verified`, '', where, '', `<p>${verifiedLine(result)}</p>`, ''].join('\n')
    case 'publish':
      if (result.skippedTrainRun !== undefined) {
        return `## Hugging Face Hub: skipped\n\n<p>${escapeHtml(result.skippedTrainRun)}</p>\n`
      }
      return publishSummary(result, where)
  }
}

/** The summary of a failed run: where it failed, the error, and what it had found out until then. */
export function renderFailureSummary(stage: string, message: string, known: RunResult | undefined): string {
  const lines = [`## Hugging Face Hub: failed (${escapeHtml(stage)})`, '', `<pre>${escapeHtml(message)}</pre>`]
  if (known?.commit) {
    lines.push(
      '',
      `<p>A commit landed before the failure: ` +
        `${htmlLink(`<code>${escapeHtml(known.commit.oid)}</code>`, known.commit.url)}` +
        `${known.verified === false ? ', and verification found problems with it' : ''}.</p>`
    )
  }
  return [...lines, ''].join('\n')
}

function publishSummary(result: RunResult, where: string): string {
  const title = result.dryRun
    ? 'dry run'
    : result.skippedReason
      ? 'not published (metric gate)'
      : result.pullRequestUrl
        ? 'pull request opened'
        : result.changed
          ? 'published'
          : 'already up to date'
  const lines = [`## Hugging Face Hub: ${title}`, '', where, `<p>${headline(result)}</p>`]
  if (result.gate) lines.push(`<p>Metric gate: ${escapeHtml(result.gate.reason)}</p>`)
  if (result.verified !== undefined) lines.push(`<p>${verifiedLine(result)}</p>`)
  if (result.tag) lines.push(`<p>Tagged <code>${escapeHtml(result.tag)}</code>.</p>`)
  lines.push('', fileTable(result), '')
  if (result.trend) lines.push(result.trend, '')
  return lines.join('\n')
}

/**
 * Rows of the file table. GitHub drops a summary over 1 MiB; with paths of up to a few hundred
 * bytes this many rows stay well below it (the writer still cuts as a last resort).
 */
export const MAX_SUMMARY_FILE_ROWS = 1000

function fileTable(result: RunResult): string {
  const labels = result.dryRun ? DRY_LABEL : STATUS_LABEL
  const ordered = changedFirst(result.files)
  const rows = ordered
    .slice(0, MAX_SUMMARY_FILE_ROWS)
    .map(
      (f) =>
        `<tr><td><code>${escapeHtml(f.pathInRepo)}</code></td><td>${labels[f.status]}</td><td ` +
        `align="right">${formatBytes(f.size)}</td><td><code>${f.sha256.slice(0, 16)}…</code></td></tr>`
    )
  const left = ordered.length - rows.length
  const more = left > 0 ? `\n\n<p>… and ${left} more files, not shown (the files output lists them).</p>` : ''
  return (
    `<table><tr><th>Path in repo</th><th>Status</th><th>Size</th><th>SHA-256</th></tr>${rows.join('')}</table>` + more
  )
}

function headline(result: RunResult): string {
  const tally = statusTally(result.files)
  if (result.dryRun)
    return `Dry run: nothing was committed. The plan: ${tally}, ${formatBytes(result.bytesUploaded)} to upload.`
  if (result.skippedReason) return `Nothing was committed: ${escapeHtml(result.skippedReason)}`
  const commitLink = result.commit
    ? htmlLink(`<code>${escapeHtml(result.commit.oid.slice(0, 12))}</code>`, result.commit.url)
    : ''
  if (result.pullRequestUrl)
    return (
      `Opened ${htmlLink('a pull request on the Hub', result.pullRequestUrl)} (commit ${commitLink}) instead of ` +
      `committing to the branch: ${tally}.`
    )
  if (!result.changed)
    return `Every file is already on the Hub${commitLink ? ` at ${commitLink}` : ''}; no commit was made.`
  return `Commit ${commitLink}: ${tally}, ${formatBytes(result.bytesUploaded)} uploaded.`
}

function verifiedLine(result: RunResult): string {
  const at = result.verifiedRevision ?? result.commit?.oid
  const where = at ? ` at <code>${escapeHtml(at.slice(0, 12))}</code>` : ''
  return result.verified
    ? `Verified on the Hub${where}: every expected file is there with the right size and hash.`
    : 'Verification failed.'
}

function rollbackSection(result: RunResult): string {
  if (!result.rollback) return ''
  const lines = [renderRollbackSummary(result.rollback.plan, result.rollback.target, result.repo.url)]
  lines.push(`<p>Target found as: ${escapeHtml(result.rollback.how)}.</p>`)
  if (result.commit && result.changed && !result.dryRun)
    lines.push(
      `<p>New commit ${htmlLink(`<code>${escapeHtml(result.commit.oid.slice(0, 12))}</code>`, result.commit.url)}; ` +
        `history is kept.</p>`
    )
  if (result.verified !== undefined)
    lines.push(
      `<p>${result.verified ? 'Verified: the branch tree now equals the target tree.' : 'Verification failed.'}</p>`
    )
  return lines.join('\n')
}
