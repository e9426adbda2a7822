// Git LFS batch API (E4), the upload URLs it hands out (E5–E7) and the blob URL that LFS downloads
// redirect to. The batch answer always says `"transfer": "basic"`, which makes @huggingface/hub fall
// back from Xet to plain PUTs (hub-protocol.md §4).
import { badRequest, entryNotFound } from '../errors.ts'
import { LFS_CONTENT_TYPE, isObject, readJsonBody, sendContent, sendJson, type RequestContext } from '../http.ts'
import type { RepoRef } from '../types.ts'
import { readableRepo, writableRepo, type EmulatorState } from './shared.ts'

const UPLOAD_PREFIX = '/_lfs/upload'
const BLOB_PREFIX = '/_lfs/blob'

interface BatchObject {
  oid: string
  size: number
}

export async function lfsBatchRoute(ctx: RequestContext, state: EmulatorState, repo: RepoRef): Promise<void> {
  const body = await readJsonBody(ctx.req)
  if (!isObject(body) || !Array.isArray(body.objects)) throw badRequest('Expected {"operation", "objects": [...]}')
  const operation = body.operation ?? 'upload'
  if (operation !== 'upload' && operation !== 'download')
    throw badRequest(`Unsupported LFS operation ${String(operation)}`)
  if (operation === 'upload') await writableRepo(ctx, state, repo)
  else await readableRepo(ctx, state, repo)
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
  if (multipartAllowed && size > multipartThreshold) {
    const { token, partCount } = state.uploads.createMultipart(target, chunkSize)
    const base = `${ctx.origin}${UPLOAD_PREFIX}/${token}`
    const header: Record<string, string> = { chunk_size: String(chunkSize) }
    // Keys must be all-digit and ascending: hub.js fills parts[Number(key) - 1] in key order.
    for (let part = 1; part <= partCount; part++) header[String(part).padStart(5, '0')] = `${base}/part/${part}`
    return { oid, size, authenticated: true, actions: { upload: { href: `${base}/complete`, header } } }
  }
  const token = state.uploads.createBasic(target)
  return {
    oid,
    size,
    authenticated: true,
    actions: { upload: { href: `${ctx.origin}${UPLOAD_PREFIX}/${token}`, header: {} } }
  }
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

export async function lfsUploadRoute(ctx: RequestContext, state: EmulatorState, token: string): Promise<void> {
  await state.uploads.receiveBasic(token, ctx.req)
  sendJson(ctx.res, 200, {})
}

export async function lfsPartRoute(
  ctx: RequestContext,
  state: EmulatorState,
  token: string,
  partNumber: number
): Promise<void> {
  const etag = await state.uploads.receivePart(token, partNumber, ctx.req)
  ctx.res.writeHead(200, { ETag: etag, 'Content-Length': '0' })
  ctx.res.end()
}

export async function lfsCompleteRoute(ctx: RequestContext, state: EmulatorState, token: string): Promise<void> {
  await state.uploads.complete(token, await readJsonBody(ctx.req))
  sendJson(ctx.res, 200, {})
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
  await readableRepo(ctx, state, repo)
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

export const LFS_URL_PREFIXES = { upload: UPLOAD_PREFIX, blob: BLOB_PREFIX }
