/**
 * mode: verify — checks a revision of the Hub repo (default: the branch head) without
 * publishing anything, for scheduled checks. What should be there comes from the local files
 * when `files` is given, else from the provenance of the newest publish at or before that
 * revision (its File trailers); `expected-files` adds paths that must exist.
 */
import type { Deps } from '../deps.ts'
import { ActionError } from '../errors.ts'
import { hashFiles } from '../files/manifest.ts'
import { resolveLocalFiles } from '../files/resolve-files.ts'
import { checkToken, connectHub, hubErrorContext } from '../hub/connect.ts'
import { explainHubError } from '../hub/hub-errors.ts'
import type { Settings } from '../inputs.ts'
import { hubCommit } from '../lib/urls.ts'
import { emptyResult, withKnownResult, type RunResult } from '../report/run-result.ts'
import type { RunContext } from '../trigger/run-context.ts'
import { expectedFromHistory } from '../verify/expected-files.ts'
import { describeMismatches, type ExpectedFile } from '../verify/verify-files.ts'
import { expectedFromManifest, expectsCard, verifyRevision } from '../verify/verify-revision.ts'

export async function runVerify(deps: Deps, settings: Settings, ctx: RunContext): Promise<RunResult> {
  const hub = connectHub(deps, settings)
  const fail = (doing: string) => (error: unknown) => {
    throw explainHubError(error, hubErrorContext(settings, doing, 'verify'))
  }
  return deps.core.group('Verify the Hub repo', async () => {
    await checkToken(hub, settings, false, 'verify')
    const wanted = settings.revision ?? settings.branch
    const revision = await hub.headCommit(wanted).catch(fail(`reading ${wanted}`))
    if (!revision) throw new ActionError(`revision "${wanted}" does not exist in ${settings.repo.name}`, 'verify')
    const files: Array<ExpectedFile & { localPath?: string }> =
      settings.files.length > 0
        ? await localExpectedFiles(deps, settings, ctx)
        : await expectedFromHistory(hub, revision, (line) => deps.core.info(line)).catch(
            fail('reading what should be there')
          )
    if (files.length === 0 && settings.expectedFiles.length === 0) {
      throw new ActionError(
        `Nothing to verify at ${revision}: no files input, no publish by hf-upload-action in its history, ` +
          'and no expected-files',
        'verify'
      )
    }
    const card = expectsCard(settings)
    const target = { files, paths: settings.expectedFiles, card, content: settings.verifyContent }
    const result: RunResult = {
      ...emptyResult(settings, 'verify'),
      commit: hubCommit(settings.hubUrl, settings.repo, revision),
      verifiedRevision: revision
    }
    // A failed verification still says what it checked: verified=false and the revision, as outputs.
    return withKnownResult(result, async () => {
      const report = await verifyRevision(hub, revision, target).catch(fail('verifying'))
      result.verified = report.ok
      if (!report.ok) throw new ActionError(describeMismatches(report, revision), 'verify')
      const how = settings.verifyContent ? ' (sizes, hashes, and the bytes downloaded again)' : ''
      deps.core.info(`Verified ${report.checked} files at ${revision}${how}.`)
      return result
    })
  })
}

async function localExpectedFiles(deps: Deps, settings: Settings, ctx: RunContext) {
  const local = await resolveLocalFiles(settings.files, { roots: [{ dir: ctx.workspace, label: 'workspace' }] })
  return expectedFromManifest(await hashFiles(local, (line) => deps.core.info(line)))
}
