/**
 * The bytes the fault suite sends: a 12-byte header (magic, the sending
 * process's incarnation, the message's sequence number) and filler up to
 * the requested size. The receiver reads the sequence from the payload, so
 * loss, duplicates and order are judged on what the application sees,
 * independently of any sequence numbers the library keeps on the wire.
 */

const MAGIC = 0x67626674 // 'gbft'
export const HEADER_BYTES = 12

export interface PayloadId {
  readonly incarnation: number
  readonly seq: number
}

export function encodePayload (incarnation: number, seq: number, size: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(size, HEADER_BYTES))
  const view = new DataView(bytes.buffer)
  view.setUint32(0, MAGIC)
  view.setUint32(4, incarnation)
  view.setUint32(8, seq)
  // filler that depends on seq: a payload spliced from two messages does not parse as either
  for (let i = HEADER_BYTES; i < bytes.length; i++) bytes[i] = (seq + i) & 0xff
  return bytes
}

/** The id of one of our payloads, or undefined when the bytes are not one (truncated, spliced, foreign). */
export function decodePayload (bytes: Uint8Array): PayloadId | undefined {
  if (bytes.length < HEADER_BYTES) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0) !== MAGIC) return undefined
  const seq = view.getUint32(8)
  for (let i = HEADER_BYTES; i < bytes.length; i++) {
    if (bytes[i] !== ((seq + i) & 0xff)) return undefined
  }
  return { incarnation: view.getUint32(4), seq }
}
