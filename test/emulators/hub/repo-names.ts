// Repo designations and the URL spellings of repo types (hub-protocol.md §1).
import type { RepoDesignation, RepoRef, RepoType } from './types.ts'

const PLURAL_TO_TYPE: Record<string, RepoType> = { models: 'model', datasets: 'dataset', spaces: 'space' }

export function typeFromPlural(plural: string): RepoType | undefined {
  return PLURAL_TO_TYPE[plural]
}

export function isRepoType(value: unknown): value is RepoType {
  return value === 'model' || value === 'dataset' || value === 'space'
}

/** `ns/name` → model, `datasets/ns/name`, `spaces/ns/name`, or `{type, name}` as is. */
export function parseRepoDesignation(repo: RepoDesignation): RepoRef {
  if (typeof repo !== 'string') return repo
  const [first, ...rest] = repo.split('/')
  const type = first ? typeFromPlural(first) : undefined
  return type && rest.length === 2 ? { type, name: rest.join('/') } : { type: 'model', name: repo }
}

/** Prefix of git, LFS and resolve URLs: none for models, `datasets/`, `spaces/`. */
export function urlPrefix(type: RepoType): string {
  return type === 'model' ? '' : `${type}s/`
}

/** Repo names are case-insensitive on the Hub. */
export function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return a.type === b.type && a.name.toLowerCase() === b.name.toLowerCase()
}

/** `{origin}/{prefix}{ns}/{name}`, the repo's web URL. */
export function repoWebUrl(origin: string, repo: RepoRef): string {
  return `${origin}/${urlPrefix(repo.type)}${repo.name}`
}

// The Hub's rule for repo and namespace names: word characters, '.', '-', at most 96 characters,
// no '--' or '..', not starting or ending with '-' or '.'.
export function isValidRepoNamePart(part: string): boolean {
  return /^[\w.-]{1,96}$/.test(part) && !/--|\.\./.test(part) && !/^[-.]|[-.]$/.test(part)
}
