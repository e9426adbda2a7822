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
  'repo-move',
  'validate-yaml',
  'preupload',
  'lfs-batch',
  'lfs-upload',
  'lfs-part',
  'lfs-complete',
  'lfs-verify',
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
  'xet-write-token',
  'oauth-token'
] as const

export type RouteName = (typeof ROUTE_NAMES)[number]

/**
 * `unknown` marks requests that matched no route (answered 404, or 403 on storage); `redirect`
 * marks the 307 for an old name of a renamed repo that matched no route by itself.
 */
export type StatsRoute = RouteName | 'unknown' | 'redirect'

/** Which listener answered: the Hub API origin, or the storage origin that stands in for S3. */
export type Surface = 'hub' | 'storage'

export interface FaultRule {
  route: RouteName
  /** Only requests with this HTTP method (case-insensitive). */
  method?: string
  /** Only requests whose path (without query) contains this string, e.g. a repo name or `/tag/`. */
  pathIncludes?: string
  /** Let this many matching requests through untouched before the rule starts to hit. */
  skip?: number
  /** How many matching requests the rule hits; default 1, -1 = until cleared. */
  times?: number

  /** Answer with this status instead of running the route. */
  status?: number
  /**
   * Body of a `status` answer (JSON unless a string); default: the Hub's or S3's error shape. A
   * function (in-process rules only; the control plane takes JSON) makes it from the request, for
   * a server that echoes what it was sent, its Authorization header included, as some gateways do.
   */
  body?: unknown
  /** Extra headers for the answer (a `status` answer or the route's real one). */
  headers?: Record<string, string>
  /** Seconds (or an HTTP date), sent as `Retry-After`. */
  retryAfter?: number | string
  /** Add `RateLimit` / `RateLimit-Policy` headers shaped like the Hub's (`t=` = retryAfter, else 55). */
  rateLimit?: boolean

  /** Read this many bytes of the request body, then destroy the socket; the route never runs. */
  resetRequestAtByte?: number
  /**
   * Send the status line, the headers and this many body bytes of the answer, then destroy the
   * socket. The route runs for real first (or the `status` answer is cut). An answer without a
   * body cannot be cut after its headers (the client would have all of it), so it is dropped.
   */
  resetResponseAtByte?: number
  /** The route runs for real, then the socket is destroyed before the status line. */
  dropResponse?: boolean
  /** The route runs for real, then its answer is replaced by this gateway error (CloudFront-style HTML). */
  gatewayError?: 502 | 503 | 504
  /** Wait this long before running the route (or before a `status` answer). */
  delayMs?: number
  /**
   * Hold the request until the test releases it: `true`/`'before'` holds it before the route runs,
   * `'after'` lets the route run and holds its answer. See FaultHandle.held().
   */
  hold?: boolean | 'before' | 'after'
  /**
   * Older spelling, kept for existing tests. Upload routes without `status`: read half the body (at
   * most 1 MiB), then reset. With `status`: cut that answer in half. Other routes: run the route,
   * then cut its answer after half of the body.
   */
  resetMidBody?: boolean
}

/** What a fault did to one request, in `stats.faults`. */
export interface FaultEvent {
  ruleId: string
  route: RouteName
  method: string
  path: string
  kind: FaultKind
}

export type FaultKind =
  'status' | 'reset-request' | 'reset-response' | 'drop-response' | 'gateway-error' | 'delay' | 'hold' | 'headers'

export interface RequestRecord {
  method: string
  /** Request path without the query string. */
  path: string
  /** Status sent, or 0 when the connection was cut before a status line went out. */
  status: number
  route: StatsRoute
  surface: Surface
  /** The fault applied to this request, if any. */
  fault?: FaultKind
}

export interface HubStats {
  /** Body bytes that arrived on lfs-upload and lfs-part (also partial and refused ones). */
  lfsBytesReceived: number
  requests: RequestRecord[]
  faults: FaultEvent[]
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
  /** Gated repos: files are served only to users in `gatedAccess` (GatedRepo otherwise). */
  gated?: false | 'auto' | 'manual'
  gatedAccess?: string[]
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
