/** Default commit title and description, naming where the files came from. */

export interface SourceFacts {
  repository?: string
  sha?: string
  runId?: string
  serverUrl?: string
}

export function sourceFactsFromEnv(env: Readonly<Record<string, string | undefined>>): SourceFacts {
  return { repository: env.GITHUB_REPOSITORY, sha: env.GITHUB_SHA, runId: env.GITHUB_RUN_ID, serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com' }
}

export function defaultCommitTitle(fileCount: number, facts: SourceFacts): string {
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`
  if (!facts.repository) return `Publish ${files} with hf-upload-action`
  const at = facts.sha ? `@${facts.sha.slice(0, 7)}` : ''
  const run = facts.runId ? ` (run ${facts.runId})` : ''
  return `Publish ${files} from ${facts.repository}${at}${run}`
}

export function defaultCommitDescription(facts: SourceFacts): string | undefined {
  if (!facts.repository) return undefined
  const lines = [`Source-Repository: ${facts.serverUrl}/${facts.repository}`]
  if (facts.sha) lines.push(`Source-Commit: ${facts.sha}`)
  if (facts.runId) lines.push(`Workflow-Run: ${facts.serverUrl}/${facts.repository}/actions/runs/${facts.runId}`)
  return lines.join('\n')
}
