/**
 * The stream header: the first frame on every encrypted stream, sent by the
 * opener and answered by the responder with its own.
 *
 * 85 bytes (header version 3):
 * version (u8, 0x03) || salt (32 random bytes) || ephemeral X25519 public key
 * (32 bytes) || incarnation (8 bytes) || sequence (u64 big-endian) ||
 * receive limit (u32 big-endian: the largest message the sender accepts).
 *
 * The incarnation is the sender's random process id (a new one every time a
 * node is created). The sequence is the opener's first unacknowledged
 * message, or, in the responder's answer, the next message it expects from
 * the opener: the opener resumes there (see docs/PROTOCOL.md, section 5.6).
 * The receive limit lets the opener report a message the responder would
 * refuse instead of sending it (and having the stream reset, forever).
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { isBytes } from './bytes.js'

/** Version byte of the stream header (3: carries incarnation and sequence). */
export const STREAM_HEADER_VERSION = 3
export const SALT_LENGTH = 32
export const EPHEMERAL_KEY_LENGTH = 32
export const INCARNATION_LENGTH = 8
export const STREAM_HEADER_LENGTH = 1 + SALT_LENGTH + EPHEMERAL_KEY_LENGTH + INCARNATION_LENGTH + 8 + 4
const SEQ_AT = 1 + SALT_LENGTH + EPHEMERAL_KEY_LENGTH + INCARNATION_LENGTH
const LIMIT_AT = SEQ_AT + 8

export interface StreamHeaderFields {
  /** 32 random bytes, fresh for every stream. */
  readonly salt: Uint8Array
  /** The sender's ephemeral X25519 public key, 32 bytes. */
  readonly ephemeralKey: Uint8Array
  /** The sender's incarnation (random per node process), 8 bytes. */
  readonly incarnation: Uint8Array
  /** Opener: its first unacknowledged sequence number; responder: the next one it expects. 0..2^53-1. */
  readonly seq: number
  /** The largest message the sender of this header accepts (its maxMessageSize), 0..2^32-1. */
  readonly maxMessageSize: number
}

export interface StreamHeader extends StreamHeaderFields {
  readonly version: typeof STREAM_HEADER_VERSION
}

function checkField (name: string, value: unknown, length: number): asserts value is Uint8Array {
  if (!isBytes(value) || value.byteLength !== length) {
    const got = isBytes(value) ? `${value.byteLength} bytes` : typeof value
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header ${name} must be ${length} bytes, got ${got}`)
  }
}

/**
 * The 85-byte header.
 *
 * @throws {GlueberryError} InvalidHeader when a field has the wrong length or
 * type, or `seq` is not a safe non-negative integer.
 */
export function encodeStreamHeader (fields: StreamHeaderFields): Uint8Array {
  if (fields === null || typeof fields !== 'object') {
    throw new GlueberryError(ErrorCode.InvalidHeader, 'stream header fields must be an object')
  }
  const { salt, ephemeralKey, incarnation, seq, maxMessageSize } = fields
  checkField('salt', salt, SALT_LENGTH)
  checkField('ephemeralKey', ephemeralKey, EPHEMERAL_KEY_LENGTH)
  checkField('incarnation', incarnation, INCARNATION_LENGTH)
  if (!Number.isSafeInteger(seq) || seq < 0) {
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header seq must be a safe non-negative integer, got ${String(seq)}`)
  }
  if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0 || maxMessageSize > 0xffff_ffff) {
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header maxMessageSize must be a uint32, got ${String(maxMessageSize)}`)
  }
  const header = new Uint8Array(STREAM_HEADER_LENGTH)
  header[0] = STREAM_HEADER_VERSION
  header.set(salt, 1)
  header.set(ephemeralKey, 1 + SALT_LENGTH)
  header.set(incarnation, 1 + SALT_LENGTH + EPHEMERAL_KEY_LENGTH)
  const view = new DataView(header.buffer)
  view.setBigUint64(SEQ_AT, BigInt(seq), false)
  view.setUint32(LIMIT_AT, maxMessageSize, false)
  return header
}

/**
 * Parses a received header. The fields are copies, so they do not pin the
 * chunk the frame arrived in, nor change if that chunk is reused.
 *
 * The version byte is read first, so a peer speaking an older header (v2:
 * 65 bytes, version 2) gets UnsupportedVersion naming its version rather
 * than a length complaint.
 *
 * @throws {GlueberryError} UnsupportedVersion when the first byte is not 3;
 * InvalidHeader when `bytes` is not exactly 85 bytes or its sequence is above
 * 2^53 - 1.
 */
export function decodeStreamHeader (bytes: Uint8Array): StreamHeader {
  if (!isBytes(bytes) || bytes.byteLength === 0) {
    const got = isBytes(bytes) ? `${bytes.byteLength} bytes` : typeof bytes
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header must be ${STREAM_HEADER_LENGTH} bytes, got ${got}`)
  }
  const version = bytes[0]
  if (version !== STREAM_HEADER_VERSION) {
    throw new GlueberryError(ErrorCode.UnsupportedVersion,
      `stream header has version ${version}; this node speaks version ${STREAM_HEADER_VERSION} (acknowledged delivery)`)
  }
  if (bytes.byteLength !== STREAM_HEADER_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header must be ${STREAM_HEADER_LENGTH} bytes, got ${bytes.byteLength} bytes`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const seq = view.getBigUint64(SEQ_AT, false)
  if (seq > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header seq ${seq} is above 2^53 - 1`)
  }
  const at = 1 + SALT_LENGTH + EPHEMERAL_KEY_LENGTH
  return {
    version: STREAM_HEADER_VERSION,
    // new Uint8Array(view) copies; Buffer#slice would not.
    salt: new Uint8Array(bytes.subarray(1, 1 + SALT_LENGTH)),
    ephemeralKey: new Uint8Array(bytes.subarray(1 + SALT_LENGTH, at)),
    incarnation: new Uint8Array(bytes.subarray(at, at + INCARNATION_LENGTH)),
    seq: Number(seq),
    maxMessageSize: view.getUint32(LIMIT_AT, false)
  }
}
