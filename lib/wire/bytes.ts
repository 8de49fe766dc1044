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
