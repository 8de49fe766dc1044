import fc from 'fast-check'
import { FrameDecoder, encodeFrame } from '../../lib/wire/index.js'
import { chunkingArb, chunksOf, feed } from './feed.js'
import { concat, sameByteLists } from './helpers.js'

const NUM_RUNS = 10_000

// Mostly small random payloads (many frames per chunk), some that need 2- and
// 3-byte prefixes. Larger ones are a cheap pattern: the decoder never looks
// at payload bytes, and generating them byte by byte would dominate the run time.
const patterned = (min: number, max: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.integer({ min, max }), fc.nat(255)).map(([n, seed]) => {
    const payload = new Uint8Array(n).fill(seed)
    payload[0] = n & 0xff // distinct ends: a frame shifted by a byte shows up
    payload[n - 1] = n >> 8
    return payload
  })
const payloadArb = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ maxLength: 40, size: 'max' }) },
  { weight: 3, arbitrary: patterned(100, 400) },
  { weight: 1, arbitrary: patterned(16_384, 16_500) } // 3-byte prefixes
)

describe('FrameDecoder properties', () => {
  it('any message sequence under any chunking round-trips through encodeFrame + FrameDecoder', () => {
    fc.assert(fc.property(
      fc.array(payloadArb, { maxLength: 25, size: 'max' }),
      chunkingArb,
      fc.array(fc.boolean(), { minLength: 1, maxLength: 5, size: 'max' }),
      fc.nat(50),
      (payloads, chunking, usePush, slack) => {
        const data = concat(payloads.map(encodeFrame))
        const maxLength = payloads.reduce((n, p) => Math.max(n, p.byteLength), 0) + slack
        const decoder = new FrameDecoder(maxLength)
        const { frames, error } = feed(decoder, chunksOf(data, chunking), usePush)
        return error === undefined && sameByteLists(frames, payloads) && decoder.bufferedBytes === 0
      }
    ), { numRuns: NUM_RUNS })
  })
})
