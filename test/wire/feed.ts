import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { GlueberryError } from '../../lib/errors.js'
import type { FrameDecoder } from '../../lib/wire/index.js'
import { cutAt } from './helpers.js'

/** How a byte stream is cut into 'message' events. */
export type Chunking =
  | { kind: 'cuts', cuts: number[], lists: boolean[] }
  | { kind: 'every', size: number }

export const chunkingArb: fc.Arbitrary<Chunking> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('cuts' as const), cuts: fc.array(fc.nat(), { maxLength: 40, size: 'max' }), lists: fc.array(fc.boolean(), { minLength: 1, maxLength: 8, size: 'max' }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('every' as const), size: fc.integer({ min: 1, max: 7 }) }) }
)

/** Cuts `data` as `chunking` says; some chunks arrive as two-piece Uint8ArrayLists. */
export function chunksOf (data: Uint8Array, chunking: Chunking): Array<Uint8Array | Uint8ArrayList> {
  if (chunking.kind === 'every') {
    // Tiny chunks (down to one byte) over whole streams of up to ~400 bytes;
    // above that the chunks grow so that no run makes more than ~400 of them
    // (millions of one-byte events would dominate the run time and add nothing).
    const size = Math.max(chunking.size, Math.ceil(data.byteLength / 400))
    const chunks: Uint8Array[] = []
    for (let i = 0; i < data.byteLength; i += size) chunks.push(data.subarray(i, i + size))
    return chunks
  }
  return cutAt(data, chunking.cuts).map((chunk, i) => {
    if (!chunking.lists[i % chunking.lists.length]) return chunk
    const half = chunk.byteLength >> 1
    return new Uint8ArrayList(chunk.subarray(0, half), chunk.subarray(half))
  })
}

export interface FeedResult {
  frames: Uint8Array[]
  error?: GlueberryError
}

/**
 * Feeds every chunk through `decode()` (or `push()` where `usePush` says so)
 * and collects the frames until the first error. Anything thrown that is not
 * a GlueberryError propagates and fails the property.
 */
export function feed (decoder: FrameDecoder, chunks: Iterable<Uint8Array | Uint8ArrayList>, usePush: readonly boolean[] = [false]): FeedResult {
  const frames: Uint8Array[] = []
  let i = 0
  try {
    for (const chunk of chunks) {
      if (usePush[i++ % usePush.length]) frames.push(...decoder.push(chunk))
      else for (const frame of decoder.decode(chunk)) frames.push(frame)
    }
    decoder.finish()
  } catch (err) {
    if (!(err instanceof GlueberryError)) throw err
    return { frames, error: err }
  }
  return { frames }
}
