/**
 * The emulator's stand-in for Azure Blob Storage. `…/actions/artifacts/{id}/zip` answers 302 to
 * `{url}/_blobs/{ticket}.zip`; the ticket is a fresh random id minted for that one redirect and,
 * like GitHub's signed URL ("expires after 1 minute"), it stops working after 60 s. The blob GET needs
 * no Authorization header, as with a SAS URL, and the token never appears in the URL.
 */
import { randomBytes } from 'node:crypto'

const TICKET_TTL_MS = 60_000

export interface BlobTicket {
  /** SHA-256 hex of the zip in the store. */
  blob: string
  /** Artifact name, for Content-Disposition. */
  name: string
  expiresAt: number
}

export class BlobTickets {
  private readonly tickets = new Map<string, BlobTicket>()

  mint(blob: string, name: string): string {
    this.dropExpired()
    const ticket = randomBytes(18).toString('base64url')
    this.tickets.set(ticket, { blob, name, expiresAt: Date.now() + TICKET_TTL_MS })
    return ticket
  }

  resolve(ticket: string): BlobTicket | undefined {
    this.dropExpired()
    return this.tickets.get(ticket)
  }

  private dropExpired(): void {
    const now = Date.now()
    for (const [ticket, entry] of this.tickets) if (entry.expiresAt <= now) this.tickets.delete(ticket)
  }
}

/** Azure answers an expired or unknown SAS with 403 and an XML error document. */
export function azureError(code: string, message: string): string {
  return `\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
}
