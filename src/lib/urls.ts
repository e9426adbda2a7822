/**
 * Every page URL the action writes (summary, card, issue, outputs, trailers): Hub repos and
 * commits, GitHub repositories, commits and runs. One place, so they cannot drift apart.
 */

export interface HubRepoRef {
  type: 'model' | 'dataset' | 'space'
  name: string
}

/** `https://huggingface.co/ns/name` for a model, `…/datasets/ns/name`, `…/spaces/ns/name` otherwise. */
export function hubRepoUrl(hubUrl: string, repo: HubRepoRef): string {
  return `${hubUrl}/${repo.type === 'model' ? '' : `${repo.type}s/`}${repo.name}`
}

/** The repo's settings page, where its Trusted Publishers are configured. */
export function hubRepoSettingsUrl(hubUrl: string, repo: HubRepoRef): string {
  return `${hubRepoUrl(hubUrl, repo)}/settings`
}

/** A commit page under a Hub repo or a GitHub repository page: both are `<repo>/commit/<oid>`. */
export function commitUrl(repoUrl: string, oid: string): string {
  return `${repoUrl}/commit/${oid}`
}

/** A Hub commit of the target repo, as the action reports it. */
export function hubCommit(hubUrl: string, repo: HubRepoRef, oid: string): { oid: string; url: string } {
  return { oid, url: commitUrl(hubRepoUrl(hubUrl, repo), oid) }
}

/** `https://github.com/owner/repo` */
export function githubRepoUrl(serverUrl: string, fullName: string): string {
  return `${serverUrl}/${fullName}`
}

/** `https://github.com/owner/repo/actions/runs/<id>` */
export function githubRunUrl(serverUrl: string, fullName: string, runId: string | number): string {
  return `${githubRepoUrl(serverUrl, fullName)}/actions/runs/${runId}`
}
