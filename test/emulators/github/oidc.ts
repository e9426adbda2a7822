/**
 * The emulator's stand-in for GitHub Actions' OIDC provider: the job's ID-token endpoint (what
 * `ACTIONS_ID_TOKEN_REQUEST_URL` points at, called by `core.getIDToken`) and the issuer's discovery
 * documents (`/.well-known/openid-configuration`, `/.well-known/jwks`).
 *
 * Real GitHub splits these over two hosts (the run's pipelines service and
 * token.actions.githubusercontent.com); here they are two path prefixes of the emulator:
 *
 *   issuer                `{url}/_oidc`
 *   discovery, keys       `{url}/_oidc/.well-known/openid-configuration`, `{url}/_oidc/.well-known/jwks`
 *   a job's token URL     `{url}/_pipelines/_apis/distributedtask/hubs/Actions/plans/{plan}/jobs/{job}/idtoken`
 *                         `?api-version=2.0` (the real one has a query too; `core.getIDToken` appends `&audience=…`)
 *
 * Tokens are RS256 JWTs signed with node:crypto (2048-bit RSA, generated per emulator on first use;
 * nothing is stored). Claims follow docs.github.com "OpenID Connect reference": string values, `nbf`
 * 10 minutes before `iat`, `exp` 5 minutes after it. Request tokens and ID tokens are secrets: they are
 * never logged or written to the data directory.
 */
import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  timingSafeEqual,
  type KeyObject
} from 'node:crypto'
import type { Model } from './model.ts'
import { userId } from './render.ts'
import type { Repo } from './store.ts'

export const ISSUER_PATH = '/_oidc'
export const OIDC_CONFIG_ROUTE = 'GET /_oidc/.well-known/openid-configuration'
export const JWKS_ROUTE = 'GET /_oidc/.well-known/jwks'
export const ID_TOKEN_ROUTE = 'GET /_pipelines/_apis/distributedtask/hubs/Actions/plans/{plan_id}/jobs/{job_id}/idtoken'

/** The consumer workflow of the first user's design (ADR-039), the job that publishes to the Hub. */
const DEFAULT_WORKFLOW_PATH = '.github/workflows/upload-hub.yml'
const DEFAULT_WORKFLOW_NAME = 'Upload to Hub'
const NOT_BEFORE_SECONDS = 600
const LIFETIME_SECONDS = 300

/** GitHub's `claims_supported`, as its discovery document lists them. */
const CLAIMS_SUPPORTED = [
  'sub',
  'aud',
  'exp',
  'iat',
  'iss',
  'jti',
  'nbf',
  'ref',
  'sha',
  'repository',
  'repository_id',
  'repository_owner',
  'repository_owner_id',
  'enterprise',
  'enterprise_id',
  'run_id',
  'run_number',
  'run_attempt',
  'actor',
  'actor_id',
  'workflow',
  'workflow_ref',
  'workflow_sha',
  'head_ref',
  'base_ref',
  'event_name',
  'ref_type',
  'ref_protected',
  'environment',
  'environment_node_id',
  'job_workflow_ref',
  'job_workflow_sha',
  'repository_visibility',
  'runner_environment',
  'issuer_scope',
  'check_run_id'
]

export interface OidcJobSeed {
  /** The job's workflow file, for `workflow_ref` and `job_workflow_ref`. Default `.github/workflows/upload-hub.yml`. */
  workflowPath?: string
  /** The job's `environment:`; adds the `environment` claim and makes `sub` `repo:…:environment:<name>`. */
  environment?: string
  /**
   * `sub` format: `legacy` (`repo:owner/name:…`, default) or `immutable` (`repo:owner@id/name@id:…`,
   * GitHub's default for repositories created after 2026-07-15).
   */
  subjectFormat?: 'legacy' | 'immutable'
  /** Any claim, as GitHub writes it (strings); `null` leaves a claim out. Applied last, `sub` included. */
  claims?: Record<string, string | null>
}

/** A job that "has" `permissions: id-token: write`. */
export interface OidcJob {
  id: string
  /** What the runner puts in such a job's environment; pass it to the action's process. */
  env: { ACTIONS_ID_TOKEN_REQUEST_URL: string; ACTIONS_ID_TOKEN_REQUEST_TOKEN: string }
  /** The job's claims (everything but `aud`, `iss`, `jti`, `iat`, `nbf`, `exp`). */
  claims: Record<string, string>
  /** ID tokens minted for this job so far (through its endpoint or `mintIdToken`). */
  readonly issued: number
}

export interface MintOptions {
  /** `aud`; default GitHub's, the owner's URL `https://github.com/<owner>`. */
  audience?: string
  /** Seconds since the epoch for `iat` (default now); `nbf` and `exp` follow it. */
  issuedAt?: number
  /** Final say over the payload: any claim (e.g. `exp` in the past); `null` removes one. */
  claims?: Record<string, unknown>
  /** Final say over the header (e.g. another `kid`, `alg: 'none'`); `null` removes a field. */
  header?: Record<string, unknown>
  /** `published` (default): the key in the JWKS. `unpublished`: a key the JWKS does not list. */
  signWith?: 'published' | 'unpublished'
}

interface SigningKey {
  kid: string
  privateKey: KeyObject
  jwk: Record<string, unknown>
}

interface JobState {
  planId: string
  requestToken: string
  claims: Record<string, string>
  owner: string
  issued: number
}

/** What an OIDC route answers; the server adds nothing but Content-Length. */
export interface OidcAnswer {
  status: number
  json: unknown
  headers?: Record<string, string>
}

export class OidcProvider {
  private published: SigningKey[] = []
  private unpublished: SigningKey | undefined
  private readonly jobs = new Map<string, JobState>()
  private runIds = 29_000_000_001

  constructor(
    private readonly model: Model,
    private readonly clock: () => Date,
    private readonly baseUrl: () => string
  ) {}

  get issuer(): string {
    return `${this.baseUrl()}${ISSUER_PATH}`
  }

  /** The `kid` that new tokens carry. */
  get currentKid(): string {
    return this.current().kid
  }

  addJob(repository: string, seed: OidcJobSeed = {}): OidcJob {
    const repo = this.model.repoOrCreate(repository)
    const id = randomUUID()
    const planId = randomUUID()
    const state: JobState = {
      planId,
      requestToken: runtimeToken(),
      claims: jobClaims(repo, String(this.runIds++), seed),
      owner: repo.owner,
      issued: 0
    }
    this.jobs.set(id, state)
    const url =
      `${this.baseUrl()}/_pipelines/_apis/distributedtask/hubs/Actions/plans/${planId}/jobs/${id}/idtoken` +
      '?api-version=2.0'
    return {
      id,
      env: { ACTIONS_ID_TOKEN_REQUEST_URL: url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: state.requestToken },
      claims: { ...state.claims },
      get issued() {
        return state.issued
      }
    }
  }

  /** Signs an ID token for a job directly, e.g. one that is expired or has a foreign key. */
  mintIdToken(jobId: string, options: MintOptions = {}): string {
    const job = this.jobs.get(jobId)
    if (!job) throw new Error(`no OIDC job ${jobId}; create one with oidc.addJob`)
    job.issued++
    const iat = options.issuedAt ?? Math.floor(this.clock().getTime() / 1000)
    const { sub, ...custom } = job.claims
    const payload = dropNulls({
      jti: randomUUID(),
      ...(sub === undefined ? {} : { sub }),
      aud: options.audience ?? `https://github.com/${job.owner}`,
      ...custom,
      iss: this.issuer,
      nbf: iat - NOT_BEFORE_SECONDS,
      exp: iat + LIFETIME_SECONDS,
      iat,
      ...options.claims
    })
    const key = options.signWith === 'unpublished' ? this.unpublishedKey() : this.current()
    const header = dropNulls({ alg: 'RS256', kid: key.kid, typ: 'JWT', ...options.header })
    const signingInput = `${base64urlJson(header)}.${base64urlJson(payload)}`
    const signature = sign('sha256', Buffer.from(signingInput), key.privateKey).toString('base64url')
    return `${signingInput}.${signature}`
  }

  /** A new signing key; the old one stays in the JWKS unless `retireOld`, as providers overlap keys. */
  rotateSigningKey({ retireOld = false }: { retireOld?: boolean } = {}): string {
    const key = newKey()
    this.published = retireOld ? [key] : [key, ...this.published]
    return key.kid
  }

  configuration() {
    return {
      issuer: this.issuer,
      jwks_uri: `${this.issuer}/.well-known/jwks`,
      subject_types_supported: ['public', 'pairwise'],
      response_types_supported: ['id_token'],
      claims_supported: CLAIMS_SUPPORTED,
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid']
    }
  }

  jwks() {
    this.current()
    return { keys: this.published.map((k) => k.jwk) }
  }

  /** Answers the job's ID-token request the way the runner's token service does. */
  idTokenRequest(
    params: Record<string, string>,
    query: URLSearchParams,
    authorization: string | undefined
  ): OidcAnswer {
    const job = this.jobs.get(params.job_id ?? '')
    if (!job || job.planId !== params.plan_id) return { status: 404, json: { message: 'Job not found.' } }
    const presented = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1]
    if (!presented || !sameSecret(presented, job.requestToken)) {
      return { status: 401, json: { message: 'Unauthorized: the request token is missing or not valid for this job.' } }
    }
    const audience = query.get('audience') ?? undefined
    return { status: 200, json: { value: this.mintIdToken(params.job_id ?? '', { audience }) } }
  }

  private current(): SigningKey {
    if (this.published.length === 0) this.published = [newKey()]
    return this.published[0] as SigningKey
  }

  private unpublishedKey(): SigningKey {
    this.unpublished ??= newKey()
    return this.unpublished
  }
}

/** GitHub's claim set for a job of `repo`'s publishing workflow, triggered by `workflow_run` on the default branch. */
function jobClaims(repo: Repo, runId: string, seed: OidcJobSeed): Record<string, string> {
  const ref = seed.claims?.ref ?? `refs/heads/${repo.default_branch}`
  const sha = createHash('sha1').update(`oidc:${repo.full_name}:${runId}`).digest('hex')
  const workflowRef = `${repo.full_name}/${seed.workflowPath ?? DEFAULT_WORKFLOW_PATH}@${ref}`
  const claims: Record<string, string | null | undefined> = {
    ref,
    sha,
    repository: repo.full_name,
    repository_owner: repo.owner,
    repository_owner_id: String(userId(repo.owner)),
    run_id: runId,
    run_number: '1',
    run_attempt: '1',
    repository_visibility: repo.private ? 'private' : 'public',
    repository_id: String(repo.id),
    actor_id: String(userId(repo.owner)),
    actor: repo.owner,
    workflow: DEFAULT_WORKFLOW_NAME,
    head_ref: '',
    base_ref: '',
    event_name: 'workflow_run',
    ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    ref_protected: 'false',
    ...(seed.environment === undefined ? {} : { environment: seed.environment }),
    workflow_ref: workflowRef,
    workflow_sha: sha,
    job_workflow_ref: workflowRef,
    job_workflow_sha: sha,
    runner_environment: 'github-hosted'
  }
  const merged = { ...claims, ...seed.claims }
  const subject = subjectOf(repo, merged, seed.subjectFormat ?? 'legacy')
  return dropNulls({ sub: subject, ...merged })
}

/** `repo:<owner>/<name>:environment:<env>`, `…:pull_request`, or `…:ref:<ref>`; `:` in values becomes `%3A`. */
function subjectOf(repo: Repo, claims: Record<string, string | null | undefined>, format: 'legacy' | 'immutable') {
  const escape = (value: string) => value.replaceAll(':', '%3A')
  const [owner, name] = repo.full_name.split('/') as [string, string]
  const repoPart = format === 'immutable' ? `${owner}@${userId(repo.owner)}/${name}@${repo.id}` : `${owner}/${name}`
  if (claims.environment) return `repo:${repoPart}:environment:${escape(claims.environment)}`
  if (claims.event_name?.startsWith('pull_request')) return `repo:${repoPart}:pull_request`
  return `repo:${repoPart}:ref:${escape(claims.ref ?? '')}`
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const kid = randomUUID()
  const { n, e } = publicKey.export({ format: 'jwk' })
  return { kid, privateKey, jwk: { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n, e } }
}

/** Opaque like the runner's (itself a JWT); only its exact value is checked. */
function runtimeToken(): string {
  const header = base64urlJson({ typ: 'JWT', alg: 'RS256', x5t: randomBytes(20).toString('base64url') })
  const body = base64urlJson({ nameid: 'dddddddd-dddd-dddd-dddd-dddddddddddd', scp: 'Actions.GenericRead:00000000' })
  return `${header}.${body}.${randomBytes(64).toString('base64url')}`
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function dropNulls<T>(record: Record<string, T | null | undefined>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined)) as Record<
    string,
    T
  >
}
