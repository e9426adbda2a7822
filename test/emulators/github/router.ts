/**
 * Route table types and matching. Routes are written as GitHub's OpenAPI / Octokit route strings
 * (`GET /repos/{owner}/{repo}/issues/{issue_number}`), and that string is also the route's name in
 * `requests[]` and in fault rules.
 */
import type { Reply } from './http.ts'
import type { Repo } from './store.ts'

export type Scope = 'actions' | 'issues'
export type Level = 'read' | 'write'

export interface Permission {
  scope: Scope
  level: Level
}

export interface RouteRequest {
  method: string
  params: Record<string, string>
  query: URLSearchParams
  body: unknown
  /** Login of the token's owner, e.g. `github-actions[bot]`. */
  login: string
  /** Base URL of the emulator, used for every API URL in answers. */
  api: string
  repo: Repo
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  template: string
  /** The operation's page on docs.github.com, sent as `documentation_url` in its errors. */
  docs: string
  /** `null`: only needs a valid token (repository metadata). */
  permission: Permission | null
  handle(req: RouteRequest): Reply | Promise<Reply>
}

export interface RouteMatch {
  route: Route
  name: string
  params: Record<string, string>
}

export function routeName(route: Pick<Route, 'method' | 'template'>): string {
  return `${route.method} ${route.template}`
}

/** Each `{param}` matches one path segment; values are URL-decoded (label names may contain `%20`). */
function compile(template: string): { regex: RegExp; names: string[] } {
  const names: string[] = []
  const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name)
    return '([^/]+)'
  })
  return { regex: new RegExp(`^${source}$`), names }
}

export class Router {
  private readonly compiled: Array<{ route: Route; regex: RegExp; names: string[] }>

  constructor(routes: Route[]) {
    this.compiled = routes.map((route) => ({ route, ...compile(route.template) }))
  }

  get names(): string[] {
    return this.compiled.map((c) => routeName(c.route))
  }

  match(method: string, path: string): RouteMatch | undefined {
    for (const { route, regex, names } of this.compiled) {
      if (route.method !== method) continue
      const m = regex.exec(path)
      if (!m) continue
      const params = Object.fromEntries(names.map((n, i) => [n, safeDecode(m[i + 1] ?? '')]))
      return { route, name: routeName(route), params }
    }
    return undefined
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

/** Path parameters that are ids must be positive integers; anything else is GitHub's 404. */
export function numericParam(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined
}
