/**
 * The published files the model card and the metric gate read: the evaluation report, the
 * benchmark report (both JSON from the Train run, so untrusted and size-capped) and a card
 * template from the workspace.
 */
import { readFile, realpath } from 'node:fs/promises'
import { isAbsolute, posix, relative, resolve, sep } from 'node:path'
import { ActionError } from '../errors.ts'
import { isGitSegment } from '../lib/names.ts'
import type { ManifestEntry } from '../hub/upload-plan.ts'

/** Reports are a few KiB; anything near this is not a report and is not parsed. */
const MAX_REPORT_BYTES = 16 * 1024 * 1024

/**
 * The evaluation report among the published files: `evaluation-report` when set, else a file named
 * evaluation_report.json.
 */
export function findEvaluationReport(
  wanted: string | undefined,
  manifest: readonly ManifestEntry[]
): ManifestEntry | undefined {
  if (wanted) {
    const entry = manifest.find((f) => f.pathInRepo === wanted)
    if (!entry) {
      throw new ActionError(
        `evaluation-report: "${wanted}" is not among the published files; ` +
          'it must be a path in the repo that the files mapping publishes',
        'upload'
      )
    }
    return entry
  }
  return manifest.find((f) => posix.basename(f.pathInRepo) === 'evaluation_report.json')
}

/** A published file named benchmark*.json, for the card's benchmark table. */
export function findBenchmarkReport(manifest: readonly ManifestEntry[]): ManifestEntry | undefined {
  return manifest.find((f) => /^benchmark[^/]*\.json$/i.test(posix.basename(f.pathInRepo)))
}

/** Parses a published JSON file; a clear error when it is too large or not JSON. */
export async function readJsonFile(entry: ManifestEntry, what: string): Promise<unknown> {
  if (entry.size > MAX_REPORT_BYTES) {
    throw new ActionError(
      `The ${what} ${entry.pathInRepo} is ${entry.size} bytes; at most ${MAX_REPORT_BYTES} are read`,
      'upload'
    )
  }
  const text = await readFile(entry.localPath, 'utf8')
  try {
    return JSON.parse(text)
  } catch (error: unknown) {
    throw new ActionError(`The ${what} ${entry.pathInRepo} is not valid JSON: ${(error as Error).message}`, 'upload', {
      cause: error
    })
  }
}

/**
 * The model-card template, which must lie inside the workspace, also once symlinks are resolved,
 * and not inside a `.git` folder: a committed `card.md -> .git/config` would otherwise publish the
 * job's token as the card.
 */
export async function readTemplate(workspace: string, path: string): Promise<string> {
  const absolute = resolve(workspace, path)
  const real = await realpath(absolute).catch(() => undefined)
  if (real === undefined) {
    throw new ActionError(`model-card: the template ${path} does not exist in the workspace (${absolute})`, 'upload')
  }
  const inside = relative(await realpath(workspace).catch(() => workspace), real)
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new ActionError(`model-card: the template ${path} is outside the workspace (it leads to ${real})`, 'upload')
  }
  if (inside.split(sep).some(isGitSegment)) {
    throw new ActionError(
      `model-card: the template ${path} leads into a .git folder (to ${real}); git's own files are never published`,
      'upload'
    )
  }
  return readFile(real, 'utf8')
}
