// POST /api/validate-yaml `{content, repoType}`: the Hub's card check, which the Python client calls
// before any commit that touches README.md. It answers `{errors: [{message}], warnings: [{message}]}`
// with 200, or 400 when there are errors: huggingface_hub raises on the status (BadRequestError) and
// then lists `errors[].message` under "Invalid metadata in README.md." (hf_api.py `_validate_yaml`).
import { invalidCredentials } from '../auth.ts'
import { badRequest } from '../errors.ts'
import { isObject, readJsonBody, sendJson, type RequestContext } from '../http.ts'
import { validateCard } from '../card-validator.ts'
import { isRepoType } from '../repo-names.ts'
import type { EmulatorState } from './shared.ts'

export async function validateYamlRoute(ctx: RequestContext, _state: EmulatorState): Promise<void> {
  if (ctx.identity.kind === 'invalid') throw invalidCredentials()
  const body = await readJsonBody(ctx.req, 16 * 1024 * 1024)
  if (!isObject(body) || typeof body.content !== 'string')
    throw badRequest('"content" (the README.md text) is required')
  const repoType = body.repoType ?? 'model'
  if (!isRepoType(repoType)) throw badRequest(`Invalid repoType ${JSON.stringify(repoType)}`)
  const { errors, warnings } = validateCard(body.content, repoType)
  sendJson(ctx.res, errors.length > 0 ? 400 : 200, { errors, warnings })
}
