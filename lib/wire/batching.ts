/**
 * How a queue of outgoing messages is cut into records (pure; the writer
 * seals and sends). Coalescing many small messages into one record is where
 * the small-message throughput comes from: libp2p costs 20-40 us per send().
 *
 * @module
 */
import { GlueberryError, ErrorCode } from '../errors.js'
import { encodeRecordBody } from './record.js'
import { MAX_LENGTH, checkLimit, varintLength } from './varint.js'

/** Records are packed up to this many body bytes (64 KiB). */
export const RECORD_TARGET_BYTES = 64 * 1024

/** Bytes the AEAD adds to a sealed record (the ChaCha20-Poly1305 tag). */
export const AEAD_TAG_LENGTH = 16

/** The messages of one record, in queue order, and the size of their body. */
export interface RecordBatch {
  readonly messages: Uint8Array[]
  readonly bodyLength: number
}

/**
 * The packing rule, one message at a time, for a writer that seals records
 * as messages arrive ({@link planRecords} is the same rule over a list): a
 * record takes messages while its encoded body stays within `targetBytes`;
 * a message whose encoding alone is larger travels alone in its own record.
 */
export class RecordPacker {
  #used = 0

  /**
   * @throws {GlueberryError} InvalidConfig unless `targetBytes` is an integer in 1..2^32 - 1.
   */
  constructor (readonly targetBytes: number = RECORD_TARGET_BYTES) {
    checkLimit('targetBytes', targetBytes, 1)
  }

  /** Body bytes of the record being packed (0: none open). */
  get bodyLength (): number {
    return this.#used
  }

  /**
   * Places the next message, whose encoding (`varint(length) || bytes`)
   * takes `need` bytes. Returns true when the record being packed must be
   * closed first (the message starts the next one), false when the message
   * joins it.
   */
  place (need: number): boolean {
    const closeFirst = this.#used > 0 && this.#used + need > this.targetBytes
    if (closeFirst) this.#used = 0
    this.#used += need
    return closeFirst
  }

  /** The record being packed was closed without a next message: the next one starts empty. */
  reset (): void {
    this.#used = 0
  }
}

/**
 * Cuts `messages` into records, in order, by the {@link RecordPacker} rule.
 */
export function planRecords (messages: readonly Uint8Array[], targetBytes: number = RECORD_TARGET_BYTES): RecordBatch[] {
  const packer = new RecordPacker(targetBytes)
  const batches: RecordBatch[] = []
  let current: Uint8Array[] = []
  let used = 0
  for (const message of messages) {
    const need = varintLength(message.byteLength) + message.byteLength
    if (packer.place(need)) {
      batches.push({ messages: current, bodyLength: used })
      current = []
    }
    current.push(message)
    used = packer.bodyLength
  }
  if (current.length > 0) batches.push({ messages: current, bodyLength: used })
  return batches
}

/** {@link planRecords}, each record encoded as a body ready to seal. */
export function encodeRecordBodies (messages: readonly Uint8Array[], targetBytes: number = RECORD_TARGET_BYTES): Uint8Array[] {
  return planRecords(messages, targetBytes).map(batch => encodeRecordBody(batch.messages))
}

/**
 * The receive-side frame limit of an encrypted stream: the largest sealed
 * record a peer with this `maxMessageSize` may send, i.e.
 * max(RECORD_TARGET_BYTES, maxMessageSize + varintLength(maxMessageSize)) + 16.
 *
 * @throws {GlueberryError} InvalidConfig when `maxMessageSize` is not an
 * integer, or so large the limit would pass 2^32 - 1.
 */
export function maxRecordFrameLength (maxMessageSize: number): number {
  checkLimit('maxMessageSize', maxMessageSize)
  const limit = Math.max(RECORD_TARGET_BYTES, maxMessageSize + varintLength(maxMessageSize)) + AEAD_TAG_LENGTH
  if (limit > MAX_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidConfig, `maxMessageSize ${maxMessageSize} makes records larger than ${MAX_LENGTH} bytes`)
  }
  return limit
}
