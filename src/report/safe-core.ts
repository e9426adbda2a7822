/**
 * The one gate between the action and the runner: every log line, annotation, group name, output
 * and the job summary goes through it, so no call site can forget to scrub what it writes.
 *
 * - Everything is scrubbed (`report/scrub.ts`): secrets, URL queries, control characters.
 * - Annotations and the summary are capped, saying how much was left out.
 * - `core.info` escapes nothing: a line that starts with `::` (or holds `##[`) is a command to the
 *   runner. Annotations, group names and outputs already go through the toolkit's command escaping
 *   (their text cannot leave the command's line); an info message that could be read as a command
 *   is written between `::stop-commands::<token>` and `::<token>::`, the runner's own way of showing
 *   untrusted text verbatim. The token is random per block, so the text cannot end the block early.
 *
 * `safeGitHub` is the same gate for what the action writes to GitHub: the failure issue and its
 * comments (often public).
 */
import { randomBytes } from 'node:crypto'
import type { ActionCore } from '../deps.ts'
import type { GitHubApi } from '../github/github-api.ts'
import { capDocument, capText, mayContainCommand, type Scrubber } from './scrub.ts'

/** Annotations longer than this are cut; the full text of a failure is in the failure issue. */
export const MAX_ANNOTATION_CHARS = 4000
/** GitHub drops a step's job summary above 1 MiB. */
export const MAX_SUMMARY_BYTES = 1024 * 1024

export function safeCore(
  inner: ActionCore,
  scrubber: Scrubber,
  newToken: () => string = () => randomBytes(16).toString('hex')
): ActionCore {
  const clean = (text: string) => scrubber.text(text)
  const annotation = (text: string) => capText(clean(text), MAX_ANNOTATION_CHARS)
  return {
    getInput: (name) => inner.getInput(name),
    setSecret(secret) {
      scrubber.addSecret(secret)
      inner.setSecret(secret)
    },
    setOutput: (name, value) => inner.setOutput(name, clean(value)),
    setFailed: (message) => inner.setFailed(annotation(message)),
    info(message) {
      const text = clean(message)
      if (!mayContainCommand(text)) return inner.info(text)
      let token = newToken()
      while (text.toLowerCase().includes(token.toLowerCase())) token = newToken()
      inner.info(`::stop-commands::${token}`)
      inner.info(text)
      inner.info(`::${token}::`)
    },
    warning: (message) => inner.warning(annotation(message)),
    notice: (message) => inner.notice(annotation(message)),
    debug: (message) => inner.debug(clean(message)),
    group: (name, fn) => inner.group(clean(name), fn),
    writeSummary: (markdown) => inner.writeSummary(capDocument(clean(markdown), MAX_SUMMARY_BYTES, 'Summary'))
  }
}

/** The GitHub API with every title, body and comment scrubbed; reads pass through. */
export function safeGitHub(inner: GitHubApi, scrubber: Scrubber): GitHubApi {
  const clean = (text: string) => scrubber.text(text)
  return {
    getRepo: () => inner.getRepo(),
    getWorkflowRun: (runId) => inner.getWorkflowRun(runId),
    listSuccessfulRuns: (workflowFile, filter) => inner.listSuccessfulRuns(workflowFile, filter),
    listRunArtifacts: (runId) => inner.listRunArtifacts(runId),
    listOpenIssues: (labels) => inner.listOpenIssues(labels),
    createIssue: (issue) => inner.createIssue({ ...issue, title: clean(issue.title), body: clean(issue.body) }),
    commentOnIssue: (issueNumber, body) => inner.commentOnIssue(issueNumber, clean(body)),
    closeIssue: (issueNumber) => inner.closeIssue(issueNumber)
  }
}
