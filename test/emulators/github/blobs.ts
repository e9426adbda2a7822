/**
 * The emulator's stand-in for Azure Blob Storage. `…/actions/artifacts/{id}/zip` answers 302 to
 * `{url}/_blobs/{ticket}.zip`; the ticket is a fresh random id minted for that one redirect and,
 * like GitHub's signed URL ("expires after 1 minute"), it stops working 60 s later by the
 * emulator's clock (so a test with a clock of its own can expire it without waiting). The blob GET
 * needs no Authorization header, as with a SAS URL, and the token never appears in the URL.
 */
import { randomBytes } from 'node:crypto'

const TICKET_TTL_MS = 60_000

export interface BlobTicket {
  /** SHA-256 hex of the zip in the store. */
  blob: string
  /** Artifact name, for Content-Disposition. */
  name: string
  issuedAt: number
  expiresAt: number
}

export class BlobTickets {
  private readonly tickets = new Map<string, BlobTicket>()

  constructor(private readonly now: () => number) {}

  mint(blob: string, name: string): string {
    this.dropExpired()
    const ticket = randomBytes(18).toString('base64url')
    const issuedAt = this.now()
    this.tickets.set(ticket, { blob, name, issuedAt, expiresAt: issuedAt + TICKET_TTL_MS })
    return ticket
  }

  /** The ticket's blob, or why Azure refuses it: past its expiry (kept for a day to say so), or never issued. */
  resolve(ticket: string): BlobTicket | { refused: string } {
    this.dropExpired()
    const entry = this.tickets.get(ticket)
    if (!entry) return { refused: 'Signature did not match.' }
    const now = this.now()
    if (now < entry.expiresAt) return entry
    return {
      refused:
        `Signature not valid in the specified time frame: Start [${httpDate(entry.issuedAt)}] - ` +
        `Expiry [${httpDate(entry.expiresAt)}] - Current [${httpDate(now)}]`
    }
  }

  private dropExpired(): void {
    const forgetBefore = this.now() - 24 * 3600 * 1000
    for (const [ticket, entry] of this.tickets) if (entry.expiresAt <= forgetBefore) this.tickets.delete(ticket)
  }
}

/** Azure's 403 for a SAS it does not accept: `AuthenticationFailed`, the detail saying why. */
export function azureAuthenticationFailed(detail: string, requestId: string, now: number): string {
  const message =
    'Server failed to authenticate the request. Make sure the value of Authorization header is formed ' +
    `correctly including the signature.\nRequestId:${requestId}\nTime:${new Date(now).toISOString()}`
  return azureError('AuthenticationFailed', message, `<AuthenticationErrorDetail>${detail}</AuthenticationErrorDetail>`)
}

/** Azure's XML error document (with its byte-order mark). */
export function azureError(code: string, message: string, extra = ''): string {
  const fields = `<Code>${code}</Code><Message>${message}</Message>${extra}`
  return `\ufeff<?xml version="1.0" encoding="utf-8"?><Error>${fields}</Error>`
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString()
}
