/**
 * mode: verify — checks a revision of the Hub repo (default: the branch head) without
 * publishing anything, for scheduled checks. What should be there comes from the local files
 * when `files` is given, else from the provenance of the newest publish at or before that
 * revision (its File trailers); `expected-files` adds paths that must exist.
 */
import type { Deps } from '../deps.ts'
import { ActionError } from '../errors.ts'
import { resolveLocalFiles } from '../files/resolve-files.ts'
import type { HubClient } from '../hub/hub-client.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import type { Settings } from '../inputs.ts'
import { gitBlobOid, sha256Of } from '../lib/file-hash.ts'
import { publishHistory } from '../history/history.ts'
import type { RunResult } from '../report/run-result.ts'
import type { RunContext } from '../trigger/run-context.ts'
import { checkToken, createHub, hashFiles, hubCommit, hubContext, resultWithoutUpload } from '../upload-stage.ts'
import { describeMismatches, type ExpectedFile } from '../verify/verify-files.ts'
import { expectedFromManifest, expectsCard, verifyRevision } from './verify-revision.ts'

export async function runVerify(deps: Deps, settings: Settings, ctx: RunContext): Promise<RunResult> {
  const hub = createHub(deps, settings)
  const fail = (doing: string) => (error: unknown) => {
    throw explainHubError(error, { ...hubContext(settings), doing, stage: 'verify' })
  }
  return deps.core.group('Verify the Hub repo', async () => {
    await checkToken(hub, hubContext(settings), false).catch(fail('checking hf-token'))
    const wanted = settings.revision ?? settings.branch
    const revision = await hub.headCommit(wanted).catch(fail(`reading ${wanted}`))
    if (!revision) throw new ActionError(`revision "${wanted}" does not exist in ${settings.repo.name}`, 'verify')
    const files = await expectedFiles(deps, settings, ctx, hub, revision).catch(fail('reading what should be there'))
    if (files.length === 0 && settings.expectedFiles.length === 0) {
      throw new ActionError(
        `Nothing to verify at ${revision}: no files input, no publish by hf-upload-action in its history, and no expected-files`,
        'verify'
      )
    }
    const card = expectsCard(settings)
    const report = await verifyRevision(hub, revision, { files, paths: settings.expectedFiles, card }).catch(
      fail('verifying')
    )
    if (!report.ok) throw new ActionError(describeMismatches(report, revision), 'verify')
    deps.core.info(`Verified ${report.checked} files at ${revision}.`)
    return {
      ...resultWithoutUpload(settings, 'verify'),
      commit: hubCommit(settings, revision),
      verified: true,
      verifiedRevision: revision
    }
  })
}

async function expectedFiles(
  deps: Deps,
  settings: Settings,
  ctx: RunContext,
  hub: HubClient,
  revision: string
): Promise<Array<ExpectedFile & { localPath?: string }>> {
  if (settings.files.length > 0) {
    const local = await resolveLocalFiles(settings.files, { roots: [{ dir: ctx.workspace, label: 'workspace' }] })
    return expectedFromManifest(await hashFiles(deps, local))
  }
  const records = publishHistory(await hub.listCommits(revision, 500), 500)
  // The newest publish decides what should be there; a rollback points at the publish it restored.
  const newest = records.find((r) => r.provenance.files.length > 0 || r.provenance.rollbackOf)
  const publish = newest?.provenance.rollbackOf ? records.find((r) => r.oid === newest.provenance.rollbackOf) : newest
  if (!publish || publish.provenance.files.length === 0) return []
  deps.core.info(`Checking against the files recorded by the publish ${publish.oid}.`)
  return withRegularFileIds(hub, revision, publish.provenance.files)
}

/**
 * Provenance records SHA-256 only; the Hub reports regular files by git blob id. For those
 * (small) files, read the bytes at the revision and derive the blob id when the SHA-256 matches,
 * so a changed regular file still shows up as a hash mismatch.
 */
async function withRegularFileIds(
  hub: HubClient,
  revision: string,
  files: ReadonlyArray<{ path: string; size: number; sha256: string }>
): Promise<ExpectedFile[]> {
  const remote = await hub.pathsInfo(
    revision,
    files.map((f) => f.path)
  )
  return Promise.all(
    files.map(async (f) => {
      const entry = remote.get(f.path)
      if (!entry || entry.lfs) return { ...f }
      const bytes = await hub.readBytes(f.path, revision)
      const matches = bytes !== undefined && sha256Of(bytes) === f.sha256
      return { ...f, gitOid: matches ? gitBlobOid(bytes) : `sha256:${f.sha256}` }
    })
  )
}
