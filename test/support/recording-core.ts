/** An in-memory ActionCore for running `run(deps)` in-process: records everything it is told. */
import type { ActionCore } from '../../src/deps.ts'

export interface RecordingCore extends ActionCore {
  inputs: Record<string, string>
  outputs: Record<string, string>
  secrets: string[]
  log: string[]
  failures: string[]
  warnings: string[]
  notices: string[]
  summaries: string[]
}

export function recordingCore(inputs: Record<string, string>): RecordingCore {
  const core: RecordingCore = {
    inputs,
    outputs: {},
    secrets: [],
    log: [],
    failures: [],
    warnings: [],
    notices: [],
    summaries: [],
    getInput: (name) => (inputs[name] ?? '').trim(),
    setSecret: (s) => void core.secrets.push(s),
    setOutput: (name, value) => void (core.outputs[name] = value),
    setFailed: (m) => void (core.failures.push(m), core.log.push(`::error::${m}`)),
    info: (m) => void core.log.push(m),
    warning: (m) => void (core.warnings.push(m), core.log.push(`::warning::${m}`)),
    notice: (m) => void (core.notices.push(m), core.log.push(`::notice::${m}`)),
    debug: (m) => void core.log.push(`::debug::${m}`),
    group: async (name, fn) => {
      core.log.push(`::group::${name}`)
      try {
        return await fn()
      } finally {
        core.log.push('::endgroup::')
      }
    },
    writeSummary: (md) => Promise.resolve(void core.summaries.push(md))
  }
  return core
}
