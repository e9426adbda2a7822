/**
 * Runs the built action (dist/index.js) exactly as the runner does: a fresh Node process with
 * INPUT_* variables (hyphens kept), GITHUB_* variables, an output file and a summary file.
 * Its whole stdout/stderr is kept in the capture folder for the token-leak check.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { captureFolder } from './capture.ts'
import { runnerCommands } from './runner-commands.ts'

export const DIST_ENTRY = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

export interface DistRun {
  code: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Messages of ::error:: commands, decoded, as the runner reads them. */
  errors: string[]
  warnings: string[]
  dir: string
}

export interface DistRunOptions {
  inputs: Record<string, string>
  workspace: string
  env?: Record<string, string>
  /** Name used for the capture folder. */
  name?: string
}

export async function runDist(options: DistRunOptions): Promise<DistRun> {
  const dir = captureFolder(options.name ?? 'dist-run')
  const outputFile = join(dir, 'github_output')
  const summaryFile = join(dir, 'step_summary.md')
  writeFileSync(outputFile, '')
  writeFileSync(summaryFile, '')
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: dir,
    HF_UPLOAD_ACTION_RETRY_BASE_MS: '20',
    // A closed loopback port unless a test points GitHub calls at its emulator: never the internet.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    ...Object.fromEntries(Object.entries(options.inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...options.env
  }
  const child = spawn(process.execPath, [DIST_ENTRY], {
    cwd: options.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
  writeFileSync(join(dir, 'stdout.log'), stdout)
  writeFileSync(join(dir, 'stderr.log'), stderr)
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
    summary: readFileSync(summaryFile, 'utf8'),
    errors: commandMessages(stdout, 'error'),
    warnings: commandMessages(stdout, 'warning'),
    dir
  }
}

/** Parses the GITHUB_OUTPUT heredoc format written by @actions/core. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!)
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i]!)
    outputs[name!] = value.join('\n')
  }
  return outputs
}

/** Data of one kind of command, as the runner reads stdout (a line inside a stop-commands block is no command). */
function commandMessages(stdout: string, command: string): string[] {
  return runnerCommands(stdout)
    .filter((c) => c.command === command)
    .map((c) => c.data)
}
