// resolve / raw (E15–E17), following the recipe of hub-protocol.md §2.6: regular files are served
// directly with the git blob SHA-1 as ETag; LFS files redirect (302, same origin) to a blob URL whose
// ETag is the SHA-256; `raw` of an LFS file is its pointer text.
import { stat } from 'node:fs/promises'
import { entryNotFound, revisionNotFound } from '../errors.ts'
import { lfsPointerText } from '../git.ts'
import { queryFlag, sendContent, type RequestContext } from '../http.ts'
import { isCode } from '../store.ts'
import type { RepoRef } from '../types.ts'
import { lfsBlobUrl } from './lfs.ts'
import { commitOrThrow, readableFiles, splitRevisionAndPath, type EmulatorState } from './shared.ts'

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  yaml: 'text/yaml; charset=utf-8',
  yml: 'text/yaml; charset=utf-8',
  py: 'text/x-python; charset=utf-8',
  csv: 'text/csv; charset=utf-8'
}

export async function resolveRoute(
  ctx: RequestContext,
  state: EmulatorState,
  repo: RepoRef,
  segments: string[],
  raw: boolean
): Promise<void> {
  await readableFiles(ctx, state, repo)
  const { revision, resolved, path } = await splitRevisionAndPath(state, repo, segments)
  if (!resolved) throw revisionNotFound(revision)
  const commit = await commitOrThrow(state, repo, resolved.oid)
  const file = commit.files[path]
  if (!file) throw entryNotFound()
  const commonHeaders = { 'X-Repo-Commit': commit.oid, ...contentDisposition(ctx, path, raw) }
  if (file.lfs && !raw) {
    ctx.res.writeHead(302, {
      ...commonHeaders,
      Location: lfsBlobUrl(ctx.origin, repo, file.lfs.oid),
      ETag: `"${file.oid}"`,
      'X-Linked-Etag': `"${file.lfs.oid}"`,
      'X-Linked-Size': String(file.lfs.size),
      'Content-Length': '0'
    })
    ctx.res.end()
    return
  }
  const headers = { ...commonHeaders, ETag: `"${file.oid}"`, 'Content-Type': contentType(path, raw) }
  if (file.lfs) {
    const pointer = Buffer.from(lfsPointerText(file.lfs.oid, file.lfs.size))
    await sendContent(ctx, { size: pointer.length, bytes: pointer }, headers)
    return
  }
  const objectPath = state.store.regularObjectPath(repo, file.oid)
  // The size on disk, not the recorded one: Content-Length must match what is actually sent,
  // also after a test has tampered with the stored object.
  const size = await stat(objectPath).then(
    (info) => info.size,
    (error: unknown) => {
      if (isCode(error, 'ENOENT')) throw entryNotFound()
      throw error
    }
  )
  await sendContent(ctx, { size, file: objectPath }, headers)
}

function contentType(path: string, raw: boolean): string {
  const extension = path.slice(path.lastIndexOf('.') + 1).toLowerCase()
  if (raw) return 'text/plain; charset=utf-8'
  return (
    CONTENT_TYPES[extension] ??
    (path.endsWith('.gitattributes') ? 'text/plain; charset=utf-8' : 'application/octet-stream')
  )
}

function contentDisposition(ctx: RequestContext, path: string, raw: boolean): Record<string, string> {
  if (raw || queryFlag(ctx.url.searchParams, 'noContentDisposition')) return {}
  const name = path.slice(path.lastIndexOf('/') + 1)
  const asciiName = name.replace(/[^\x20-\x7e]|"/g, '_')
  return { 'Content-Disposition': `inline; filename*=UTF-8''${encodeURIComponent(name)}; filename="${asciiName}"` }
}
