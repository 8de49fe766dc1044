/**
 * The effectful half of the connection lifecycle. Inputs (API calls, libp2p
 * events, timers) go through the pure reducer one at a time; the committed
 * transitions become `events$` in commit order and the returned effects are
 * executed here: dials, timers, hang-ups and the release of a peer's streams
 * and keys. Timer callbacks re-enter through the reducer, which ignores stale
 * ones, so a timer can never act on a state it was not armed for.
 *
 * @module
 */
import { Subject } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Connection, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { Queue } from '@libp2p/utils'
import { ErrorCode, GlueberryError } from '../errors.js'
import { aborted } from './connect-errors.js'
import { ConnectionState } from '../types.js'
import type { ConnectionEvent } from '../types.js'
import type { Host } from '../host/libp2p.js'
import type { Logger } from '../observability/logger.js'
import type { Metrics } from '../observability/metrics.js'
import type { ReconnectPolicy } from './reconnect-policy.js'
import { ConnectWaiters } from './peer-signals.js'
import { LivenessMonitor } from './liveness.js'
import type { LivenessOptions } from './liveness.js'
import { ConnectionDriver } from './driver.js'

export interface ConnectionManagerOptions {
  host: Host
  policy: ReconnectPolicy
  handshakeTimeout: number
  cooldown: number
  dialTimeout: number
  /** Dials run at once; the rest wait their turn (their dialTimeout starts with them). */
  maxConcurrentDials: number
  /** Dead-link detection; `false` = off. */
  liveness: LivenessOptions | false
  logger: Logger
  metrics: Metrics
  random?: () => number
  /** Address-book peers that are not blacklisted are redialed after a loss. */
  isReconnectable: (peer: string) => boolean
  isBlacklisted: (peer: string) => boolean
  addressesOf: (peer: string) => string[]
  /** Zero keys, close streams: the peer's session is over. */
  releasePeer: (peer: string, reason: GlueberryError) => void
  onConnected?: (peer: string, outbound: boolean) => void
  onEstablished?: (peer: string, handshakeSeconds: number) => void
  onDisconnected?: (peer: string) => void
}

export class ConnectionManager extends ConnectionDriver {
  private readonly connectWaiters = new ConnectWaiters()
  private readonly dials = new Map<string, AbortController>()
  private readonly dialQueue: Queue<Connection>
  private readonly connectedAt = new Map<string, number>()
  private readonly events = new Subject<ConnectionEvent>()
  private readonly liveness?: LivenessMonitor
  private readonly onConnectionOpen = (evt: CustomEvent<Connection>): void => { this.connectionOpened(evt.detail) }
  private readonly onPeerDisconnect = (evt: CustomEvent<PeerId>): void => { this.peerDisconnected(evt.detail.toString()) }

  readonly events$: Observable<ConnectionEvent> = this.events.asObservable()

  constructor (private readonly options: ConnectionManagerOptions) {
    super({ ...options, random: options.random ?? Math.random, now: Date.now }, (fn, ms) => {
      const timer = setTimeout(fn, ms)
      return () => { clearTimeout(timer) }
    })
    this.dialQueue = new Queue<Connection>({ concurrency: options.maxConcurrentDials })
    if (options.liveness !== false) {
      this.liveness = new LivenessMonitor({
        ...options.liveness,
        peers: () => this.connectedPeers(),
        connectionsOf: (peer) => this.options.host.getConnections(peerIdFromString(peer)),
        onDead: (peer, connection, error) => { this.linkDead(peer, connection, error) }
      })
    }
    options.host.addEventListener('connection:open', this.onConnectionOpen)
    options.host.addEventListener('peer:disconnect', this.onPeerDisconnect)
  }

  /** Resolves once the peer is Connected (or Established); rejects with the dial's error. */
  async connect (peer: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted === true) throw aborted(peer, signal)
    const current = this.state(peer)
    if (current === ConnectionState.Connected || current === ConnectionState.Established) return
    const wait = this.connectWaiters.wait(peer, signal, () => { this.dials.get(peer)?.abort() })
    try {
      this.dispatch(peer, { type: 'connect' })
    } catch (err) {
      // Refused (cooling down, blacklisted, stopped): nothing will settle the waiter.
      this.connectWaiters.settle(peer, err as GlueberryError)
    }
    await wait
  }

  disconnect (peer: string): void {
    this.dispatch(peer, { type: 'disconnect' })
  }

  cancelReconnection (peer: string): void {
    this.dispatch(peer, { type: 'cancelReconnection' })
  }

  /** Phase 2 of the handshake: Connected -> Established. */
  finalize (peer: string): void {
    this.dispatch(peer, { type: 'handshakeFinalized' })
  }

  /**
   * The handshake with `peer` failed: Cooldown then a redial, or, for a
   * VersionMismatch or with `halt`, Disconnected with no redial. A late
   * report is a no-op.
   */
  handshakeFailed (peer: string, error: GlueberryError, halt?: boolean): void {
    this.fire(peer, halt === undefined ? { type: 'handshakeFailed', error } : { type: 'handshakeFailed', error, halt })
  }

  blacklisted (peer: string): void {
    if (this.records.has(peer)) this.dispatch(peer, { type: 'blacklisted' })
  }

  /** Auto-connect for a peer just added to the book; quiet if it is already connecting. */
  autoConnect (peer: string): void {
    const state = this.state(peer)
    if (state !== ConnectionState.Disconnected) return
    this.dispatch(peer, { type: 'connect' })
  }

  /** Emits the final transitions, clears every timer and completes every Observable. */
  stop (): void {
    if (this.stopped) return
    for (const peer of [...this.records.keys()]) {
      if (this.state(peer) !== ConnectionState.Disconnected) this.dispatch(peer, { type: 'stop' })
    }
    this.stopped = true
    this.liveness?.stop()
    this.options.host.removeEventListener('connection:open', this.onConnectionOpen)
    this.options.host.removeEventListener('peer:disconnect', this.onPeerDisconnect)
    this.clearTimers()
    for (const dial of this.dials.values()) dial.abort()
    this.dials.clear()
    this.dialQueue.abort()
    const stopped = new GlueberryError(ErrorCode.NodeStopped, 'node stopped')
    this.connectWaiters.rejectAll(stopped)
    this.events.complete()
    this.states.complete()
  }

  protected commit (event: ConnectionEvent): void {
    const { peerId, state, previous } = event
    this.states.next(peerId, state)
    this.options.metrics.eventEmitted(state)
    if (state === ConnectionState.Connected) {
      this.connectedAt.set(peerId, performance.now())
      this.options.onConnected?.(peerId, event.outbound)
      this.connectWaiters.settle(peerId, undefined)
    } else if (state === ConnectionState.Established) {
      const since = this.connectedAt.get(peerId) ?? performance.now()
      this.options.onEstablished?.(peerId, (performance.now() - since) / 1000)
    } else if (state === ConnectionState.Disconnected && previous !== ConnectionState.Disconnected) {
      this.options.onDisconnected?.(peerId)
    }
    if (state === ConnectionState.Disconnected || state === ConnectionState.Cooldown) {
      this.connectWaiters.settle(peerId, event.error ?? new GlueberryError(ErrorCode.ConnectionFailed, `connection to ${peerId} ended`, { peer: peerId }))
    }
    this.events.next(event)
  }

  protected cancelDial (peer: string): void {
    this.dials.get(peer)?.abort()
  }

  protected closeConnection (peer: string): void {
    this.dials.get(peer)?.abort()
    this.options.host.hangUp(peerIdFromString(peer)).catch((err: unknown) => {
      this.options.logger.debug('hang up failed', { peer_id: peer, error: String(err) })
    })
  }

  protected releasePeer (peer: string): void {
    this.options.releasePeer(peer, new GlueberryError(ErrorCode.StreamClosed, `session with ${peer} ended`, { peer }))
  }

  protected dial (peer: string, generation: number): void {
    const controller = new AbortController()
    this.dials.get(peer)?.abort()
    this.dials.set(peer, controller)
    // The whole dial is bounded by dialTimeout, counted from when it leaves
    // the queue: a dial waiting its turn behind others is not failing.
    const { dialTimeout } = this.options
    const deadline = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const attempt = async (): Promise<Connection> => {
      timer = setTimeout(() => { deadline.abort(new Error(`dial timed out after ${dialTimeout} ms`)) }, dialTimeout)
      const signal = AbortSignal.any([controller.signal, deadline.signal])
      const id = peerIdFromString(peer)
      const addresses = this.options.addressesOf(peer).map(a => multiaddr(a))
      if (addresses.length > 0) await this.options.host.peerStore.merge(id, { multiaddrs: addresses })
      return await this.options.host.dial(id, { signal })
    }
    const run = async (): Promise<Connection> => await this.dialQueue.add(attempt, { signal: controller.signal })
    run().then((connection) => {
      clearTimeout(timer)
      if (this.dials.get(peer) === controller) this.dials.delete(peer)
      this.options.metrics.connectionAttempt('success')
      this.fire(peer, { type: 'dialSucceeded', generation, outbound: connection.direction === 'outbound' })
    }, (err: unknown) => {
      clearTimeout(timer)
      if (this.dials.get(peer) === controller) this.dials.delete(peer)
      const userAbort = controller.signal.aborted
      this.options.metrics.connectionAttempt(userAbort ? 'aborted' : 'failure')
      const reason = deadline.signal.aborted ? `timed out after ${dialTimeout} ms` : `failed: ${(err as Error)?.message ?? String(err)}`
      const error = userAbort
        ? new GlueberryError(ErrorCode.Aborted, `dial to ${peer} aborted`, { peer, cause: err })
        : new GlueberryError(ErrorCode.ConnectionFailed, `dial to ${peer} ${reason}`, { peer, cause: err })
      this.fire(peer, { type: 'dialFailed', generation, error, aborted: userAbort })
    })
  }

  /** Peers that have a connection, the ones liveness watches. */
  private * connectedPeers (): Iterable<string> {
    for (const [peer, record] of this.records) {
      if (record.state === ConnectionState.Connected || record.state === ConnectionState.Established) yield peer
    }
  }

  /**
   * A liveness probe went unanswered. The loss is reported with its cause
   * before the connection is aborted: libp2p's own peer:disconnect that
   * follows carries no reason and then finds nothing left to do.
   */
  private linkDead (peer: string, connection: Connection, error: GlueberryError): void {
    this.options.logger.warn('link dead', { peer_id: peer, error: error.message })
    let others: Connection[]
    try {
      others = this.options.host.getConnections(peerIdFromString(peer)).filter(c => c !== connection && c.status === 'open')
    } catch {
      others = []
    }
    if (others.length === 0) this.fire(peer, { type: 'connectionLost', error })
    connection.abort(error)
  }

  private connectionOpened (connection: Connection): void {
    if (!this.stopped) this.liveness?.start()
    const peer = connection.remotePeer.toString()
    this.options.metrics.connectionOpened(connection.direction)
    connection.addEventListener('close', () => { this.options.metrics.connectionClosed(connection.direction) }, { once: true })
    const state = this.state(peer)
    // Our own dials report through dialSucceeded; everything else that brings
    // a peer up (an inbound dial, a simultaneous dial) enters here.
    if (state === ConnectionState.Connected || state === ConnectionState.Established) return
    if (connection.direction === 'outbound' && state === ConnectionState.Connecting) return
    if (this.stopped) return
    try {
      this.dispatch(peer, { type: 'inboundConnected', outbound: connection.direction === 'outbound' })
    } catch (err) {
      // Refused (cooling down after a failed handshake, blacklisted): do not keep it.
      this.options.logger.debug('connection refused', { peer_id: peer, error: String(err) })
      connection.close().catch(() => { connection.abort(new Error('refused')) })
    }
  }

  private peerDisconnected (peer: string): void {
    if (!this.records.has(peer)) return
    this.fire(peer, { type: 'connectionLost' })
  }
}
