// Trusted Publishers (hub-protocol.md §15, Hub docs `trusted-publishers.md`): a repo trusts an OIDC
// issuer plus exact-match claims, and `POST /oauth/token` exchanges a matching ID token (RFC 8693)
// for an `hf_jwt_…` token that reaches that one repo and expires `expiresIn` seconds later.
//
// The issuer's keys are fetched over HTTP at each exchange, from the configured issuer's
// `/.well-known/openid-configuration` and its `jwks_uri`, and only from loopback addresses (the
// GitHub emulator), so a misconfigured test can never reach the internet. Signatures are RS256,
// checked with node:crypto. Exchanged tokens are secrets: they live in memory only, are never
// logged, and never reach the data directory (which holds the publishers, which are not secret).
import { createHmac, createPublicKey, randomBytes, randomUUID, verify, type JsonWebKey } from 'node:crypto'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Identity } from './auth.ts'
import { isObject } from './http.ts'
import { isValidRepoNamePart, sameRepo, typeFromPlural, urlPrefix } from './repo-names.ts'
import type { RepoDesignation, RepoRef } from './types.ts'

export const HUB_AUDIENCE = 'https://huggingface.co'
/** The synthetic user pushes with an exchanged token are attributed to. */
export const OIDC_USER = '[OIDC]'
export const EXCHANGED_TOKEN_PREFIX = 'hf_jwt_'
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token'
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
const DEFAULT_EXPIRES_IN = 3600
const FETCH_TIMEOUT_MS = 5000
/** The same words for every refused exchange: the Hub never says which check failed. */
const GRANT_REFUSED = 'The subject token was not accepted for this resource'

/** What `whoami-v2` answers for an exchanged token (undocumented on the Hub; default: the unhelpful 401). */
export type ExchangedWhoami = 'unauthorized' | 'forbidden' | 'user'

export interface TrustedPublisherSpec {
  /** `ns/name` (model), `datasets/ns/name`, `spaces/ns/name`, or `{type, name}`. */
  repo: RepoDesignation
  /** Issuer URL exactly as the ID token's `iss` (for the GitHub emulator: `gh.oidc.issuer`). */
  issuer: string
  /** Claims that must all match exactly, e.g. `{repository: 'o/r', ref: 'refs/heads/main'}`. */
  claims: Record<string, string>
  /** "Read-only" in the Hub's settings: the token may read the repo but not write to it. */
  readOnly?: boolean
}

export interface TrustedPublisher {
  id: string
  repo: RepoRef
  issuer: string
  claims: Record<string, string>
  readOnly: boolean
}

export interface TrustedPublishersOptions {
  /** Lifetime of exchanged tokens in seconds (default 3600, the Hub's). */
  expiresIn?: number
  whoami?: ExchangedWhoami
  /** Milliseconds since the epoch; defaults to the real clock. Drives expiry and the JWT time checks. */
  now?: () => number
}

export interface ExchangedGrant {
  repo: RepoRef
  readOnly: boolean
  expiresAt: number
  publisherId: string
}

export type ExchangeAnswer = { status: number; json: Record<string, unknown> }

class RefusedGrant extends Error {}
class BadRequest extends Error {}

export class TrustedPublishers {
  private publishers: TrustedPublisher[]
  private readonly file: string
  private readonly grants = new Map<string, ExchangedGrant>()
  private readonly signingSecret = randomBytes(32)
  private clockOffsetMs = 0
  private settings: { expiresIn: number; whoami: ExchangedWhoami }
  private readonly clock: () => number

  constructor(dataDir: string, options: TrustedPublishersOptions = {}) {
    this.file = join(dataDir, 'trusted-publishers.json')
    this.publishers = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as TrustedPublisher[]) : []
    this.settings = { expiresIn: DEFAULT_EXPIRES_IN, whoami: 'unauthorized' }
    this.configure(options)
    this.clock = options.now ?? Date.now
  }

  /** Milliseconds since the epoch as the Hub sees it (the clock plus any `advanceClock`). */
  now(): number {
    return this.clock() + this.clockOffsetMs
  }

  /** Adding a publisher that exists already (same repo, issuer, claims, read-only) returns that one. */
  add(spec: TrustedPublisherSpec): TrustedPublisher {
    const valid = validatePublisher(spec)
    const same = this.publishers.find(
      (p) =>
        sameRepo(p.repo, valid.repo) &&
        p.issuer === valid.issuer &&
        p.readOnly === valid.readOnly &&
        JSON.stringify(Object.entries(p.claims).sort()) === JSON.stringify(Object.entries(valid.claims).sort())
    )
    if (same) return structuredClone(same)
    const publisher = { id: randomUUID(), ...valid }
    this.publishers.push(publisher)
    this.save()
    return structuredClone(publisher)
  }

  remove(id: string): boolean {
    const before = this.publishers.length
    this.publishers = this.publishers.filter((p) => p.id !== id)
    this.save()
    return this.publishers.length < before
  }

  list(repo?: RepoDesignation): TrustedPublisher[] {
    const wanted = repo === undefined ? undefined : parseResource(repo)
    return structuredClone(this.publishers.filter((p) => !wanted || sameRepo(p.repo, wanted)))
  }

  clear(): void {
    this.publishers = []
    this.save()
  }

  configure(options: Pick<TrustedPublishersOptions, 'expiresIn' | 'whoami'>): void {
    const { expiresIn, whoami } = options
    if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0))
      throw new TypeError(`expiresIn must be a positive number of seconds, got ${JSON.stringify(expiresIn)}`)
    if (whoami !== undefined && !['unauthorized', 'forbidden', 'user'].includes(whoami))
      throw new TypeError(`whoami must be "unauthorized", "forbidden" or "user", got ${JSON.stringify(whoami)}`)
    this.settings = { expiresIn: expiresIn ?? this.settings.expiresIn, whoami: whoami ?? this.settings.whoami }
  }

  get expiresIn(): number {
    return this.settings.expiresIn
  }

  get whoami(): ExchangedWhoami {
    return this.settings.whoami
  }

  /** Moves the Hub's clock forward: exchanged tokens and ID tokens age without anyone sleeping. */
  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000
  }

  /** Makes every exchanged token expired now; returns how many were live. */
  expireExchangedTokens(): number {
    let live = 0
    for (const grant of this.grants.values()) {
      if (grant.expiresAt > this.now()) live++
      grant.expiresAt = Math.min(grant.expiresAt, this.now())
    }
    return live
  }

  /** Exchanged tokens still valid (never the tokens themselves). */
  get liveTokenCount(): number {
    return [...this.grants.values()].filter((g) => g.expiresAt > this.now()).length
  }

  /** The identity of an `hf_jwt_…` token: scoped to one repo, as `[OIDC]`; expired or unknown is invalid. */
  identify(token: string): Identity {
    const grant = this.grants.get(token)
    if (!grant || grant.expiresAt <= this.now()) return { kind: 'invalid' }
    return { kind: 'user', user: OIDC_USER, role: grant.readOnly ? 'read' : 'write', scope: grant.repo }
  }

  /** `POST /oauth/token`: 200 with the token, or 400 `invalid_request` / `invalid_grant` as the Hub answers. */
  async exchange(body: unknown, repoExists: (repo: RepoRef) => Promise<boolean>): Promise<ExchangeAnswer> {
    try {
      const request = parseExchangeRequest(body)
      const repo = request.resource
      if (!repo || !(await repoExists(repo))) throw new RefusedGrant()
      const candidates = this.publishers.filter((p) => sameRepo(p.repo, repo) && p.issuer === request.token.payload.iss)
      if (candidates.length === 0) throw new RefusedGrant()
      const claims = await this.verifiedClaims(request.token, candidates[0]?.issuer ?? '')
      const publisher = candidates.find((p) =>
        Object.entries(p.claims).every(([name, value]) => claims[name] === value)
      )
      if (!publisher) throw new RefusedGrant()
      return { status: 200, json: this.issue(publisher) }
    } catch (error) {
      if (error instanceof BadRequest) return oauthError('invalid_request', error.message)
      if (error instanceof RefusedGrant) return oauthError('invalid_grant', GRANT_REFUSED)
      throw error
    }
  }

  private issue(publisher: TrustedPublisher) {
    const iat = Math.floor(this.now() / 1000)
    const expiresIn = this.settings.expiresIn
    const token =
      EXCHANGED_TOKEN_PREFIX +
      this.sign({
        sub: OIDC_USER,
        repo: `${urlPrefix(publisher.repo.type)}${publisher.repo.name}`,
        iat,
        exp: iat + expiresIn
      })
    this.grants.set(token, {
      repo: publisher.repo,
      readOnly: publisher.readOnly,
      expiresAt: this.now() + expiresIn * 1000,
      publisherId: publisher.id
    })
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn, issued_token_type: ACCESS_TOKEN_TYPE }
  }

  /** Opaque to clients; shaped like a JWT (HS256 with a per-emulator secret) as the Hub's `hf_jwt_` tokens are. */
  private sign(payload: Record<string, unknown>): string {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...payload, jti: randomUUID() })}`
    return `${input}.${createHmac('sha256', this.signingSecret).update(input).digest('base64url')}`
  }

  /** Signature against the issuer's published keys, audience, and time; any failure is a refused grant. */
  private async verifiedClaims(token: ParsedJwt, issuer: string): Promise<Record<string, unknown>> {
    const { header, payload } = token
    if (header.alg !== 'RS256' || typeof header.kid !== 'string') throw new RefusedGrant()
    const jwk = (await fetchJwks(issuer)).find((k) => k.kid === header.kid && k.kty === 'RSA')
    if (!jwk) throw new RefusedGrant()
    let valid: boolean
    try {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
      valid = verify('sha256', Buffer.from(token.signingInput), key, token.signature)
    } catch {
      valid = false
    }
    if (!valid) throw new RefusedGrant()
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
    if (!audiences.includes(HUB_AUDIENCE)) throw new RefusedGrant()
    const now = Math.floor(this.now() / 1000)
    const time = (claim: string) => (typeof payload[claim] === 'number' ? payload[claim] : undefined)
    const exp = time('exp')
    if (exp === undefined || exp <= now) throw new RefusedGrant()
    const nbf = time('nbf')
    if (payload.nbf !== undefined && (nbf === undefined || nbf > now)) throw new RefusedGrant()
    const iat = time('iat')
    if (payload.iat !== undefined && (iat === undefined || iat > now)) throw new RefusedGrant()
    return payload
  }

  private save(): void {
    const tmp = `${this.file}.tmp`
    writeFileSync(tmp, `${JSON.stringify(this.publishers, null, 2)}\n`)
    renameSync(tmp, this.file)
  }
}

/** The Hub's answer to `whoami-v2` for an exchanged token, per `whoami` setting. */
export function exchangedWhoamiAnswer(mode: ExchangedWhoami, scope: RepoRef, role: string): ExchangeAnswer {
  if (mode === 'unauthorized') return { status: 401, json: { error: 'Invalid credentials in Authorization header' } }
  if (mode === 'forbidden')
    return { status: 403, json: { error: 'This token cannot be used to read account information' } }
  return {
    status: 200,
    json: {
      type: 'user',
      name: OIDC_USER,
      fullname: OIDC_USER,
      orgs: [],
      auth: {
        type: 'access_token',
        accessToken: {
          displayName: 'trusted publisher',
          role: 'fineGrained',
          fineGrained: {
            scoped: [
              {
                entity: { type: scope.type, name: scope.name },
                permissions: role === 'write' ? ['repo.content.read', 'repo.write'] : ['repo.content.read']
              }
            ]
          }
        }
      }
    }
  }
}

function oauthError(error: 'invalid_request' | 'invalid_grant', description: string): ExchangeAnswer {
  return { status: 400, json: { error, error_description: description } }
}

interface ParsedJwt {
  header: Record<string, unknown>
  payload: Record<string, unknown>
  signingInput: string
  signature: Buffer
}

function parseExchangeRequest(body: unknown): { resource: RepoRef | undefined; token: ParsedJwt } {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new BadRequest('The request body must be a JSON object (RFC 8693 token exchange)')
  const fields = body as Record<string, unknown>
  if (fields.grant_type !== TOKEN_EXCHANGE_GRANT) throw new BadRequest(`grant_type must be "${TOKEN_EXCHANGE_GRANT}"`)
  if (fields.subject_token_type !== ID_TOKEN_TYPE) throw new BadRequest(`subject_token_type must be "${ID_TOKEN_TYPE}"`)
  if (typeof fields.subject_token !== 'string' || fields.subject_token === '')
    throw new BadRequest('subject_token is required: the OIDC ID token (a JWT)')
  if (typeof fields.resource !== 'string' || fields.resource === '')
    throw new BadRequest('resource is required: a repo (ns/name, datasets/…, spaces/…, kernels/…) or a username')
  return { resource: parseResourceField(fields.resource), token: parseJwt(fields.subject_token) }
}

/** A repo the emulator has, or undefined for forms it accepts but cannot grant (a username, kernels). */
function parseResourceField(resource: string): RepoRef | undefined {
  const parts = resource.split('/')
  const bad = () => new BadRequest(`resource ${JSON.stringify(resource)} is not a repo or a username`)
  if (!parts.every(isValidRepoNamePart)) throw bad()
  if (parts.length === 1) return undefined // a user publisher: not emulated, so no publisher matches
  if (parts.length === 2) return { type: 'model', name: resource }
  if (parts.length === 3 && parts[0] === 'kernels') return undefined
  const type = parts.length === 3 && parts[0] !== 'models' ? typeFromPlural(parts[0] ?? '') : undefined
  if (!type) throw bad()
  return { type, name: `${parts[1]}/${parts[2]}` }
}

function parseResource(repo: RepoDesignation): RepoRef {
  if (typeof repo !== 'string') return repo
  const parsed = parseResourceField(repo)
  if (!parsed) throw new TypeError(`not a model, dataset or Space repo: ${repo}`)
  return parsed
}

function parseJwt(token: string): ParsedJwt {
  const parts = token.split('.')
  const notJwt = new BadRequest('subject_token is not a JWT')
  if (parts.length !== 3 || parts.some((p) => !/^[\w-]*$/.test(p))) throw notJwt
  const [header = '', payload = '', signature = ''] = parts
  try {
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown
    const h = decode(header)
    const p = decode(payload)
    if (!isObject(h) || !isObject(p)) throw notJwt
    return {
      header: h,
      payload: p,
      signingInput: `${header}.${payload}`,
      signature: Buffer.from(signature, 'base64url')
    }
  } catch {
    throw notJwt
  }
}

function validatePublisher(spec: TrustedPublisherSpec): Omit<TrustedPublisher, 'id'> {
  if (!spec || typeof spec !== 'object') throw new TypeError('a trusted publisher is {repo, issuer, claims, readOnly?}')
  const repo = parseResource(spec.repo)
  if (typeof spec.issuer !== 'string' || !URL.canParse(spec.issuer))
    throw new TypeError(`issuer must be an absolute URL, got ${JSON.stringify(spec.issuer)}`)
  if (!isLoopback(new URL(spec.issuer)))
    throw new TypeError(`issuer must be on loopback (the emulator never fetches keys from elsewhere): ${spec.issuer}`)
  const claims = spec.claims ?? {}
  if (!isObject(claims) || Object.values(claims).some((v) => typeof v !== 'string'))
    throw new TypeError('claims must map claim names to exact string values')
  if (Object.keys(claims).length === 0)
    throw new TypeError('a trusted publisher needs at least one claim to match (e.g. repository)')
  return {
    repo,
    issuer: spec.issuer,
    claims: { ...claims },
    readOnly: spec.readOnly === true
  }
}

/** The issuer's signing keys, from its discovery document, fetched on loopback only. */
async function fetchJwks(issuer: string): Promise<Array<Record<string, unknown>>> {
  try {
    const config = await fetchLoopbackJson(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)
    if (!isObject(config) || config.issuer !== issuer || typeof config.jwks_uri !== 'string') return []
    const jwks = await fetchLoopbackJson(config.jwks_uri)
    return isObject(jwks) && Array.isArray(jwks.keys) ? jwks.keys.filter(isObject) : []
  } catch {
    // An unreachable issuer means the token cannot be verified: the grant is refused.
    return []
  }
}

async function fetchLoopbackJson(url: string): Promise<unknown> {
  const parsed = new URL(url)
  if (!isLoopback(parsed)) throw new Error('refusing to fetch keys from a non-loopback address')
  const res = await fetch(parsed, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error' })
  if (!res.ok) throw new Error(`HTTP ${res.status}`)
  return res.json()
}

function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    (host === 'localhost' || host === '::1' || /^127\./.test(host))
  )
}
