/**
 * Dead-link detection. A link that goes silent (a cable pulled, a veth
 * down, a NAT that forgot us: packets vanish, no RST) leaves TCP open for
 * minutes and `send()` resolving into kernel buffers. Every `interval` the
 * monitor probes each connection of every peer that has one; a probe not
 * answered within `timeout` declares the connection dead. So a silent link is
 * noticed within `interval + timeout` on each side, independently, whether or
 * not traffic flows.
 *
 * Why a yamux ping and not libp2p's connectionMonitor: both were measured on
 * one loaded 2-core machine, 2000 round trips each: libp2p's monitor opens a
 * stream and runs multistream-select per probe, ~1.2 ms of CPU per round trip
 * (both ends); a yamux ping frame is ~0.17 ms, 7x cheaper, and every yamux
 * peer answers it whatever protocols it handles. libp2p's monitor is switched
 * off in the host (its 10 s period and adaptive 5-60 s timeout gave the
 * measured ~11 s detection). When the muxer offers no `ping()` (another muxer,
 * a libp2p change), the probe falls back to what libp2p's monitor does: open a
 * stream on the ping protocol, where "protocol not supported" is an answer.
 *
 * @module
 */
import type { Connection } from '@libp2p/interface'
import { ErrorCode, GlueberryError } from '../errors.js'
import { checkedDelay } from './reconnect-policy.js'

/**
 * Dead-link detection (the `liveness` node option): every `interval` ms each
 * connection of a Connected or Established peer is probed with a yamux ping;
 * no answer within `timeout` ms closes it. A silent link is noticed within
 * `interval + timeout` ms on both sides, whether or not traffic flows.
 */
export interface LivenessOptions {
  /** Ms between probes of a connection. @default 2000 */
  readonly interval: number
  /** Ms a probe may take before the connection is declared dead. @default 3000 */
  readonly timeout: number
}

export const DEFAULT_LIVENESS: LivenessOptions = Object.freeze({ interval: 2000, timeout: 3000 })

/** The longest a silent link goes unnoticed: the probe due next, plus its timeout. */
export function detectionBound (options: LivenessOptions): number {
  return options.interval + options.timeout
}

function invalid (message: string): GlueberryError {
  return new GlueberryError(ErrorCode.InvalidConfig, `liveness.${message}`)
}

// At least 1 ms: 0 would probe in a busy loop.
function period (name: string, value: unknown, fallback: number): number {
  return checkedDelay(`liveness.${name}`, value, fallback, 1)
}

/**
 * Fills in defaults and validates. `false` switches liveness off.
 *
 * @throws {@link GlueberryError} InvalidConfig for an unknown key or a bad period.
 */
export function validateLiveness (options: Partial<LivenessOptions> | false | undefined): LivenessOptions | false {
  if (options === false) return false
  if (options === undefined) return DEFAULT_LIVENESS
  if (options === null || typeof options !== 'object') throw invalid(`options must be an object or false, got ${String(options)}`)
  for (const key of Object.keys(options)) {
    if (key !== 'interval' && key !== 'timeout') throw invalid(`${key} is not an option (expected interval, timeout)`)
  }
  return Object.freeze({
    interval: period('interval', options.interval, DEFAULT_LIVENESS.interval),
    timeout: period('timeout', options.timeout, DEFAULT_LIVENESS.timeout)
  })
}

/** What libp2p's Connection carries but does not declare: its muxer (yamux has `ping`). */
interface WithMuxer { muxer?: { ping?: (options: { signal: AbortSignal }) => Promise<unknown> } }

const PING_PROTOCOL = '/ipfs/ping/1.0.0'

/** Resolves when the remote end of `connection` answered; rejects when it did not before `signal`. */
export async function probeConnection (connection: Connection, signal: AbortSignal): Promise<void> {
  const muxer = (connection as unknown as WithMuxer).muxer
  if (typeof muxer?.ping === 'function') {
    await muxer.ping({ signal })
    return
  }
  try {
    const stream = await connection.newStream(PING_PROTOCOL, { signal, runOnLimitedConnection: true })
    stream.abort(new Error('liveness probe done'))
  } catch (err) {
    // The remote answered multistream-select: it is there.
    if ((err as Error)?.name !== 'UnsupportedProtocolError') throw err
  }
}

export interface LivenessMonitorOptions extends LivenessOptions {
  /** The peers to watch now (those with a connection). */
  peers: () => Iterable<string>
  /** The peer's open connections. */
  connectionsOf: (peer: string) => Connection[]
  /** A probe found `connection` dead; `error` says why (CONNECTION_FAILED with the probe's failure as cause). */
  onDead: (peer: string, connection: Connection, error: GlueberryError) => void
  probe?: (connection: Connection, signal: AbortSignal) => Promise<void>
}

/**
 * Probes every connection of the watched peers every `interval`. At most one
 * probe per connection is in flight (a probe still waiting when the next round
 * comes is left to finish), and every timer is cleared by `stop()`.
 */
export class LivenessMonitor {
  private timer?: ReturnType<typeof setInterval>
  private readonly inFlight = new Map<Connection, { controller: AbortController, timer: ReturnType<typeof setTimeout> }>()

  constructor (private readonly options: LivenessMonitorOptions) {}

  start (): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { this.round() }, this.options.interval)
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    for (const { controller, timer } of this.inFlight.values()) {
      clearTimeout(timer)
      controller.abort()
    }
    this.inFlight.clear()
  }

  private round (): void {
    for (const peer of this.options.peers()) {
      for (const connection of this.options.connectionsOf(peer)) {
        if (connection.status === 'open' && !this.inFlight.has(connection)) this.probe(peer, connection)
      }
    }
  }

  private probe (peer: string, connection: Connection): void {
    const { timeout } = this.options
    const controller = new AbortController()
    const timer = setTimeout(() => {
      // After a stall of our own event loop, timers run before pending socket
      // reads: the answer may be waiting unread. A 0 ms timer set here runs
      // after the loop's next poll phase has read it, so only a probe still
      // unanswered then fails (setImmediate would too, but not in browsers).
      setTimeout(() => { controller.abort(new Error(`liveness probe unanswered after ${timeout} ms`)) }, 0)
    }, timeout)
    this.inFlight.set(connection, { controller, timer })
    const probe = this.options.probe ?? probeConnection
    probe(connection, controller.signal).then(() => { this.settle(connection, controller) }, (err: unknown) => {
      const stopped = this.settle(connection, controller)
      // Stopped, or the connection closed on its own meanwhile: nothing to declare.
      if (stopped || connection.status !== 'open') return
      const cause: unknown = controller.signal.aborted ? controller.signal.reason : err
      this.options.onDead(peer, connection, new GlueberryError(ErrorCode.ConnectionFailed,
        `link to ${peer} is dead: no answer to a liveness probe within ${timeout} ms`, { peer, cause }))
    })
  }

  /** Clears the probe's timer; true when the monitor let go of it (stopped). */
  private settle (connection: Connection, controller: AbortController): boolean {
    const entry = this.inFlight.get(connection)
    if (entry?.controller !== controller) return true
    clearTimeout(entry.timer)
    this.inFlight.delete(connection)
    return false
  }
}
