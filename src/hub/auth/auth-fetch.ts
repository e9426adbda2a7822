/**
 * The fetch layer that puts the run's current keyless token on every Hub-bound request.
 *
 * `@huggingface/hub` takes `accessToken` once per call, and `commitIter` runs preupload, the LFS
 * uploads (the long part) and the commit POST with that one value; a token exchanged before a
 * 70-minute upload would be dead at the commit. So the client holds a placeholder, and each
 * request to hub-url's origin that carries it gets `auth.current()` instead: the token is
 * exchanged again when it is about to end, between any two requests. Requests to other origins
 * (presigned storage URLs) are passed on untouched: the real token never leaves the Hub.
 *
 * A request the Hub answers 401 is sent once more with a renewed token. A 401 means the Hub did
 * nothing with the request, so even a commit may be sent again; a stream body cannot be, so that
 * answer is handed back as it is.
 */
import type { HubAuth } from './hub-auth.ts'

export function authenticatedFetch(auth: HubAuth, hubUrl: string, inner: typeof fetch): typeof fetch {
  if (auth.method !== 'oidc') return inner
  const origin = new URL(hubUrl).origin
  const placeholder = `Bearer ${auth.accessToken}`
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input))
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
    if (url.origin !== origin || headers.get('authorization') !== placeholder) return inner(input, init)
    const send = (token: string) => {
      const withToken = new Headers(headers)
      withToken.set('authorization', `Bearer ${token}`)
      return inner(input, { ...init, headers: withToken })
    }
    const token = await auth.current()
    const response = await send(token)
    if (response.status !== 401 || init?.body instanceof ReadableStream) return response
    const renewed = await auth.renew(token)
    if (!renewed || renewed === token) return response
    await response.body?.cancel().catch(() => {})
    return send(renewed)
  }
}
