/**
 * Local runs under `@github/local-action` only. It swaps `@actions/artifact` for a stub of the 5.x
 * API, which ignores `skipDecompress` and extracts the zip itself (with unzip-stream, which rewrites
 * hostile entry names instead of refusing them). There the downloader hands over a folder of files,
 * not the zip: this moves them into place after the checks that can still be made on files (names,
 * symlinks, sizes), and the run says that the zip's entries could not be checked. On a runner the
 * real library always hands over the zip, and anything else is refused.
 */
import { lstat, mkdir, readdir, rename } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { caseConflicts, showName, unsafeCharacter } from '../lib/names.ts'
import { formatBytes } from '../lib/format.ts'
import { ZipRefused, type ExtractBudget } from './extract-zip.ts'

/** The environment variable local-action requires for its artifact stub; no runner sets it. */
export const LOCAL_ACTION_MARKER = 'LOCAL_ACTION_ARTIFACT_PATH'

/** Moves what the stub extracted into `scratch` to `directory`; returns what was moved. */
export async function adoptStubExtraction(
  scratch: string,
  directory: string,
  artifact: string,
  budget: ExtractBudget
): Promise<{ files: number; bytes: number }> {
  const files: Array<{ path: string; size: number }> = []
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      const name = relative(scratch, path).split(sep).join('/')
      const bad = unsafeCharacter(entry.name)
      if (bad) throw new ZipRefused(`Artifact ${showName(artifact)}: the file ${showName(name)} holds ${bad}`)
      const info = await lstat(path)
      if (info.isDirectory()) await walk(path)
      else if (info.isFile()) files.push({ path: name, size: info.size })
      else throw new ZipRefused(`Artifact ${showName(artifact)}: ${showName(name)} is not a regular file`)
    }
  }
  await walk(scratch)
  const clash = caseConflicts(files.map((f) => f.path))[0]
  if (clash) throw new ZipRefused(`Artifact ${showName(artifact)}: ${clash.map(showName).join(' and ')} differ by case`)
  const bytes = files.reduce((sum, f) => sum + f.size, 0)
  if (bytes > budget.bytes || files.length > budget.entries) {
    throw new ZipRefused(
      `Artifact ${showName(artifact)} extracts to ${formatBytes(bytes)} in ${files.length} files, over what is left ` +
        `of ${budget.bytesInput}`
    )
  }
  budget.bytes -= bytes
  budget.entries -= files.length
  for (const file of files) {
    await mkdir(dirname(join(directory, file.path)), { recursive: true })
    await rename(join(scratch, file.path), join(directory, file.path))
  }
  return { files: files.length, bytes }
}
