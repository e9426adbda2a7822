// Types shared by the Hub emulator modules: public option/fault shapes and the records it keeps on disk.

export type RepoType = 'model' | 'dataset' | 'space'

export interface RepoRef {
  type: RepoType
  /** `namespace/name` */
  name: string
}

/** A repo as tests like to write it: `{type, name}`, or `ns/name`, `datasets/ns/name`, `spaces/ns/name`. */
export type RepoDesignation = RepoRef | string

export type TokenRole = 'write' | 'read'

export interface TokenGrant {
  user: string
  role?: TokenRole
}

/** Stable names of the emulated endpoints, used by fault rules and by `stats.requests[].route`. */
export const ROUTE_NAMES = [
  'whoami',
  'repo-info',
  'repo-create',
  'repo-delete',
  'preupload',
  'lfs-batch',
  'lfs-upload',
  'lfs-part',
  'lfs-complete',
  'commit',
  'tree',
  'paths-info',
  'model-info',
  'commits',
  'branch',
  'tag',
  'refs',
  'resolve',
  'lfs-blob',
  'oauth-token'
] as const

export type RouteName = (typeof ROUTE_NAMES)[number]

/** `unknown` marks requests that matched no route (answered 404). */
export type StatsRoute = RouteName | 'unknown'

export interface FaultRule {
  route: RouteName
  /** Only requests with this HTTP method (case-insensitive). */
  method?: string
  /** How many matching requests the rule hits; default 1, -1 = until cleared. */
  times?: number
  /** Answer with this status instead of running the route. */
  status?: number
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number
  /** Add `RateLimit` / `RateLimit-Policy` headers shaped like the Hub's. */
  rateLimit?: boolean
  /** Wait this long before answering (or before running the route). */
  delayMs?: number
  /**
   * Upload routes (lfs-upload, lfs-part): read part of the request body, then destroy the socket.
   * Other routes: send the headers and part of the body, then destroy the socket. Without `status`
   * the route runs for real first, so e.g. a commit is applied although the client sees a failure.
   */
  resetMidBody?: boolean
  /** Body of the faulted answer (JSON unless a string); default `{"error": "..."}`. */
  body?: unknown
}

export interface RequestRecord {
  method: string
  /** Request path without the query string. */
  path: string
  /** Status sent, or 0 when the connection was cut before a status line went out. */
  status: number
  route: StatsRoute
}

export interface HubStats {
  lfsBytesReceived: number
  requests: RequestRecord[]
}

// ---- records stored in dataDir ----

export interface LfsInfo {
  /** SHA-256 of the content */
  oid: string
  size: number
  /** Size of the git-lfs pointer file that git stores instead of the content. */
  pointerSize: number
}

/** A file in a commit's snapshot, in the Hub's wire shape minus `type`/`path`. */
export interface StoredFile {
  /** git blob SHA-1 of what git stores (the pointer file for LFS files) */
  oid: string
  /** Size reported by listings (the real content size, also for LFS files) */
  size: number
  lfs?: LfsInfo
}

export interface CommitRecord {
  oid: string
  /** git tree SHA-1 of the snapshot */
  tree: string
  parents: string[]
  title: string
  message: string
  author: string
  /** ISO-8601 with milliseconds and Z */
  date: string
  /** Full snapshot: repo-relative path → file */
  files: Record<string, StoredFile>
}

export interface RepoRecord {
  /** 24-hex object id, like the Hub's `_id` */
  id: string
  type: RepoType
  name: string
  private: boolean
  createdAt: string
  sdk?: string
}

export interface TagRecord {
  oid: string
  message?: string
}

export interface RefsRecord {
  branches: Record<string, string>
  tags: Record<string, TagRecord>
  /** PR number → head commit of `refs/pr/<n>` */
  pullRequests: Record<string, string>
}
