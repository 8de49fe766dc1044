/**
 * health() and dumpState(), computed the same way for the real node and the
 * MockNode from a small read-only view of their parts. Nothing here sees key
 * material: the view has no access to it.
 *
 * @module
 */
import type { HealthCheck, HealthStatus, NodeDump, NodeStatus } from '../api.js'
import type { ResolvedConfig } from '../config.js'
import type { ConnectionState } from '../types.js'
import type { NodeStats, PeerStats } from '../stats/tracker.js'
import type { ProtocolVersion } from '../version.js'
import { formatVersion } from '../version.js'

export interface ReportSource {
  peerId: string
  publicKey: Uint8Array
  multiaddrs: readonly string[]
  version: ProtocolVersion
  status: NodeStatus
  config: ResolvedConfig
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
