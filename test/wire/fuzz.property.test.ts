import fc from 'fast-check'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import {
  FrameDecoder, MAX_LENGTH, decodeStreamHeader, encodeFrame, encodeRecordBody, splitRecordBody
} from '../../lib/wire/index.js'
import { chunkingArb, chunksOf, feed } from './feed.js'
import { concat, sameBytes, sameByteLists } from './helpers.js'

const NUM_RUNS = 10_000

/**
 * Hostile input: plain random bytes, or valid data with random damage
 * (bytes overwritten, cut short, garbage appended), so the decoders see both
 * noise and near-misses.
 */
function hostile (valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const damage = fc.record({
    flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3, size: 'max' }),
    cut: fc.nat(3),
    tail: fc.uint8Array({ maxLength: 8, size: 'max' })
  })
  const damaged = fc.tuple(valid, damage).map(([data, { flips, cut, tail }]) => {
    const out = data.slice()
    for (const [at, value] of flips) if (out.byteLength > 0) out[at % out.byteLength] = value
    return concat([out.subarray(0, Math.max(0, out.byteLength - cut)), tail])
  })
  return fc.oneof(fc.uint8Array({ maxLength: 300, size: 'max' }), valid, damaged)
}

const framesArb = fc.array(fc.uint8Array({ maxLength: 60, size: 'max' }), { maxLength: 8, size: 'max' }).map(ps => concat(ps.map(encodeFrame)))
const bodyArb = fc.array(fc.uint8Array({ maxLength: 60, size: 'max' }), { minLength: 1, maxLength: 8, size: 'max' }).map(encodeRecordBody)
const headerArb = fc.uint8Array({ minLength: 85, maxLength: 85 }).map(h => { h[0] = 3; h[73] = 0; h[74] &= 0x1f; return h })

function expectGlueberry (err: unknown, codes: readonly string[]): void {
  if (!(err instanceof GlueberryError)) throw new Error(`not a GlueberryError: ${String(err)}`, { cause: err })
  if (!codes.includes(err.code)) throw new Error(`unexpected code ${err.code}`)
}

describe('hostile input', () => {
  it('the FrameDecoder throws only GlueberryError, the same way under any chunking', () => {
    fc.assert(fc.property(
      hostile(framesArb),
      chunkingArb,
      fc.oneof(fc.nat(100), fc.constant(MAX_LENGTH)),
      (data, chunking, maxLength) => {
        const whole = feed(new FrameDecoder(maxLength), [data])
        const chunked = feed(new FrameDecoder(maxLength), chunksOf(data, chunking))
        if (whole.error !== undefined) expectGlueberry(whole.error, [ErrorCode.MalformedFrame, ErrorCode.FrameTooLarge])
        // Chunking changes nothing: the same frames, then the same outcome.
        if (!sameByteLists(chunked.frames, whole.frames) || chunked.error?.code !== whole.error?.code) {
          throw new Error(`chunking changed the result: ${String(whole.error?.code)} vs ${String(chunked.error?.code)}`)
        }
        // Canonical encoding: input that decodes cleanly is exactly its frames re-encoded.
        if (whole.error === undefined && !sameBytes(concat(whole.frames.map(encodeFrame)), data)) {
          throw new Error('accepted input is not the re-encoding of its frames')
        }
      }
    ), { numRuns: NUM_RUNS })
  })

  it('decodeStreamHeader throws only InvalidHeader or UnsupportedVersion', () => {
    fc.assert(fc.property(hostile(headerArb), (bytes) => {
      try {
        const header = decodeStreamHeader(bytes)
        if (bytes.byteLength !== 85 || bytes[0] !== 3) throw new Error('accepted a bad header')
        if (!sameBytes(header.salt, bytes.subarray(1, 33)) || !sameBytes(header.ephemeralKey, bytes.subarray(33, 65)) ||
          !sameBytes(header.incarnation, bytes.subarray(65, 73))) {
          throw new Error('wrong fields')
        }
      } catch (err) {
        // The version byte is read first; then the length and the seq range.
        expectGlueberry(err, [bytes.byteLength > 0 && bytes[0] !== 3 ? ErrorCode.UnsupportedVersion : ErrorCode.InvalidHeader])
      }
    }), { numRuns: NUM_RUNS })
  })

  it('splitRecordBody throws only MalformedRecord, and what it accepts is canonical', () => {
    fc.assert(fc.property(hostile(bodyArb), fc.oneof(fc.nat(70), fc.constant(MAX_LENGTH)), (body, maxMessageSize) => {
      try {
        const messages = splitRecordBody(body, maxMessageSize)
        if (messages.some(m => m.byteLength > maxMessageSize)) throw new Error('accepted a message above the limit')
        if (!sameBytes(encodeRecordBody(messages), body)) throw new Error('accepted body is not its messages re-encoded')
      } catch (err) {
        expectGlueberry(err, [ErrorCode.MalformedRecord])
      }
    }), { numRuns: NUM_RUNS })
  })
})
