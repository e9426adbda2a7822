/** `GET /repos/{owner}/{repo}`: the repository itself, readable with any valid token. */
import { json } from './http.ts'
import type { Model } from './model.ts'
import { fullRepository } from './render.ts'
import type { Route } from './router.ts'

export function repoRoutes(model: Model): Route[] {
  return [
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}',
      docs: 'https://docs.github.com/rest/repos/repos#get-a-repository',
      permission: null,
      handle: (req) => json(200, fullRepository(req.repo, req.api, model.openIssueCount(req.repo)))
    }
  ]
}
