// Repo info bodies (E1, E11): the default full body (shaped like fixture 10-model-info-200.json) or,
// with `expand`, only `_id`, `id` and the requested fields. Card data comes from README.md's YAML
// front matter at the requested revision, read by the same validator as /api/validate-yaml.
import { validateCard } from './card-validator.ts'
import type { HubStore } from './store.ts'
import type { CommitRecord, RepoRecord, RepoType } from './types.ts'

// Keys of the default (non-expanded) body, per repo type, in the Hub's order.
const DEFAULT_FIELDS: Record<RepoType, string[]> = {
  model: [
    '_id',
    'id',
    'private',
    'pipeline_tag',
    'library_name',
    'tags',
    'downloads',
    'likes',
    'modelId',
    'author',
    'sha',
    'lastModified',
    'gated',
    'disabled',
    'model-index',
    'cardData',
    'siblings',
    'spaces',
    'createdAt',
    'usedStorage'
  ],
  dataset: [
    '_id',
    'id',
    'author',
    'sha',
    'lastModified',
    'private',
    'gated',
    'disabled',
    'tags',
    'downloads',
    'likes',
    'cardData',
    'siblings',
    'createdAt',
    'usedStorage'
  ],
  space: [
    '_id',
    'id',
    'author',
    'sha',
    'lastModified',
    'private',
    'gated',
    'disabled',
    'tags',
    'likes',
    'sdk',
    'cardData',
    'siblings',
    'createdAt',
    'usedStorage'
  ]
}

export interface RepoInfoRequest {
  repo: RepoRecord
  commit: CommitRecord
  /** Requested `expand` fields; empty → default body. */
  expand: string[]
  /** `blobs=true`: siblings carry blobId, size and lfs. */
  blobs: boolean
}

export async function buildRepoInfo(store: HubStore, request: RepoInfoRequest): Promise<Record<string, unknown>> {
  const { repo, commit } = request
  const card = await readCardData(store, repo, commit)
  const fields = request.expand.length > 0 ? ['_id', 'id', ...request.expand] : DEFAULT_FIELDS[repo.type]
  const body: Record<string, unknown> = {}
  for (const field of fields) {
    const value = fieldValue(field, request, card)
    // Fields the emulator cannot derive (e.g. safetensors, inference) are left out, as the Hub
    // leaves out fields that do not apply to a repo.
    if (value !== undefined) body[field] = value
  }
  return body
}

function fieldValue(
  field: string,
  { repo, commit, blobs }: RepoInfoRequest,
  card: Record<string, unknown> | undefined
): unknown {
  const [namespace] = repo.name.split('/')
  switch (field) {
    case '_id':
      return repo.id
    case 'id':
      return repo.name
    case 'modelId':
      return repo.type === 'model' ? repo.name : undefined
    case 'author':
      return namespace
    case 'sha':
      return commit.oid
    case 'lastModified':
      return commit.date
    case 'createdAt':
      return repo.createdAt
    case 'private':
      return repo.private
    case 'gated':
      return repo.gated ?? false
    case 'disabled':
      return false
    case 'downloads':
      return repo.type === 'space' ? undefined : 0
    case 'downloadsAllTime':
      return repo.type === 'space' ? undefined : 0
    case 'likes':
      return 0
    case 'trendingScore':
      return 0
    case 'xetEnabled':
      return false
    case 'pipeline_tag':
      return stringOrUndefined(card?.pipeline_tag)
    case 'library_name':
      return stringOrUndefined(card?.library_name)
    case 'model-index':
      return repo.type === 'model' ? (card?.['model-index'] ?? null) : undefined
    case 'cardData':
      return card
    case 'tags':
      return deriveTags(repo.type, card)
    case 'siblings':
      return siblings(commit, blobs)
    case 'spaces':
      return repo.type === 'model' || repo.type === 'dataset' ? [] : undefined
    case 'sdk':
      return repo.type === 'space' ? (stringOrUndefined(card?.sdk) ?? repo.sdk) : undefined
    case 'usedStorage':
      return Object.values(commit.files).reduce((total, file) => total + file.size, 0)
    default:
      return undefined
  }
}

function siblings(commit: CommitRecord, blobs: boolean): Array<Record<string, unknown>> {
  return Object.entries(commit.files).map(([path, file]) => {
    if (!blobs) return { rfilename: path }
    const lfs = file.lfs && { sha256: file.lfs.oid, size: file.lfs.size, pointerSize: file.lfs.pointerSize }
    return { rfilename: path, blobId: file.oid, size: file.size, ...(lfs && { lfs }) }
  })
}

// The Hub derives tags from the card: library, card tags, task, languages, datasets, license, region.
function deriveTags(type: RepoType, card: Record<string, unknown> | undefined): string[] {
  const tags = [
    stringOrUndefined(card?.library_name),
    ...stringList(card?.tags),
    type === 'model' ? stringOrUndefined(card?.pipeline_tag) : undefined,
    ...stringList(card?.language),
    ...stringList(card?.datasets).map((dataset) => `dataset:${dataset}`),
    ...stringList(card?.license).map((license) => `license:${license}`),
    'region:us'
  ]
  return [...new Set(tags.filter((tag): tag is string => typeof tag === 'string'))]
}

/**
 * Metadata of README.md at that commit, as the card validator reads it: absent, stored in LFS (the
 * Hub does not parse those), unreadable or invalid (possible only after tampering, since commits
 * with invalid metadata are refused) → undefined.
 */
export async function readCardData(
  store: HubStore,
  repo: RepoRecord,
  commit: CommitRecord
): Promise<Record<string, unknown> | undefined> {
  const readme = commit.files['README.md']
  if (!readme || readme.lfs || readme.size > 5 * 1024 * 1024) return undefined
  const content = await store.readContent(repo, readme)
  return content ? validateCard(content.toString('utf8'), repo.type).metadata : undefined
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}
