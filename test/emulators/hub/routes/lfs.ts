// Git LFS batch API (E4), the upload URLs it hands out (E5–E7), the multipart completion and
// verify routes, and the blob URL that LFS downloads redirect to. The batch answer always says
// `"transfer": "basic"`, which makes @huggingface/hub fall back from Xet to plain PUTs
// (hub-protocol.md §4). Upload and part URLs are presigned storage URLs (presigned.ts); the
// completion URL is a signed Hub URL, as on the real Hub.
import { HubHttpError, badRequest, entryNotFound, unprocessable } from '../errors.ts'
import { LFS_CONTENT_TYPE, isObject, readJsonBody, sendContent, sendJson, type RequestContext } from '../http.ts'
import { urlPrefix } from '../repo-names.ts'
import type { RepoRef } from '../types.ts'
import { STORAGE_BUCKET } from './storage.ts'
import { readableFiles, writableRepo, type EmulatorState } from './shared.ts'

const BLOB_PREFIX = '/_lfs/blob'

interface BatchObject {
  oid: string
  size: number
}

export async function lfsBatchRoute(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<void> {
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || !Array.isArray(body.objects)) throw badRequest('Expected {"operation", "objects": [...]}')
  // hub.js sends "sha_256", Python "sha256", git-lfs nothing (meaning sha256).
  if (body.hash_algo !== undefined && body.hash_algo !== 'sha256' && body.hash_algo !== 'sha_256') {
    throw unprocessable(`Unsupported hash algorithm ${JSON.stringify(body.hash_algo)}; use sha256`)
  }
  const operation = body.operation ?? 'upload'
  if (operation !== 'upload' && operation !== 'download')
    throw badRequest(`Unsupported LFS operation ${JSON.stringify(operation)}`)
  if (operation === 'upload') await writableRepo(ctx, state, repo)
  else await readableFiles(ctx, state, repo)
  const transfers = Array.isArray(body.transfers) ? body.transfers : ['basic']
  const multipartAllowed = transfers.includes('multipart')
  const objects = []
  for (const object of body.objects as unknown[]) {
    objects.push(
      operation === 'upload'
        ? await uploadAnswer(ctx, state, repo, object, multipartAllowed)
        : await downloadAnswer(ctx, state, repo, object)
    )
  }
  sendJson(ctx.res, 200, { transfer: 'basic', objects }, {}, LFS_CONTENT_TYPE)
}

function invalidObject(object: unknown): { answer: Record<string, unknown> } | { valid: BatchObject } {
  const candidate = isObject(object) ? object : {}
  const oid = candidate.oid
  const size = candidate.size
  const echo = { oid, size }
  if (typeof oid !== 'string' || !/^[0-9a-f]{64}$/.test(oid)) {
    return { answer: { ...echo, error: { code: 422, message: 'Invalid object id: expected a lowercase hex SHA-256' } } }
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    return { answer: { ...echo, error: { code: 422, message: 'Invalid object size' } } }
  }
  return { valid: { oid, size } }
}

async function uploadAnswer(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  object: unknown,
  multipartAllowed: boolean
): Promise<Record<string, unknown>> {
  const checked = invalidObject(object)
  if ('answer' in checked) return checked.answer
  const { oid, size } = checked.valid
  const storedSize = await state.store.lfsObjectSize(repo, oid)
  // Already stored: no actions, so clients skip the upload.
  if (storedSize === size) return { oid, size, authenticated: true }
  if (storedSize !== null) {
    return { oid, size, error: { code: 422, message: `Object ${oid} is already stored with size ${storedSize}` } }
  }
  const target = { repo, oid, size }
  const { multipartThreshold, chunkSize } = state.settings
  const verify = { href: verifyUrl(ctx.origin, repo), header: {} }
  if (multipartAllowed && size > multipartThreshold) {
    const { uploadId, key, partCount } = state.uploads.createMultipart(target, chunkSize)
    const header: Record<string, string> = { chunk_size: String(chunkSize) }
    // Keys must be all-digit and ascending: hub.js fills parts[Number(key) - 1] in key order.
    for (let part = 1; part <= partCount; part++) {
      const url = storageUrl(state, key, { partNumber: String(part), uploadId, 'x-id': 'UploadPart' })
      header[String(part).padStart(5, '0')] = state.signer.presign('PUT', url)
    }
    const href = state.signer.signCompletionUrl(ctx.origin, { uploadId, bucket: STORAGE_BUCKET, prefix: key })
    return { oid, size, authenticated: true, actions: { upload: { href, header }, verify } }
  }
  const key = state.uploads.createBasic(target)
  const href = state.signer.presign('PUT', storageUrl(state, key, { 'x-id': 'PutObject' }))
  return { oid, size, authenticated: true, actions: { upload: { href, header: {} }, verify } }
}

function storageUrl(state: EmulatorState, key: string, query: Record<string, string>): URL {
  const url = new URL(`${state.storageOrigin()}/${STORAGE_BUCKET}/${key}`)
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value)
  return url
}

function verifyUrl(origin: string, repo: RepoRef): string {
  return `${origin}/${urlPrefix(repo.type)}${repo.name}.git/info/lfs/objects/verify`
}

async function downloadAnswer(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  object: unknown
): Promise<Record<string, unknown>> {
  const checked = invalidObject(object)
  if ('answer' in checked) return checked.answer
  const { oid, size } = checked.valid
  if ((await state.store.lfsObjectSize(repo, oid)) === null) {
    return { oid, size, error: { code: 404, message: 'Object does not exist' } }
  }
  return {
    oid,
    size,
    authenticated: true,
    actions: { download: { href: lfsBlobUrl(ctx.origin, repo, oid), header: {} } }
  }
}

/** `POST /api/complete_multipart?uploadId=…&expiration=…&signature=…`: no Authorization, the URL is signed. */
export async function lfsCompleteRoute(ctx: RequestContext, state: EmulatorState): Promise<void> {
  const checked = state.signer.verifyCompletionUrl(ctx.url)
  if ('refused' in checked) {
    throw new HubHttpError(
      403,
      checked.refused === 'expired'
        ? 'This multipart upload URL has expired; request new upload URLs from the LFS batch endpoint'
        : 'Invalid signature for this multipart upload URL'
    )
  }
  await state.uploads.complete(checked.uploadId, await readJsonBody(ctx.req))
  sendJson(ctx.res, 200, {})
}

/**
 * The git-lfs `verify` action (Python calls it, with its token, after an upload; hub.js ignores
 * it): 200 when the object is stored with that size, 404 otherwise.
 */
export async function lfsVerifyRoute(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<void> {
  await writableRepo(ctx, state, repo)
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || typeof body.oid !== 'string' || typeof body.size !== 'number') {
    throw badRequest('Expected {"oid", "size"}')
  }
  const storedSize = await state.store.lfsObjectSize(repo, body.oid)
  if (storedSize === null) throw new HubHttpError(404, `Object ${body.oid} was not uploaded to this repo`)
  if (storedSize !== body.size) {
    throw unprocessable(`Object ${body.oid} is stored with size ${storedSize}, not ${body.size}`)
  }
  sendJson(ctx.res, 200, {}, {}, LFS_CONTENT_TYPE)
}

/** Same-origin stand-in for the CDN URL LFS downloads redirect to; same access rules as the repo. */
export function lfsBlobUrl(origin: string, repo: RepoRef, sha256: string): string {
  return `${origin}${BLOB_PREFIX}/${repo.type}s/${repo.name}/${sha256}`
}

export async function lfsBlobRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  sha256: string
): Promise<void> {
  await readableFiles(ctx, state, repo)
  const size = await state.store.lfsObjectSize(repo, sha256)
  if (size === null) throw entryNotFound()
  await sendContent(
    ctx,
    { size, file: state.store.lfsObjectPath(repo, sha256) },
    {
      ETag: `"${sha256}"`,
      'Content-Type': 'application/octet-stream'
    }
  )
}
