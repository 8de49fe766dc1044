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

export type { DecryptionFailure }

export interface HealthCheck {
  readonly name: string
  readonly healthy: boolean
  readonly message?: string
}

export interface HealthStatus {
  readonly healthy: boolean
  readonly checks: readonly HealthCheck[]
  readonly at: number
}

/** A JSON-serialisable view of the node. Never contains key material. */
export interface NodeDump {
  readonly peerId: string
  readonly publicKey: string
  readonly multiaddrs: readonly string[]
  readonly version: string
  readonly status: NodeStatus
  readonly peers: ReadonlyArray<{
    readonly peerId: string
    readonly state: ConnectionState
    readonly outbound?: boolean
    readonly inAddressBook: boolean
    readonly blacklisted: boolean
    readonly streams?: unknown
    readonly stats?: PeerStats
  }>
  readonly stats: NodeStats
  readonly config: Readonly<Record<string, unknown>>
  readonly at: number
}

export type NodeStatus = 'created' | 'starting' | 'started' | 'stopping' | 'stopped'

export interface SendOptions extends AbortOptions {}

export interface GlueberryNode {
  readonly peerId: string
  /** The node's Ed25519 public key (32 bytes, a copy). */
  readonly publicKey: Uint8Array
  readonly multiaddrs: string[]
  readonly version: ProtocolVersion
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
  state (peerId: string): ConnectionState

  start (): Promise<void>
  stop (): Promise<void>

  addPeer (peerId: string, multiaddrs: string[], metadata?: Record<string, string>): Promise<void>
  removePeer (peerId: string): Promise<void>
  getPeer (peerId: string): PeerEntry | undefined
  listPeers (): PeerEntry[]

  connect (peerId: string, options?: AbortOptions): Promise<void>
  disconnect (peerId: string, options?: AbortOptions): Promise<void>
  cancelReconnection (peerId: string): void

  send (peerId: string, stream: string, data: Uint8Array, options?: SendOptions): Promise<void>

  prepareStreams (peerId: string, publicKey: Uint8Array, streams: readonly string[], options?: AbortOptions): Promise<void>
  finalizeHandshake (peerId: string, options?: AbortOptions): Promise<void>
  completeHandshake (peerId: string, publicKey: Uint8Array, streams: readonly string[], options?: AbortOptions): Promise<void>
  /**
   * Reports that the handshake with a Connected peer failed, so the node does
   * not wait for the handshake timeout: the connection is closed and the peer
   * goes to Cooldown, then is redialled. A `VersionMismatch` instead ends in
   * Disconnected (`terminal: true`, also reported on `errors$`) and the peer
   * is not redialled until the application calls `connect()` or `addPeer()`.
   * A report that comes after the session ended is ignored.
   */
  failHandshake (peerId: string, reason: GlueberryError): void

  /** Lets a quarantined (corrupt) address book be written again; the original stays in its backup file. */
  acknowledgeAddressBookCorruption (): void

  blacklist (peerId: string, reason?: string): Promise<void>
  unblacklist (peerId: string): Promise<void>
  isBlacklisted (peerId: string): boolean
  /** Direction of the current connection; throws NotConnected when there is none. */
  isOutbound (peerId: string): boolean
  peerStats (peerId: string): PeerStats | undefined

  health (): HealthStatus
  dumpState (): NodeDump
}
