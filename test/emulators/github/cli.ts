/**
 * Runs the GitHub emulator as a process, for local runs of the built action and for tests that
 * spawn it:
 *
 *   node --import tsx test/emulators/github/cli.ts --port 8787 --data .tmp/gh [--seed demo]
 *        [--host 127.0.0.1] [--rate-limit 5000]
 *        [--token <token>:<login>[:actions=read|none,issues=write|read|none]] ...
 *
 * Tokens can also come from GITHUB_EMULATOR_TOKENS (same entries, separated by spaces or `;`).
 * With no token configured, any token is accepted as `github-actions[bot]` with every permission.
 * Prints exactly one line on stdout once ready:
 *   GitHub emulator listening on http://127.0.0.1:<port> (data: <dir>)
 * Tokens are never printed.
 */
import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { seedDemo } from './seed.ts'
import { startGithubEmulator, type TokenGrant } from './server.ts'

const USAGE =
  'usage: cli.ts --data <dir> [--port <p>] [--host 127.0.0.1] [--seed demo] [--rate-limit <n>] ' +
  '[--token <token>:<login>[:actions=read,issues=write]]...'

/** `t:login` or `t:login:actions=none,issues=read`. */
export function parseTokenEntry(entry: string): [string, TokenGrant] {
  const [token, login, perms] = entry.split(':')
  if (!token || !login)
    throw new Error(`token entry must be <token>:<login>[:perms], got one with ${entry.split(':').length} part(s)`)
  const permissions: NonNullable<TokenGrant['permissions']> = {}
  for (const pair of perms ? perms.split(',') : []) {
    const [scope, level] = pair.split('=')
    if (scope === 'actions' && (level === 'read' || level === 'none')) permissions.actions = level
    else if (scope === 'issues' && (level === 'write' || level === 'read' || level === 'none'))
      permissions.issues = level
    else throw new Error(`unknown permission ${JSON.stringify(pair)} (use actions=read|none, issues=write|read|none)`)
  }
  return [token, { login, permissions }]
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      seed: { type: 'string' },
      'rate-limit': { type: 'string' },
      token: { type: 'string', multiple: true, default: [] }
    }
  })
  if (!values.data) throw new Error(USAGE)
  if (values.seed !== undefined && values.seed !== 'demo')
    throw new Error(`unknown seed ${values.seed}; only "demo" exists`)
  const entries = [...(process.env.GITHUB_EMULATOR_TOKENS ?? '').split(/[\s;]+/).filter(Boolean), ...values.token]
  const tokens = Object.fromEntries(entries.map(parseTokenEntry))
  const dataDir = resolve(values.data)
  mkdirSync(dataDir, { recursive: true })

  const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit'])
  if (rateLimit !== undefined && !(Number.isInteger(rateLimit) && rateLimit > 0))
    throw new Error(`--rate-limit must be a positive integer (requests per login and hour)`)
  const emulator = await startGithubEmulator({
    dataDir,
    port: Number(values.port),
    host: values.host,
    tokens,
    rateLimit
  })
  if (values.seed === 'demo') {
    const demo = await seedDemo(emulator, dataDir)
    console.error(`seeded demo: ${demo.repo} run ${demo.runId}; workflow_run payload: ${demo.eventPath}`)
  }
  const logins = Object.values(tokens).map((t) => t.login)
  console.error(
    logins.length
      ? `accepting ${logins.length} token(s) for: ${logins.join(', ')}`
      : 'no tokens configured: any token acts as github-actions[bot]'
  )
  console.error(`OIDC issuer: ${emulator.oidc.issuer} (jobs: POST ${emulator.url}/_emulator/oidc/jobs)`)
  console.log(`GitHub emulator listening on ${emulator.url} (data: ${dataDir})`)

  const stop = () => void emulator.close().then(() => process.exit(0))
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(2)
})
