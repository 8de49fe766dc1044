/**
 * What the stream layer needs from the crypto and wire cores, as small
 * interfaces: the channel code stays testable and knows nothing of key
 * schedules or nonces.
 *
 * @module
 */
import type { RecordSealer } from './frame-encoders.js'

/** Identity of the two ends of one stream, bound into its keys. */
export interface StreamContext {
  /** libp2p protocol id of the stream. */
  protocolId: string
  /** Remote peer id (string form). */
  peer: string
}

/** Opens one sealed record; throws DecryptionFailed and still consumes the record's counter. */
export interface RecordOpener {
  open (record: Uint8Array): Uint8Array
  destroy (): void
}

export interface OpenerHandshake {
  /** Our stream header, to send as the first frame. */
  header: Uint8Array
  /** Derives the keys from the responder's header; zeroes the ephemeral secret. */
  complete (responderHeader: Uint8Array): RecordSealer
  /** Zeroes the ephemeral secret without completing. */
  destroy (): void
}

export interface ResponderHandshake {
  header: Uint8Array
  opener: RecordOpener
}

/** Per-peer key material after phase 1 of the handshake. */
export interface PeerKeys {
  /** Starts the opener side of a new stream to this peer. */
  opener (ctx: StreamContext): OpenerHandshake
  /** Answers a stream this peer opened; throws InvalidHeader/UnsupportedVersion on a bad header. */
  responder (ctx: StreamContext, openerHeader: Uint8Array): ResponderHandshake
  /** Zeroes the static secrets. Later calls throw SessionClosed. */
  destroy (): void
  /** True once destroyed. */
  readonly destroyed: boolean
}
