/**
 * Zip building for artifacts, with yazl (the same kind of standard zip upload-artifact produces).
 *
 * `renameZipEntries` exists for zip-slip tests: yazl refuses names such as `../x` or `/abs/x`
 * ("invalid relative path"), so a hostile archive is built with harmless placeholder names of the
 * same byte length and then renamed in place, in both the local headers and the central directory.
 * The CRC covers file data only, so the archive stays valid.
 */
import yazl from 'yazl'

export interface ZipEntry {
  data: string | Buffer
  /** Unix mode stored in the external attributes, e.g. `0o120777` marks a symlink entry. */
  mode?: number
  compress?: boolean
}

/** Fixed timestamp so the same files always give the same bytes and therefore the same digest. */
const FIXED_MTIME = new Date('2026-01-01T00:00:00Z')

export async function buildZip(files: Record<string, string | Buffer | ZipEntry>): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const [name, spec] of Object.entries(files)) {
    const entry: ZipEntry = typeof spec === 'string' || Buffer.isBuffer(spec) ? { data: spec } : spec
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : entry.data
    zip.addBuffer(data, name, {
      mtime: FIXED_MTIME,
      ...(entry.mode !== undefined ? { mode: entry.mode } : {}),
      ...(entry.compress !== undefined ? { compress: entry.compress } : {})
    })
  }
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const EOCD_SIGNATURE = 0x06054b50
const CENTRAL_SIGNATURE = 0x02014b50
const LOCAL_SIGNATURE = 0x04034b50

export interface ZipEntryInfo {
  name: string
  /** Unix mode from the high half of the external attributes (0 when the zip was not made on Unix). */
  mode: number
}

/** Names and modes of a zip's entries, read from its central directory. */
export function listZipEntries(zip: Buffer): ZipEntryInfo[] {
  const entries: ZipEntryInfo[] = []
  walkEntries(zip, (central, nameLength) => {
    entries.push({
      name: zip.toString('utf8', central + 46, central + 46 + nameLength),
      mode: zip.readUInt32LE(central + 38) >>> 16
    })
  })
  return entries
}

/** Renames entries in place; every new name must have the same UTF-8 byte length as the old one. */
export function renameZipEntries(zip: Buffer, renames: Record<string, string>): Buffer {
  const out = Buffer.from(zip)
  walkEntries(out, (central, nameLength, local) => {
    renameAt(out, central + 46, nameLength, renames)
    renameAt(out, local + 30, out.readUInt16LE(local + 26), renames)
  })
  return out
}

/** Calls `visit` with the offsets of each central directory record and its local header. */
function walkEntries(zip: Buffer, visit: (central: number, nameLength: number, local: number) => void): void {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (eocd < 0 || zip.readUInt32LE(eocd) !== EOCD_SIGNATURE) throw new Error('no end of central directory record')
  const count = zip.readUInt16LE(eocd + 10)
  let offset = zip.readUInt32LE(eocd + 16)
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== CENTRAL_SIGNATURE) throw new Error(`bad central directory entry ${i}`)
    const nameLength = zip.readUInt16LE(offset + 28)
    const local = zip.readUInt32LE(offset + 42)
    if (zip.readUInt32LE(local) !== LOCAL_SIGNATURE) throw new Error(`bad local header ${i}`)
    visit(offset, nameLength, local)
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32)
  }
}

function renameAt(zip: Buffer, start: number, length: number, renames: Record<string, string>): void {
  const name = zip.toString('utf8', start, start + length)
  const replacement = renames[name]
  if (replacement === undefined) return
  const bytes = Buffer.from(replacement, 'utf8')
  if (bytes.length !== length) throw new Error(`rename ${name} -> ${replacement}: byte lengths differ`)
  bytes.copy(zip, start)
}
