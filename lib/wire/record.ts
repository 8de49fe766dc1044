/**
 * Record bodies: the plaintext of one sealed record. A body holds one or
 * more messages, each `varint(length) || bytes`; a zero-length message is
 * allowed, an empty body is not. Sealing and opening are the crypto code's.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { isBytes } from './bytes.js'
import { MAX_LENGTH, checkLimit, readVarint, varintLength, writeVarint } from './varint.js'

function malformed (message: string): GlueberryError {
  return new GlueberryError(ErrorCode.MalformedRecord, message)
}

/** The encoded size of a body holding `messages`. */
export function recordBodyLength (messages: readonly Uint8Array[]): number {
  let total = 0
  for (const message of messages) total += varintLength(message.byteLength) + message.byteLength
  return total
}

/**
 * Encodes `messages` (at least one) as one record body, in one allocation.
 *
 * @throws {GlueberryError} MalformedRecord for an empty list or a non-byte
 * element; MessageTooLarge when a message or the body is above 2^32 - 1 bytes.
 */
export function encodeRecordBody (messages: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(messages) || messages.length === 0) throw malformed('a record holds at least one message')
  let total = 0
  for (const message of messages) {
    if (!isBytes(message)) throw malformed('a record message must be a Uint8Array')
    if (message.byteLength > MAX_LENGTH) {
      throw new GlueberryError(ErrorCode.MessageTooLarge, `message of ${message.byteLength} bytes is above ${MAX_LENGTH}`)
    }
    total += varintLength(message.byteLength) + message.byteLength
  }
  if (total > MAX_LENGTH) {
    throw new GlueberryError(ErrorCode.MessageTooLarge, `record body of ${total} bytes is above ${MAX_LENGTH}`)
  }
  const body = new Uint8Array(total)
  let offset = 0
  // Array.isArray above narrowed the readonly array to any[]: restore its type.
  for (const message of messages as readonly Uint8Array[]) {
    offset += writeVarint(message.byteLength, body, offset)
    body.set(message, offset)
    offset += message.byteLength
  }
  return body
}

/**
 * Splits an opened record body into its messages, as views of `body` (no copy).
 *
 * @throws {GlueberryError} MalformedRecord for an empty body, an over-long or
 * non-minimal length, a length above `maxMessageSize`, or a message cut short
 * (which is also how trailing garbage shows up); InvalidConfig for a bad
 * `maxMessageSize`. Never any other exception.
 */
export function splitRecordBody (body: Uint8Array, maxMessageSize: number): Uint8Array[] {
  checkLimit('maxMessageSize', maxMessageSize)
  if (!isBytes(body)) throw malformed('a record body must be a Uint8Array')
  const end = body.byteLength
  if (end === 0) throw malformed('empty record body')
  const messages: Uint8Array[] = []
  let offset = 0
  while (offset < end) {
    const length = readVarint(body, offset, end, ErrorCode.MalformedRecord)
    if (length < 0) throw malformed(`record body ends inside a length prefix at byte ${offset}`)
    if (length > maxMessageSize) {
      throw malformed(`record message ${messages.length} declares ${length} bytes, above the ${maxMessageSize}-byte limit`)
    }
    offset += varintLength(length)
    if (length > end - offset) {
      throw malformed(`record message ${messages.length} declares ${length} bytes but only ${end - offset} remain`)
    }
    messages.push(body.subarray(offset, offset + length))
    offset += length
  }
  return messages
}
