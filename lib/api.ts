/**
 * The public shape of a node. The real node (createNode) and the MockNode
 * (glueberry/testing) both implement it; a compile-time check keeps them in
 * step, so application code written against `GlueberryNode` runs on either.
 *
 * @module
 */
import type { Observable } from 'rxjs'
import type { GlueberryError } from './errors.js'
import type { AbortOptions, ConnectionEvent, ConnectionState, IncomingMessage } from './types.js'
import type { ProtocolVersion } from './version.js'
import type { NodeStats, PeerStats } from './stats/tracker.js'
import type { PeerEntry } from './peers/index.js'
import type { DecryptionFailure } from './streams/stream-manager.js'
import type { HealthCheck, HealthStatus, NodeDump, NodeStatus } from './observability/report.js'

export type { DecryptionFailure }
export type { HealthCheck, HealthStatus, NodeDump, NodeStatus }

/** Options of {@link GlueberryNode.send}. `signal` turns the wait above the high watermark into a `BACKPRESSURE` error. */
export interface SendOptions extends AbortOptions {
  /**
   * Resolve only once the peer acknowledged the message (it was emitted on
   * its `messages$`), instead of once it is accepted. Rejects with an
   * `UndeliveredError` (code UNDELIVERED) if it never will be. On the
   * plaintext handshake stream, which has no acknowledgements, it resolves
   * once the message is written to the libp2p stream.
   */
  awaitDelivery?: boolean
}

/** Options of {@link GlueberryNode.failHandshake}. */
export interface FailHandshakeOptions {
  /** Redial the peer after the cooldown. Default: true, except for a VersionMismatch. */
  redial?: boolean
}

/**
 * A glueberry node: made by `createNode` (or `MockNode` from
 * `glueberry/testing`, which implements the same interface without sockets).
 *
 * Every Observable here completes when the node stops and never errors
 * because of one peer. Every failing call rejects (or throws) a
 * {@link GlueberryError} with a stable `code`.
 */
export interface GlueberryNode {
  /** The node's peer id (`12D3KooW...`), derived from its Ed25519 key. */
  readonly peerId: string
  /** The node's Ed25519 public key (32 bytes, a copy). */
  readonly publicKey: Uint8Array
  /** The addresses the node listens on, with their ports (empty before `start()`). */
  readonly multiaddrs: string[]
  /** The wire protocol version this node speaks (see {@link glueberry!CURRENT_VERSION}). */
  readonly version: ProtocolVersion
  /** Where the node is in its lifecycle. */
  readonly status: NodeStatus

  /** Hot: committed connection transitions in commit order. Completes on stop. */
  readonly events$: Observable<ConnectionEvent>
  /** Hot: every message from every peer and stream. Completes on stop. */
  readonly messages$: Observable<IncomingMessage>
  /** Replays the current totals, then emits on change (throttled). Completes on stop. */
  readonly stats$: Observable<NodeStats>
  /** Replays the address book, then emits on change. Completes on stop. */
  readonly peers$: Observable<readonly PeerEntry[]>
  /** Hot: records that failed to authenticate. Completes on stop. */
  readonly decryptionErrors$: Observable<DecryptionFailure>
  /**
   * Non-fatal failures that no call could return (lost queued messages, bad
   * frames, a corrupt address book). Hot, except that problems found while
   * loading the address book in createNode() are replayed to every subscriber.
   */
  readonly errors$: Observable<GlueberryError>
  /** Replays the peer's current state, then its changes. Completes on stop. */
  state$ (peerId: string): Observable<ConnectionState>
  /** The peer's current state (`Disconnected` for a peer the node never saw). */
  state (peerId: string): ConnectionState

  /**
   * Starts listening, registers the protocols, attaches the handshake
   * driver (if any) and connects to every peer of the address book that is
   * not blacklisted.
   *
   * @throws {GlueberryError} `NODE_ALREADY_STARTED`; `NODE_STOPPED` after
   *   `stop()`; `INVALID_CONFIG` when the listen addresses cannot be bound.
   */
  start (): Promise<void>
  /**
   * Writes out what `send()` accepted (bounded by `drainTimeout`), closes
   * every stream and connection, closes the address book and completes every
   * Observable. Idempotent; valid in every state. The node cannot be started
   * again.
   */
  stop (): Promise<void>

  /**
   * Adds a peer to the address book (or replaces its addresses, and its
   * metadata when given), persists it, and connects to it when the node is
   * started.
   *
   * @throws {GlueberryError} `INVALID_PEER_ID`, `INVALID_MULTIADDR`,
   *   `METADATA_TOO_LARGE`, `PEER_BLACKLISTED`, `STORAGE_FAILED`, `NODE_STOPPED`.
   */
  addPeer (peerId: string, multiaddrs: string[], metadata?: Record<string, string>): Promise<void>
  /**
   * Removes a peer from the address book (a ban stays). Does not disconnect it.
   *
   * @throws {GlueberryError} `INVALID_PEER_ID`, `PEER_NOT_FOUND`, `STORAGE_FAILED`, `NODE_STOPPED`.
   */
  removePeer (peerId: string): Promise<void>
  /** The peer's address-book entry (a copy), or undefined. */
  getPeer (peerId: string): PeerEntry | undefined
  /** Every address-book entry (copies). */
  listPeers (): PeerEntry[]

  /**
   * Connects to a peer of the address book now and resolves once connected
   * (`Connected`; the handshake then runs). Resolves at once if it already is.
   *
   * @throws {GlueberryError} `PEER_NOT_FOUND`, `PEER_BLACKLISTED`,
   *   `INVALID_PEER_ID` (also for the node's own id), `CONNECTION_FAILED`,
   *   `ABORTED`, `NODE_NOT_STARTED`.
   */
  connect (peerId: string, options?: AbortOptions): Promise<void>
  /**
   * Writes out what `send()` accepted for the peer (bounded by
   * `drainTimeout`), closes its streams and connection, and does not
   * reconnect until `connect()` (or a restart) asks again.
   *
   * @throws {GlueberryError} `INVALID_PEER_ID`, `ABORTED`, `NODE_NOT_STARTED`.
   */
  disconnect (peerId: string, options?: AbortOptions): Promise<void>
  /** Stops the reconnection attempts to a peer (it goes to `Disconnected`). */
  cancelReconnection (peerId: string): void

  /**
   * Accepts one message for (peer, stream): resolves once it has a place in
   * the stream's outbox (waiting at the high watermark), or, with
   * `awaitDelivery`, once the peer acknowledged it. Every accepted message is
   * delivered exactly once and in order, across reconnects, or reported on
   * `errors$` as an `UndeliveredError`.
   *
   * Messages sent in the same tick travel in one encrypted record. Above the
   * stream's high watermark (`flow`, counting unacknowledged messages) it
   * waits; `options.signal` turns that wait into a `BACKPRESSURE` error.
   *
   * @param stream A stream prepared in the handshake, or `'handshake'` (plaintext).
   * @throws {GlueberryError} `NOT_CONNECTED`, `STREAM_NOT_PREPARED`,
   *   `INVALID_STREAM_NAME`, `MESSAGE_TOO_LARGE`, `MALFORMED_RECORD` (data not
   *   a Uint8Array), `BACKPRESSURE`, `ABORTED`, `NODE_NOT_STARTED`, and with
   *   `awaitDelivery`, `UNDELIVERED`.
   */
  send (peerId: string, stream: string, data: Uint8Array, options?: SendOptions): Promise<void>

  /**
   * Phase 1 of the handshake: checks that `publicKey` is the key the peer id
   * embeds, derives the stream keys and gets ready to receive on `streams`.
   * Call it when the peer's handshake message arrived.
   *
   * @param publicKey The peer's 32-byte Ed25519 public key.
   * @param streams The encrypted stream names to use with this peer (at least one).
   * @throws {GlueberryError} `PUBLIC_KEY_MISMATCH`, `INVALID_KEY`,
   *   `INVALID_STREAM_NAME`, `INVALID_PEER_ID`, `ABORTED`, `NODE_NOT_STARTED`.
   */
  prepareStreams (peerId: string, publicKey: Uint8Array, streams: readonly string[], options?: AbortOptions): Promise<void>
  /**
   * Phase 2 of the handshake: the peer is `Established` and `send()` works
   * on the prepared streams. Resolves at once when already established.
   *
   * @throws {GlueberryError} `HANDSHAKE_FAILED` (before `prepareStreams`),
   *   `HANDSHAKE_TIMEOUT` (the peer is in cooldown), `NOT_CONNECTED`, `ABORTED`.
   */
  finalizeHandshake (peerId: string, options?: AbortOptions): Promise<void>
  /** `prepareStreams` then `finalizeHandshake`, for handshakes with a single message each way. */
  completeHandshake (peerId: string, publicKey: Uint8Array, streams: readonly string[], options?: AbortOptions): Promise<void>
  /**
   * Reports that the handshake with a Connected peer failed, so the node does
   * not wait for the handshake timeout: the connection is closed and the peer
   * goes to Cooldown, then is redialled. A `VersionMismatch`, or any reason
   * with `{ redial: false }` (the application refuses the peer, e.g. it is on
   * another chain), instead ends in Disconnected (`terminal: true`, also
   * reported on `errors$`) and the peer is not redialled until the
   * application calls `connect()` or `addPeer()`. A report that comes after
   * the session ended is ignored (a halt still cancels a pending redial).
   */
  failHandshake (peerId: string, reason: GlueberryError, options?: FailHandshakeOptions): void

  /** Lets a quarantined (corrupt) address book be written again; the original stays in its backup file. */
  acknowledgeAddressBookCorruption (): void

  /**
   * Bans a peer (in the address book or not): persisted, disconnected now,
   * refused by the connection gater from then on.
   *
   * @throws {GlueberryError} `INVALID_PEER_ID`, `METADATA_TOO_LARGE` (reason), `STORAGE_FAILED`, `NODE_STOPPED`.
   */
  blacklist (peerId: string, reason?: string): Promise<void>
  /** Lifts a ban (the node does not reconnect by itself: `connect()` does). */
  unblacklist (peerId: string): Promise<void>
  /** Whether the peer is banned. Never throws. */
  isBlacklisted (peerId: string): boolean
  /** Direction of the current connection; throws NotConnected when there is none. */
  isOutbound (peerId: string): boolean
  /** The peer's statistics, or undefined for a peer with none. */
  peerStats (peerId: string): PeerStats | undefined

  /** Checks for liveness and readiness probes. */
  health (): HealthStatus
  /** A JSON-serialisable view of the node for debugging; never holds key material. */
  dumpState (): NodeDump
}
