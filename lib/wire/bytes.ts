/**
 * Byte-array helpers shared by the wire codecs.
 *
 * @module
 */

/**
 * True for a Uint8Array (a Buffer included) from any realm. `instanceof`
 * is not enough: buffers made by node:* modules inside a vm context (as under
 * Jest) come from another realm's Uint8Array.
 */
export function isBytes (value: unknown): value is Uint8Array {
  return value instanceof Uint8Array ||
    (ArrayBuffer.isView(value) && Object.prototype.toString.call(value) === '[object Uint8Array]')
}

/** Byte equality; for public data only (no constant-time guarantee). */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) {
    if (a[i] !== b[i]) return false
  }
  return true
}

/**
 * The length of `text` encoded as UTF-8, counted without allocating (a
 * TextEncoder would allocate on every call, and names are checked on hot
 * paths). A lone surrogate counts as TextEncoder writes it: U+FFFD, 3 bytes.
 */
export function utf8Length (text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit < 0x80) bytes += 1
    else if (unit < 0x800) bytes += 2
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4 // a surrogate pair: one astral code point
      i++
    } else bytes += 3
  }
  return bytes
}

function isLowSurrogate (unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff
}
