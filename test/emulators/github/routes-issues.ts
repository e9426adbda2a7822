/**
 * Issue, comment and label routes with GitHub's validation: required fields (422 "Invalid request"),
 * the 256-character title and 65536-character body limits (422 "Validation Failed"), labels created
 * on the fly, and closing/reopening bookkeeping (closed_at, closed_by, state_reason).
 */
import { asObject, invalidRequest, json, notFound, paginate, validationFailed } from './http.ts'
import type { Model } from './model.ts'
import { numericParam, type Route, type RouteRequest } from './router.ts'
import type { Issue } from './store.ts'

const DOCS_ISSUES = 'https://docs.github.com/rest/issues/issues'
const DOCS_COMMENTS = 'https://docs.github.com/rest/issues/comments'
const DOCS_LABELS = 'https://docs.github.com/rest/issues/labels'
const READ_ISSUES = { scope: 'issues', level: 'read' } as const
const WRITE_ISSUES = { scope: 'issues', level: 'write' } as const

export const MAX_BODY_CHARS = 65_536
const MAX_TITLE_CHARS = 256
const STATE_REASONS = ['completed', 'not_planned', 'duplicate', 'reopened']

/** GitHub counts characters (code points), not UTF-16 units or bytes. */
const charCount = (text: string) => [...text].length

export function issuesRoutes(model: Model): Route[] {
  const store = model.store

  const requireIssue = (req: RouteRequest, docs: string): Issue => {
    const number = numericParam(req.params.issue_number)
    const issue = number === undefined ? undefined : store.findIssue(req.repo.full_name, number)
    if (!issue) throw notFound(docs)
    return issue
  }
  const issueView = (issue: Issue, req: RouteRequest) => model.issueView(issue, req.repo, req.api)
  const link = (req: RouteRequest, rest: string) => `${req.api}/repositories/${req.repo.id}${rest}`
  const withLink = (l: string | undefined) => (l ? { link: l } : undefined)

  return [
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/issues',
      docs: `${DOCS_ISSUES}#list-repository-issues`,
      permission: READ_ISSUES,
      handle(req) {
        const issues = listIssues(store.issuesOf(req.repo.full_name), req.query, this.docs)
        const { page, link: l } = paginate(issues, req.query, link(req, '/issues'))
        return json(
          200,
          page.map((i) => issueView(i, req)),
          withLink(l)
        )
      }
    },
    {
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues',
      docs: `${DOCS_ISSUES}#create-an-issue`,
      permission: WRITE_ISSUES,
      handle(req) {
        const body = asObject(req.body)
        if (body.title === undefined) throw invalidRequest(this.docs, `"title" wasn't supplied.`)
        const fields = issueFields(body, this.docs)
        const issue = model.addIssue(req.repo.full_name, {
          title: fields.title ?? '',
          body: fields.body ?? null,
          labels: fields.labels ?? [],
          user: req.login
        })
        return json(201, issueView(issue, req), {
          location: `${req.api}/repos/${req.repo.full_name}/issues/${issue.number}`
        })
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/issues/{issue_number}',
      docs: `${DOCS_ISSUES}#get-an-issue`,
      permission: READ_ISSUES,
      handle(req) {
        return json(200, issueView(requireIssue(req, this.docs), req))
      }
    },
    {
      method: 'PATCH',
      template: '/repos/{owner}/{repo}/issues/{issue_number}',
      docs: `${DOCS_ISSUES}#update-an-issue`,
      permission: WRITE_ISSUES,
      handle(req) {
        const issue = requireIssue(req, this.docs)
        const fields = issueFields(asObject(req.body), this.docs)
        applyIssueUpdate(issue, fields, req.login, model.now())
        if (fields.labels) issue.labels = model.ensureLabels(req.repo, fields.labels).map((l) => l.name)
        store.save()
        return json(200, issueView(issue, req))
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      docs: `${DOCS_COMMENTS}#list-issue-comments`,
      permission: READ_ISSUES,
      handle(req) {
        const issue = requireIssue(req, this.docs)
        const since = req.query.get('since')
        const comments = issue.comments.filter((c) => since === null || Date.parse(c.updated_at) >= Date.parse(since))
        const { page, link: l } = paginate(comments, req.query, link(req, `/issues/${issue.number}/comments`))
        return json(
          200,
          page.map((c) => model.commentView(c, issue, req.repo, req.api)),
          withLink(l)
        )
      }
    },
    {
      method: 'POST',
      template: '/repos/{owner}/{repo}/issues/{issue_number}/comments',
      docs: `${DOCS_COMMENTS}#create-an-issue-comment`,
      permission: WRITE_ISSUES,
      handle(req) {
        const issue = requireIssue(req, this.docs)
        const body = asObject(req.body).body
        if (body === undefined) throw invalidRequest(this.docs, `"body" wasn't supplied.`)
        if (typeof body !== 'string')
          throw invalidRequest(this.docs, `For 'properties/body', ${JSON.stringify(body)} is not a string.`)
        checkBodyLength(body, 'IssueComment', this.docs)
        const comment = model.addComment(issue, body, req.login)
        const view = model.commentView(comment, issue, req.repo, req.api)
        return json(201, view, { location: view.url })
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/labels',
      docs: `${DOCS_LABELS}#list-labels-for-a-repository`,
      permission: READ_ISSUES,
      handle(req) {
        const { page, link: l } = paginate(store.labelsOf(req.repo.full_name), req.query, link(req, '/labels'))
        return json(
          200,
          page.map((label) => model.labelView(label, req.repo, req.api)),
          withLink(l)
        )
      }
    },
    {
      method: 'POST',
      template: '/repos/{owner}/{repo}/labels',
      docs: `${DOCS_LABELS}#create-a-label`,
      permission: WRITE_ISSUES,
      handle(req) {
        const { name, color, description } = labelFields(asObject(req.body), this.docs)
        if (store.findLabel(req.repo.full_name, name)) {
          throw validationFailed(this.docs, { resource: 'Label', code: 'already_exists', field: 'name' })
        }
        const label = model.createLabel(req.repo, name, color, description)
        store.save()
        const view = model.labelView(label, req.repo, req.api)
        return json(201, view, { location: view.url })
      }
    },
    {
      method: 'GET',
      template: '/repos/{owner}/{repo}/labels/{name}',
      docs: `${DOCS_LABELS}#get-a-label`,
      permission: READ_ISSUES,
      handle(req) {
        const label = store.findLabel(req.repo.full_name, req.params.name ?? '')
        if (!label) throw notFound(this.docs)
        return json(200, model.labelView(label, req.repo, req.api))
      }
    }
  ]
}

/** `state`, `labels` (all must match), `creator`, `since`, `sort`, `direction` of "list repository issues". */
function listIssues(issues: Issue[], query: URLSearchParams, docs: string): Issue[] {
  const state = oneOf(query, 'state', ['open', 'closed', 'all'], 'open', docs)
  const sort = oneOf(query, 'sort', ['created', 'updated', 'comments'], 'created', docs)
  const direction = oneOf(query, 'direction', ['asc', 'desc'], 'desc', docs)
  const wantedLabels = (query.get('labels') ?? '')
    .split(',')
    .map((l) => l.trim().toLowerCase())
    .filter(Boolean)
  const creator = query.get('creator')?.toLowerCase()
  const since = query.get('since')
  const sortKey = (i: Issue) =>
    sort === 'comments' ? i.comments.length : Date.parse(sort === 'updated' ? i.updated_at : i.created_at)
  return issues
    .filter((i) => state === 'all' || i.state === state)
    .filter((i) => wantedLabels.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
    .filter((i) => creator === undefined || i.user.toLowerCase() === creator)
    .filter((i) => since === null || Date.parse(i.updated_at) >= Date.parse(since))
    .sort((a, b) => (sortKey(a) - sortKey(b) || a.number - b.number) * (direction === 'asc' ? 1 : -1))
}

function oneOf(query: URLSearchParams, key: string, allowed: string[], fallback: string, docs: string): string {
  const value = query.get(key)
  if (value === null) return fallback
  if (!allowed.includes(value)) {
    throw invalidRequest(docs, `For '${key}', ${JSON.stringify(value)} is not one of ${JSON.stringify(allowed)}.`)
  }
  return value
}

interface IssueFields {
  title?: string
  body?: string | null
  state?: 'open' | 'closed'
  state_reason?: string | null
  labels?: string[]
}

/** Validates the writable issue fields present in a create or update body. */
function issueFields(body: Record<string, unknown>, docs: string): IssueFields {
  const fields: IssueFields = {}
  if (body.title !== undefined) fields.title = issueTitle(body.title, docs)
  if (body.body !== undefined) {
    if (body.body !== null && typeof body.body !== 'string')
      throw invalidRequest(docs, `For 'properties/body', ${JSON.stringify(body.body)} is not a string or null.`)
    if (body.body !== null) checkBodyLength(body.body, 'Issue', docs)
    fields.body = body.body
  }
  if (body.state !== undefined) {
    if (body.state !== 'open' && body.state !== 'closed')
      throw invalidRequest(
        docs,
        `For 'properties/state', ${JSON.stringify(body.state)} is not one of ["open", "closed"].`
      )
    fields.state = body.state
  }
  if (body.state_reason !== undefined) {
    if (
      body.state_reason !== null &&
      (typeof body.state_reason !== 'string' || !STATE_REASONS.includes(body.state_reason))
    ) {
      throw invalidRequest(
        docs,
        `For 'properties/state_reason', ${JSON.stringify(body.state_reason)} ` +
          `is not one of ${JSON.stringify(STATE_REASONS)}.`
      )
    }
    fields.state_reason = body.state_reason
  }
  if (body.labels !== undefined) fields.labels = labelNames(body.labels, docs)
  return fields
}

function issueTitle(title: unknown, docs: string): string {
  if (typeof title !== 'string' && typeof title !== 'number')
    throw invalidRequest(docs, `For 'properties/title', ${JSON.stringify(title)} is not a string or integer.`)
  const text = String(title)
  if (text.trim() === '') throw validationFailed(docs, { resource: 'Issue', code: 'missing_field', field: 'title' })
  if (charCount(text) > MAX_TITLE_CHARS) {
    throw validationFailed(docs, {
      resource: 'Issue',
      code: 'custom',
      field: 'title',
      message: `title is too long (maximum is ${MAX_TITLE_CHARS} characters)`
    })
  }
  return text
}

function checkBodyLength(body: string, resource: 'Issue' | 'IssueComment', docs: string): void {
  if (charCount(body) > MAX_BODY_CHARS) {
    throw validationFailed(docs, {
      resource,
      code: 'custom',
      field: 'body',
      message: `body is too long (maximum is ${MAX_BODY_CHARS} characters)`
    })
  }
}

/** Labels may be given as names or as `{name}` objects. */
function labelNames(labels: unknown, docs: string): string[] {
  if (!Array.isArray(labels))
    throw invalidRequest(docs, `For 'properties/labels', ${JSON.stringify(labels)} is not an array.`)
  return labels.map((l: unknown) => {
    if (typeof l === 'string') return l
    if (l && typeof l === 'object' && typeof (l as { name?: unknown }).name === 'string')
      return (l as { name: string }).name
    throw invalidRequest(docs, `For 'items', ${JSON.stringify(l)} is not a string or object.`)
  })
}

/** Closing records who closed it and why; reopening clears that and says `reopened`, as GitHub does. */
function applyIssueUpdate(issue: Issue, fields: IssueFields, login: string, now: string): void {
  if (fields.title !== undefined) issue.title = fields.title
  if (fields.body !== undefined) issue.body = fields.body
  if (fields.state === 'closed' && issue.state === 'open') {
    Object.assign(issue, {
      state: 'closed',
      closed_at: now,
      closed_by: login,
      state_reason: fields.state_reason ?? 'completed'
    })
  } else if (fields.state === 'open' && issue.state === 'closed') {
    Object.assign(issue, { state: 'open', closed_at: null, closed_by: null, state_reason: 'reopened' })
  } else if (fields.state_reason !== undefined && issue.state === 'closed') {
    issue.state_reason = fields.state_reason
  }
  issue.updated_at = now
}

function labelFields(body: Record<string, unknown>, docs: string) {
  const { name, color = 'ededed', description = null } = body
  if (name === undefined) throw invalidRequest(docs, `"name" wasn't supplied.`)
  if (typeof name !== 'string' || name.trim() === '')
    throw validationFailed(docs, { resource: 'Label', code: 'missing_field', field: 'name' })
  const hex = typeof color === 'string' ? color.replace(/^#/, '') : ''
  if (!/^[0-9a-fA-F]{6}$/.test(hex))
    throw validationFailed(docs, { resource: 'Label', code: 'invalid', field: 'color' })
  if (description !== null && (typeof description !== 'string' || charCount(description) > 100)) {
    throw validationFailed(docs, { resource: 'Label', code: 'invalid', field: 'description' })
  }
  return { name, color: hex.toLowerCase(), description: description }
}
