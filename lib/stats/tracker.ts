/**
 * Per-peer and per-stream statistics. Every field is recorded (the Go
 * original declared ConnectedAt, TotalConnectTime, ConnectionCount and
 * FailureCount but never set them). Counting is a few additions on the hot
 * path; snapshots are copies.
 *
 * @module
 */

/** Counters of one stream with one peer. Times are ms since the epoch. */
export interface StreamStats {
  /** The stream name. */
  readonly name: string
  /** Messages accepted by `send()` on this stream. */
  readonly messagesSent: number
  /** Messages received on this stream. */
  readonly messagesReceived: number
  /** Payload bytes sent (without framing or encryption overhead). */
  readonly bytesSent: number
  /** Payload bytes received. */
  readonly bytesReceived: number
  /** When the last message was sent. */
  readonly lastSentAt?: number
  /** When the last message was received. */
  readonly lastReceivedAt?: number
  /** Messages the peer acknowledged (handshake stream: written to libp2p). */
  readonly messagesAcked: number
  /** Accepted messages neither acknowledged nor reported undelivered yet. */
  readonly messagesUnacked: number
  /** Messages transmitted again on a new stream after a reconnect or a reset. */
  readonly messagesResent: number
  /** Messages reported undelivered on errors$ (UndeliveredError). */
  readonly messagesUndelivered: number
  /** Received messages dropped because they had already been emitted. */
  readonly duplicatesDropped: number
}

/** Counters of one peer (`node.peerStats(peerId)`). Times are ms since the epoch. */
export interface PeerStats {
  /** The peer's id. */
  readonly peerId: string
  /** Whether the peer is connected now. */
  readonly connected: boolean
  /** Direction of the current (or last) connection: true when this node dialled. */
  readonly outbound: boolean
  /** When the current connection reached Connected (epoch ms). */
  readonly connectedAt?: number
  /** Milliseconds connected over all past and the current connection. */
  readonly totalConnectTime: number
  /** Messages accepted by `send()` for this peer, all streams. */
  readonly messagesSent: number
  /** Messages received from this peer, all streams. */
  readonly messagesReceived: number
  /** Payload bytes sent to this peer. */
  readonly bytesSent: number
  /** Payload bytes received from this peer. */
  readonly bytesReceived: number
  /** When the last message was sent to this peer. */
  readonly lastSentAt?: number
  /** When the last message was received from this peer. */
  readonly lastReceivedAt?: number
  /** When the last message either way was sent or received. */
  readonly lastMessageAt?: number
  /** Connections that reached Connected. */
  readonly connectionCount: number
  /** Dials that failed and handshakes that timed out. */
  readonly failureCount: number
  /** Messages the peer acknowledged, all streams. */
  readonly messagesAcked: number
  /** Accepted messages neither acknowledged nor reported undelivered yet, all streams. */
  readonly messagesUnacked: number
  /** Messages transmitted again after a reconnect or a reset, all streams. */
  readonly messagesResent: number
  /** Messages reported undelivered on errors$, all streams. */
  readonly messagesUndelivered: number
  /** Received duplicates dropped, all streams. */
  readonly duplicatesDropped: number
  /** Per-stream counters, by stream name. */
  readonly streams: Readonly<Record<string, StreamStats>>
}

/** Node-wide totals (`node.stats$`). */
export interface NodeStats {
  /** Peers the node keeps statistics for (every peer it connected to, failed to reach or exchanged messages with). */
  readonly peers: number
  /** Peers connected now (Connected or Established). */
  readonly connected: number
  /** Peers Established now. */
  readonly established: number
  /** Messages accepted by `send()`, all peers. */
  readonly messagesSent: number
  /** Messages received, all peers. */
  readonly messagesReceived: number
  /** Payload bytes sent, all peers. */
  readonly bytesSent: number
  /** Payload bytes received, all peers. */
  readonly bytesReceived: number
  /** Records that failed to authenticate, all peers. */
  readonly decryptionErrors: number
  /** When the totals were taken, in ms since the epoch. */
  readonly at: number
}

interface MutableStream {
  messagesSent: number
  messagesReceived: number
  bytesSent: number
  bytesReceived: number
  lastSentAt?: number
  lastReceivedAt?: number
  messagesAcked: number
  messagesResent: number
  messagesUndelivered: number
  duplicatesDropped: number
}

/** Delivery events counted per (peer, stream). */
export type DeliveryCounter = 'acked' | 'resent' | 'undelivered' | 'duplicate'

interface MutablePeer extends MutableStream {
  connected: boolean
  outbound: boolean
  connectedAt?: number
  totalConnectTime: number
  connectionCount: number
  failureCount: number
  streams: Map<string, MutableStream>
}

function emptyStream (): MutableStream {
  return { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0, messagesAcked: 0, messagesResent: 0, messagesUndelivered: 0, duplicatesDropped: 0 }
}

function unacked (s: MutableStream): number {
  return Math.max(0, s.messagesSent - s.messagesAcked - s.messagesUndelivered)
}

export class StatsTracker {
  private readonly peers = new Map<string, MutablePeer>()
  private decryptionErrors = 0
  private version = 0

  constructor (private readonly now: () => number = Date.now) {}

  /** Increments on every change; lets `stats$` skip identical snapshots. */
  get revision (): number {
    return this.version
  }

  sent (peer: string, stream: string, bytes: number): void {
    const at = this.now()
    const p = this.peer(peer)
    const s = this.stream(p, stream)
    p.messagesSent++; p.bytesSent += bytes; p.lastSentAt = at
    s.messagesSent++; s.bytesSent += bytes; s.lastSentAt = at
    this.version++
  }

  received (peer: string, stream: string, bytes: number): void {
    const at = this.now()
    const p = this.peer(peer)
    const s = this.stream(p, stream)
    p.messagesReceived++; p.bytesReceived += bytes; p.lastReceivedAt = at
    s.messagesReceived++; s.bytesReceived += bytes; s.lastReceivedAt = at
    this.version++
  }

  /** Counts acknowledgements, resends, undelivered reports and dropped duplicates. */
  delivery (peer: string, stream: string, event: DeliveryCounter, count: number): void {
    const p = this.peer(peer)
    const s = this.stream(p, stream)
    switch (event) {
      case 'acked': p.messagesAcked += count; s.messagesAcked += count; break
      case 'resent': p.messagesResent += count; s.messagesResent += count; break
      case 'undelivered': p.messagesUndelivered += count; s.messagesUndelivered += count; break
      case 'duplicate': p.duplicatesDropped += count; s.duplicatesDropped += count; break
    }
    this.version++
  }

  connected (peer: string, outbound: boolean): void {
    const p = this.peer(peer)
    if (p.connected) return
    p.connected = true
    p.outbound = outbound
    p.connectedAt = this.now()
    p.connectionCount++
    this.version++
  }

  disconnected (peer: string): void {
    const p = this.peers.get(peer)
    if (p === undefined || !p.connected) return
    p.connected = false
    if (p.connectedAt !== undefined) p.totalConnectTime += this.now() - p.connectedAt
    p.connectedAt = undefined
    this.version++
  }

  failed (peer: string): void {
    this.peer(peer).failureCount++
    this.version++
  }

  decryptionError (): void {
    this.decryptionErrors++
    this.version++
  }

  forget (peer: string): void {
    if (this.peers.delete(peer)) this.version++
  }

  snapshot (peer: string): PeerStats | undefined {
    const p = this.peers.get(peer)
    if (p === undefined) return undefined
    const now = this.now()
    const streams: Record<string, StreamStats> = {}
    for (const [name, s] of p.streams) streams[name] = { name, ...s, messagesUnacked: unacked(s) }
    const last = Math.max(p.lastSentAt ?? -Infinity, p.lastReceivedAt ?? -Infinity)
    return {
      peerId: peer,
      connected: p.connected,
      outbound: p.outbound,
      ...(p.connectedAt === undefined ? {} : { connectedAt: p.connectedAt }),
      totalConnectTime: p.totalConnectTime + (p.connectedAt === undefined ? 0 : now - p.connectedAt),
      messagesSent: p.messagesSent,
      messagesReceived: p.messagesReceived,
      bytesSent: p.bytesSent,
      bytesReceived: p.bytesReceived,
      ...(p.lastSentAt === undefined ? {} : { lastSentAt: p.lastSentAt }),
      ...(p.lastReceivedAt === undefined ? {} : { lastReceivedAt: p.lastReceivedAt }),
      ...(Number.isFinite(last) ? { lastMessageAt: last } : {}),
      connectionCount: p.connectionCount,
      failureCount: p.failureCount,
      messagesAcked: p.messagesAcked,
      messagesUnacked: unacked(p),
      messagesResent: p.messagesResent,
      messagesUndelivered: p.messagesUndelivered,
      duplicatesDropped: p.duplicatesDropped,
      streams
    }
  }

  all (): PeerStats[] {
    return [...this.peers.keys()].map(peer => this.snapshot(peer) as PeerStats)
  }

  totals (established: number): NodeStats {
    let connected = 0
    let messagesSent = 0
    let messagesReceived = 0
    let bytesSent = 0
    let bytesReceived = 0
    for (const p of this.peers.values()) {
      if (p.connected) connected++
      messagesSent += p.messagesSent
      messagesReceived += p.messagesReceived
      bytesSent += p.bytesSent
      bytesReceived += p.bytesReceived
    }
    return {
      peers: this.peers.size,
      connected,
      established,
      messagesSent,
      messagesReceived,
      bytesSent,
      bytesReceived,
      decryptionErrors: this.decryptionErrors,
      at: this.now()
    }
  }

  private peer (peer: string): MutablePeer {
    let p = this.peers.get(peer)
    if (p === undefined) {
      p = { ...emptyStream(), connected: false, outbound: false, totalConnectTime: 0, connectionCount: 0, failureCount: 0, streams: new Map() }
      this.peers.set(peer, p)
    }
    return p
  }

  private stream (p: MutablePeer, name: string): MutableStream {
    let s = p.streams.get(name)
    if (s === undefined) {
      s = emptyStream()
      p.streams.set(name, s)
    }
    return s
  }
}
