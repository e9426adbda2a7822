// Maps method + path to one of the named routes. Path segments are percent-decoded one by one, so a
// revision may arrive encoded (`refs%2Fpr%2F1`, as hub.js sends it to commit/preupload/resolve) or
// with raw slashes (`refs/pr/1`, as hub.js sends it to tree/commits).
import { HubHttpError } from './errors.ts'
import { typeFromPlural } from './repo-names.ts'
import { commitRoute, preuploadRoute } from './routes/commit.ts'
import { resolveRoute } from './routes/download.ts'
import { lfsBatchRoute, lfsBlobRoute, lfsCompleteRoute, lfsVerifyRoute } from './routes/lfs.ts'
import { commitsRoute, pathsInfoRoute, treeRoute } from './routes/listing.ts'
import { exchangedWhoamiRoute, oauthTokenRoute } from './routes/oauth.ts'
import { createBranchRoute, createTagRoute, deleteBranchRoute, deleteTagRoute, refsRoute } from './routes/refs.ts'
import {
  createRepoRoute,
  deleteRepoRoute,
  moveRepoRoute,
  repoInfoRoute,
  whoami,
  xetWriteTokenRoute
} from './routes/repos.ts'
import { validateYamlRoute } from './routes/validate-yaml.ts'
import type { RouteHandler } from './routes/shared.ts'
import type { RepoRef, RouteName } from './types.ts'

export interface MatchedRoute {
  route: RouteName
  run: RouteHandler
}

export function matchRoute(method: string, pathname: string): MatchedRoute | undefined {
  const segments = pathname.split('/').slice(1).map(decodeSegment)
  if (segments[0] === 'api') return matchApiRoute(method, segments.slice(1))
  if (segments[0] === '_lfs') return matchLfsBlobRoute(method, segments.slice(1))
  if (pathname === '/oauth/token') return method === 'POST' ? route('oauth-token', oauthTokenRoute) : undefined
  return matchRepoUrlRoute(method, segments)
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HubHttpError(400, 'Malformed percent-encoding in the URL path')
  }
}

function route(name: RouteName, run: RouteHandler): MatchedRoute {
  return { route: name, run }
}

const isRead = (method: string): boolean => method === 'GET' || method === 'HEAD'

function matchApiRoute(method: string, segments: string[]): MatchedRoute | undefined {
  const [first, second] = segments
  if (first === 'whoami-v2' && segments.length === 1 && isRead(method))
    return route('whoami', (ctx, state) =>
      ctx.identity.kind === 'user' && ctx.identity.scope ? exchangedWhoamiRoute(ctx, state) : whoami(ctx)
    )
  if (first === 'validate-yaml' && segments.length === 1 && method === 'POST') {
    return route('validate-yaml', validateYamlRoute)
  }
  // The multipart completion URL the batch endpoint hands out (signed; no Authorization).
  if (first === 'complete_multipart' && segments.length === 1 && method === 'POST') {
    return route('lfs-complete', lfsCompleteRoute)
  }
  if (first === 'repos' && segments.length === 2) {
    if (second === 'create' && method === 'POST') return route('repo-create', createRepoRoute)
    if (second === 'delete' && method === 'DELETE') return route('repo-delete', deleteRepoRoute)
    if (second === 'move' && method === 'POST') return route('repo-move', moveRepoRoute)
    return undefined
  }
  const type = first ? typeFromPlural(first) : undefined
  const [, namespace, name, action, ...rest] = segments
  if (!type || !namespace || !name) return undefined
  const repo: RepoRef = { type, name: `${namespace}/${name}` }
  const joined = rest.join('/')
  if (action === undefined)
    return isRead(method) ? route('repo-info', (ctx, state) => repoInfoRoute(ctx, state, repo)) : undefined
  if (action === 'refs' && rest.length === 0 && isRead(method))
    return route('refs', (ctx, state) => refsRoute(ctx, state, repo))
  if (rest.length === 0) return undefined
  switch (`${method} ${action}`) {
    case 'GET revision':
    case 'HEAD revision':
      return route('model-info', (ctx, state) => repoInfoRoute(ctx, state, repo, joined))
    case 'POST preupload':
      return route('preupload', (ctx, state) => preuploadRoute(ctx, state, repo, joined))
    case 'POST commit':
      return route('commit', (ctx, state) => commitRoute(ctx, state, repo, joined))
    case 'GET tree':
      return route('tree', (ctx, state) => treeRoute(ctx, state, repo, rest))
    case 'POST paths-info':
      return route('paths-info', (ctx, state) => pathsInfoRoute(ctx, state, repo, joined))
    case 'GET commits':
      return route('commits', (ctx, state) => commitsRoute(ctx, state, repo, joined))
    case 'POST branch':
      return route('branch', (ctx, state) => createBranchRoute(ctx, state, repo, joined))
    case 'DELETE branch':
      return route('branch', (ctx, state) => deleteBranchRoute(ctx, state, repo, joined))
    case 'POST tag':
      return route('tag', (ctx, state) => createTagRoute(ctx, state, repo, joined))
    case 'DELETE tag':
      return route('tag', (ctx, state) => deleteTagRoute(ctx, state, repo, joined))
    case 'GET xet-write-token':
      return route('xet-write-token', (ctx, state) => xetWriteTokenRoute(ctx, state, repo))
    default:
      return undefined
  }
}

/** The emulator's stand-in for the CDN URLs LFS downloads redirect to (uploads go to the storage listener). */
function matchLfsBlobRoute(method: string, segments: string[]): MatchedRoute | undefined {
  const [kind, ...rest] = segments
  if (kind === 'blob' && rest.length === 4 && isRead(method)) {
    const [plural = '', namespace, name, sha256 = ''] = rest
    const type = typeFromPlural(plural)
    if (!type) return undefined
    return route('lfs-blob', (ctx, state) => lfsBlobRoute(ctx, state, { type, name: `${namespace}/${name}` }, sha256))
  }
  return undefined
}

/** Git/LFS and download URLs: `/{prefix}{ns}/{name}/…` with prefix '' (models), `datasets/`, `spaces/`. */
function matchRepoUrlRoute(method: string, segments: string[]): MatchedRoute | undefined {
  const prefixedType = segments[0] === 'datasets' || segments[0] === 'spaces' ? typeFromPlural(segments[0]) : undefined
  const type = prefixedType ?? 'model'
  const [namespace, name, action, ...rest] = prefixedType ? segments.slice(1) : segments
  if (!namespace || !name || !action) return undefined

  if (name.endsWith('.git') && method === 'POST') {
    const repo: RepoRef = { type, name: `${namespace}/${name.slice(0, -'.git'.length)}` }
    const lfsPath = `${action}/${rest.join('/')}`
    if (lfsPath === 'info/lfs/objects/batch') return route('lfs-batch', (ctx, state) => lfsBatchRoute(ctx, state, repo))
    if (lfsPath === 'info/lfs/objects/verify')
      return route('lfs-verify', (ctx, state) => lfsVerifyRoute(ctx, state, repo))
  }
  if ((action === 'resolve' || action === 'raw') && rest.length >= 2 && isRead(method)) {
    const repo: RepoRef = { type, name: `${namespace}/${name}` }
    return route('resolve', (ctx, state) => resolveRoute(ctx, state, repo, rest, action === 'raw'))
  }
  return undefined
}
