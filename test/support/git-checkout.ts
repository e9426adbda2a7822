/**
 * A real git checkout as `actions/checkout` leaves it: the files committed, `origin` set, and the
 * job's token in `.git/config` as the auth header checkout persists for later git commands
 * (`http.https://github.com/.extraheader = AUTHORIZATION: basic base64("x-access-token:<token>")`).
 * Hostile workspace tests publish from it and check that the header never leaves.
 */
import { execFileSync } from 'node:child_process'
import { writeFiles } from './workspace.ts'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The auth header actions/checkout writes for `token`. */
export function checkoutAuthHeader(token: string): string {
  return `AUTHORIZATION: basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
}

export async function makeGitCheckout(token: string, files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hfua-checkout-'))
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' }
    })
  git('init', '-q', '-b', 'main')
  await writeFiles(root, files)
  git('add', '-A')
  git('-c', 'user.name=Train', '-c', 'user.email=train@example.invalid', 'commit', '-qm', 'train output')
  git('remote', 'add', 'origin', 'https://github.com/d4oit/tiny-cats-model')
  git('config', '--local', 'http.https://github.com/.extraheader', checkoutAuthHeader(token))
  return root
}
