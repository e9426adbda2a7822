// The storage listener: the emulator's stand-in for the S3 bucket behind the Hub's LFS uploads.
// It answers only presigned PUTs (a whole object, or one part of a multipart upload) and speaks
// S3: signature and expiry checks, XML errors, `ETag` on every stored body, no Authorization.
import type { RequestContext } from '../http.ts'
import { S3Error } from '../presigned.ts'
import type { EmulatorState, RouteHandler } from './shared.ts'

/** Bucket name in storage URLs (path-style, as `s3.<region>.amazonaws.com/<bucket>/<key>`). */
export const STORAGE_BUCKET = 'hf-hub-lfs-emulator'

export interface MatchedStorageRoute {
  route: 'lfs-upload' | 'lfs-part'
  run: RouteHandler
}

/** `PUT /<bucket>/<key>` (basic) or `PUT /<bucket>/<key>?partNumber=N&uploadId=U` (part). */
export function matchStorageRoute(method: string, url: URL): MatchedStorageRoute | undefined {
  const prefix = `/${STORAGE_BUCKET}/`
  if (method !== 'PUT' || !url.pathname.startsWith(prefix)) return undefined
  const key = decodeURIComponent(url.pathname.slice(prefix.length))
  const uploadId = url.searchParams.get('uploadId')
  const partNumber = url.searchParams.get('partNumber')
  if (uploadId !== null && partNumber !== null) {
    return { route: 'lfs-part', run: (ctx, state) => partRoute(ctx, state, key, uploadId, Number(partNumber)) }
  }
  return { route: 'lfs-upload', run: (ctx, state) => basicRoute(ctx, state, key) }
}

function checkSignature(ctx: RequestContext, state: EmulatorState): void {
  state.signer.verifyStorageRequest(
    ctx.req.method ?? 'PUT',
    ctx.url,
    ctx.req.headers.host ?? '',
    ctx.req.headers.authorization
  )
}

async function basicRoute(ctx: RequestContext, state: EmulatorState, key: string): Promise<void> {
  checkSignature(ctx, state)
  const etag = await state.uploads.receiveBasic(key, ctx.req)
  answerStored(ctx, etag)
}

async function partRoute(
  ctx: RequestContext,
  state: EmulatorState,
  key: string,
  uploadId: string,
  partNumber: number
): Promise<void> {
  checkSignature(ctx, state)
  const expectedKey = state.uploads.multipartKey(uploadId)
  if (expectedKey !== undefined && expectedKey !== key) {
    throw new S3Error(404, 'NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId })
  }
  const etag = await state.uploads.receivePart(uploadId, partNumber, ctx.req)
  answerStored(ctx, etag)
}

/** S3's answer to a successful PUT: 200, the ETag, an empty body. */
function answerStored(ctx: RequestContext, etag: string): void {
  ctx.res.writeHead(200, { ETag: etag, 'Content-Length': '0', Server: 'AmazonS3' })
  ctx.res.end()
}
