/**
 * The Trusted Publisher token exchange (hub-protocol.md §15, RFC 8693): this job's GitHub OIDC ID
 * token in, at `POST {hub-url}/oauth/token`, an `hf_jwt_…` token that writes to one repo out. And
 * the errors it can end in, each saying what to change: the Hub's own refusal (`invalid_grant`)
 * is the same for every cause, so the message lists what this job presented and where the
 * publisher is configured.
 */
import { ActionError, describeError, type Stage } from '../../errors.ts'
import { hubRepoSettingsUrl, type HubRepoRef } from '../../lib/urls.ts'
import { requestedWaitMs } from '../../lib/retry.ts'

/** The only audience the Hub accepts in an ID token. */
export const OIDC_AUDIENCE = 'https://huggingface.co'
/** The documented lifetime of an exchanged token, for an answer without `expires_in`. */
export const DEFAULT_EXPIRES_IN_SECONDS = 3600

/** The two variables a job gets with `permissions: id-token: write`. */
export const ID_TOKEN_REQUEST_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const

/** What an error message shows of the job's ID token: the claims a publisher is made of. */
export const PRESENTED_CLAIMS = [
  'repository',
  'ref',
  'workflow',
  'workflow_ref',
  'job_workflow_ref',
  'event_name',
  'environment',
  'sub'
] as const

/** The exchange's `resource`: the repo with its type prefix (`datasets/ns/name`, `spaces/ns/name`), none for models. */
export function exchangeResource(repo: HubRepoRef): string {
  return repo.type === 'model' ? repo.name : `${repo.type}s/${repo.name}`
}

export type ExchangeAnswer =
  | { kind: 'issued'; accessToken: string; expiresInSeconds: number }
  /** A 400 with an OAuth error body: `invalid_grant` (any failed check) or `invalid_request`. */
  | { kind: 'refused'; error: string; description?: string }
  /** No exchange endpoint at all: a self-hosted or older Hub. */
  | { kind: 'no-endpoint'; answered: string }
  /** Worth another attempt (with a fresh ID token): 408, 429, 5xx, or no answer. */
  | { kind: 'transient'; reason: string; waitAtLeastMs: number; network: boolean }
  | { kind: 'unexpected'; status: number }

/**
 * Sends one exchange. The issued token goes to `mask` before anything else is done with it, so no
 * later failure can print it unmasked.
 */
export async function postTokenExchange(
  fetch: typeof globalThis.fetch,
  hubUrl: string,
  repo: HubRepoRef,
  idToken: string,
  mask: (secret: string) => void,
  signal?: AbortSignal
): Promise<ExchangeAnswer> {
  let response: Response
  let text: string
  try {
    response = await fetch(`${hubUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        subject_token: idToken,
        resource: exchangeResource(repo)
      }),
      signal
    })
    text = await response.text()
  } catch (error) {
    return { kind: 'transient', reason: describeError(error), waitAtLeastMs: 0, network: true }
  }
  const json = parseObject(text)
  const token = json?.access_token
  if (typeof token === 'string' && token.length > 0) mask(token)
  const { status } = response
  if (status >= 200 && status < 300) {
    if (typeof token === 'string' && token.length > 0) {
      const expiresIn = Number(json?.expires_in)
      return {
        kind: 'issued',
        accessToken: token,
        expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_SECONDS
      }
    }
    // A web page where the API should be: whatever serves hub-url does not know the route.
    return json ? { kind: 'unexpected', status } : { kind: 'no-endpoint', answered: `${status} with a non-JSON body` }
  }
  if (status === 400 && typeof json?.error === 'string') {
    // A Hub that echoes the request would quote the ID token: cut it out before the text is shortened.
    const description =
      typeof json.error_description === 'string' ? json.error_description.split(idToken).join('***') : undefined
    return { kind: 'refused', error: json.error.slice(0, 100), description: description?.slice(0, 300) }
  }
  if (status === 404 || status === 405 || status === 501) return { kind: 'no-endpoint', answered: String(status) }
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'transient',
      reason: `HTTP ${status}`,
      waitAtLeastMs: requestedWaitMs(response.headers),
      network: false
    }
  }
  return { kind: 'unexpected', status }
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * The claims of an ID token, decoded without verifying it: only to show the workflow author what
 * the job presented. Undefined when it is not a JWT.
 */
export function idTokenClaims(idToken: string): Record<string, unknown> | undefined {
  const payload = idToken.split('.')[1]
  if (!payload) return undefined
  try {
    return parseObject(Buffer.from(payload, 'base64url').toString('utf8'))
  } catch {
    return undefined
  }
}

/** What an anonymous look at the repo tells about a refused exchange. */
export type RepoVisibility = 'public' | 'hidden' | 'unknown'

/** An anonymous `GET /api/{type}s/{name}`: 200 for a public repo; 401/404 for a missing or private one. */
export async function anonymousVisibility(
  fetch: typeof globalThis.fetch,
  hubUrl: string,
  repo: HubRepoRef
): Promise<RepoVisibility> {
  try {
    const response = await fetch(`${hubUrl}/api/${repo.type}s/${repo.name}`)
    await response.body?.cancel().catch(() => {})
    if (response.ok) return 'public'
    return response.status === 401 || response.status === 404 ? 'hidden' : 'unknown'
  } catch {
    return 'unknown'
  }
}

export interface ExchangeContext {
  hubUrl: string
  repo: HubRepoRef
  stage: Stage
  /** auth: auto chose keyless because hf-token is empty (rather than auth: oidc). */
  chosenByDefault: boolean
}

const target = (repo: HubRepoRef) => `${repo.type} ${repo.name}`
const orHfToken = (ctx: ExchangeContext) =>
  ctx.chosenByDefault ? 'or pass hf-token to publish with a stored token' : 'or use auth: token with hf-token'

/** The job has no ID token: the runner sets its variables only for `permissions: id-token: write`. */
export function noIdTokenError(ctx: ExchangeContext): ActionError {
  const why = ctx.chosenByDefault ? 'hf-token is empty, so the action publishes keyless; that ' : 'Keyless publishing '
  return new ActionError(
    `${why}needs this job's GitHub OIDC ID token, but the job has none (${ID_TOKEN_REQUEST_VARIABLES.join(' and ')} ` +
      'are not set). Add "id-token: write" to the permissions: of the job (a job\'s permissions replace the ' +
      "workflow's, so keep actions: read and issues: write next to it), " +
      `${orHfToken(ctx)}. GitHub gives no ID token to runs for pull requests from forks.`,
    ctx.stage
  )
}

export function idTokenRequestError(ctx: ExchangeContext, error: unknown): ActionError {
  return new ActionError(
    `Could not get this job's GitHub OIDC ID token (audience ${OIDC_AUDIENCE}): ${describeError(error)}. ` +
      `Re-run the workflow; if it keeps failing, check the job's "id-token: write" permission, ${orHfToken(ctx)}.`,
    ctx.stage,
    { cause: error }
  )
}

/** `invalid_grant`: no publisher matched (or no such repo); the Hub does not say which check failed. */
export function refusedGrantError(
  ctx: ExchangeContext,
  claims: Record<string, unknown> | undefined,
  visibility: RepoVisibility
): ActionError {
  const resource = exchangeResource(ctx.repo)
  const cause = {
    public: `${ctx.repo.name} exists (it is public), so none of its Trusted Publishers matches this job.`,
    hidden:
      `${ctx.repo.name} is not visible without a token: either it does not exist (check repo-id and repo-type; ` +
      `the exchange asked for resource "${resource}"), or it is private and none of its Trusted Publishers ` +
      'matches this job.',
    unknown:
      `Either ${ctx.repo.name} does not exist (check repo-id and repo-type; the exchange asked for resource ` +
      `"${resource}"), or none of its Trusted Publishers matches this job.`
  }[visibility]
  const lines = PRESENTED_CLAIMS.map((name) => `  ${name} = ${claimValue(claims, name)}`)
  return new ActionError(
    `The Hub refused to exchange this job's OIDC ID token for a token to ${target(ctx.repo)} (invalid_grant; ` +
      `the Hub does not say which check failed). ${cause} This job's ID token presents these claims; every ` +
      `claim a publisher lists must match one of them exactly:\n${lines.join('\n')}\n` +
      `Add or correct the publisher (provider GitHub Actions) under Trusted Publishers at ` +
      `${hubRepoSettingsUrl(ctx.hubUrl, ctx.repo)}, ${orHfToken(ctx)}.`,
    ctx.stage
  )
}

/** A claim as the message shows it: quoted and escaped (values such as a branch name are the workflow's). */
function claimValue(claims: Record<string, unknown> | undefined, name: string): string {
  if (!claims) return '(the ID token could not be decoded)'
  const value = claims[name]
  if (value === undefined || value === null) {
    return name === 'environment' ? '(none: the job has no environment)' : '(not in the token)'
  }
  // Parsed from JSON, so JSON shows any value (a string, a number, a stray object) on one line.
  const text = JSON.stringify(value)
  return text.length > 200 ? `${text.slice(0, 197)}…` : text
}

export function invalidRequestError(ctx: ExchangeContext, description: string | undefined): ActionError {
  return new ActionError(
    `The Hub refused the token exchange as malformed (invalid_request${description ? `: ${description}` : ''}). ` +
      `It asked for resource "${exchangeResource(ctx.repo)}": check repo-id and repo-type. If they are right, ` +
      'please report this as a bug of hf-upload-action.',
    ctx.stage
  )
}

export function noEndpointError(ctx: ExchangeContext, answered: string): ActionError {
  return new ActionError(
    `hub-url ${ctx.hubUrl} has no token exchange endpoint (POST /oauth/token answered ${answered}), so keyless ` +
      'publishing is not available there (a self-hosted or older Hub). Pass hf-token with a token that can ' +
      `write to ${ctx.repo.name} (and auth: token if you set auth).`,
    ctx.stage
  )
}

export function unavailableError(
  ctx: ExchangeContext,
  answer: { reason: string; network: boolean },
  attempts: number
): ActionError {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`
  return new ActionError(
    answer.network
      ? `Could not reach hub-url ${ctx.hubUrl} for the token exchange (${tries}): ${answer.reason}. Check the ` +
          'hub-url input and that the runner can reach it.'
      : `The Hub's token exchange at ${ctx.hubUrl}/oauth/token failed (${answer.reason}; ${tries}), so the run ` +
          'has no Hub token. The Hub may be having an outage; re-run the workflow later.',
    ctx.stage
  )
}

export function unexpectedAnswerError(ctx: ExchangeContext, status: number): ActionError {
  return new ActionError(
    `The Hub's token exchange at ${ctx.hubUrl}/oauth/token answered HTTP ${status} without a token. Re-run the ` +
      `workflow; if it persists, ${orHfToken(ctx)}.`,
    ctx.stage
  )
}
