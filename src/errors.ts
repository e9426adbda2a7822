/**
 * The action's error hierarchy. Every error the action raises on purpose is an `ActionError`
 * that knows which stage failed, so the orchestrator (and later the failure issue) can say
 * "upload failed" rather than dumping a stack. Messages say what went wrong and what to do.
 */

/** The stage of a run, in the order they happen. */
export type Stage = 'inputs' | 'trigger' | 'download' | 'plan' | 'gate' | 'upload' | 'verify' | 'report'

export class ActionError extends Error {
  constructor(
    message: string,
    readonly stage: Stage,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'ActionError'
  }
}

/** One or more action inputs are invalid; the message lists all of them. */
export class InputError extends ActionError {
  constructor(message: string) {
    super(message, 'inputs')
    this.name = 'InputError'
  }
}

/** The `files` mapping names something that cannot be published (missing, outside the workspace…). */
export class LocalFilesError extends ActionError {
  constructor(message: string) {
    super(message, 'plan')
    this.name = 'LocalFilesError'
  }
}

/** The Hub refused or failed a request. Carries the HTTP status and the Hub's request id. */
export class HubError extends ActionError {
  constructor(
    message: string,
    stage: Stage,
    readonly status?: number,
    readonly requestId?: string,
    options?: { cause?: unknown }
  ) {
    super(message, stage, options)
    this.name = 'HubError'
  }
}

/**
 * Turns anything thrown into one readable line, following `cause` chains (Node's
 * `TypeError: fetch failed` hides the real reason, e.g. ECONNREFUSED, in its cause).
 */
export function describeError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof Error) {
      const code = (current as { code?: unknown }).code
      const text = current.message || current.name
      parts.push(typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text)
      current = current.cause
    } else {
      parts.push(typeof current === 'string' ? current : JSON.stringify(current))
      break
    }
  }
  return [...new Set(parts)].join(': ') || 'unknown error'
}
