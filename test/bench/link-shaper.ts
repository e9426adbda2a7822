/**
 * A link-shaping TCP proxy for the benchmark: it stands between the action and the Hub emulator
 * (both its origins, the Hub API and storage) and makes loopback behave like a runner's path to
 * the Hub: a round-trip time, a bandwidth cap per connection and a total cap shared by all of them.
 *
 * The model, per direction (uplink and downlink are separate links of the same capacity):
 * - Every chunk is delayed by half the round trip (so a request and its answer cost one RTT).
 * - A new connection can send only after one RTT (the TCP handshake).
 * - A connection transmits at most `perConnection` bytes/s, then its bytes queue for the shared
 *   link, which carries `total` bytes/s in the order they were released. Times are kept in virtual
 *   time, so timer granularity delays pieces by a millisecond but does not change throughput.
 * - The proxy holds at most about one bandwidth-delay product per connection and direction before
 *   it stops reading the sender (TCP's window): a client cannot get ahead of the link by buffering.
 *
 * Bytes pass through unchanged (Host headers included), so presigned URLs that name the proxy's
 * storage front still verify at the storage listener. Loopback only. A benchmark tool, not a test.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

export interface LinkProfile {
  rttMs: number
  /** Bytes per second one connection can carry in each direction. */
  perConnection: number
  /** Bytes per second all connections together can carry in each direction. */
  total: number
}

/** The shaped link of issue 11: a runner's path to the Hub. */
export const RUNNER_LINK: LinkProfile = { rttMs: 40, perConnection: 50e6, total: 200e6 }

/** "40ms,50MB/s,200MB/s" (round trip, per connection, total), or "runner" for RUNNER_LINK. */
export function parseLinkProfile(text: string): LinkProfile {
  if (text === 'runner' || text === '') return RUNNER_LINK
  const parts = text.split(',').map((p) => p.trim())
  const rtt = /^(\d+(?:\.\d+)?)ms$/.exec(parts[0] ?? '')
  const [perConnection, total] = [parts[1], parts[2]].map(parseRate)
  if (parts.length !== 3 || !rtt || perConnection === undefined || total === undefined) {
    throw new Error(
      `--wan: expected "<rtt>ms,<per connection>MB/s,<total>MB/s" (e.g. 40ms,50MB/s,200MB/s), got ${text}`
    )
  }
  return { rttMs: Number(rtt[1]), perConnection, total }
}

function parseRate(text: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(KB|MB|GB|KiB|MiB|GiB)\/s$/i.exec(text ?? '')
  if (!m) return undefined
  const mult: Record<string, number> = { kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }
  return Number(m[1]) * mult[m[2]!.toLowerCase()]!
}

export function describeLink(p: LinkProfile): string {
  return `${p.rttMs}ms,${p.perConnection / 1e6}MB/s,${p.total / 1e6}MB/s`
}

export interface LinkStats {
  /** Client → server bytes. */
  bytesUp: number
  bytesDown: number
  connections: number
  /** Most connections open at once. */
  peakConnections: number
  /** Most connections at once that were sending more than a request's headers upstream. */
  peakUploading: number
}

export interface LinkShaper {
  /** The front for each target name, e.g. `http://127.0.0.1:40123`. */
  fronts: Record<string, string>
  /** Points a front at its target (may be called after the target started, once its port is known). */
  route(name: string, target: string): Promise<void>
  readStats(): Promise<LinkStats>
  resetStats(): Promise<void>
  close(): Promise<void>
}

const PIECE = 64 * 1024

interface Piece {
  pipe: ShapedPipe
  piece: Buffer
  /** When the piece is through its connection's own cap (virtual ms). */
  ready: number
}

/**
 * One direction of the shared link: pieces queue for it in the order their connections released
 * them and go through at `total` bytes/s (a min-heap on `ready`, served as real time reaches it).
 */
class SharedLink {
  private free = 0
  private readonly heap: Piece[] = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly bytesPerMs: number,
    private readonly oneWayMs: number
  ) {}

  add(entry: Piece): void {
    const heap = this.heap
    heap.push(entry)
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1
      if (heap[parent]!.ready <= heap[i]!.ready) break
      ;[heap[parent], heap[i]] = [heap[i]!, heap[parent]!]
      i = parent
    }
    this.pump()
  }

  private pop(): Piece {
    const heap = this.heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      for (let i = 0; ;) {
        const [l, r] = [2 * i + 1, 2 * i + 2]
        let m = i
        if (l < heap.length && heap[l]!.ready < heap[m]!.ready) m = l
        if (r < heap.length && heap[r]!.ready < heap[m]!.ready) m = r
        if (m === i) break
        ;[heap[m], heap[i]] = [heap[i]!, heap[m]!]
        i = m
      }
    }
    return top
  }

  private pump(): void {
    const now = performance.now()
    while (this.heap.length > 0 && this.heap[0]!.ready <= now) {
      const { pipe, piece, ready } = this.pop()
      this.free = Math.max(this.free, ready) + piece.length / this.bytesPerMs
      pipe.deliver(piece, this.free + this.oneWayMs)
    }
    if (this.heap.length > 0 && !this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined
          this.pump()
        },
        Math.max(0, this.heap[0]!.ready - now)
      )
    }
  }

  stop(): void {
    clearTimeout(this.timer)
    this.heap.length = 0
  }
}

/** One direction of one connection. */
class ShapedPipe {
  private free: number
  private readonly queue: Array<{ piece: Buffer; at: number }> = []
  /** Bytes taken from the sender and not yet written to the receiver. */
  private held = 0
  private onLink = 0
  private timer: NodeJS.Timeout | undefined
  private waitingForDrain = false
  private ended = false
  private readonly window: number

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly link: SharedLink,
    private readonly profile: LinkProfile,
    readyAt: number,
    private readonly onBytes: (n: number) => void
  ) {
    this.free = readyAt
    this.window = Math.max(256 * 1024, (profile.perConnection * profile.rttMs) / 1000)
    from.on('data', (chunk: Buffer) => this.accept(chunk))
    from.on('end', () => {
      this.ended = true
      this.pump()
    })
    to.on('drain', () => {
      this.waitingForDrain = false
      this.pump()
    })
  }

  private accept(chunk: Buffer): void {
    const now = performance.now()
    for (let offset = 0; offset < chunk.length; offset += PIECE) {
      const piece = chunk.subarray(offset, offset + PIECE)
      this.free = Math.max(now, this.free) + (piece.length * 1000) / this.profile.perConnection
      this.onLink++
      this.link.add({ pipe: this, piece, ready: this.free })
    }
    this.held += chunk.length
    this.onBytes(chunk.length)
    if (this.held > this.window) this.from.pause()
  }

  deliver(piece: Buffer, at: number): void {
    this.onLink--
    this.queue.push({ piece, at })
    this.pump()
  }

  private pump(): void {
    if (this.waitingForDrain || this.to.destroyed) return
    const now = performance.now()
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { piece } = this.queue.shift()!
      this.held -= piece.length
      if (!this.to.write(piece)) {
        this.waitingForDrain = true
        break
      }
    }
    if (this.held <= this.window && this.from.isPaused()) this.from.resume()
    if (this.queue.length === 0) {
      if (this.ended && this.onLink === 0) this.to.end()
      return
    }
    if (!this.waitingForDrain && !this.timer) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined
          this.pump()
        },
        Math.max(0, this.queue[0]!.at - now)
      )
    }
  }

  stop(): void {
    clearTimeout(this.timer)
    this.queue.length = 0
  }
}

/**
 * Starts the shaper on a worker thread of its own, so that its timers keep time however busy the
 * caller's thread is (the benchmark runs the Hub emulator, which hashes every byte it receives).
 */
export async function startLinkShaper(profile: LinkProfile, names: readonly string[]): Promise<LinkShaper> {
  // This file is TypeScript: the worker registers tsx first, then loads it.
  const entry = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(import.meta.url)})`
  const worker = new Worker(entry, { eval: true, workerData: { linkShaper: { profile, names } } })
  let nextId = 0
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>()
  worker.on('message', (message: { id: number; value?: unknown; error?: string }) => {
    const call = waiting.get(message.id)
    waiting.delete(message.id)
    if (message.error !== undefined) call?.reject(new Error(message.error))
    else call?.resolve(message.value)
  })
  worker.on('error', (error) => {
    for (const call of waiting.values()) call.reject(error)
    waiting.clear()
  })
  const ask = (method: string, ...args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++
      waiting.set(id, { resolve, reject })
      worker.postMessage({ id, method, args })
    })
  const fronts = (await ask('fronts')) as Record<string, string>
  return {
    fronts,
    route: async (name, target) => void (await ask('route', name, target)),
    readStats: async () => (await ask('readStats')) as LinkStats,
    resetStats: async () => void (await ask('resetStats')),
    close: async () => {
      await ask('close')
      await worker.terminate()
    }
  }
}

if (!isMainThread && (workerData as { linkShaper?: unknown } | null)?.linkShaper) {
  const { profile, names } = (workerData as { linkShaper: { profile: LinkProfile; names: string[] } }).linkShaper
  const shaper = startLinkShaperHere(profile, names)
  parentPort!.on('message', (message: { id: number; method: keyof LinkShaper; args: string[] }) => {
    void shaper
      .then(async (s) => {
        if (message.method === 'fronts') return s.fronts
        const [a, b] = message.args
        if (message.method === 'route') return s.route(a!, b!)
        if (message.method === 'readStats') return s.readStats()
        if (message.method === 'resetStats') return s.resetStats()
        if (message.method === 'close') return s.close()
        throw new Error(`link shaper: unknown call ${String(message.method)}`)
      })
      .then(
        (value) => parentPort!.postMessage({ id: message.id, value }),
        (error: unknown) => parentPort!.postMessage({ id: message.id, error: String(error) })
      )
  })
}

/** The shaper on the calling thread. */
async function startLinkShaperHere(profile: LinkProfile, names: readonly string[]): Promise<LinkShaper> {
  const up = new SharedLink(profile.total / 1000, profile.rttMs / 2)
  const down = new SharedLink(profile.total / 1000, profile.rttMs / 2)
  const targets = new Map<string, URL>()
  const stats: LinkStats = { bytesUp: 0, bytesDown: 0, connections: 0, peakConnections: 0, peakUploading: 0 }
  let open = 0
  let uploading = 0
  const sockets = new Set<Socket>()
  const servers: Server[] = []
  const fronts: Record<string, string> = {}

  for (const name of names) {
    const server = createServer((client) => {
      const target = targets.get(name)
      if (!target) return client.destroy()
      const upstream = connect(Number(target.port), target.hostname)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.setNoDelay(true)
        s.on('close', () => sockets.delete(s))
      }
      stats.connections++
      stats.peakConnections = Math.max(stats.peakConnections, ++open)
      // A connection counts as uploading once it has sent more than a request's headers and body
      // of a small API call; it stops counting when it has been idle upstream for one RTT.
      let sentSinceIdle = 0
      let idleTimer: NodeJS.Timeout | undefined
      let countedUploading = false
      const readyAt = performance.now() + profile.rttMs
      const pipes = [
        new ShapedPipe(client, upstream, up, profile, readyAt, (n) => {
          stats.bytesUp += n
          sentSinceIdle += n
          if (!countedUploading && sentSinceIdle > 256 * 1024) {
            countedUploading = true
            stats.peakUploading = Math.max(stats.peakUploading, ++uploading)
          }
          clearTimeout(idleTimer)
          idleTimer = setTimeout(() => {
            sentSinceIdle = 0
            if (countedUploading) {
              countedUploading = false
              uploading--
            }
          }, profile.rttMs * 2)
        }),
        new ShapedPipe(upstream, client, down, profile, readyAt, (n) => (stats.bytesDown += n))
      ]
      let closed = false
      const close = () => {
        if (closed) return
        closed = true
        open--
        clearTimeout(idleTimer)
        if (countedUploading) uploading--
        for (const pipe of pipes) pipe.stop()
        client.destroy()
        upstream.destroy()
      }
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    if (!address || typeof address === 'string') throw new Error('link shaper: no address')
    fronts[name] = `http://127.0.0.1:${address.port}`
    servers.push(server)
  }

  return {
    fronts,
    route(name, target) {
      const url = new URL(target)
      if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
        return Promise.reject(new Error(`link shaper: loopback targets only, got ${url.hostname}`))
      }
      targets.set(name, url)
      return Promise.resolve()
    },
    readStats: () => Promise.resolve({ ...stats }),
    resetStats() {
      Object.assign(stats, { bytesUp: 0, bytesDown: 0, connections: 0, peakConnections: open, peakUploading: 0 })
      return Promise.resolve()
    },
    async close() {
      up.stop()
      down.stop()
      for (const s of sockets) s.destroy()
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    }
  }
}
