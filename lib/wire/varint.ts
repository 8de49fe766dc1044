/**
 * Unsigned LEB128 varints, as every length on the wire is written.
 *
 * Encoding is uint8-varint's. Decoding is written here because uint8-varint's
 * `decode` does not do what a hostile-input parser needs: it reads past the end
 * of a short buffer (garbage or a RangeError instead of "need more bytes"),
 * accepts up to 8 bytes and non-minimal encodings, and does not say how many
 * bytes it consumed.
 *
 * Rules (wire protocol v2):
 * - at most {@link MAX_VARINT_BYTES} bytes: a 5th byte with the continuation
 *   bit set is over-long and malformed;
 * - minimal encoding only: a multi-byte varint whose last byte is 0x00
 *   (`80 00`, `ff 80 00`, ...) is malformed. This makes the encoding of a
 *   length unique, so `varintLength(value)` is exactly the number of bytes read.
 *
 * @module
 */
import { encodingLength, encodeUint8Array } from 'uint8-varint'
import { ErrorCode, GlueberryError } from '../errors.js'

/** The most bytes a length prefix may take: enough for any 32-bit length. */
export const MAX_VARINT_BYTES = 5

/** The largest length any frame, record or message may declare (2^32 - 1). */
export const MAX_LENGTH = 0xffff_ffff

// Place values of the five 7-bit groups. Multiplying (rather than shifting)
// keeps the 5th group exact: `<< 28` would overflow a 32-bit int.
const PLACE = [1, 2 ** 7, 2 ** 14, 2 ** 21, 2 ** 28]

/** Bytes taken by the minimal encoding of `value` (a non-negative safe integer). */
export function varintLength (value: number): number {
  return encodingLength(value)
}

/** Writes the minimal encoding of `value` into `buf` at `offset`; returns the bytes written. */
export function writeVarint (value: number, buf: Uint8Array, offset: number): number {
  encodeUint8Array(value, buf, offset)
  return encodingLength(value)
}

/** The minimal encoding of `value` in a new array of exactly its length. */
export function encodeVarint (value: number): Uint8Array {
  return encodeUint8Array(value, new Uint8Array(encodingLength(value)), 0)
}

/**
 * Reads one varint from `buf[offset, end)`.
 *
 * @returns the value (at most 2^35 - 1; range checks are the caller's), or -1
 * when the bytes end before the varint does. The number of bytes read is
 * `varintLength(value)`.
 * @throws {GlueberryError} `code` when the varint is over-long or non-minimal.
 */
export function readVarint (buf: Uint8Array, offset: number, end: number, code: ErrorCode): number {
  let value = 0
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    if (offset + i >= end) return -1
    const byte = buf[offset + i]
    value += (byte & 0x7f) * PLACE[i]
    if (byte < 0x80) {
      if (byte === 0 && i > 0) {
        throw new GlueberryError(code, `non-minimal varint: ${i + 1} bytes ending in 0x00`)
      }
      return value
    }
  }
  throw new GlueberryError(code, `over-long varint: more than ${MAX_VARINT_BYTES} bytes`)
}

/** Throws InvalidConfig unless `value` is an integer in [min, MAX_LENGTH]. */
export function checkLimit (name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidConfig,
      `${name} must be an integer between ${min} and ${MAX_LENGTH}, got ${String(value)}`)
  }
  return value
}
