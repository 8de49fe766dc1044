/**
 * MockNode: a {@link GlueberryNode} without sockets, for testing applications
 * built on glueberry. It implements the same TypeScript interface as the
 * node `createNode()` returns, so code written against `GlueberryNode` runs
 * on either, and it behaves like the real node wherever that can be done
 * without a network:
 *
 * - the connection lifecycle is the real node's state machine (same
 *   transitions, same `previous` states, same errors), with its timers
 *   (handshake timeout, cooldown, reconnect backoff) on an RxJS scheduler;
 * - arguments are checked by the real validators (stream names, message
 *   size, peer ids, multiaddrs, metadata, public keys) with the real
 *   defaults, so the mock refuses what the node refuses, with the same codes;
 * - lifecycle errors (`NodeNotStarted`, `NodeAlreadyStarted`, `NodeStopped`),
 *   the blacklist rules and the two-phase handshake rules are the node's;
 * - statistics come from the node's own tracker, `stats$` is throttled the
 *   same way, and every Observable completes on `stop()`.
 *
 * What the remote side does is up to the test: `simulateConnect`,
 * `simulateDisconnect`, `simulateMessage`, `simulateEvent`,
 * `simulateDecryptionError`, `simulateError`, scripted dial failures
 * (`failDials`) and injected call failures (`failNext`). What the
 * application does is recorded: `sent`, `sentTo`, `sent$`, `handshakeCalls`.
 *
 * Virtual time: everything time-based runs on the `scheduler` option
 * (default `asyncScheduler`) and every timestamp comes from the `now` option
 * (default `scheduler.now()`). Inside `TestScheduler.run()` the default
 * scheduler is already virtual. Calls have their effects synchronously (the
 * returned promises only report the outcome), so a call made in a scheduled
 * action takes effect at that frame.
 *
 * @module
 */
import { BehaviorSubject, Subject, asyncScheduler, defer, from, map, merge, throttle, timer } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import type { GlueberryNode, SendOptions, DecryptionFailure, FailHandshakeOptions } from '../api.js'
import type { ReportSource } from '../observability/report.js'
import { resolveConfig } from '../config.js'
import type { NodeOptions, ResolvedConfig } from '../config.js'
import { ErrorCode, GlueberryError, abortError, isGlueberryError } from '../errors.js'
import { createMessage } from '../flow.js'
import type { FlowHandle } from '../flow.js'
import { ConnectionState, HANDSHAKE_STREAM } from '../types.js'
import type { AbortOptions, ConnectionEvent, IncomingMessage } from '../types.js'
import { NodeBase, checkPeerId } from '../node/base.js'
import { StatsTracker } from '../stats/tracker.js'
import type { NodeStats } from '../stats/tracker.js'
import type { PeerEntry } from '../peers/index.js'
import { assertPublicKeyMatchesPeerId, x25519PublicFromEd25519 } from '../crypto/keys.js'
import { validatePreparedStreamName, validateSendStreamName } from '../streams/wire-adapter.js'
import { MockAddressBook } from './mock-book.js'
import { SimulatedConnections } from './mock-connections.js'
import { mockIdentity } from './mock-identity.js'
import type { MockIdentity } from './mock-identity.js'

export type { MockIdentity }

/** Same throttle as the real node's `stats$`. */
const STATS_THROTTLE_MS = 250

/** The node options the mock honours; each has the real node's default and validation. */
export type MockNodeConfigOptions = Pick<NodeOptions,
'handshake' | 'logger' | 'metrics' | 'handshakeTimeout' | 'reconnect' | 'cooldown' | 'maxMessageSize' |
'maxStreamNameLength' | 'maxMetadataSize' | 'flow' | 'decryptionErrorPolicy' | 'inbound'>

/** Options of {@link MockNode}. */
export interface MockNodeOptions extends MockNodeConfigOptions {
  /** 32-byte Ed25519 seed of the node's identity. Random when omitted. */
  seed?: Uint8Array
  /**
   * What `multiaddrs` reports while the node is started (empty otherwise, as
   * a libp2p host that is not listening).
   * @default [`/ip4/127.0.0.1/tcp/4001/p2p/<peerId>`]
   */
  multiaddrs?: string[]
  /**
   * Runs every timer of the mock: handshake timeout, cooldown, reconnect
   * backoff, dial latency and the `stats$` throttle. Pass a TestScheduler (or
   * use the default inside `TestScheduler.run()`) for virtual time.
   * @default asyncScheduler
   */
  scheduler?: SchedulerLike
  /**
   * The clock of every timestamp (`at`, `receivedAt`, `sentAt`, statistics,
   * address-book times), in ms.
   * @default () => scheduler.now()
   */
  now?: () => number
  /**
   * Whether `addPeer()` on a started node, and `start()` for the peers
   * already in the book, dial at once, as the real node does. Switch it off
   * to drive every connection from the test (`connect`, `simulateConnect`).
   * @default true
   */
  autoConnect?: boolean
  /**
   * Virtual milliseconds a dial takes. With 0 a dial is answered as soon as
   * the call that started it has been processed, so `await node.connect(p)`
   * involves no timer.
   * @default 0
   */
  dialDelay?: number
  /**
   * The uniform draw in [0, 1) for reconnect jitter. Fix it for
   * deterministic backoff in marble tests (0.5 means no jitter).
   * @default Math.random
   */
  random?: () => number
}

/** One message the application sent through the mock. */
export interface SentMessage {
  /** The peer it was sent to. */
  readonly peerId: string
  /** The stream it was sent on. */
  readonly stream: string
  /** A copy of the bytes passed to `send()`. */
  readonly data: Uint8Array
  /** `now()` when `send()` was called. */
  readonly sentAt: number
}

/** A recorded call of one handshake phase, successful or not. */
export type HandshakeCall =
  | {
    /** Which phase was called. */
    readonly method: 'prepareStreams'
    /** The peer it was called for. */
    readonly peerId: string
    /** A copy of the key passed in. */
    readonly publicKey: Uint8Array
    /** The stream names passed in. */
    readonly streams: readonly string[]
    /** `now()` when it was called. */
    readonly at: number
    /** Set when the call failed. */
    readonly error?: GlueberryError
  }
  | {
    /** Which phase was called. */
    readonly method: 'finalizeHandshake'
    /** The peer it was called for. */
    readonly peerId: string
    /** `now()` when it was called. */
    readonly at: number
    /** Set when the call failed. */
    readonly error?: GlueberryError
  }

/** Methods whose next calls `failNext()` can make fail. */
export type MockFailableMethod =
  | 'start' | 'addPeer' | 'removePeer' | 'connect' | 'disconnect' | 'cancelReconnection' | 'send'
  | 'prepareStreams' | 'finalizeHandshake' | 'completeHandshake' | 'blacklist' | 'unblacklist'

/** Which calls an injected failure applies to. */
export interface FailNextOptions {
  /** How many matching calls fail. A positive integer or Infinity. @default 1 */
  times?: number
  /** Only calls about this peer (the method's `peerId` argument). @default any peer */
  peerId?: string
}

interface InjectedFailure {
  readonly method: MockFailableMethod
  readonly peerId?: string
  readonly error: GlueberryError
  remaining: number
}

/** One inbound (peer, stream): what a paused or not yet prepared stream holds back. */
interface Source {
  readonly peerId: string
  readonly stream: string
  readonly queue: IncomingMessage[]
  readonly handle: FlowHandle
  pauses: number
  pumping: boolean
  decryptionFailures: number
}


/**
 * A GlueberryNode without a network, for tests of applications.
 *
 * ## Example
 * ```ts
 * import { MockNode } from 'glueberry/testing'
 *
 * const node = new MockNode()
 * await node.start()
 * const peer = MockNode.identity()
 * node.simulateConnect(peer.peerId)                       // an inbound connection
 * await node.completeHandshake(peer.peerId, peer.publicKey, ['chat'])
 * startMyService(node)                                    // code written against GlueberryNode
 * node.simulateMessage(peer.peerId, 'chat', new TextEncoder().encode('hi'))
 * expect(node.sentTo(peer.peerId, 'chat')).toHaveLength(1)
 * await node.stop()
 * ```
 */
export class MockNode extends NodeBase implements GlueberryNode {
  readonly peerId: string
  readonly events$: Observable<ConnectionEvent>
  readonly messages$: Observable<IncomingMessage>
  readonly stats$: Observable<NodeStats>
  readonly peers$: Observable<readonly PeerEntry[]>
  readonly decryptionErrors$: Observable<DecryptionFailure>
  readonly errors$: Observable<GlueberryError>
  /** Hot: every message the application sent, when it sent it. Completes on stop. */
  readonly sent$: Observable<SentMessage>

  protected readonly config: ResolvedConfig
  private readonly identity: MockIdentity
  private readonly listenAddrs: readonly string[]
  private readonly now: () => number
  private readonly autoConnect: boolean
  protected readonly book: MockAddressBook
  protected readonly connections: SimulatedConnections
  protected readonly stats: StatsTracker
  private readonly messages = new Subject<IncomingMessage>()
  private readonly decryptionErrors = new Subject<DecryptionFailure>()
  private readonly errors = new Subject<GlueberryError>()
  private readonly sentSubject = new Subject<SentMessage>()
  private readonly statsChanged = new BehaviorSubject<number>(0)
  /** Emits once, at the end of stop(). */
  private readonly stopped = new Subject<void>()
  private readonly prepared = new Map<string, Set<string>>()
  /**
   * Names prepared in an earlier session of a peer, kept while the peer may
   * come back (as the real node's outboxes): send() accepts on them while
   * the peer is reconnecting. Dropped when it is Disconnected for good,
   * removed, blacklisted, or on stop.
   */
  private readonly retained = new Map<string, Set<string>>()
  private readonly sources = new Map<string, Source>()
  private readonly sentLog: SentMessage[] = []
  private readonly handshakeLog: HandshakeCall[] = []
  private readonly failures: InjectedFailure[] = []
  private readonly loadProblems: GlueberryError[] = []
  /** Scripted dial failures per peer, consumed one per dial (undefined: the default error). */
  private readonly dialFailures = new Map<string, Array<GlueberryError | undefined>>()
  /** Peers whose every dial fails, with the error to use. */
  private readonly unreachable = new Map<string, GlueberryError | undefined>()
  private detachHandshake?: () => void
  private stopping?: Promise<void>

  /**
   * A test identity: a real Ed25519 key pair and its peer id, from `seed`
   * (32 bytes) or random. Use it for the remote peers of a test: their public
   * keys pass `prepareStreams`' check against the peer id.
   */
  static identity (seed?: Uint8Array): MockIdentity {
    return mockIdentity(seed)
  }

  /**
   * @throws {GlueberryError} `InvalidConfig` for an option the real node
   * would refuse (same messages), or for a bad mock-only option;
   * `InvalidKey` for a seed that is not 32 bytes.
   */
  constructor (options: MockNodeOptions = {}) {
    super()
    const { seed, multiaddrs, scheduler = asyncScheduler, now, autoConnect = true, dialDelay = 0, random = Math.random, ...nodeOptions } = options
    this.config = resolveConfig(nodeOptions)
    if (typeof dialDelay !== 'number' || !Number.isFinite(dialDelay) || dialDelay < 0) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `dialDelay must be a non-negative number of ms, got ${String(dialDelay)}`)
    }
    if (typeof random !== 'function') throw new GlueberryError(ErrorCode.InvalidConfig, 'random must be a function')
    if (now !== undefined && typeof now !== 'function') throw new GlueberryError(ErrorCode.InvalidConfig, 'now must be a function')
    if (typeof scheduler?.schedule !== 'function' || typeof scheduler.now !== 'function') {
      throw new GlueberryError(ErrorCode.InvalidConfig, 'scheduler must be an RxJS SchedulerLike')
    }
    if (multiaddrs !== undefined && (!Array.isArray(multiaddrs) || multiaddrs.some(a => typeof a !== 'string' || a.length === 0))) {
      throw new GlueberryError(ErrorCode.InvalidConfig, 'multiaddrs must be an array of multiaddr strings')
    }
    this.identity = mockIdentity(seed)
    this.peerId = this.identity.peerId
    this.listenAddrs = Object.freeze([...(multiaddrs ?? [`/ip4/127.0.0.1/tcp/4001/p2p/${this.peerId}`])])
    this.now = now ?? (() => scheduler.now())
    this.autoConnect = autoConnect
    this.stats = new StatsTracker(this.now)
    this.book = new MockAddressBook(this.config.maxMetadataSize, this.now)
    const { logger, metrics } = this.config
    this.connections = new SimulatedConnections({
      scheduler,
      now: this.now,
      policy: this.config.reconnect,
      handshakeTimeout: this.config.handshakeTimeout,
      cooldown: this.config.cooldown,
      dialDelay,
      random,
      logger,
      metrics,
      isReconnectable: (peer) => this.statusValue === 'started' && this.dialable(peer),
      isBlacklisted: (peer) => this.book.isBlacklisted(peer),
      takeDialFailure: (peer) => this.takeDialFailure(peer),
      releasePeer: (peer) => { this.release(peer) },
      onCommit: (event, seconds) => { this.committed(event, seconds) }
    })
    this.events$ = this.connections.events$
    this.messages$ = this.messages.asObservable()
    this.decryptionErrors$ = this.decryptionErrors.asObservable()
    // Problems "found when the book was loaded" (simulated before start) are
    // replayed to every subscriber, as createNode() replays its load problems.
    this.errors$ = merge(defer(() => from([...this.loadProblems])), this.errors)
    this.sent$ = this.sentSubject.asObservable()
    this.peers$ = this.book.peers$
    // The real node's throttleTime, except that stop() ends the window at
    // once: the pending trailing snapshot is delivered and stats$ completes
    // during stop(), not up to 250 ms later.
    this.stats$ = this.statsChanged.pipe(
      throttle(() => merge(timer(STATS_THROTTLE_MS, scheduler), this.stopped), { leading: true, trailing: true }),
      map(() => this.stats.totals(this.countEstablished()))
    )
  }

  // ------------------------------------------------------------ GlueberryNode

  get publicKey (): Uint8Array {
    return this.identity.publicKey.slice()
  }

  get multiaddrs (): string[] {
    return this.statusValue === 'started' ? [...this.listenAddrs] : []
  }

  async start (): Promise<void> {
    this.injected('start')
    if (this.statusValue === 'started' || this.statusValue === 'starting') {
      throw new GlueberryError(ErrorCode.NodeAlreadyStarted, 'node is already started')
    }
    if (this.statusValue !== 'created') throw new GlueberryError(ErrorCode.NodeStopped, 'a stopped node cannot be restarted: create a new one')
    this.statusValue = 'started'
    this.config.logger.info('node started', { peer_id: this.peerId, listen_addrs: this.multiaddrs })
    if (this.config.handshake !== undefined) this.detachHandshake = this.config.handshake.attach(this)
    if (!this.autoConnect) return
    for (const entry of this.book.list()) {
      if (this.dialable(entry.peerId)) this.connections.autoConnect(entry.peerId)
    }
  }

  /** Idempotent; valid in every state. Completes every Observable. The node cannot be started again. */
  async stop (): Promise<void> {
    this.stopping ??= this.shutdown()
    await this.stopping
  }

  async addPeer (peerId: string, multiaddrs: string[], metadata?: Record<string, string>): Promise<void> {
    this.injected('addPeer', peerId)
    this.assertUsable()
    const entry = this.book.add(peerId, multiaddrs, metadata)
    this.config.logger.info('peer added', { peer_id: entry.peerId })
    if (this.statusValue === 'started' && this.autoConnect && this.dialable(entry.peerId)) this.connections.autoConnect(entry.peerId)
  }

  async removePeer (peerId: string): Promise<void> {
    this.injected('removePeer', peerId)
    this.assertUsable()
    this.book.remove(peerId)
  }

  async connect (peerId: string, options: AbortOptions = {}): Promise<void> {
    this.injected('connect', peerId)
    this.assertStarted()
    checkPeerId(peerId)
    if (peerId === this.peerId) throw new GlueberryError(ErrorCode.InvalidPeerId, 'cannot connect to self', { peer: peerId })
    if (this.book.isBlacklisted(peerId)) throw new GlueberryError(ErrorCode.PeerBlacklisted, `peer ${peerId} is blacklisted`, { peer: peerId })
    if (!this.book.has(peerId) && !this.connections.isConnected(peerId)) {
      throw new GlueberryError(ErrorCode.PeerNotFound, `peer ${peerId} is not in the address book: addPeer() first`, { peer: peerId })
    }
    await this.connections.connect(peerId, options.signal)
  }

  async disconnect (peerId: string, options: AbortOptions = {}): Promise<void> {
    this.injected('disconnect', peerId)
    this.assertStarted()
    checkPeerId(peerId)
    if (options.signal?.aborted === true) throw abortError(options.signal, 'disconnect', { peer: peerId })
    this.connections.dispatch(peerId, { type: 'disconnect' })
  }

  cancelReconnection (peerId: string): void {
    this.injected('cancelReconnection', peerId)
    this.assertStarted()
    this.connections.dispatch(peerId, { type: 'cancelReconnection' })
  }

  /** As the node: Cooldown then a redial, or no redial after a VersionMismatch or with `redial: false` (reported on errors$). */
  failHandshake (peerId: string, reason: GlueberryError, options: FailHandshakeOptions = {}): void {
    this.assertStarted()
    checkPeerId(peerId)
    const halt = options.redial === undefined ? reason.code === ErrorCode.VersionMismatch : !options.redial
    if (halt) this.errors.next(reason.peer === undefined ? new GlueberryError(reason.code, reason.message, { peer: peerId, cause: reason }) : reason)
    this.connections.dispatch(peerId, { type: 'handshakeFailed', error: reason, halt })
  }

  async send (peerId: string, stream: string, data: Uint8Array, options: SendOptions = {}): Promise<void> {
    this.injected('send', peerId)
    const { signal } = options
    this.checkSend(peerId, stream, data, signal)
    // The stream layer's checks, in its order: every send needs a connection, an encrypted name phase 1.
    // As the real node: a known peer being reconnected keeps accepting on
    // names prepared before (its messages wait for the next session).
    const waitsForPeer = stream !== HANDSHAKE_STREAM && this.prepared.get(peerId)?.has(stream) !== true &&
      this.retained.get(peerId)?.has(stream) === true && this.book.has(peerId) && !this.book.isBlacklisted(peerId) &&
      this.connections.state(peerId) !== ConnectionState.Disconnected
    if (!waitsForPeer && !this.connections.isConnected(peerId)) {
      // As the real node: a typo'd id must not look retriable.
      checkPeerId(peerId)
      throw new GlueberryError(ErrorCode.NotConnected, `not connected to peer ${peerId}`, { peer: peerId, stream })
    }
    if (!waitsForPeer && stream !== HANDSHAKE_STREAM && this.prepared.get(peerId)?.has(stream) !== true) {
      throw new GlueberryError(ErrorCode.StreamNotPrepared,
        `stream '${stream}' is not prepared for peer ${peerId}: call prepareStreams first`, { peer: peerId, stream })
    }
    // The mock's peer acknowledges at once: `awaitDelivery` resolves as soon
    // as the message is recorded. A test plays a loss with
    // simulateError(new UndeliveredError({...})).
    const message: SentMessage = Object.freeze({ peerId, stream, data: data.slice(), sentAt: this.now() })
    this.sentLog.push(message)
    this.stats.sent(peerId, stream, data.byteLength)
    this.stats.delivery(peerId, stream, 'acked', 1)
    this.config.metrics.messageSent(stream, data.byteLength)
    this.statsChanged.next(this.stats.revision)
    this.sentSubject.next(message)
  }

  async prepareStreams (peerId: string, publicKey: Uint8Array, streams: readonly string[], options: AbortOptions = {}): Promise<void> {
    const call = {
      method: 'prepareStreams' as const,
      peerId,
      publicKey: publicKey instanceof Uint8Array ? publicKey.slice() : new Uint8Array(0),
      // `as unknown`: test the runtime value (JS callers) without narrowing `streams` to any[].
      streams: Object.freeze(Array.isArray(streams as unknown) ? [...streams] : []),
      at: this.now()
    }
    this.recorded(call, () => {
      this.injected('prepareStreams', peerId)
      this.checkPrepare(peerId, streams, options.signal)
      // The real node's key checks: bound to the peer id, a valid point, not of small order.
      assertPublicKeyMatchesPeerId(publicKey, peerId)
      x25519PublicFromEd25519(publicKey)
      this.config.metrics.keyDerivation()
      let names = this.prepared.get(peerId)
      if (names === undefined) {
        names = new Set()
        this.prepared.set(peerId, names)
      }
      for (const name of streams) names.add(name)
      let kept = this.retained.get(peerId)
      if (kept === undefined) {
        kept = new Set()
        this.retained.set(peerId, kept)
      }
      for (const name of streams) kept.add(name)
      this.config.logger.debug('streams prepared', { peer_id: peerId, streams: [...streams] })
      this.book.setPublicKey(peerId, publicKey)
      // Messages held until phase 1 flow now, in arrival order.
      for (const name of streams) {
        const source = this.sources.get(sourceKey(peerId, name))
        if (source !== undefined) this.pump(source)
      }
    })
  }

  async finalizeHandshake (peerId: string, options: AbortOptions = {}): Promise<void> {
    this.recorded({ method: 'finalizeHandshake', peerId, at: this.now() }, () => {
      this.injected('finalizeHandshake', peerId)
      this.assertStarted()
      if (options.signal?.aborted === true) throw abortError(options.signal, 'finalizeHandshake', { peer: peerId })
      checkPeerId(peerId)
      const state = this.connections.state(peerId)
      if (state === ConnectionState.Established) return
      if (this.prepared.get(peerId) === undefined) {
        throw new GlueberryError(ErrorCode.HandshakeFailed, `finalizeHandshake before prepareStreams for ${peerId}`, { peer: peerId })
      }
      if (state === ConnectionState.Cooldown) {
        throw new GlueberryError(ErrorCode.HandshakeTimeout, `handshake with ${peerId} already timed out`, { peer: peerId })
      }
      if (state !== ConnectionState.Connected) {
        throw new GlueberryError(ErrorCode.NotConnected, `peer ${peerId} is ${state}, not Connected`, { peer: peerId })
      }
      this.connections.dispatch(peerId, { type: 'handshakeFinalized' })
      this.config.logger.info('handshake complete', { peer_id: peerId })
    })
  }

  async completeHandshake (peerId: string, publicKey: Uint8Array, streams: readonly string[], options: AbortOptions = {}): Promise<void> {
    this.injected('completeHandshake', peerId)
    await this.prepareStreams(peerId, publicKey, streams, options)
    await this.finalizeHandshake(peerId, options)
  }

  async blacklist (peerId: string, reason?: string): Promise<void> {
    this.injected('blacklist', peerId)
    this.assertUsable()
    checkPeerId(peerId)
    try {
      this.book.blacklist(peerId, reason)
      this.config.logger.warn('peer blacklisted', { peer_id: peerId })
    } finally {
      // As the real node: even a ban that could not be stored (a quarantined
      // book) takes the peer down now; invalid arguments throw before this.
      if (this.statusValue === 'started' && this.connections.peers().includes(peerId)) {
        this.connections.dispatch(peerId, { type: 'blacklisted' })
      }
    }
  }

  async unblacklist (peerId: string): Promise<void> {
    this.injected('unblacklist', peerId)
    this.assertUsable()
    this.book.unblacklist(peerId)
  }

  protected reportSource (): ReportSource {
    return {
      peerId: this.peerId,
      publicKey: this.identity.publicKey,
      multiaddrs: this.multiaddrs,
      version: this.version,
      status: this.statusValue,
      config: this.config,
      now: this.now(),
      openConnections: this.connectedPeers().length,
      book: this.book,
      connections: this.connections,
      streams: (peer) => this.describeStreams(peer),
      peerStats: (peer) => this.stats.snapshot(peer),
      totals: this.stats.totals(this.countEstablished())
    }
  }

  // ------------------------------------------------------------ the remote side

  /**
   * The remote peer dialled us (or, with `outbound: true`, a connection we did
   * not ask for came up): the peer goes to Connected and its handshake timer
   * starts, as on the real node.
   *
   * @throws {GlueberryError} the refusal the real node would apply:
   * `PeerBlacklisted` (its connection gater), `PeerNotFound` (an inbound
   * peer that is not in the address book, with `inbound: 'known'`, the
   * default; also reported on `errors$`, as the real node does), `InCooldown`;
   * `InvalidPeerId`; `NodeNotStarted`/`NodeStopped`.
   */
  simulateConnect (peerId: string, options: { outbound?: boolean } = {}): void {
    this.assertStarted()
    checkPeerId(peerId)
    if (peerId === this.peerId) throw new GlueberryError(ErrorCode.InvalidPeerId, 'a node cannot connect to itself', { peer: peerId })
    if (this.book.isBlacklisted(peerId)) {
      throw new GlueberryError(ErrorCode.PeerBlacklisted, `connection from ${peerId} refused: the peer is blacklisted`, { peer: peerId })
    }
    if (options.outbound !== true && this.config.inbound === 'known' && !this.book.has(peerId)) {
      const refused = new GlueberryError(ErrorCode.PeerNotFound,
        `inbound connection from ${peerId} refused: the peer is not in the address book (inbound: 'known')`, { peer: peerId })
      this.errors.next(refused)
      throw refused
    }
    this.connections.dispatch(peerId, { type: 'inboundConnected', outbound: options.outbound ?? false })
  }

  /**
   * The connection to the peer was lost (remote close, crash, network
   * failure): Disconnected with `error` (default ConnectionFailed), then
   * reconnection if the peer is in the address book. No-op when there is no
   * connection.
   */
  simulateDisconnect (peerId: string, error?: GlueberryError): void {
    this.assertStarted()
    checkPeerId(peerId)
    this.connections.dispatch(peerId, error === undefined ? { type: 'connectionLost' } : { type: 'connectionLost', error })
  }

  /**
   * A message from the peer on `stream`, as the real node would deliver it:
   * with `receivedAt = now()` and a flow handle (`flowOf(message)`).
   *
   * - A message on an encrypted stream the node has not prepared for that
   *   peer is held and delivered by `prepareStreams`, in order (the real node
   *   holds the remote's stream until phase 1; its per-peer limit on held
   *   streams is not simulated).
   * - While the message source is paused (`flowOf(m).pause()`), messages
   *   queue and flow again on `resume()`.
   * - Held and queued messages are dropped silently when the peer's session
   *   ends (Disconnected, Cooldown): the real node resets those streams.
   * - A message above `maxMessageSize` is not delivered: it is reported on
   *   `errors$` (FrameTooLarge on the handshake stream, MalformedRecord on an
   *   encrypted one), as the real receiver reports the stream it resets.
   *
   * @returns true when the message is delivered now, false when it is held,
   * queued or refused.
   * @throws {GlueberryError} `InvalidStreamName`, `MalformedRecord` (data not
   * a Uint8Array), `NotConnected` (a message needs a connection),
   * `NodeNotStarted`/`NodeStopped`.
   */
  simulateMessage (peerId: string, stream: string, data: Uint8Array): boolean {
    this.assertStarted()
    validateSendStreamName(stream, this.config.maxStreamNameLength)
    if (!(data instanceof Uint8Array)) throw new GlueberryError(ErrorCode.MalformedRecord, 'data must be a Uint8Array', { peer: peerId, stream })
    this.assertConnected(peerId, stream)
    if (data.byteLength > this.config.maxMessageSize) {
      const limit = this.config.maxMessageSize
      this.errors.next(stream === HANDSHAKE_STREAM
        ? new GlueberryError(ErrorCode.FrameTooLarge, `frame declares ${data.byteLength} bytes, above the ${limit}-byte limit`, { peer: peerId, stream })
        : new GlueberryError(ErrorCode.MalformedRecord, `record message declares ${data.byteLength} bytes, above the ${limit}-byte limit`, { peer: peerId, stream }))
      return false
    }
    const source = this.source(peerId, stream)
    const ready = this.deliverable(source)
    source.queue.push(createMessage(peerId, stream, data.slice(), this.now(), source.handle))
    this.pump(source)
    return ready
  }

  /**
   * A record from the peer on `stream` failed to authenticate: reported on
   * `decryptionErrors$`, counted in `stats$` and metrics, logged. The stream
   * goes on (the real node's default 'drop' policy; 'reset' is not simulated).
   *
   * @throws {GlueberryError} `InvalidStreamName` (also for 'handshake', which
   * is not encrypted), `NotConnected`, `NodeNotStarted`/`NodeStopped`.
   */
  simulateDecryptionError (peerId: string, stream: string, error?: GlueberryError): void {
    this.assertStarted()
    validatePreparedStreamName(stream, this.config.maxStreamNameLength)
    this.assertConnected(peerId, stream)
    const source = this.source(peerId, stream)
    source.decryptionFailures++
    const failure: DecryptionFailure = {
      peerId,
      stream,
      error: error ?? new GlueberryError(ErrorCode.DecryptionFailed, 'record failed to authenticate', { peer: peerId, stream }),
      count: source.decryptionFailures,
      at: this.now()
    }
    this.config.metrics.decryptionError()
    this.stats.decryptionError()
    this.statsChanged.next(this.stats.revision)
    this.config.logger.warn('decryption failed', { peer_id: peerId, stream, count: failure.count })
    this.decryptionErrors.next(failure)
  }

  /** Emits a non-fatal failure on `errors$`, as the node does for what no call can return. */
  simulateError (error: GlueberryError): void {
    this.assertStarted()
    this.errors.next(error)
  }

  /**
   * The stored address book turns out to be corrupt, as a JSON file storage
   * finds it: the salvaged book stays readable, writes (`addPeer`,
   * `removePeer`, `blacklist`, `unblacklist`) fail with `AddressBookCorrupt`
   * until `acknowledgeAddressBookCorruption()`, `health()` reports it, and
   * the problem goes to `errors$`. Called before `start()` it stands for a
   * corrupt file found by `createNode()`: the problem is replayed to every
   * `errors$` subscriber; later it is a hot emission.
   *
   * @throws {GlueberryError} `NodeStopped` after stop.
   */
  simulateAddressBookCorruption (backupPath = 'addressbook.json.corrupt-0'): void {
    this.assertUsable()
    const problem = this.book.quarantine(backupPath)
    if (this.statusValue === 'created') this.loadProblems.push(problem)
    else this.errors.next(problem)
  }

  /**
   * Forces the peer into `state` and emits the event, with `previous` set to
   * the state it left. Bypasses the state machine: it can produce transitions
   * the real node never makes (Established -> Connecting, Connected ->
   * Connected), to test how an application copes. Pending timers of the peer
   * are cancelled and none are armed for the new state; entering Disconnected
   * or Cooldown ends the peer's session (prepared streams, held messages).
   */
  simulateEvent (peerId: string, state: ConnectionState, options: { error?: GlueberryError, outbound?: boolean } = {}): void {
    this.assertStarted()
    checkPeerId(peerId)
    if (!Object.values(ConnectionState).includes(state)) {
      throw new GlueberryError(ErrorCode.InvalidTransition, `not a connection state: ${String(state)}`, { peer: peerId })
    }
    this.connections.force(peerId, state, options)
  }

  /**
   * The next `times` dials to the peer fail with `error` (default
   * ConnectionFailed): the peer goes Connecting -> Disconnected, then backs
   * off and reconnects if it is in the address book, as on the real node.
   * `Infinity` makes the peer unreachable.
   */
  failDials (peerId: string, times = 1, error?: GlueberryError): void {
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `times must be a positive integer or Infinity, got ${String(times)}`)
    }
    if (times === Infinity) {
      this.unreachable.set(peerId, error)
      return
    }
    const list = this.dialFailures.get(peerId) ?? []
    for (let i = 0; i < times; i++) list.push(error)
    this.dialFailures.set(peerId, list)
  }

  /**
   * The next call(s) of `method` reject with `error` (an error, or a code to
   * build one from) before doing anything else: no checks, no effects. Calls
   * are matched in registration order; `peerId` narrows an injection to calls
   * about one peer.
   */
  failNext (method: MockFailableMethod, error: GlueberryError | ErrorCode, options: FailNextOptions = {}): void {
    const { times = 1, peerId } = options
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new GlueberryError(ErrorCode.InvalidConfig, `times must be a positive integer or Infinity, got ${String(times)}`)
    }
    const failure = isGlueberryError(error)
      ? error
      : new GlueberryError(error, `injected ${error} in ${method}()`, peerId === undefined ? {} : { peer: peerId })
    this.failures.push(peerId === undefined ? { method, error: failure, remaining: times } : { method, peerId, error: failure, remaining: times })
  }

  /** Forgets every injected call failure and scripted dial failure. */
  clearFailures (): void {
    this.failures.length = 0
    this.dialFailures.clear()
    this.unreachable.clear()
  }

  // ------------------------------------------------------------ what the application did

  /** Copies of every message sent so far, oldest first. */
  get sent (): readonly SentMessage[] {
    return [...this.sentLog]
  }

  /** The messages sent to `peerId`, on `stream` when given, oldest first. */
  sentTo (peerId: string, stream?: string): SentMessage[] {
    return this.sentLog.filter(m => m.peerId === peerId && (stream === undefined || m.stream === stream))
  }

  /** Forgets the recorded sends (statistics keep counting). */
  clearSent (): void {
    this.sentLog.length = 0
  }

  /** Every prepareStreams/finalizeHandshake call, in call order, with its error when it failed. */
  get handshakeCalls (): readonly HandshakeCall[] {
    return [...this.handshakeLog]
  }

  /** The stream names prepared for the peer in its current session (empty when none). */
  preparedStreams (peerId: string): string[] {
    return [...(this.prepared.get(peerId) ?? [])]
  }

  /** Peers with a connection (Connected or Established). */
  connectedPeers (): string[] {
    return this.connections.peers().filter(p => this.connections.isConnected(p))
  }

  /** True while the application holds the (peer, stream) message source paused through `flowOf(m).pause()`. */
  isPaused (peerId: string, stream: string): boolean {
    return (this.sources.get(sourceKey(peerId, stream))?.pauses ?? 0) > 0
  }

  // ------------------------------------------------------------ internals

  private takeDialFailure (peer: string): GlueberryError | undefined {
    const fallback = (): GlueberryError => new GlueberryError(ErrorCode.ConnectionFailed, `dial to ${peer} failed: simulated failure`, { peer })
    if (this.unreachable.has(peer)) return this.unreachable.get(peer) ?? fallback()
    const list = this.dialFailures.get(peer)
    if (list === undefined || list.length === 0) return undefined
    const error = list.shift()
    if (list.length === 0) this.dialFailures.delete(peer)
    return error ?? fallback()
  }

  private async shutdown (): Promise<void> {
    this.statusValue = 'stopping'
    this.config.logger.info('node stopping', { peer_id: this.peerId })
    this.detachHandshake?.()
    this.detachHandshake = undefined
    this.connections.stop()
    for (const peer of [...this.prepared.keys()]) this.release(peer)
    this.sources.clear()
    this.book.close()
    this.statusValue = 'stopped'
    this.messages.complete()
    this.decryptionErrors.complete()
    this.errors.complete()
    this.sentSubject.complete()
    this.statsChanged.complete()
    this.stopped.next()
    this.stopped.complete()
    this.config.logger.info('node stopped', { peer_id: this.peerId })
  }

  /** The node-side consequences of a committed transition, as the real node wires them. */
  private committed (event: ConnectionEvent, handshakeSeconds?: number): void {
    const { peerId, state, previous } = event
    const { metrics, logger } = this.config
    if (state === ConnectionState.Connected) {
      this.stats.connected(peerId, event.outbound)
      if (this.book.has(peerId)) this.book.touchLastSeen(peerId)
    } else if (state === ConnectionState.Established) {
      metrics.handshakeDuration(handshakeSeconds ?? 0)
      metrics.handshakeResult('success')
    } else if (state === ConnectionState.Disconnected && previous !== ConnectionState.Disconnected) {
      this.stats.disconnected(peerId)
    }
    if (state === ConnectionState.Cooldown) {
      metrics.handshakeResult('timeout')
      this.stats.failed(peerId)
    } else if (state === ConnectionState.Disconnected && previous === ConnectionState.Connecting && event.error !== undefined) {
      this.stats.failed(peerId)
    }
    logger.debug('connection state', { peer_id: peerId, state, previous })
    this.statsChanged.next(this.stats.revision)
    // Disconnected for good (no reconnection in the same step): forget the names.
    if (state === ConnectionState.Disconnected) {
      queueMicrotask(() => { if (this.connections.state(peerId) === ConnectionState.Disconnected) this.retained.delete(peerId) })
    }
  }

  /** The peer's session is over: its prepared streams and everything held for it go. */
  private release (peer: string): void {
    this.prepared.delete(peer)
    for (const [key, source] of this.sources) if (source.peerId === peer) this.sources.delete(key)
  }

  private source (peerId: string, stream: string): Source {
    const key = sourceKey(peerId, stream)
    let source = this.sources.get(key)
    if (source === undefined) {
      const created: Source = {
        peerId,
        stream,
        queue: [],
        pauses: 0,
        pumping: false,
        decryptionFailures: 0,
        // Ref-counted like the real handle. A handle of an ended session no
        // longer reaches anything: its source left the map.
        handle: Object.freeze({
          key,
          pause: () => { created.pauses++ },
          resume: () => {
            if (created.pauses === 0) return
            created.pauses--
            if (created.pauses === 0 && this.sources.get(key) === created) this.pump(created)
          }
        })
      }
      source = created
      this.sources.set(key, source)
    }
    return source
  }

  private deliverable (source: Source): boolean {
    if (source.pauses > 0 || this.sources.get(sourceKey(source.peerId, source.stream)) !== source) return false
    return source.stream === HANDSHAKE_STREAM || this.prepared.get(source.peerId)?.has(source.stream) === true
  }

  /** Delivers what the source holds while it may; re-entrant calls leave the work to the outer loop. */
  private pump (source: Source): void {
    if (source.pumping) return
    source.pumping = true
    try {
      while (source.queue.length > 0 && this.deliverable(source) && this.statusValue === 'started') {
        const message = source.queue.shift() as IncomingMessage
        this.stats.received(message.peerId, message.stream, message.data.byteLength)
        this.config.metrics.messageReceived(message.stream, message.data.byteLength)
        this.statsChanged.next(this.stats.revision)
        this.messages.next(message)
      }
    } finally {
      source.pumping = false
    }
  }

  private describeStreams (peer: string): { prepared: string[], outbound: Array<{ name: string, queued: number, blocked: boolean }>, inbound: number, held: number } | undefined {
    const names = this.prepared.get(peer)
    const sources = [...this.sources.values()].filter(s => s.peerId === peer)
    if (names === undefined && sources.length === 0) return undefined
    return {
      prepared: [...(names ?? [])],
      outbound: [],
      inbound: sources.length,
      held: sources.reduce((n, s) => n + s.queue.length, 0)
    }
  }

  /** Runs one handshake phase and records it, with its error when it fails. */
  private recorded (call: HandshakeCall, body: () => void): void {
    try {
      body()
      this.handshakeLog.push(Object.freeze(call))
    } catch (err) {
      const error = isGlueberryError(err) ? err : new GlueberryError(ErrorCode.HandshakeFailed, String(err), { peer: call.peerId, cause: err })
      this.handshakeLog.push(Object.freeze({ ...call, error }))
      throw error
    }
  }

  private injected (method: MockFailableMethod, peerId?: string): void {
    const index = this.failures.findIndex(f => f.method === method && (f.peerId === undefined || f.peerId === peerId))
    if (index < 0) return
    const failure = this.failures[index]
    failure.remaining--
    if (failure.remaining <= 0) this.failures.splice(index, 1)
    throw failure.error
  }

  private assertConnected (peerId: string, stream: string): void {
    if (!this.connections.isConnected(peerId)) {
      throw new GlueberryError(ErrorCode.NotConnected, `peer ${peerId} is not connected`, { peer: peerId, stream })
    }
  }

}

function sourceKey (peerId: string, stream: string): string {
  return `${peerId}/${stream}`
}
