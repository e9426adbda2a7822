// Artifact zips are extracted entry by checked entry (issue 7, point 4): real zips built with yazl,
// hostile ones renamed in place (yazl itself refuses such names).
import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { crc32 } from 'node:zlib'
import { extractZip, ZipRefused, type ExtractBudget } from '../../src/artifacts/extract-zip.ts'
import { buildZip, renameZipEntries, type ZipEntry } from '../emulators/github/zip.ts'

const budget = (bytes = 1024 * 1024, entries = 1000): ExtractBudget => ({
  bytes,
  entries,
  bytesInput: 'artifacts-max-size'
})

async function extract(zip: Buffer, limits = budget()) {
  const dir = await mkdtemp(join(tmpdir(), 'hfua-unzip-'))
  await writeFile(join(dir, 'a.zip'), zip)
  await mkdir(join(dir, 'out'))
  const result = await extractZip(join(dir, 'a.zip'), join(dir, 'out'), 'checkpoints', limits).then(
    (r) => ({ ok: true as const, ...r }),
    (error: unknown) => ({ ok: false as const, error })
  )
  return { result, out: join(dir, 'out'), written: await readdir(join(dir, 'out'), { recursive: true }) }
}

const hostile = async (files: Record<string, string | Buffer | ZipEntry>, renames: Record<string, string>) =>
  renameZipEntries(await buildZip(files), renames)

const CENTRAL = Buffer.from([0x50, 0x4b, 0x01, 0x02])
const EOCD = Buffer.from([0x50, 0x4b, 0x05, 0x06])

/** Sets the general-purpose "encrypted" bit of the zip's only entry in its central directory. */
const encrypted = (zip: Buffer) => {
  const central = zip.lastIndexOf(CENTRAL)
  zip.writeUInt16LE(zip.readUInt16LE(central + 8) | 1, central + 8)
  return zip
}

/**
 * Gives the zip's only entry an Info-ZIP Unicode Path extra field (0x7075) naming `name`: readers take
 * it over the raw name when its CRC matches the raw one, so a harmless raw name can hide a hostile one.
 */
function withUnicodePath(zip: Buffer, name: string): Buffer {
  const central = zip.lastIndexOf(CENTRAL)
  const nameLength = zip.readUInt16LE(central + 28)
  const extraEnd = central + 46 + nameLength + zip.readUInt16LE(central + 30)
  const unicode = Buffer.from(name, 'utf8')
  const field = Buffer.alloc(9 + unicode.length)
  field.writeUInt16LE(0x7075, 0)
  field.writeUInt16LE(5 + unicode.length, 2)
  field.writeUInt8(1, 4)
  field.writeUInt32LE(crc32(zip.subarray(central + 46, central + 46 + nameLength)), 5)
  unicode.copy(field, 9)
  const out = Buffer.concat([zip.subarray(0, extraEnd), field, zip.subarray(extraEnd)])
  out.writeUInt16LE(out.readUInt16LE(central + 30) + field.length, central + 30)
  const eocd = out.lastIndexOf(EOCD)
  out.writeUInt32LE(out.readUInt32LE(eocd + 12) + field.length, eocd + 12)
  return out
}

test('a plain zip is extracted with its folders, and the budget is spent', async () => {
  const limits = budget()
  const zip = await buildZip({
    'a.txt': 'A',
    'sub/deep/b.bin': Buffer.alloc(3000, 7),
    empty: { data: '', mode: 0o040755 }
  })
  const { result, out } = await extract(zip, limits)
  assert.ok(result.ok, String(!result.ok && result.error))
  assert.deepEqual({ files: result.files, bytes: result.bytes }, { files: 2, bytes: 3001 })
  assert.ok((await readdir(join(out, 'empty'))).length === 0, 'a folder entry is a folder')
  assert.equal(await readFile(join(out, 'a.txt'), 'utf8'), 'A')
  assert.equal((await readFile(join(out, 'sub/deep/b.bin'))).length, 3000)
  assert.equal(limits.bytes, 1024 * 1024 - 3001)
  assert.equal(limits.entries, 1000 - 3)
})

const refusals: Array<{ name: string; zip: () => Promise<Buffer>; expect: RegExp }> = [
  {
    name: 'an entry climbing out with ../',
    zip: () => hostile({ 'ok.txt': 'x', 'xx/evil.txt': 'evil' }, { 'xx/evil.txt': '../evil.txt' }),
    expect: /"\.\.\/evil\.txt" climbs out of the folder/
  },
  {
    name: 'a deeper ../ in the middle',
    zip: () => hostile({ 'a/xxxxx/c.txt': 'evil' }, { 'a/xxxxx/c.txt': 'a/../../c.txt' }),
    expect: /climbs out/
  },
  {
    name: 'an absolute path',
    zip: () => hostile({ 'xetc/passwd': 'evil' }, { 'xetc/passwd': '/etc/passwd' }),
    expect: /"\/etc\/passwd" is an absolute path/
  },
  {
    name: 'a drive letter',
    zip: () => hostile({ 'Cx/evil.txt': 'evil' }, { 'Cx/evil.txt': 'C:/evil.txt' }),
    expect: /is an absolute path/
  },
  {
    name: 'a backslash path',
    zip: () => hostile({ 'x_.._evil.txt': 'evil' }, { 'x_.._evil.txt': 'x\\..\\evil.txt' }),
    expect: /contains a backslash/
  },
  {
    name: 'a symlink entry',
    zip: () => buildZip({ 'link.txt': { data: '../../../../etc/passwd', mode: 0o120777 } }),
    expect: /"link\.txt" is a symbolic link/
  },
  {
    name: 'a FIFO entry',
    zip: () => buildZip({ pipe: { data: '', mode: 0o010644 } }),
    expect: /is not a regular file or folder/
  },
  {
    name: 'the same name twice',
    zip: () => hostile({ 'a.txt': 'one', 'b.txt': 'two' }, { 'b.txt': 'a.txt' }),
    expect: /"a\.txt" appears twice/
  },
  {
    name: 'two names that differ only by case',
    zip: () => buildZip({ 'Samples/a.png': 'A', 'samples/b.png': 'B' }),
    expect: /"Samples" and "samples" differ only by case/
  },
  {
    name: 'a file that is also a folder',
    zip: () => buildZip({ a: 'file', 'a/b.txt': 'x' }),
    expect: /"a" is both a file and a folder/
  },
  {
    name: 'a newline in a name',
    zip: () => hostile({ 'ax::error::x.png': 'x' }, { 'ax::error::x.png': 'a\n::error::x.png' }),
    expect: /"a\\u000A::error::x\.png" has a line break, control or bidi character/
  },
  {
    name: 'a bidi override in a name',
    zip: () => hostile({ 'catxxxgnp.exe': 'x' }, { 'catxxxgnp.exe': 'cat\u202egnp.exe' }),
    expect: /\\u202E/
  },
  {
    name: 'a "." segment',
    zip: () => hostile({ 'x/a.txt': 'x' }, { 'x/a.txt': './a.txt' }),
    expect: /empty or "\." path segment/
  },
  {
    name: 'an empty segment',
    zip: () => hostile({ 'ax/b.txt': 'x' }, { 'ax/b.txt': 'a//b.txt' }),
    expect: /"a\/\/b\.txt" has an empty or "\." path segment/
  },
  {
    name: 'a file and a folder entry of the same name',
    zip: () => hostile({ a: 'file', b: { data: '', mode: 0o040755 } }, { b: 'a' }),
    expect: /"a" is both a file and a folder/
  },
  {
    name: 'two names that differ only by Unicode form (composed and decomposed)',
    zip: () => buildZip({ 'caf\u00e9.txt': 'one', 'cafe\u0301.txt': 'two' }),
    expect: /"caf\u00e9\.txt" and "cafe\u0301\.txt" differ only by case/
  },
  {
    name: 'a hostile name in the Unicode Path extra field behind a harmless raw one',
    zip: async () => withUnicodePath(await buildZip({ 'ok.txt': 'evil' }), '../evil.txt'),
    expect: /"\.\.\/evil\.txt" climbs out of the folder/
  },
  {
    name: 'an encrypted entry',
    zip: async () => encrypted(await buildZip({ 'model.pt': 'x'.repeat(100) })),
    expect: /"model\.pt" is encrypted/
  },
  {
    name: 'something that is not a zip',
    zip: () => Promise.resolve(Buffer.from('not a zip at all')),
    expect: /is not a readable zip/
  }
]

for (const c of refusals) {
  test(`refused before anything is written: ${c.name}`, async () => {
    const { result, written } = await extract(await c.zip())
    assert.ok(!result.ok, 'refused')
    assert.ok(result.error instanceof ZipRefused, String(result.error))
    assert.match(result.error.message, /^Artifact "checkpoints"/)
    assert.match(result.error.message, c.expect)
    assert.deepEqual(written, [], 'nothing was extracted')
  })
}

test('a zip bomb is refused from its declared sizes, before extraction', async () => {
  const limits = budget(1024 * 1024)
  const zip = await buildZip({ 'a.bin': Buffer.alloc(600 * 1024), 'b.bin': Buffer.alloc(600 * 1024) })
  assert.ok(zip.length < 20 * 1024, 'compresses well')
  const { result, written } = await extract(zip, limits)
  assert.ok(!result.ok)
  assert.match(String(result.error), /would extract to 1\.2 MiB, more than the 1\.0 MiB left of artifacts-max-size/)
  assert.deepEqual(written, [])
  assert.equal(limits.bytes, 1024 * 1024, 'a refused zip spends nothing')
})

test('a zip that lies about its size is stopped at the declared size', async () => {
  const zip = await buildZip({ 'a.bin': Buffer.alloc(200 * 1024, 1) })
  // Declare 1000 bytes in the central directory (offset 24 of its record); the data inflates to 200 KiB.
  const central = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
  zip.writeUInt32LE(1000, central + 24)
  const { result } = await extract(zip)
  assert.ok(!result.ok)
  assert.match(String(result.error), /"a\.bin" could not be extracted: too many bytes in the stream/)
})

test('more entries than the run may still extract are refused', async () => {
  const zip = await buildZip({ a: '1', b: '2', c: '3' })
  const { result } = await extract(zip, budget(1024, 2))
  assert.ok(!result.ok)
  assert.match(String(result.error), /has 3 entries; at most 2 more may be extracted/)
})
