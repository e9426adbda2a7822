/**
 * Extracts one artifact zip, downloaded as is by `@actions/artifact`, into a fresh folder, refusing
 * anything hostile before a single byte is written.
 *
 * Why not let `@actions/artifact` unzip: its streaming unzipper quietly rewrites entries that try to
 * leave the folder (`../x` becomes `x`, `/abs` becomes `abs`), so a hostile zip was published under
 * the rewritten names. Here every entry of the central directory is checked first, with yauzl (a
 * well-kept reader that takes entries from the central directory, decodes names as the zip says,
 * and checks each entry's real size against the declared one while reading it):
 *
 * - names: no absolute path, drive letter, backslash, `..` or `.` segment, empty segment, control
 *   or bidi character; no name twice, also not differing only by case; no file where a folder is;
 * - types: regular files and folders only (a symlink entry is refused, never created);
 * - no encrypted entry;
 * - size: the entry count and the declared sizes, added over every artifact of the run, stay within
 *   the caps, so a zip bomb is refused before extraction (and cannot exceed its declared sizes).
 *
 * Files are created with O_EXCL in a folder nothing else writes to, so nothing is ever written
 * through a link.
 */
import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'
import { caseConflicts, foldPath, showName, unsafeCharacter } from '../lib/names.ts'
import { formatBytes } from '../lib/format.ts'

/** What all artifacts of one run may still extract; each extraction takes its share. */
export interface ExtractBudget {
  bytes: number
  entries: number
  /** The input that sets `bytes`, named in the error. */
  bytesInput: string
}

/** An artifact zip that must not be extracted. The message names the artifact and the entry. */
export class ZipRefused extends Error {
  override name = 'ZipRefused'
}

interface PlannedEntry {
  entry: yauzl.Entry
  name: string
  isDirectory: boolean
}

const S_IFMT = 0o170000
const S_IFREG = 0o100000
const S_IFDIR = 0o040000
const S_IFLNK = 0o120000
/** MS-DOS directory attribute, set by zip tools that write no Unix mode. */
const DOS_DIRECTORY = 0x10

/** Extracts `zipPath` into `directory` (which must exist and be empty); returns what was written. */
export async function extractZip(
  zipPath: string,
  directory: string,
  artifact: string,
  budget: ExtractBudget
): Promise<{ files: number; bytes: number }> {
  const zip = await yauzl
    .openPromise(zipPath, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false })
    .catch((error: unknown) => {
      throw new ZipRefused(`Artifact ${showName(artifact)} is not a readable zip: ${(error as Error).message}`)
    })
  try {
    const planned = await planEntries(zip, artifact, budget)
    let bytes = 0
    for (const { entry, name, isDirectory } of planned) {
      const target = join(directory, ...name.split('/'))
      if (isDirectory) {
        await mkdir(target, { recursive: true })
        continue
      }
      await mkdir(dirname(target), { recursive: true })
      const stream = await zip.openReadStreamPromise(entry)
      await pipeline(stream, createWriteStream(target, { flags: 'wx', mode: 0o644 })).catch((error: unknown) => {
        throw new ZipRefused(
          `Artifact ${showName(artifact)}: its entry ${showName(name)} could not be extracted: ` +
            `${(error as Error).message}`
        )
      })
      bytes += entry.uncompressedSize
    }
    return { files: planned.filter((p) => !p.isDirectory).length, bytes }
  } finally {
    zip.close()
  }
}

/** Reads the central directory and refuses the zip if any entry is hostile or the caps would be passed. */
async function planEntries(zip: yauzl.ZipFile, artifact: string, budget: ExtractBudget): Promise<PlannedEntry[]> {
  if (zip.entryCount > budget.entries) {
    throw new ZipRefused(
      `Artifact ${showName(artifact)} has ${zip.entryCount} entries; at most ${budget.entries} more may be ` +
        'extracted for this run. Nothing was published; pack many small files into fewer archives'
    )
  }
  const planned: PlannedEntry[] = []
  const problems: string[] = []
  const files = new Set<string>()
  let declared = 0
  for await (const entry of zip.eachEntry()) {
    const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true)
    const problem = entryProblem(entry, raw)
    if (problem) {
      problems.push(`${showName(raw)} ${problem}`)
      continue
    }
    const isDirectory = raw.endsWith('/') || isDirectoryMode(entry)
    const name = raw.replace(/\/$/, '')
    if (!isDirectory && files.has(name)) {
      problems.push(`${showName(name)} appears twice`)
      continue
    }
    if (!isDirectory) files.add(name)
    declared += entry.uncompressedSize
    planned.push({ entry, name, isDirectory })
  }
  for (const [a, b] of caseConflicts(new Set(planned.map((p) => p.name))))
    problems.push(`${showName(a)} and ${showName(b)} differ only by case (a clone on macOS or Windows keeps one)`)
  problems.push(...fileFolderClashes(planned))
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ')
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : ''
    throw new ZipRefused(
      `Artifact ${showName(artifact)} has entries that cannot be extracted safely (outside its folder, links, ` +
        `clashing names), and is refused; nothing from it is published: ${shown}${more}`
    )
  }
  if (declared > budget.bytes) {
    throw new ZipRefused(
      `Artifact ${showName(artifact)} would extract to ${formatBytes(declared)}, more than the ` +
        `${formatBytes(budget.bytes)} left of ${budget.bytesInput}. Nothing was published; raise ` +
        `${budget.bytesInput} if the artifact is genuine`
    )
  }
  budget.bytes -= declared
  budget.entries -= zip.entryCount
  // Folders first, then files, each in name order: the same tree whatever order the zip has.
  return planned.sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || (a.name < b.name ? -1 : 1))
}

/** Why an entry may not be extracted, or undefined. */
function entryProblem(entry: yauzl.Entry, name: string): string | undefined {
  if (unsafeCharacter(name) !== undefined) return 'has a line break, control or bidi character'
  if (name === '' || name === '/') return 'has an empty name'
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'is an absolute path'
  if (name.includes('\\')) return 'contains a backslash (a Windows path separator)'
  const segments = name.replace(/\/$/, '').split('/')
  if (segments.includes('..')) return 'climbs out of the folder with ".."'
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." path segment'
  const type = unixMode(entry) & S_IFMT
  if (type === S_IFLNK) return 'is a symbolic link'
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return 'is not a regular file or folder'
  if (entry.isEncrypted()) return 'is encrypted'
  return undefined
}

/** A file entry whose name is also a folder of another entry (`a` and `a/b`): extraction would fail on one. */
function fileFolderClashes(planned: readonly PlannedEntry[]): string[] {
  const folders = new Set<string>()
  for (const { name, isDirectory } of planned) {
    const segments = name.split('/')
    for (let i = 1; i < segments.length; i++) folders.add(foldPath(segments.slice(0, i).join('/')))
    if (isDirectory) folders.add(foldPath(name))
  }
  return planned
    .filter((p) => !p.isDirectory && folders.has(foldPath(p.name)))
    .map((p) => `${showName(p.name)} is both a file and a folder`)
}

function unixMode(entry: yauzl.Entry): number {
  return entry.externalFileAttributes >>> 16
}

function isDirectoryMode(entry: yauzl.Entry): boolean {
  const type = unixMode(entry) & S_IFMT
  return type === S_IFDIR || (type === 0 && (entry.externalFileAttributes & DOS_DIRECTORY) !== 0)
}
