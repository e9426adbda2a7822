/**
 * An answer whose body has been read in full, as a new Response. Retrying callers read the body
 * inside the attempt, so that a body breaking half-way is a failed attempt to retry rather than an
 * error surfacing later in a library's `response.json()`.
 */
export async function bufferedResponse(response: Response, fallbackUrl?: string): Promise<Response> {
  const body = await response.arrayBuffer()
  // A Response constructed with a body for these statuses throws.
  const noBody = response.status === 204 || response.status === 205 || response.status === 304
  const copy = new Response(noBody ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers
  })
  // Libraries put the URL into their error messages; a constructed Response has none.
  Object.defineProperty(copy, 'url', { value: response.url || fallbackUrl || '' })
  return copy
}
