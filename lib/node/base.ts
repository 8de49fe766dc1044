/**
 * The part of the node facade that the real node (lib/node.ts) and the
 * MockNode (lib/testing/mock-node.ts) share: the lifecycle status and its
 * guards, and the read-only queries answered from the connection records,
 * the address book and the statistics. One copy, so the test double cannot
 * drift from the node it stands for on any of them.
 *
 * @module
 */
import type { Observable } from 'rxjs'
import { peerIdFromString } from '@libp2p/peer-id'
import { ErrorCode, GlueberryError, abortError } from '../errors.js'
import { validatePreparedStreamName, validateSendStreamName } from '../streams/wire-adapter.js'
import type { HealthStatus, NodeDump, NodeStatus, ReportSource } from '../observability/report.js'
import { dumpOf, healthOf } from '../observability/report.js'
import type { PeerRecords } from '../connections/peer-records.js'
import type { PeerEntry } from '../peers/types.js'
import type { NodeStats, PeerStats } from '../stats/tracker.js'
import { ConnectionState } from '../types.js'
import { CURRENT_VERSION } from '../version.js'
import type { ProtocolVersion } from '../version.js'

/** What the shared queries read from the address book (the real one or the MockNode's). */
export interface BookQueries {
  get: (peerId: string) => PeerEntry | undefined
  list: () => PeerEntry[]
  isBlacklisted: (peerId: string) => boolean
  acknowledgeCorruption: () => void
}

/** What the shared queries read from the statistics. */
export interface StatsQueries {
  snapshot: (peerId: string) => PeerStats | undefined
  totals: (established: number) => NodeStats
}

/** The limits the argument checks apply. */
export interface Limits {
  maxMessageSize: number
  maxStreamNameLength: number
}

export abstract class NodeBase {
  readonly version: ProtocolVersion = CURRENT_VERSION
  protected statusValue: NodeStatus = 'created'
  protected abstract readonly connections: PeerRecords
  protected abstract readonly book: BookQueries
  protected abstract readonly stats: StatsQueries
  protected abstract readonly config: Limits
  /** The read-only view health() and dumpState() are computed from. */
  protected abstract reportSource (): ReportSource

  get status (): NodeStatus {
    return this.statusValue
  }

  state$ (peerId: string): Observable<ConnectionState> {
    return this.connections.state$(peerId)
  }

  state (peerId: string): ConnectionState {
    return this.connections.state(peerId)
  }

  getPeer (peerId: string): PeerEntry | undefined {
    return this.book.get(peerId)
  }

  listPeers (): PeerEntry[] {
    return this.book.list()
  }

  /** Lets the address book overwrite a corrupt file (its original stays in the backup). */
  acknowledgeAddressBookCorruption (): void {
    this.book.acknowledgeCorruption()
  }

  isBlacklisted (peerId: string): boolean {
    return this.book.isBlacklisted(peerId)
  }

  isOutbound (peerId: string): boolean {
    const outbound = this.connections.isOutbound(peerId)
    if (outbound === undefined) throw new GlueberryError(ErrorCode.NotConnected, `peer ${peerId} is not connected`, { peer: peerId })
    return outbound
  }

  peerStats (peerId: string): PeerStats | undefined {
    return this.stats.snapshot(peerId)
  }

  health (): HealthStatus {
    return healthOf(this.reportSource())
  }

  dumpState (): NodeDump {
    return dumpOf(this.reportSource())
  }

  /** send()'s argument checks, before any state of the peer is looked at. */
  protected checkSend (peerId: string, stream: string, data: Uint8Array, signal: AbortSignal | undefined): void {
    this.assertStarted()
    if (signal?.aborted === true) throw abortError(signal, 'send', { peer: peerId, stream })
    validateSendStreamName(stream, this.config.maxStreamNameLength)
    if (!(data instanceof Uint8Array)) {
      throw new GlueberryError(ErrorCode.MalformedRecord, 'data must be a Uint8Array', { peer: peerId, stream })
    }
    if (data.byteLength > this.config.maxMessageSize) {
      throw new GlueberryError(ErrorCode.MessageTooLarge,
        `message of ${data.byteLength} bytes exceeds maxMessageSize ${this.config.maxMessageSize}`, { peer: peerId, stream })
    }
  }

  /** prepareStreams()'s argument checks, before the key is looked at. */
  protected checkPrepare (peerId: string, streams: readonly string[], signal: AbortSignal | undefined): void {
    this.assertStarted()
    if (signal?.aborted === true) throw abortError(signal, 'prepareStreams', { peer: peerId })
    checkPeerId(peerId)
    if (!Array.isArray(streams) || streams.length === 0) {
      throw new GlueberryError(ErrorCode.InvalidStreamName, 'prepareStreams needs at least one stream name', { peer: peerId })
    }
    for (const name of streams) validatePreparedStreamName(name, this.config.maxStreamNameLength)
  }

  /** In the book, not blacklisted, with an address to dial: a peer added with none is accepted inbound only. */
  protected dialable (peer: string): boolean {
    const entry = this.book.get(peer)
    return entry !== undefined && entry.multiaddrs.length > 0 && !this.book.isBlacklisted(peer)
  }

  protected countEstablished (): number {
    let n = 0
    for (const peer of this.connections.peers()) if (this.connections.state(peer) === ConnectionState.Established) n++
    return n
  }

  protected assertStarted (): void {
    if (this.statusValue === 'started') return
    if (this.statusValue === 'stopping' || this.statusValue === 'stopped') throw new GlueberryError(ErrorCode.NodeStopped, 'node is stopped')
    throw new GlueberryError(ErrorCode.NodeNotStarted, 'node is not started: call start() first')
  }

  /** Address-book calls work before start (no auto-connect then), not after stop. */
  protected assertUsable (): void {
    if (this.statusValue === 'stopping' || this.statusValue === 'stopped') throw new GlueberryError(ErrorCode.NodeStopped, 'node is stopped')
  }
}

/** Throws InvalidPeerId unless `peerId` parses as a libp2p peer id. */
export function checkPeerId (peerId: string): void {
  try {
    peerIdFromString(peerId)
  } catch (err) {
    throw new GlueberryError(ErrorCode.InvalidPeerId, `not a peer id: ${JSON.stringify(String(peerId)).slice(0, 80)}`, { cause: err })
  }
}
