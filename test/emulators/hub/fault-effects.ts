// What a fault plan does on the wire: reset a request after N body bytes, or capture the answer a
// route (or a fault) writes and then send it cut after N body bytes, drop it before the status
// line, replace it by a gateway error, or hold it until the test releases it. The route has done
// all its work by the time its answer is captured, so "the server acted" really holds.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'

/** Reads up to `limit` body bytes (counting them), then destroys the socket without answering. */
export function readThenReset(req: IncomingMessage, limit: number, onBytes: (count: number) => void): Promise<void> {
  return new Promise((resolve) => {
    let received = 0
    let done = false
    const reset = (): void => {
      if (done) return
      done = true
      req.socket.destroy()
      resolve()
    }
    if (limit === 0) return reset()
    req.on('data', (chunk: Buffer) => {
      const counted = Math.min(chunk.length, limit - received)
      received += counted
      onBytes(counted)
      if (received >= limit) reset()
    })
    req.once('end', reset)
    req.once('error', reset)
    req.once('close', reset)
  })
}

/** Reads and discards the rest of a request body (a refused upload still arrives), counting it. */
export function drainBody(req: IncomingMessage, onBytes?: (count: number) => void): void {
  if (onBytes) req.on('data', (chunk: Buffer) => onBytes(chunk.length))
  req.resume()
}

export interface CapturedAnswer {
  status: number
  statusMessage?: string
  headers: OutgoingHttpHeaders
  body: Buffer
}

type WriteCallback = (error?: Error | null) => void

/**
 * Captures what is written to `res` (status, headers, body) without sending anything, until the
 * writer calls end(). `done` resolves with the answer then; `restore` puts the real methods back.
 */
export class AnswerCapture {
  readonly done: Promise<CapturedAnswer>
  private captured: CapturedAnswer | undefined
  private readonly res: ServerResponse
  private readonly original: Pick<ServerResponse, 'writeHead' | 'write' | 'end'>
  private endCallback: (() => void) | undefined

  constructor(res: ServerResponse) {
    this.res = res
    // eslint-disable-next-line @typescript-eslint/unbound-method -- restored later and called with res bound
    this.original = { writeHead: res.writeHead, write: res.write, end: res.end }
    const answer: CapturedAnswer = { status: 200, headers: {}, body: Buffer.alloc(0) }
    const chunks: Buffer[] = []
    let resolveDone: (answer: CapturedAnswer) => void = () => {}
    this.done = new Promise((resolve) => (resolveDone = resolve))
    res.writeHead = (status: number, ...rest: unknown[]) => {
      answer.status = status
      const [first, second] = rest
      if (typeof first === 'string') answer.statusMessage = first
      const headers = (typeof first === 'string' ? second : first) as OutgoingHttpHeaders | undefined
      if (headers && !Array.isArray(headers)) Object.assign(answer.headers, headers)
      return res
    }
    res.write = ((chunk: unknown, encoding?: unknown, callback?: unknown) => {
      chunks.push(toBuffer(chunk, encoding))
      const cb = (typeof encoding === 'function' ? encoding : callback) as WriteCallback | undefined
      if (cb) process.nextTick(cb)
      return true
    }) as ServerResponse['write']
    res.end = ((chunk?: unknown, encoding?: unknown, callback?: unknown) => {
      const cb = [chunk, encoding, callback].find((value) => typeof value === 'function') as (() => void) | undefined
      if (chunk !== undefined && typeof chunk !== 'function') chunks.push(toBuffer(chunk, encoding))
      this.endCallback = cb
      if (!this.captured) {
        if (answer.status === 200 && res.statusCode !== 200) answer.status = res.statusCode
        answer.body = Buffer.concat(chunks)
        this.captured = answer
        resolveDone(answer)
      }
      return res
    }) as ServerResponse['end']
  }

  /** The answer, if the writer has finished it. */
  finished(): CapturedAnswer | undefined {
    return this.captured
  }

  restore(): void {
    Object.assign(this.res, this.original)
  }

  /** Sends the captured answer as the route wrote it. */
  send(answer: CapturedAnswer): void {
    this.restore()
    const { res } = this
    if (answer.statusMessage) res.writeHead(answer.status, answer.statusMessage, answer.headers)
    else res.writeHead(answer.status, answer.headers)
    res.end(answer.body, this.endCallback)
  }

  /**
   * Sends the status line, headers and `at` body bytes, then destroys the socket. When the answer
   * has no body (or is a HEAD answer) there is nothing to cut after the headers, so it is dropped;
   * `at` at or past the end keeps the last byte back. Returns whether it was dropped instead.
   */
  sendCut(answer: CapturedAnswer, at: number | 'half', isHead: boolean): 'cut' | 'dropped' {
    if (answer.body.length === 0 || isHead) {
      this.drop()
      return 'dropped'
    }
    this.restore()
    const { res } = this
    const length = answer.body.length
    const cutAt = at === 'half' ? Math.max(1, Math.floor(length / 2)) : Math.min(at, length - 1)
    res.writeHead(answer.status, answer.headers)
    const destroy = (): void => void setImmediate(() => res.socket?.destroy())
    if (cutAt === 0) {
      res.flushHeaders()
      res.socket?.write('', destroy)
    } else {
      res.write(answer.body.subarray(0, cutAt), destroy)
    }
    return 'cut'
  }

  /** Destroys the socket before anything is sent. */
  drop(): void {
    this.restore()
    this.res.socket?.destroy()
  }

  /** Replaces the answer by a gateway error as CloudFront sends it in front of the Hub. */
  sendGatewayError(status: 502 | 503 | 504): void {
    this.restore()
    const { res } = this
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    const body = Buffer.from(gatewayErrorHtml(status))
    res.writeHead(status, {
      'Content-Type': 'text/html',
      'Content-Length': String(body.length),
      Server: 'CloudFront',
      'X-Cache': 'Error from cloudfront'
    })
    res.end(res.req.method === 'HEAD' ? undefined : body)
  }
}

const GATEWAY_TITLES = { 502: '502 Bad Gateway', 503: '503 Service Unavailable', 504: '504 Gateway Timeout' }

/** CloudFront's error page (the Hub is served through CloudFront, fixtures' `X-Cache`). */
export function gatewayErrorHtml(status: 502 | 503 | 504): string {
  return [
    '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">',
    '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">',
    '<TITLE>ERROR: The request could not be satisfied</TITLE>',
    '</HEAD><BODY>',
    `<H1>${GATEWAY_TITLES[status]} ERROR</H1>`,
    '<H2>The request could not be satisfied.</H2>',
    '<HR noshade size="1px">',
    "We can't connect to the server for this app or website at this time. There might be too much traffic or a " +
      'configuration error. Try again later, or contact the app or website owner.',
    '</BODY></HTML>',
    ''
  ].join('\n')
}

function toBuffer(chunk: unknown, encoding?: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk
  if (typeof chunk === 'string')
    return Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  return Buffer.alloc(0)
}
