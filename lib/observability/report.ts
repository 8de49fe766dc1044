/**
 * health() and dumpState(), computed the same way for the real node and the
 * MockNode from a small read-only view of their parts. Nothing here sees key
 * material: the view has no access to it.
 *
 * The health and dump shapes are defined here, below the facade (api.ts
 * re-exports them), so observability never imports the facade.
 *
 * @module
 */
import type { ConnectionState } from '../types.js'
import type { NodeStats, PeerStats } from '../stats/tracker.js'
import type { ProtocolVersion } from '../version.js'
import { formatVersion } from '../version.js'

/** One check of `health()`. */
export interface HealthCheck {
  /** What was checked, e.g. `'started'`, `'listening'`, `'addressBook'`. */
  readonly name: string
  /** Whether the check passed. */
  readonly healthy: boolean
  /** Why it failed (or a detail when it passed), for humans. */
  readonly message?: string
}

/** The answer of `health()`: for liveness and readiness probes. */
export interface HealthStatus {
  /** True when every check passed. */
  readonly healthy: boolean
  /** Each check, in a fixed order. */
  readonly checks: readonly HealthCheck[]
  /** When the status was taken, in ms since the epoch. */
  readonly at: number
}

/** A JSON-serialisable view of the node. Never contains key material. */
export interface NodeDump {
  /** The node's peer id (`12D3KooW...`). */
  readonly peerId: string
  /** The node's Ed25519 public key, base64. */
  readonly publicKey: string
  /** The addresses the node listens on. */
  readonly multiaddrs: readonly string[]
  /** The wire protocol version, `major.minor.patch`. */
  readonly version: string
  /** The node's lifecycle status. */
  readonly status: NodeStatus
  /** Every peer the node knows: in the address book, connected or blacklisted. */
  readonly peers: ReadonlyArray<{
    /** The peer's id. */
    readonly peerId: string
    /** Its connection state. */
    readonly state: ConnectionState
    /** Direction of the current connection (true: we dialled); absent when not connected. */
    readonly outbound?: boolean
    /** Whether the peer is in the address book. */
    readonly inAddressBook: boolean
    /** Whether the peer is blacklisted. */
    readonly blacklisted: boolean
    /** The peer's streams and their queues (shape may change between versions: for humans). */
    readonly streams?: unknown
    /** The peer's statistics, when it has any. */
    readonly stats?: PeerStats
  }>
  /** Node-wide statistics. */
  readonly stats: NodeStats
  /** The resolved configuration, without functions or key material. */
  readonly config: Readonly<Record<string, unknown>>
  /** When the dump was taken, in ms since the epoch. */
  readonly at: number
}

/**
 * A node's lifecycle: `created` by createNode, `starting` and `started` by
 * `start()`, `stopping` and `stopped` by `stop()`. A stopped node cannot be
 * started again.
 */
export type NodeStatus = 'created' | 'starting' | 'started' | 'stopping' | 'stopped'

/** The configuration fields a dump shows: no functions, no key material. */
export interface DumpedConfig {
  handshakeTimeout: number
  cooldown: number
  reconnect: unknown
  maxMessageSize: number
  flow: unknown
  decryptionErrorPolicy: unknown
  crypto: unknown
}

export interface ReportSource {
  peerId: string
  publicKey: Uint8Array
  multiaddrs: readonly string[]
  version: ProtocolVersion
  status: NodeStatus
  config: DumpedConfig
  now: number
  /** Peers with an open (or simulated) libp2p connection. */
  openConnections: number
  /** The address book (the real one or the MockNode's): read only. */
  book: {
    readonly isClosed: boolean
    readonly quarantined: boolean
    list: () => ReadonlyArray<{ peerId: string }>
    has: (peer: string) => boolean
    isBlacklisted: (peer: string) => boolean
  }
  /** The connection manager (real or simulated): read only. */
  connections: {
    peers: () => readonly string[]
    state: (peer: string) => ConnectionState
    isOutbound: (peer: string) => boolean | undefined
  }
  streams: (peer: string) => unknown
  peerStats: (peer: string) => PeerStats | undefined
  totals: NodeStats
}

export function healthOf (s: ReportSource): HealthStatus {
  const started = s.status === 'started'
  const listening = s.multiaddrs.length > 0
  const checks: HealthCheck[] = [
    { name: 'node_started', healthy: started, message: `node is ${s.status}` },
    { name: 'listening', healthy: started && listening, message: listening ? 'listening' : 'no listen address' },
    {
      name: 'address_book',
      healthy: !s.book.isClosed && !s.book.quarantined,
      message: s.book.quarantined
        ? 'stored address book is corrupt: writes are refused until acknowledgeAddressBookCorruption() (the original is kept as a backup)'
        : `${s.book.list().length} peers`
    },
    { name: 'connections', healthy: true, message: `${s.openConnections} open connections` }
  ]
  return { healthy: checks.every(c => c.healthy), checks, at: s.now }
}

export function dumpOf (s: ReportSource): NodeDump {
  const { config, book, connections } = s
  const peers = new Set<string>([...connections.peers(), ...book.list().map(e => e.peerId)])
  return {
    peerId: s.peerId,
    publicKey: toHex(s.publicKey),
    multiaddrs: [...s.multiaddrs],
    version: formatVersion(s.version),
    status: s.status,
    peers: [...peers].map(peerId => {
      const outbound = connections.isOutbound(peerId)
      const streams = s.streams(peerId)
      const stats = s.peerStats(peerId)
      return {
        peerId,
        state: connections.state(peerId),
        ...(outbound === undefined ? {} : { outbound }),
        inAddressBook: book.has(peerId),
        blacklisted: book.isBlacklisted(peerId),
        ...(streams === undefined ? {} : { streams }),
        ...(stats === undefined ? {} : { stats })
      }
    }),
    stats: s.totals,
    config: {
      handshakeTimeout: config.handshakeTimeout,
      cooldown: config.cooldown,
      reconnect: config.reconnect,
      maxMessageSize: config.maxMessageSize,
      flow: config.flow,
      decryptionErrorPolicy: config.decryptionErrorPolicy,
      crypto: config.crypto
    },
    at: s.now
  }
}

function toHex (bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}
