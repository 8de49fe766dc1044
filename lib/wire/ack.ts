/**
 * Acknowledgement records: the only thing a responder writes on a stream
 * after its header. Each is one sealed record (responder -> opener key,
 * its own counter from 0) whose 9-byte body is
 * `0x01 || next (u64 big-endian)`: every message with a sequence number
 * below `next` was emitted to the application. Cumulative, so a lost or
 * repeated ack is harmless and the last one says everything.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { isBytes } from './bytes.js'

/** Body type byte of an acknowledgement. */
export const ACK_TYPE = 0x01
/** Body length of an acknowledgement record. */
export const ACK_BODY_LENGTH = 9
/** Frame length limit on the reverse direction: prefix + body + tag, with room to spare. */
export const ACK_FRAME_LIMIT = 64

/** The plaintext body of an ack for `next`. */
export function encodeAckBody (next: number): Uint8Array {
  if (!Number.isSafeInteger(next) || next < 0) {
    throw new GlueberryError(ErrorCode.MalformedRecord, `ack must be a safe non-negative integer, got ${String(next)}`)
  }
  const body = new Uint8Array(ACK_BODY_LENGTH)
  body[0] = ACK_TYPE
  new DataView(body.buffer).setBigUint64(1, BigInt(next), false)
  return body
}

/**
 * The `next` of an opened ack body.
 *
 * @throws {GlueberryError} MalformedRecord for any other length or type
 * byte, or a value above 2^53 - 1.
 */
export function decodeAckBody (body: Uint8Array): number {
  if (!isBytes(body) || body.byteLength !== ACK_BODY_LENGTH || body[0] !== ACK_TYPE) {
    throw new GlueberryError(ErrorCode.MalformedRecord, 'not an acknowledgement record')
  }
  const next = new DataView(body.buffer, body.byteOffset, body.byteLength).getBigUint64(1, false)
  if (next > BigInt(Number.MAX_SAFE_INTEGER)) throw new GlueberryError(ErrorCode.MalformedRecord, `ack ${next} is above 2^53 - 1`)
  return Number(next)
}
