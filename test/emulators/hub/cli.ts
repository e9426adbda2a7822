// Runs the Hub emulator as its own process:
//   node --import tsx test/emulators/hub/cli.ts --port 8765 --data ./.tmp/hub [--token hf_x:user[:read] ...]
//        [--trusted-publisher '{"repo":"ns/name","issuer":"http://127.0.0.1:8787/_oidc","claims":{…}}' ...]
//        [--oidc-expires-in 3600] [--oidc-whoami unauthorized|forbidden|user]
// Tokens also come from HUB_EMULATOR_TOKENS (`hf_a:user1,hf_b:user2:read`). With no token configured,
// any `hf_`-prefixed token is accepted as user `tester` with write access.
// Prints one line, `Hub emulator listening on <url> (storage: <storage url>, data: <dir>)`, and runs
// until SIGINT/SIGTERM. Other flags: --host, --storage-port, --multipart-threshold, --chunk-size,
// --lfs-threshold, --page-size, --upload-url-ttl (seconds).
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startHubEmulator } from './server.ts'
import type { ExchangedWhoami, TrustedPublisherSpec } from './trusted-publishers.ts'
import type { TokenGrant } from './types.ts'

function parsePublisher(spec: string): TrustedPublisherSpec {
  try {
    return JSON.parse(spec) as TrustedPublisherSpec
  } catch {
    throw new Error(
      '--trusted-publisher takes JSON: {"repo":"ns/name","issuer":"http://127.0.0.1:…/_oidc","claims":{…}}'
    )
  }
}

function parseTokenSpec(spec: string): [string, TokenGrant] {
  const [token = '', user = '', role = 'write'] = spec.split(':')
  if (!token.startsWith('hf_') || !user || (role !== 'write' && role !== 'read')) {
    // Do not echo the spec: it contains a token.
    throw new Error('Invalid token spec: expected hf_<token>:<user>[:read|write]')
  }
  return [token, { user, role }]
}

function tokensFrom(cliSpecs: string[], envSpecs: string | undefined): Record<string, TokenGrant> | undefined {
  const specs = [
    ...(envSpecs ?? '')
      .split(',')
      .map((spec) => spec.trim())
      .filter(Boolean),
    ...cliSpecs
  ]
  return specs.length > 0 ? Object.fromEntries(specs.map(parseTokenSpec)) : undefined
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined
  const parsed = Number(value)
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a non-negative integer`)
  return parsed
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      token: { type: 'string', multiple: true, default: [] },
      'multipart-threshold': { type: 'string' },
      'chunk-size': { type: 'string' },
      'lfs-threshold': { type: 'string' },
      'page-size': { type: 'string' },
      'storage-port': { type: 'string', default: '0' },
      'upload-url-ttl': { type: 'string' },
      'trusted-publisher': { type: 'string', multiple: true, default: [] },
      'oidc-expires-in': { type: 'string' },
      'oidc-whoami': { type: 'string' }
    }
  })
  const dataDir = resolve(values.data ?? mkdtempSync(join(tmpdir(), 'hub-emulator-')))
  const emulator = await startHubEmulator({
    dataDir,
    port: positiveInt(values.port, 'port'),
    host: values.host,
    tokens: tokensFrom(values.token ?? [], process.env.HUB_EMULATOR_TOKENS),
    multipartThreshold: positiveInt(values['multipart-threshold'], 'multipart-threshold'),
    chunkSize: positiveInt(values['chunk-size'], 'chunk-size'),
    lfsThreshold: positiveInt(values['lfs-threshold'], 'lfs-threshold'),
    pageSize: positiveInt(values['page-size'], 'page-size'),
    storagePort: positiveInt(values['storage-port'], 'storage-port'),
    uploadUrlTtlSeconds: positiveInt(values['upload-url-ttl'], 'upload-url-ttl'),
    trustedPublishers: {
      expiresIn: positiveInt(values['oidc-expires-in'], 'oidc-expires-in'),
      whoami: values['oidc-whoami'] as ExchangedWhoami | undefined
    }
  })
  for (const spec of values['trusted-publisher'] ?? []) emulator.trustedPublishers.add(parsePublisher(spec))
  console.log(`Hub emulator listening on ${emulator.url} (storage: ${emulator.storageUrl}, data: ${dataDir})`)
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(`hub emulator: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
