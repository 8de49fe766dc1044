/**
 * Standard base64 with padding (RFC 4648 §4), the encoding the Go original
 * used for public keys. Built on `btoa`/`atob` rather than `Buffer` so the
 * codec runs in browsers too. Decoding is strict: only the canonical encoding
 * of some bytes is accepted, so a file cannot smuggle two spellings of a key.
 *
 * @module
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/

export function toBase64 (bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/** The decoded bytes, or undefined when `text` is not canonical base64. */
export function fromBase64 (text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined
  let binary: string
  try {
    binary = atob(text)
  } catch {
    return undefined
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  // atob ignores non-zero bits in the last character; re-encoding catches them.
  return toBase64(bytes) === text ? bytes : undefined
}
