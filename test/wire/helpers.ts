import { GlueberryError } from '../../lib/errors.js'
import type { ErrorCode } from '../../lib/errors.js'

/** Runs `fn` and returns the GlueberryError it threw; fails on any other outcome. */
export function caught (fn: () => unknown): GlueberryError {
  try {
    fn()
  } catch (err) {
    if (err instanceof GlueberryError) return err
    throw new Error(`expected a GlueberryError, got ${String(err)}`, { cause: err })
  }
  throw new Error('expected a GlueberryError, nothing was thrown')
}

/** The code of the GlueberryError `fn` throws. */
export function codeOf (fn: () => unknown): ErrorCode {
  return caught(fn).code
}

export function bytes (...values: number[]): Uint8Array {
  return Uint8Array.from(values)
}

export function concat (parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/** Cuts `data` at the given offsets (taken modulo its length + 1, sorted). */
export function cutAt (data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map(c => c % (data.byteLength + 1)))].sort((a, b) => a - b)
  const chunks: Uint8Array[] = []
  let start = 0
  for (const point of points) {
    chunks.push(data.subarray(start, point))
    start = point
  }
  chunks.push(data.subarray(start))
  return chunks
}

/** Byte equality in native code (Jest's deep equality is far too slow for property tests). */
export function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}

export function sameByteLists (a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => sameBytes(x, b[i]))
}
