/**
 * The cluster's messages: an 8-byte big-endian sequence number, then filler
 * bytes derived from it. The number lets the receiver detect a gap (a lost
 * message) or a repeat; the filler lets it detect a message that arrived
 * changed or cut (it should never happen: the records are authenticated, so
 * this checks the library end to end, not the network).
 *
 * @module
 */

/** Bytes of the sequence number at the start of every payload. */
export const HEADER_BYTES = 8

const TWO_32 = 2 ** 32

/** What the receiver learns from one payload. */
export interface Inspected {
  /** Undefined when the payload is too short to hold one. */
  readonly seq: number | undefined
  /** The size is the expected one and every filler byte is right. */
  readonly valid: boolean
}

/** Builds message `seq` of `size` bytes (`size` >= HEADER_BYTES). */
export function encodePayload (seq: number, size: number): Uint8Array {
  const data = new Uint8Array(size)
  const view = new DataView(data.buffer)
  view.setUint32(0, Math.floor(seq / TWO_32))
  view.setUint32(4, seq % TWO_32)
  // The filler repeats every 256 bytes: write one period, then double it.
  const period = Math.min(256, size - HEADER_BYTES)
  for (let i = 0; i < period; i++) data[HEADER_BYTES + i] = filler(seq, HEADER_BYTES + i)
  for (let filled = period; filled > 0 && HEADER_BYTES + filled < size; filled *= 2) {
    data.copyWithin(HEADER_BYTES + filled, HEADER_BYTES, HEADER_BYTES + filled)
  }
  return data
}

/** Reads the sequence number and checks the rest against `size`. */
export function inspectPayload (data: Uint8Array, size: number): Inspected {
  if (data.byteLength < HEADER_BYTES) return { seq: undefined, valid: false }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const seq = view.getUint32(0) * TWO_32 + view.getUint32(4)
  if (data.byteLength !== size) return { seq, valid: false }
  for (let i = HEADER_BYTES; i < size; i++) {
    if (data[i] !== filler(seq, i)) return { seq, valid: false }
  }
  return { seq, valid: true }
}

function filler (seq: number, index: number): number {
  return (seq + index) & 0xff
}
