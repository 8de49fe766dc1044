/**
 * The fixed inputs of the docs/PROTOCOL.md test vectors. Seeds A and B are
 * those of the Go reference vectors (reference §3.6); the ephemeral keys,
 * salts and protocol id are those of test/crypto/key-schedule.test.ts, so the
 * document and that test pin the same key schedule output.
 */

/** `length` bytes counting up from `start` (mod 256). */
export function sequence (start: number, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff)
}

export const FIXED = Object.freeze({
  protocolId: '/glueberry/stream/blocks/2.0.0',
  /** Identity A (the opener): Ed25519 seed 00 01 .. 1f. */
  seedA: sequence(0, 32),
  /** Identity B (the responder): Ed25519 seed 20 21 .. 3f. */
  seedB: sequence(32, 32),
  openerEphemeralPrivate: sequence(0x40, 32),
  responderEphemeralPrivate: sequence(0x60, 32),
  openerSalt: sequence(0xa0, 32),
  responderSalt: sequence(0xc0, 32),
  /** The messages of record 0 (and, again, of records 1 and 2^20). */
  messages: Object.freeze(['hello', '', 'world']),
  handshakeMessage: 'hello',
  /** The incarnations (random per node process) in the two stream headers. */
  openerIncarnation: sequence(0xe0, 8),
  responderIncarnation: sequence(0xe8, 8),
  /** The opener's first unacknowledged sequence number, and the responder's next expected one. */
  openerSeq: 5,
  responderSeq: 7,
  /** The receive limits (maxMessageSize) the two headers announce. */
  openerMaxMessageSize: 1048576,
  responderMaxMessageSize: 65536,
  /** The acknowledgement of the vectors: every message below 12 was emitted. */
  ackNext: 12,
  /** The stream names A's standard handshake request announces (section 4.1). */
  standardStreams: Object.freeze(['blocks'])
})

/** Lengths whose varint encoding the document shows. */
export const VARINT_SAMPLES: readonly number[] = [0, 1, 127, 128, 300, 16383, 16384, 65536, 1048595, 2 ** 32 - 1]
