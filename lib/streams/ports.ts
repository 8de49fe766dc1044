/**
 * What the stream layer needs from the crypto and wire cores, as small
 * interfaces: the channel code stays testable and knows nothing of key
 * schedules or nonces.
 *
 * @module
 */
import type { RecordOpener, RecordSealer } from '../crypto/record-cipher.js'

export type { RecordOpener } from '../crypto/record-cipher.js'

/** Identity of the two ends of one stream, bound into its keys. */
export interface StreamContext {
  /** libp2p protocol id of the stream. */
  protocolId: string
  /** Remote peer id (string form). */
  peer: string
}

/** What a stream header says besides keys: who sent it and where its sequence stands. */
export interface StreamPosition {
  /** The sender's incarnation (8 random bytes per node process). */
  incarnation: Uint8Array
  /** Opener: first unacknowledged sequence number; responder: next one expected. */
  seq: number
  /** The largest message the sender of the header accepts. */
  maxMessageSize: number
}

export interface OpenedKeys {
  /** Seals what the opener writes (opener -> responder key). */
  sealer: RecordSealer
  /** Opens the responder's acknowledgements (responder -> opener key). */
  acks: RecordOpener
  /** The responder's incarnation and the next sequence number it expects. */
  remote: StreamPosition
}

export interface OpenerHandshake {
  /** Our stream header, to send as the first frame. */
  header: Uint8Array
  /** Derives the keys from the responder's header; zeroes the ephemeral secret. */
  complete (responderHeader: Uint8Array): OpenedKeys
  /** Zeroes the ephemeral secret without completing. */
  destroy (): void
}

export interface ResponderHandshake {
  header: Uint8Array
  /** Opens the opener's records. */
  opener: RecordOpener
  /** Seals our acknowledgements (responder -> opener key). */
  acks: RecordSealer
  /** The opener's incarnation and first sequence number. */
  remote: StreamPosition
}

/** Per-peer key material after phase 1 of the handshake. */
export interface PeerKeys {
  /** Starts the opener side of a new stream to this peer. */
  opener (ctx: StreamContext, local: StreamPosition): OpenerHandshake
  /**
   * Answers a stream this peer opened; throws InvalidHeader/UnsupportedVersion
   * on a bad header. `answer` turns the opener's position into ours (it may
   * throw to refuse the stream).
   */
  responder (ctx: StreamContext, openerHeader: Uint8Array, answer: (remote: StreamPosition) => StreamPosition): ResponderHandshake
  /** Zeroes the static secrets. Later calls throw SessionClosed. */
  destroy (): void
  /** True once destroyed. */
  readonly destroyed: boolean
}
