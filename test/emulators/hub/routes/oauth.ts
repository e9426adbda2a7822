// `POST /oauth/token` for Trusted Publishers (hub-protocol.md §15): the RFC 8693 token exchange of an
// OIDC ID token for a repo-scoped `hf_jwt_…` token, and what `whoami-v2` says to such a token.
// The checks themselves live in ../trusted-publishers.ts.
import { readBody, readJsonBody, sendJson, type RequestContext } from '../http.ts'
import { exchangedWhoamiAnswer, type ExchangedWhoami, type TrustedPublisherSpec } from '../trusted-publishers.ts'
import type { EmulatorState } from './shared.ts'

const MAX_BODY_BYTES = 256 * 1024
/** RFC 6749 §5.1: token answers must not be cached. */
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' }

export async function oauthTokenRoute(ctx: RequestContext, state: EmulatorState): Promise<void> {
  const raw = (await readBody(ctx.req, MAX_BODY_BYTES)).toString('utf8')
  // The Hub documents JSON; a form-encoded body (RFC 8693's own encoding) is read the same way.
  const form = /^application\/x-www-form-urlencoded/i.test(ctx.req.headers['content-type'] ?? '')
  let body: unknown
  try {
    body = form ? Object.fromEntries(new URLSearchParams(raw)) : JSON.parse(raw)
  } catch {
    body = undefined
  }
  const answer = await state.trustedPublishers.exchange(body, async (repo) => Boolean(await state.store.getRepo(repo)))
  sendJson(ctx.res, answer.status, answer.json, NO_STORE)
}

/** `whoami-v2` with an exchanged token: undocumented on the Hub, so configurable (default 401). */
export async function exchangedWhoamiRoute(ctx: RequestContext, state: EmulatorState): Promise<void> {
  const identity = ctx.identity
  if (identity.kind !== 'user' || !identity.scope) throw new Error('exchangedWhoamiRoute needs an exchanged token')
  const answer = exchangedWhoamiAnswer(state.trustedPublishers.whoami, identity.scope, identity.role)
  sendJson(ctx.res, answer.status, answer.json)
}

/**
 * `/_emulator/trusted-publishers…`, the control plane for other processes: GET (list and settings),
 * POST (add one or more), DELETE (all, or `/{id}`), POST `/settings` `{expiresIn?, whoami?}`,
 * POST `/expire-tokens`, POST `/advance-clock` `{seconds}`. Tokens are never listed.
 */
export async function trustedPublishersControl(
  req: RequestContext['req'],
  res: RequestContext['res'],
  path: string,
  publishers: EmulatorState['trustedPublishers']
): Promise<void> {
  const rest = path.slice('/_emulator/trusted-publishers'.length)
  const body = req.method === 'POST' ? await readJsonBody(req) : undefined
  const overview = () => ({
    publishers: publishers.list(),
    expiresIn: publishers.expiresIn,
    whoami: publishers.whoami,
    liveTokens: publishers.liveTokenCount
  })
  if (rest === '' && req.method === 'GET') return sendJson(res, 200, overview())
  if (rest === '' && req.method === 'POST') {
    const added = (Array.isArray(body) ? body : [body]).map((spec) => publishers.add(spec as TrustedPublisherSpec))
    return sendJson(res, 201, { publishers: added })
  }
  if (rest === '' && req.method === 'DELETE') {
    publishers.clear()
    return sendJson(res, 200, overview())
  }
  if (rest === '/settings' && req.method === 'POST') {
    publishers.configure(body as { expiresIn?: number; whoami?: ExchangedWhoami })
    return sendJson(res, 200, overview())
  }
  if (rest === '/expire-tokens' && req.method === 'POST')
    return sendJson(res, 200, { expired: publishers.expireExchangedTokens() })
  if (rest === '/advance-clock' && req.method === 'POST') {
    const seconds = (body as { seconds?: unknown }).seconds
    if (typeof seconds !== 'number' || !Number.isFinite(seconds))
      throw new TypeError('advance-clock needs {"seconds": n}')
    publishers.advanceClock(seconds)
    return sendJson(res, 200, overview())
  }
  const id = /^\/([\w-]+)$/.exec(rest)?.[1]
  if (id && req.method === 'DELETE') return sendJson(res, publishers.remove(id) ? 200 : 404, overview())
  sendJson(res, 404, { error: `Unknown emulator control endpoint ${req.method} ${path}` })
}
