import assert from 'node:assert/strict'
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ZipRefused, type ExtractBudget } from '../../src/artifacts/extract-zip.ts'
import { adoptStubExtraction } from '../../src/artifacts/local-action-extraction.ts'

const budget = (bytes = 1 << 20, entries = 100): ExtractBudget => ({ bytes, entries, bytesInput: 'artifacts-max-size' })

async function scratchWith(files: Record<string, string>): Promise<{ scratch: string; target: string }> {
  const root = await mkdtemp(join(tmpdir(), 'hfua-stub-'))
  const scratch = join(root, 'scratch')
  const target = join(root, 'target')
  await mkdir(target)
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(scratch, path, '..'), { recursive: true })
    await writeFile(join(scratch, path), content)
  }
  return { scratch, target }
}

test('what the local-action stub extracted is moved into place and counted against the budget', async () => {
  const { scratch, target } = await scratchWith({ 'a.txt': 'aa', 'sub/b.txt': 'bbb' })
  const left = budget(10, 5)
  assert.deepEqual(await adoptStubExtraction(scratch, target, 'ckpt', left), { files: 2, bytes: 5 })
  assert.equal(await readFile(join(target, 'sub/b.txt'), 'utf8'), 'bbb')
  assert.deepEqual([left.bytes, left.entries], [5, 3])
  assert.deepEqual(await readdir(join(scratch, 'sub')), [])
})

test('the checks made on files still hold: no symlink, no unsafe name, no case clash, the size cap', async () => {
  const link = await scratchWith({ 'a.txt': 'a' })
  await symlink('/etc/passwd', join(link.scratch, 'x'))
  await assert.rejects(adoptStubExtraction(link.scratch, link.target, 'ckpt', budget()), ZipRefused)

  const named = await scratchWith({ 'evil\u202etxt.exe': 'a' })
  await assert.rejects(adoptStubExtraction(named.scratch, named.target, 'ckpt', budget()), /holds/)

  const cased = await scratchWith({ 'A.txt': 'a', 'a.txt': 'b' })
  await assert.rejects(adoptStubExtraction(cased.scratch, cased.target, 'ckpt', budget()), /differ by case/)

  const big = await scratchWith({ 'a.bin': 'x'.repeat(100) })
  await assert.rejects(adoptStubExtraction(big.scratch, big.target, 'ckpt', budget(99)), /artifacts-max-size/)
  assert.deepEqual(await readdir(big.target), [], 'nothing moved when refused')
})
