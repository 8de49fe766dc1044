/**
 * createNode(): the facade that wires the parts (identity, address book,
 * libp2p host, connection manager, stream manager, statistics) and checks
 * the public API's arguments. No protocol logic lives here.
 *
 * @module
 */
import { BehaviorSubject, Subject, from, map, merge, take, takeUntil, throttleTime } from 'rxjs'
import type { Observable } from 'rxjs'
import type { Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { ErrorCode, GlueberryError, abortError } from './errors.js'
import type { UndeliveredReason } from './errors.js'
import type { FailHandshakeOptions, GlueberryNode, SendOptions } from './api.js'
import type { ReportSource } from './observability/report.js'
import { resolveConfig } from './config.js'
import type { NodeOptions, ResolvedConfig } from './config.js'
import { withDeadline } from './deadline.js'
import { ConnectionState, HANDSHAKE_STREAM } from './types.js'
import type { AbortOptions, ConnectionEvent, IncomingMessage } from './types.js'
import { NodeBase, checkPeerId } from './node/base.js'
import { StatsTracker } from './stats/tracker.js'
import type { NodeStats } from './stats/tracker.js'
import { createHost } from './host/libp2p.js'
import { stopHost } from './host/stop-host.js'
import { inboundAdmission } from './host/inbound-policy.js'
import type { Host } from './host/libp2p.js'
import { ConnectionManager } from './connections/manager.js'
import { withPeer } from './connections/connect-errors.js'
import { StreamManager } from './streams/stream-manager.js'
import { ByteBudget } from './streams/byte-budget.js'
import type { DecryptionFailure } from './streams/stream-manager.js'
import { INTERNALS } from './internals.js'
import type { NodeInternals } from './internals.js'
import { AddressBook, createAddressBookStorage } from './peers/index.js'
import type { PeerEntry } from './peers/index.js'
import { backendFor, createIdentity, createPeerKeys } from './crypto/index.js'
import type { Identity } from './crypto/index.js'
import { streamWire } from './streams/wire-adapter.js'

/** Stats snapshots are emitted at most this often. */
const STATS_THROTTLE_MS = 250

/**
 * Creates a node (not started). Validates the options, loads or generates
 * the identity, opens the address book and builds the libp2p host without
 * binding any address yet: `start()` does that.
 */
export async function createNode (options: NodeOptions = {}): Promise<GlueberryNode> {
  const config = resolveConfig(options)
  const identity = await createIdentity(config.privateKey)
  const storage = createAddressBookStorage(config.addressBook)
  const book = new AddressBook(storage, { maxMetadataBytes: config.maxMetadataSize })
  // Problems found while loading (a corrupt file) happen before anyone can
  // subscribe: the node replays them to every errors$ subscriber.
  const report = await book.open()
  // Refused inbound peers (the `inbound` policy) are reported on errors$.
  const refusals = new Subject<GlueberryError>()
  let host: Host
  try {
    host = await createHost({
      privateKey: identity.privateKey,
      listen: config.listen,
      isBlacklisted: (peer) => book.isBlacklisted(peer),
      ...inboundAdmission(config.inbound, (peer) => book.expects(peer), (error) => {
        config.logger.warn('inbound peer refused', { peer_id: error.peer, code: error.code })
        refusals.next(error)
      }),
      maxConnections: config.limits.maxConnections,
      dialTimeout: config.dialTimeout
    })
  } catch (err) {
    await book.close()
    throw new GlueberryError(ErrorCode.InvalidConfig, `could not create the libp2p host: ${(err as Error).message}`, { cause: err })
  }
  return new Node(config, identity, book, host, report.problems, refusals)
}

class Node extends NodeBase implements GlueberryNode {
  private readonly messages = new Subject<IncomingMessage>()
  private readonly decryptionErrors = new Subject<DecryptionFailure>()
  private readonly errors = new Subject<GlueberryError>()
  private readonly statsChanged = new BehaviorSubject<number>(0)
  private readonly stopNotice = new Subject<void>()
  protected readonly stats = new StatsTracker()
  protected readonly connections: ConnectionManager
  private readonly streams: StreamManager
  private readonly registered = new Set<string>()
  /** Open connection per peer id string, for connectionFor(): see there. */
  private readonly openConnections = new Map<string, Connection>()
  private readonly backend
  private detachHandshake?: () => void
  private stopping?: Promise<void>
  /** Peers removed from the address book while connected: their loss is reported as 'peer-removed'. */
  private readonly removed = new Set<string>()

  readonly peerId: string
  readonly events$: Observable<ConnectionEvent>
  readonly messages$: Observable<IncomingMessage> = this.messages.asObservable()
  readonly decryptionErrors$: Observable<DecryptionFailure> = this.decryptionErrors.asObservable()
  readonly errors$: Observable<GlueberryError>
  readonly peers$: Observable<readonly PeerEntry[]>
  readonly stats$: Observable<NodeStats>

  constructor (
    protected readonly config: ResolvedConfig,
    private readonly identity: Identity,
    protected readonly book: AddressBook,
    private readonly host: Host,
    loadProblems: readonly GlueberryError[] = [],
    private readonly refusals = new Subject<GlueberryError>()
  ) {
    super()
    this.peerId = identity.peerIdString
    this.backend = backendFor(config.crypto)
    const { logger, metrics } = config
    this.streams = new StreamManager({
      wire: streamWire,
      maxMessageSize: config.maxMessageSize,
      high: config.flow.high,
      low: config.flow.low,
      highBytes: config.flow.highBytes,
      budget: new ByteBudget(config.flow.totalBytes), // perf (issue 13): node-wide send bound
      maxHeldStreamsPerPeer: config.limits.maxHeldStreamsPerPeer,
      maxOutboundStreams: config.limits.maxOutboundStreams,
      handshakeTimeout: config.handshakeTimeout,
      decryptionErrorPolicy: config.decryptionErrorPolicy,
      connectionFor: (peer) => this.connectionFor(peer),
      deliver: (message) => { this.deliver(message) },
      report: (error) => {
        logger.warn('stream error', { peer_id: error.peer, stream: error.stream, code: error.code, error: error.message })
        this.errors.next(error)
      },
      onDecryptionError: (failure) => {
        metrics.decryptionError()
        this.stats.decryptionError()
        this.statsChanged.next(this.stats.revision)
        logger.warn('decryption failed', { peer_id: failure.peerId, stream: failure.stream, count: failure.count })
        this.decryptionErrors.next(failure)
      },
      onSent: (_peer, stream, _messages, queued) => { metrics.pendingMessages(stream, queued) },
      onEncryptionError: (peer, stream, error) => {
        metrics.encryptionError()
        logger.error('encryption failed', { peer_id: peer, stream, error: String(error) })
      },
      onStreamOpened: (_peer, stream) => { metrics.streamOpened(stream) },
      onStreamClosed: (_peer, stream) => { metrics.streamClosed(stream) },
      onBackpressure: (stream, event, seconds) => {
        if (event === 'engaged') metrics.backpressureEngaged(stream)
        else metrics.backpressureWait(stream, seconds ?? 0)
      },
      // A random id per node: a peer seeing a new one knows we restarted.
      incarnation: this.backend.randomBytes(8),
      retains: (peer) => this.statusValue === 'started' && this.book.has(peer) && !this.book.isBlacklisted(peer) &&
        this.connections.state(peer) !== ConnectionState.Disconnected,
      onDelivery: (peer, stream, event, count) => {
        this.stats.delivery(peer, stream, event, count)
        if (event !== 'acked') this.statsChanged.next(this.stats.revision)
      }
    })
    this.connections = new ConnectionManager({
      host,
      policy: config.reconnect,
      handshakeTimeout: config.handshakeTimeout,
      cooldown: config.cooldown,
      dialTimeout: config.dialTimeout,
      maxConcurrentDials: config.limits.maxConcurrentDials,
      liveness: config.liveness,
      logger,
      metrics,
      // A peer with no address can only dial us: redialling it would fail at once, for ever.
      isReconnectable: (peer) => this.statusValue === 'started' && this.dialable(peer),
      isBlacklisted: (peer) => this.book.isBlacklisted(peer),
      addressesOf: (peer) => this.book.get(peer)?.multiaddrs ?? [],
      releasePeer: (peer, reason) => {
        this.openConnections.delete(peer)
        this.streams.release(peer, reason)
      },
      onConnected: (peer, outbound) => {
        this.streams.connected(peer)
        this.stats.connected(peer, outbound)
        this.statsChanged.next(this.stats.revision)
        if (this.book.has(peer)) this.book.touchLastSeen(peer)
      },
      onEstablished: (_peer, seconds) => {
        metrics.handshakeDuration(seconds)
        metrics.handshakeResult('success')
        this.statsChanged.next(this.stats.revision)
      },
      onDisconnected: (peer) => {
        this.stats.disconnected(peer)
        this.statsChanged.next(this.stats.revision)
      }
    })
    this.events$ = this.connections.events$
    this.errors$ = merge(from(loadProblems), this.errors, book.errors$, refusals)
    this.peers$ = book.peers$
    // Throttled, and on stop: one last snapshot and completion at once (a
    // trailing throttle window would otherwise hold completion for 250 ms).
    this.stats$ = merge(
      this.statsChanged.pipe(
        throttleTime(STATS_THROTTLE_MS, undefined, { leading: true, trailing: true }),
        takeUntil(this.stopNotice)
      ),
      this.stopNotice.pipe(take(1))
    ).pipe(map(() => this.stats.totals(this.countEstablished())))
    // Handshake timeouts and failed dials count as failures in peer stats.
    this.events$.subscribe((event) => {
      if (event.state === ConnectionState.Cooldown) {
        metrics.handshakeResult(event.error?.code === ErrorCode.HandshakeTimeout ? 'timeout' : 'failure')
        this.stats.failed(event.peerId)
      } else if (event.state === ConnectionState.Disconnected && event.previous === ConnectionState.Connecting && event.error !== undefined) {
        this.stats.failed(event.peerId)
      }
      logger.debug('connection state', { peer_id: event.peerId, state: event.state, previous: event.previous })
      // `terminal: false` announces the Reconnecting that follows: the outbox waits for it.
      if (event.state === ConnectionState.Disconnected && event.terminal !== false) this.onDisconnected(event.peerId)
    })
  }

  get publicKey (): Uint8Array {
    return this.identity.edPublicKey.slice()
  }

  get multiaddrs (): string[] {
    return this.host.getMultiaddrs().map(a => a.toString())
  }

  async start (): Promise<void> {
    if (this.statusValue === 'started' || this.statusValue === 'starting') {
      throw new GlueberryError(ErrorCode.NodeAlreadyStarted, 'node is already started')
    }
    if (this.statusValue !== 'created') throw new GlueberryError(ErrorCode.NodeStopped, 'a stopped node cannot be restarted: create a new one')
    this.statusValue = 'starting'
    try {
      await this.host.start()
      await this.register(HANDSHAKE_STREAM)
      for (const name of this.config.handshake?.streams ?? []) await this.register(name)
    } catch (err) {
      this.statusValue = 'created'
      await stopHost(this.host).catch(() => {})
      // libp2p's listen errors carry the inner error's stack in their message: one line is enough, `cause` has the rest.
      const reason = String((err as Error).message).split('\n')[0]
      throw new GlueberryError(ErrorCode.InvalidConfig, `could not start: ${reason}`, { cause: err })
    }
    this.statusValue = 'started'
    this.config.logger.info('node started', { peer_id: this.peerId, listen_addrs: this.multiaddrs })
    if (this.config.handshake !== undefined) this.detachHandshake = this.config.handshake.attach(this)
    for (const entry of this.book.list()) {
      if (this.dialable(entry.peerId)) this.connections.autoConnect(entry.peerId)
    }
  }

  /** Idempotent; valid in every state. The node cannot be started again. */
  async stop (): Promise<void> {
    if (this.stopping !== undefined) return await this.stopping
    this.stopping = this.shutdown()
    await this.stopping
  }

  private async shutdown (): Promise<void> {
    const wasStarted = this.statusValue === 'started' || this.statusValue === 'starting'
    this.statusValue = 'stopping'
    this.config.logger.info('node stopping', { peer_id: this.peerId })
    this.detachHandshake?.()
    // Accepted messages are written before the streams close (bounded by
    // drainTimeout): send() resolving must not mean "maybe".
    if (wasStarted) await withDeadline(this.config.drainTimeout, 'drainTimeout', async (s) => { await this.streams.closeAll(s, 'stopped') })
    const reason = new GlueberryError(ErrorCode.NodeStopped, 'node stopped')
    this.connections.stop()
    this.streams.stop(reason)
    if (wasStarted) {
      await stopHost(this.host).catch((err: unknown) => {
        this.config.logger.error('failed to stop libp2p', { error: String(err) })
      })
    }
    await this.book.close().catch((err: unknown) => {
      this.config.logger.error('address book did not close cleanly', { error: String(err) })
    })
    this.identity.destroy()
    this.statusValue = 'stopped'
    this.messages.complete()
    this.decryptionErrors.complete()
    this.errors.complete()
    this.refusals.complete()
    this.stopNotice.next()
    this.stopNotice.complete()
    this.statsChanged.complete()
    this.config.logger.info('node stopped', { peer_id: this.peerId })
  }

  async addPeer (peerId: string, multiaddrs: string[], metadata?: Record<string, string>): Promise<void> {
    this.assertUsable()
    await this.book.add(peerId, multiaddrs, metadata)
    this.config.logger.info('peer added', { peer_id: peerId })
    if (this.statusValue === 'started' && this.dialable(peerId)) this.connections.autoConnect(peerId)
  }

  async removePeer (peerId: string): Promise<void> {
    this.assertUsable()
    await this.book.remove(peerId)
    // Connected: the messages still go out on this connection; what is not
    // acknowledged when it ends is reported then (no reconnection follows).
    if (this.connectionFor(peerId) === undefined) this.dropPeer(peerId, 'peer-removed')
    else this.removed.add(peerId)
  }

  async connect (peerId: string, options: AbortOptions = {}): Promise<void> {
    this.assertStarted()
    checkPeerId(peerId)
    if (peerId === this.peerId) throw new GlueberryError(ErrorCode.InvalidPeerId, 'cannot connect to self', { peer: peerId })
    if (this.book.isBlacklisted(peerId)) throw new GlueberryError(ErrorCode.PeerBlacklisted, `peer ${peerId} is blacklisted`, { peer: peerId })
    if (!this.book.has(peerId) && this.connectionFor(peerId) === undefined) {
      throw new GlueberryError(ErrorCode.PeerNotFound, `peer ${peerId} is not in the address book: addPeer() first`, { peer: peerId })
    }
    await this.connections.connect(peerId, options.signal)
  }

  async disconnect (peerId: string, options: AbortOptions = {}): Promise<void> {
    this.assertStarted()
    checkPeerId(peerId)
    if (options.signal?.aborted === true) throw abortError(options.signal, 'disconnect', { peer: peerId })
    await withDeadline(this.config.drainTimeout, 'drainTimeout', async (s) => { await this.streams.closePeer(peerId, s, 'disconnected') }, options.signal)
    this.dropPeer(peerId, 'disconnected')
    this.connections.disconnect(peerId)
    await this.hangUp(peerId, options.signal)
  }

  cancelReconnection (peerId: string): void {
    this.assertStarted()
    this.connections.cancelReconnection(peerId)
  }

  async send (peerId: string, stream: string, data: Uint8Array, options: SendOptions = {}): Promise<void> {
    const { signal } = options
    this.checkSend(peerId, stream, data, signal)
    try {
      await this.streams.send(peerId, stream, data, signal, options.awaitDelivery === true)
    } catch (err) {
      // A typo'd id must not look retriable: parse it only on this path, never per message.
      if (err instanceof GlueberryError && err.code === ErrorCode.NotConnected) checkPeerId(peerId)
      throw err
    }
    this.stats.sent(peerId, stream, data.byteLength)
    this.config.metrics.messageSent(stream, data.byteLength)
    this.statsChanged.next(this.stats.revision)
  }

  async prepareStreams (peerId: string, publicKey: Uint8Array, streams: readonly string[], options: AbortOptions = {}): Promise<void> {
    this.checkPrepare(peerId, streams, options.signal)
    // Checks the key belongs to the peer id (PublicKeyMismatch) and derives the static secret.
    const keys = createPeerKeys(this.backend, this.identity, peerId, publicKey)
    this.config.metrics.keyDerivation()
    for (const name of streams) await this.register(name)
    this.streams.prepare(peerId, keys, streams)
    this.config.logger.debug('streams prepared', { peer_id: peerId, streams: [...streams] })
    if (this.book.has(peerId)) await this.book.setPublicKey(peerId, publicKey).catch(() => {})
  }

  async finalizeHandshake (peerId: string, options: AbortOptions = {}): Promise<void> {
    this.assertStarted()
    if (options.signal?.aborted === true) throw abortError(options.signal, 'finalizeHandshake', { peer: peerId })
    checkPeerId(peerId)
    const state = this.connections.state(peerId)
    if (state === ConnectionState.Established) return
    if (!this.streams.isPrepared(peerId)) {
      throw new GlueberryError(ErrorCode.HandshakeFailed, `finalizeHandshake before prepareStreams for ${peerId}`, { peer: peerId })
    }
    if (state === ConnectionState.Cooldown) {
      throw new GlueberryError(ErrorCode.HandshakeTimeout, `handshake with ${peerId} already timed out`, { peer: peerId })
    }
    if (state !== ConnectionState.Connected) {
      throw new GlueberryError(ErrorCode.NotConnected, `peer ${peerId} is ${state}, not Connected`, { peer: peerId })
    }
    this.connections.finalize(peerId)
    // Our handshake messages are done: write out what is queued and close the
    // stream (the peer closes its side when it sees ours end). A later send on
    // 'handshake' opens a new one.
    this.streams.closeWriter(peerId, HANDSHAKE_STREAM)
    this.config.logger.info('handshake complete', { peer_id: peerId })
  }

  failHandshake (peerId: string, reason: GlueberryError, options: FailHandshakeOptions = {}): void {
    this.assertStarted()
    checkPeerId(peerId)
    const error = reason instanceof GlueberryError
      ? reason
      : new GlueberryError(ErrorCode.HandshakeFailed, `handshake with ${peerId} failed: ${String(reason)}`, { peer: peerId, cause: reason })
    this.config.logger.warn('handshake failed', { peer_id: peerId, code: error.code, error: error.message })
    const halt = options.redial === undefined ? undefined : !options.redial
    // No redial follows: say so where every failure is reported.
    if (halt ?? error.code === ErrorCode.VersionMismatch) this.errors.next(withPeer(error, peerId))
    this.connections.handshakeFailed(peerId, error, halt)
  }

  async completeHandshake (peerId: string, publicKey: Uint8Array, streams: readonly string[], options: AbortOptions = {}): Promise<void> {
    await this.prepareStreams(peerId, publicKey, streams, options)
    await this.finalizeHandshake(peerId, options)
  }

  async blacklist (peerId: string, reason?: string): Promise<void> {
    this.assertUsable()
    checkPeerId(peerId)
    try {
      await this.book.blacklist(peerId, reason)
      this.config.logger.warn('peer blacklisted', { peer_id: peerId })
    } finally {
      // Even when the ban could not be persisted (a quarantined book), the
      // caller asked to be rid of the peer now.
      if (this.statusValue === 'started') {
        this.dropPeer(peerId, 'blacklisted')
        this.connections.blacklisted(peerId)
        await this.hangUp(peerId)
      }
    }
  }

  async unblacklist (peerId: string): Promise<void> {
    this.assertUsable()
    await this.book.unblacklist(peerId)
  }

  protected reportSource (): ReportSource {
    return {
      peerId: this.peerId,
      publicKey: this.identity.edPublicKey,
      multiaddrs: this.statusValue === 'started' ? this.multiaddrs : [],
      version: this.version,
      status: this.statusValue,
      config: this.config,
      now: Date.now(),
      openConnections: this.statusValue === 'started' ? this.host.getConnections().length : 0,
      book: this.book,
      connections: this.connections,
      streams: (peer) => this.streams.describe(peer),
      peerStats: (peer) => this.stats.snapshot(peer),
      totals: this.stats.totals(this.countEstablished())
    }
  }

  /** The parts glueberry/testing's hooks act on (see lib/internals.ts). */
  [INTERNALS] (): NodeInternals {
    return {
      streams: this.streams,
      identityX25519Private: this.identity.xPrivateKey,
      connectionFor: (peer) => this.connectionFor(peer)
    }
  }

  /**
   * Disconnected is final only when no reconnection follows in the same
   * step (a lost connection goes Disconnected -> Reconnecting at once): the
   * check waits for the step to commit. Then what the peer has not
   * acknowledged is reported, and its streams are forgotten.
   */
  private onDisconnected (peer: string): void {
    queueMicrotask(() => {
      if (this.statusValue !== 'started' || this.connections.state(peer) !== ConnectionState.Disconnected) return
      this.dropPeer(peer, this.removed.delete(peer) ? 'peer-removed' : 'reconnect-given-up')
    })
  }

  private dropPeer (peer: string, reason: UndeliveredReason): void {
    this.streams.drop(peer, reason, new GlueberryError(
      reason === 'blacklisted' ? ErrorCode.PeerBlacklisted : ErrorCode.NotConnected,
      `messages to ${peer} can no longer be delivered (${reason})`, { peer }))
  }

  private deliver (message: IncomingMessage): void {
    this.stats.received(message.peerId, message.stream, message.data.byteLength)
    this.config.metrics.messageReceived(message.stream, message.data.byteLength)
    this.statsChanged.next(this.stats.revision)
    this.messages.next(message)
  }

  /**
   * The open connection to a peer. Every send() asks, so the answer is cached
   * per peer id string: parsing the id and libp2p's lookup (which encodes it
   * back to base58) took 60% of the CPU of a 64 B message stream. A cached
   * connection is used only while it is open; anything else takes the slow
   * path, which refreshes or drops the entry.
   */
  private connectionFor (peer: string): Connection | undefined {
    const cached = this.openConnections.get(peer)
    if (cached?.status === 'open') return cached
    let found: Connection | undefined
    try {
      found = this.host.getConnections(peerIdFromString(peer)).find(c => c.status === 'open')
    } catch {
      found = undefined
    }
    if (found === undefined) this.openConnections.delete(peer)
    else this.openConnections.set(peer, found)
    return found
  }

  /** Registers the libp2p handler of one logical stream, once. */
  private async register (name: string): Promise<void> {
    if (this.registered.has(name)) return
    this.registered.add(name)
    await this.host.handle(streamWire.protocolId(name), (stream: Stream, connection: Connection) => {
      this.streams.handleInbound(name, stream, connection)
    }, {
      maxInboundStreams: this.config.limits.maxInboundStreams,
      maxOutboundStreams: this.config.limits.maxOutboundStreams
    })
  }

  /** Closes every connection to the peer; failures only mean there was nothing to close. */
  private async hangUp (peerId: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.host.hangUp(peerIdFromString(peerId), signal === undefined ? {} : { signal })
    } catch (err) {
      this.config.logger.debug('hang up failed', { peer_id: peerId, error: String(err) })
    }
  }

}
