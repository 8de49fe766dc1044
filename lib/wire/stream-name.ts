/**
 * Stream names: the `<name>` in `/glueberry/stream/<name>/2.0.0`.
 *
 * A name is non-empty, at most `maxBytes` bytes of UTF-8 (default 64), and
 * every code point is a Unicode letter (\p{L}), a decimal digit (\p{Nd}), '-'
 * or '_'. No normalisation is applied: names are compared code point by code
 * point, as libp2p compares protocol ids, and combining marks (\p{M}) are
 * refused, so a decomposed 'é' (e + U+0301) is not a valid name.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { HANDSHAKE_STREAM } from '../types.js'
import { utf8Length } from './bytes.js'

/** Default limit on a stream name, in UTF-8 bytes. */
export const DEFAULT_MAX_STREAM_NAME_BYTES = 64

const NAME_PATTERN = /^[\p{L}\p{Nd}_-]+$/u

function invalid (message: string, name?: string): GlueberryError {
  return new GlueberryError(ErrorCode.InvalidStreamName, message, name === undefined ? {} : { stream: name })
}

/**
 * Checks a stream name.
 *
 * @throws {GlueberryError} InvalidStreamName when `name` is not a string, is
 * empty, has a code point outside letters, digits, '-' and '_', or is longer
 * than `maxBytes` UTF-8 bytes; InvalidConfig when `maxBytes` is not a positive integer.
 */
export function validateStreamName (name: unknown, maxBytes: number = DEFAULT_MAX_STREAM_NAME_BYTES): asserts name is string {
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    throw new GlueberryError(ErrorCode.InvalidConfig, `maxBytes must be a positive integer, got ${String(maxBytes)}`)
  }
  if (typeof name !== 'string') throw invalid(`stream name must be a string, got ${typeof name}`)
  if (name.length === 0) throw invalid('stream name must not be empty', name)
  // UTF-16 units never outnumber UTF-8 bytes, so this refuses a huge string
  // before the pattern has to walk it.
  if (name.length > maxBytes) throw invalid(`stream name is longer than ${maxBytes} bytes`, name)
  if (!NAME_PATTERN.test(name)) {
    throw invalid('stream name may only hold letters, decimal digits, \'-\' and \'_\'', name)
  }
  const bytes = utf8Length(name)
  if (bytes > maxBytes) throw invalid(`stream name is ${bytes} bytes of UTF-8, above ${maxBytes}`, name)
}

/**
 * Checks the name of an encrypted stream: a valid stream name that is not
 * the reserved plaintext `'handshake'`.
 *
 * @throws {GlueberryError} InvalidStreamName (see {@link validateStreamName}).
 */
export function validateEncryptedStreamName (name: unknown, maxBytes: number = DEFAULT_MAX_STREAM_NAME_BYTES): asserts name is string {
  validateStreamName(name, maxBytes)
  if (name === HANDSHAKE_STREAM) {
    throw invalid(`'${HANDSHAKE_STREAM}' is reserved for the plaintext handshake stream`, name)
  }
}
