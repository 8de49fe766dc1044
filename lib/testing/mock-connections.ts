/**
 * The MockNode's connection lifecycle: the real node's pure reducer
 * (connections/state-machine.ts) with its effects carried out on an RxJS
 * scheduler instead of libp2p and `setTimeout`. So the mock commits exactly
 * the transitions the real node commits, with the same errors, and every
 * timer (handshake timeout, cooldown, reconnect backoff, dial latency) runs
 * in virtual time under a TestScheduler.
 *
 * Dials do not touch a network: a dial succeeds after `dialDelay` unless a
 * failure was scripted for that peer. With `dialDelay` 0 the answer is
 * applied as soon as the input that started the dial has been processed, so
 * `await node.connect(peer)` needs no timer at all.
 *
 * @module
 */
import { Subject } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import { ErrorCode, GlueberryError } from '../errors.js'
import { aborted } from '../connections/connect-errors.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import { ConnectionState } from '../types.js'
import type { ConnectionEvent } from '../types.js'
import type { ReconnectPolicy } from '../connections/reconnect-policy.js'
import { initialRecord } from '../connections/state-machine.js'
import { ConnectWaiters } from '../connections/peer-signals.js'
import { ConnectionDriver } from '../connections/driver.js'
import type { PeerRecord } from '../connections/state-machine.js'

/** What the simulated connections need from the node around them. */
export interface SimulatedConnectionsOptions {
  scheduler: SchedulerLike
  now: () => number
  policy: ReconnectPolicy
  handshakeTimeout: number
  cooldown: number
  /** Virtual milliseconds a dial takes; 0 answers it at once. */
  dialDelay: number
  random: () => number
  logger: Logger
  metrics: Metrics
  isReconnectable: (peer: string) => boolean
  isBlacklisted: (peer: string) => boolean
  /** The scripted failure of the next dial to `peer`, consumed; undefined lets it succeed. */
  takeDialFailure: (peer: string) => GlueberryError | undefined
  /** Keys and streams of the peer are gone (the reducer's `releasePeerResources`). */
  releasePeer: (peer: string) => void
  /** Called for every committed event, before `events$` sees it (stats, logs). */
  onCommit: (event: ConnectionEvent, handshakeSeconds?: number) => void
}

function hasConnection (state: ConnectionState): boolean {
  return state === ConnectionState.Connected || state === ConnectionState.Established
}

/** Runs the connection reducer for every peer, on a scheduler. */
export class SimulatedConnections extends ConnectionDriver {
  /** Committed transitions, in commit order. Completes on {@link stop}. */
  readonly events$: Observable<ConnectionEvent>
  private readonly events = new Subject<ConnectionEvent>()
  /** The generation of the dial in flight, per peer: the one a caller's abort cancels. */
  private readonly dialing = new Map<string, number>()
  private readonly waiters = new ConnectWaiters()
  private readonly connectedAt = new Map<string, number>()
  /** Work that must wait until the current input is fully applied (instant dial answers). */
  private readonly queue: Array<() => void> = []
  private draining = false

  constructor (private readonly options: SimulatedConnectionsOptions) {
    super(options, (fn, ms) => {
      const action = options.scheduler.schedule(fn, ms)
      return () => { action.unsubscribe() }
    })
    this.events$ = this.events.asObservable()
  }

  /** True while the peer has a (simulated) libp2p connection. */
  isConnected (peer: string): boolean {
    return hasConnection(this.state(peer))
  }

  /** Resolves once the peer is Connected or Established; rejects with the dial's error. */
  async connect (peer: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) throw aborted(peer, signal)
    if (this.isConnected(peer)) return
    const wait = this.waiters.wait(peer, signal, () => { this.abortDial(peer, signal as AbortSignal) })
    try {
      this.dispatch(peer, { type: 'connect' })
    } catch (err) {
      // Refused (cooldown, stopped): nobody will settle the waiter.
      this.waiters.settle(peer, err as GlueberryError)
    }
    await wait
  }

  /** Auto-connect of a peer just added: quiet unless it is Disconnected. */
  autoConnect (peer: string): void {
    if (this.state(peer) === ConnectionState.Disconnected) this.dispatch(peer, { type: 'connect' })
  }

  /**
   * Sets the peer's state without asking the reducer and emits the event (the
   * MockNode's `simulateEvent`). Pending timers and dials of the peer are
   * cancelled; none are armed for the new state.
   */
  force (peer: string, state: ConnectionState, options: { error?: GlueberryError, outbound?: boolean } = {}): void {
    if (this.stopped) throw new GlueberryError(ErrorCode.NodeStopped, 'node is stopped', { peer })
    const record = this.records.get(peer) ?? initialRecord()
    const next: PeerRecord = Object.freeze({
      ...record,
      state,
      outbound: options.outbound ?? record.outbound,
      attempt: 0,
      generation: record.generation + 1
    })
    this.records.set(peer, next)
    this.clearTimers(peer)
    if (state === ConnectionState.Disconnected || state === ConnectionState.Cooldown) this.options.releasePeer(peer)
    const event: ConnectionEvent = options.error === undefined
      ? { peerId: peer, state, previous: record.state, outbound: next.outbound, at: this.options.now() }
      : { peerId: peer, state, previous: record.state, outbound: next.outbound, error: options.error, at: this.options.now() }
    this.commit(event)
    this.drain()
  }

  /** Emits the final transitions, cancels every timer, rejects waiters, completes every Observable. Idempotent. */
  stop (): void {
    if (this.stopped) return
    for (const peer of [...this.records.keys()]) {
      if (this.state(peer) !== ConnectionState.Disconnected) this.fire(peer, { type: 'stop' })
    }
    this.stopped = true
    this.clearTimers()
    this.queue.length = 0
    const stopped = new GlueberryError(ErrorCode.NodeStopped, 'node stopped')
    this.waiters.rejectAll(stopped)
    this.events.complete()
    this.states.complete()
  }

  protected commit (event: ConnectionEvent): void {
    const { peerId, state, previous } = event
    this.states.next(peerId, state)
    const { metrics } = this.options
    metrics.eventEmitted(state)
    const direction = event.outbound ? 'outbound' : 'inbound'
    if (hasConnection(previous) && !hasConnection(state)) metrics.connectionClosed(direction)
    let handshakeSeconds: number | undefined
    if (state === ConnectionState.Connected) {
      if (!hasConnection(previous)) metrics.connectionOpened(direction)
      this.connectedAt.set(peerId, this.options.now())
    } else if (state === ConnectionState.Established) {
      handshakeSeconds = (this.options.now() - (this.connectedAt.get(peerId) ?? this.options.now())) / 1000
    }
    this.options.onCommit(event, handshakeSeconds)
    if (state === ConnectionState.Connected || state === ConnectionState.Established) this.waiters.settle(peerId, undefined)
    if (state === ConnectionState.Disconnected || state === ConnectionState.Cooldown) {
      this.waiters.settle(peerId, event.error ?? new GlueberryError(ErrorCode.ConnectionFailed, `connection to ${peerId} ended`, { peer: peerId }))
    }
    this.events.next(event)
  }

  protected cancelDial (peer: string): void {
    this.cancelTimer(peer, 'dial')
    this.dialing.delete(peer)
  }

  protected closeConnection (): void {
    // Nothing to close: the connection metric follows the state (see commit).
  }

  protected releasePeer (peer: string): void {
    this.options.releasePeer(peer)
  }

  protected override settled (): void {
    this.drain()
  }

  protected dial (peer: string, generation: number): void {
    this.dialing.set(peer, generation)
    const answer = (): void => {
      if (this.dialing.get(peer) !== generation) return
      this.dialing.delete(peer)
      const error = this.options.takeDialFailure(peer)
      this.options.metrics.connectionAttempt(error === undefined ? 'success' : 'failure')
      this.fire(peer, error === undefined
        ? { type: 'dialSucceeded', generation, outbound: true }
        : { type: 'dialFailed', generation, error, aborted: false })
    }
    if (this.options.dialDelay === 0) {
      this.queue.push(answer)
      return
    }
    this.arm(peer, 'dial', this.options.dialDelay, answer)
  }

  /** The caller of `connect` aborted: the dial in flight ends as aborted (never followed by reconnection). */
  private abortDial (peer: string, signal: AbortSignal): void {
    const generation = this.dialing.get(peer)
    if (generation === undefined) return
    this.dialing.delete(peer)
    this.cancelTimer(peer, 'dial')
    this.options.metrics.connectionAttempt('aborted')
    this.fire(peer, { type: 'dialFailed', generation, error: aborted(peer, signal), aborted: true })
  }

  private drain (): void {
    if (this.draining) return
    this.draining = true
    try {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) job()
    } finally {
      this.draining = false
    }
  }

  protected override clearTimers (peer?: string): void {
    super.clearTimers(peer)
    if (peer === undefined) this.dialing.clear()
    else this.dialing.delete(peer)
  }
}
