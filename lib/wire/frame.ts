/**
 * Frame encoding: `varint(length) || payload`, the one framing used on every
 * stream (handshake messages, the stream header, sealed records).
 *
 * @module
 */
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, GlueberryError } from '../errors.js'
import { MAX_LENGTH, encodeVarint, varintLength, writeVarint } from './varint.js'

function checkFrameLength (length: number): void {
  if (!Number.isInteger(length) || length < 0) {
    throw new GlueberryError(ErrorCode.MalformedFrame, `frame length must be a non-negative integer, got ${String(length)}`)
  }
  if (length > MAX_LENGTH) {
    throw new GlueberryError(ErrorCode.FrameTooLarge, `frame of ${length} bytes is above the ${MAX_LENGTH}-byte ceiling`)
  }
}

/**
 * The length prefix of a frame of `length` payload bytes, on its own. A
 * writer sends `[prefix, chunk1, chunk2, ...]` (e.g. as a Uint8ArrayList)
 * and never copies the payload.
 *
 * @throws {GlueberryError} FrameTooLarge above 2^32 - 1; MalformedFrame for a
 * negative or fractional length.
 */
export function framePrefix (length: number): Uint8Array {
  checkFrameLength(length)
  return encodeVarint(length)
}

/** One frame in one new array (one allocation, one copy of the payload). */
export function encodeFrame (payload: Uint8Array): Uint8Array {
  const length = payload.byteLength
  checkFrameLength(length)
  const frame = new Uint8Array(varintLength(length) + length)
  frame.set(payload, writeVarint(length, frame, 0))
  return frame
}

/**
 * One frame made of several chunks (an array or a Uint8ArrayList) without
 * copying them: the prefix for their total length, then the chunks themselves,
 * by reference, so do not mutate them until the frame is sent.
 */
export function encodeFrameList (chunks: Iterable<Uint8Array>): Uint8ArrayList {
  const list = new Uint8ArrayList()
  for (const chunk of chunks) list.append(chunk)
  list.prepend(framePrefix(list.byteLength))
  return list
}
