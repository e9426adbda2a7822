/**
 * The failure issue's text. Pure. One issue per target (Hub repo + branch + publishing
 * workflow) is found again through a hidden marker; untrusted text (error messages can quote
 * artifact names or Hub answers) is fenced so it cannot ping people or inject Markdown.
 */
import type { Stage } from '../errors.ts'
import { describeAuth, type AuthMethod } from '../hub/auth/auth-method.ts'
import { escapeCode as code, escapeHtml, fencedCode } from '../lib/markdown.ts'

export interface FailureFacts {
  stage: Stage
  message: string
  target: { type: string; name: string; branch: string; url: string }
  /** Name of the publishing workflow. */
  workflow: string
  trainRun?: { id: number; url: string; headSha: string; headBranch?: string | null; attempt?: number }
  thisRunUrl?: string
  sourceCommitUrl?: string
  actor?: string
  /** File name of the publishing workflow, for the re-run command, when known. */
  workflowFile?: string
  /** How the run authenticated with the Hub (never the token). */
  auth?: AuthMethod
}

const MAX_MESSAGE = 8000

/** The hidden marker that identifies the open issue for one target. */
export function failureMarker(target: FailureFacts['target'], workflow: string): string {
  const clean = (s: string) => s.replace(/-->|[\r\n]/g, '')
  return (
    `<!-- hf-upload-action:failure target=${clean(`${target.type}:${target.name}@${target.branch}`)} ` +
    `workflow=${clean(workflow)} -->`
  )
}

export function renderFailureIssue(facts: FailureFacts): { title: string; body: string } {
  return {
    title: `Publishing to the Hugging Face Hub failed: ${facts.target.name}`,
    body: [failureMarker(facts.target, facts.workflow), '', renderFailureDetails(facts)].join('\n')
  }
}

/** What a repeated failure adds as a comment. */
export function renderRepeatComment(facts: FailureFacts): string {
  return `Failed again.\n\n${renderFailureDetails(facts)}`
}

export function renderRecoveryComment(recovery: { commitUrl?: string; thisRunUrl?: string; changed: boolean }): string {
  const what = recovery.commitUrl
    ? `${recovery.changed ? 'Published' : 'Verified, nothing to change'}: ${recovery.commitUrl}`
    : 'The latest run succeeded.'
  const run = recovery.thisRunUrl ? `\n\nRun: ${recovery.thisRunUrl}` : ''
  return `${what}${run}\n\nClosing this issue.`
}

function renderFailureDetails(facts: FailureFacts): string {
  const lines = [
    `**Stage:** ${STAGE_NAMES[facts.stage]}`,
    `**Target:** [${escapeHtml(facts.target.name)}](${facts.target.url}) (${facts.target.type}, branch ` +
      `\`${code(facts.target.branch)}\`)`
  ]
  if (facts.trainRun) {
    const attempt = facts.trainRun.attempt ? ` (attempt ${facts.trainRun.attempt})` : ''
    lines.push(`**Train run:** [${facts.trainRun.id}](${facts.trainRun.url})${attempt}`)
  }
  if (facts.thisRunUrl) lines.push(`**This run:** ${facts.thisRunUrl}`)
  const sha = facts.trainRun?.headSha
  if (sha)
    lines.push(
      `**Source commit:** ` +
        `${facts.sourceCommitUrl ? `[\`${sha.slice(0, 12)}\`](${facts.sourceCommitUrl})` : `\`${code(sha)}\``}`
    )
  if (facts.actor) lines.push(`**Actor:** \`${code(facts.actor)}\``)
  if (facts.auth) lines.push(`**Authentication:** ${describeAuth(facts.auth)}`)
  lines.push('', '**Error:**', '', fence(facts.message), '', rerunHint(facts))
  return lines.join('\n')
}

function rerunHint(facts: FailureFacts): string {
  const workflow = facts.workflowFile ?? '<publishing workflow file>'
  const runId = facts.trainRun ? String(facts.trainRun.id) : '<train run id>'
  return [
    '**To re-run** once the cause is fixed, dispatch the publishing workflow with the Train run id:',
    '',
    '```sh',
    `gh workflow run ${code(workflow)} -f run-id=${runId}`,
    '```',
    '',
    'This issue closes itself on the next successful publish.'
  ].join('\n')
}

const STAGE_NAMES: Record<Stage, string> = {
  inputs: 'inputs',
  trigger: 'trigger (which Train run may be published)',
  download: 'download (Train run artifacts)',
  plan: 'upload (planning the commit)',
  gate: 'gate (the metric did not improve)',
  upload: 'upload (Hub commit)',
  verify: 'verify (files on the Hub)',
  report: 'report'
}

/** The message in a fenced block it cannot break out of (lib/markdown.ts), cut to length. */
function fence(text: string): string {
  return fencedCode(text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}\n… (truncated)` : text, 'text')
}
