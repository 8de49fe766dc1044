/**
 * The stream header: the first frame on every encrypted stream, sent by the
 * opener and answered by the responder with its own.
 *
 * 65 bytes: version (u8, 0x02) || salt (32 random bytes) || ephemeral X25519
 * public key (32 bytes).
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { isBytes } from './bytes.js'
import { PROTOCOL_VERSION } from './protocol.js'

export const SALT_LENGTH = 32
export const EPHEMERAL_KEY_LENGTH = 32
export const STREAM_HEADER_LENGTH = 1 + SALT_LENGTH + EPHEMERAL_KEY_LENGTH

export interface StreamHeaderFields {
  /** 32 random bytes, fresh for every stream. */
  readonly salt: Uint8Array
  /** The sender's ephemeral X25519 public key, 32 bytes. */
  readonly ephemeralKey: Uint8Array
}

export interface StreamHeader extends StreamHeaderFields {
  readonly version: typeof PROTOCOL_VERSION
}

function checkField (name: string, value: unknown, length: number): asserts value is Uint8Array {
  if (!isBytes(value) || value.byteLength !== length) {
    const got = isBytes(value) ? `${value.byteLength} bytes` : typeof value
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header ${name} must be ${length} bytes, got ${got}`)
  }
}

/**
 * The 65-byte header carrying `salt` and `ephemeralKey`.
 *
 * @throws {GlueberryError} InvalidHeader when a field is not a Uint8Array of 32 bytes.
 */
export function encodeStreamHeader (fields: StreamHeaderFields): Uint8Array {
  if (fields === null || typeof fields !== 'object') {
    throw new GlueberryError(ErrorCode.InvalidHeader, 'stream header fields must be an object')
  }
  const { salt, ephemeralKey } = fields
  checkField('salt', salt, SALT_LENGTH)
  checkField('ephemeralKey', ephemeralKey, EPHEMERAL_KEY_LENGTH)
  const header = new Uint8Array(STREAM_HEADER_LENGTH)
  header[0] = PROTOCOL_VERSION
  header.set(salt, 1)
  header.set(ephemeralKey, 1 + SALT_LENGTH)
  return header
}

/**
 * Parses a received header. The fields are copies (64 bytes), so they do not
 * pin the chunk the frame arrived in, nor change if that chunk is reused.
 *
 * The length is checked first: the version byte is only read from a frame of
 * the v2 header's length. (A peer of another version would have negotiated
 * another protocol id; this byte is a second line of defence.)
 *
 * @throws {GlueberryError} InvalidHeader when `bytes` is not exactly 65 bytes;
 * UnsupportedVersion when its version byte is not 2 (the message says which
 * version was received).
 */
export function decodeStreamHeader (bytes: Uint8Array): StreamHeader {
  if (!isBytes(bytes) || bytes.byteLength !== STREAM_HEADER_LENGTH) {
    const got = isBytes(bytes) ? `${bytes.byteLength} bytes` : typeof bytes
    throw new GlueberryError(ErrorCode.InvalidHeader, `stream header must be ${STREAM_HEADER_LENGTH} bytes, got ${got}`)
  }
  const version = bytes[0]
  if (version !== PROTOCOL_VERSION) {
    throw new GlueberryError(ErrorCode.UnsupportedVersion,
      `stream header has version ${version}; this node speaks version ${PROTOCOL_VERSION}`)
  }
  return {
    version: PROTOCOL_VERSION,
    // new Uint8Array(view) copies; Buffer#slice would not.
    salt: new Uint8Array(bytes.subarray(1, 1 + SALT_LENGTH)),
    ephemeralKey: new Uint8Array(bytes.subarray(1 + SALT_LENGTH, STREAM_HEADER_LENGTH))
  }
}
