/** Where tests leave what the leak check must read: action logs, summaries, outputs, emulator state. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CAPTURE_DIR = process.env.HFUA_TEST_CAPTURE ?? tmpdir()

/** A fresh folder inside the capture folder. */
export function captureFolder(prefix: string): string {
  return mkdtempSync(join(CAPTURE_DIR, `${prefix.replace(/[^a-z0-9-]/gi, '-')}-`))
}
