/**
 * The workflow commands in a step's stdout as the GitHub runner reads them (actions/runner,
 * `ActionCommandManager.TryProcessCommand` and `ActionCommand.TryParseV2`/`TryParse`):
 *
 * - lines split at LF, CR or CRLF;
 * - `::name[ k=v,…]::data` after leading whitespace, or the older `##[name[ k=v;…]]data` anywhere;
 * - only registered command names count;
 * - `::stop-commands::<token>` stops all processing until `::<token>::` (or `##[<token>]`), compared
 *   case-insensitively.
 *
 * Tests use it to check what a hostile name can make the runner do, not what the action meant.
 */

export interface RunnerCommand {
  command: string
  properties: Record<string, string>
  data: string
  /** 1-based line number in stdout. */
  line: number
}

/** The runner's command extensions (plus `stop-commands`). */
export const REGISTERED_COMMANDS = [
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo'
]

export function runnerCommands(stdout: string): RunnerCommand[] {
  const commands: RunnerCommand[] = []
  let stopToken: string | undefined
  stdout.split(/\r\n|\r|\n/).forEach((text, index) => {
    const registered = new Set(REGISTERED_COMMANDS)
    if (stopToken !== undefined) registered.add(stopToken)
    const command = parseV2(text, registered) ?? parseV1(text, registered)
    if (!command) return
    if (stopToken !== undefined) {
      if (command.command === stopToken) {
        stopToken = undefined
        commands.push({ ...command, line: index + 1 })
      }
      return
    }
    if (command.command === 'stop-commands') stopToken = command.data.toLowerCase()
    commands.push({ ...command, line: index + 1 })
  })
  return commands
}

type Parsed = Omit<RunnerCommand, 'line'>

function parseV2(line: string, registered: Set<string>): Parsed | undefined {
  const message = line.trimStart()
  if (!message.startsWith('::')) return undefined
  const end = message.indexOf('::', 2)
  if (end < 0) return undefined
  const info = message.slice(2, end)
  const space = info.indexOf(' ')
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase()
  if (!registered.has(command)) return undefined
  const properties: Record<string, string> = {}
  if (space > 0) {
    for (const pair of info
      .slice(space + 1)
      .trim()
      .split(',')
      .filter(Boolean)) {
      const at = pair.indexOf('=')
      if (at > 0) properties[pair.slice(0, at)] = unescape(pair.slice(at + 1), true)
    }
  }
  return { command, properties, data: unescape(message.slice(end + 2), false) }
}

function parseV1(line: string, registered: Set<string>): Parsed | undefined {
  const prefix = line.indexOf('##[')
  if (prefix < 0) return undefined
  const close = line.indexOf(']', prefix)
  if (close < 0) return undefined
  const info = line.slice(prefix + 3, close)
  const space = info.indexOf(' ')
  const command = (space < 0 ? info : info.slice(0, space)).toLowerCase()
  if (!registered.has(command)) return undefined
  return { command, properties: {}, data: line.slice(close + 1) }
}

function unescape(text: string, property: boolean): string {
  let out = text.replace(/%0D/g, '\r').replace(/%0A/g, '\n')
  if (property) out = out.replace(/%3A/g, ':').replace(/%2C/g, ',')
  return out.replace(/%25/g, '%')
}
