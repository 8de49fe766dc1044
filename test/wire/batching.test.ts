import { ErrorCode } from '../../lib/errors.js'
import {
  AEAD_TAG_LENGTH, MAX_LENGTH, RECORD_TARGET_BYTES, encodeRecordBodies, encodeRecordBody, maxRecordFrameLength,
  planRecords, splitRecordBody
} from '../../lib/wire/index.js'
import { codeOf } from './helpers.js'

const sized = (...sizes: number[]): Uint8Array[] => sizes.map((size, i) => new Uint8Array(size).fill(i))
const shape = (messages: Uint8Array[]): number[][] =>
  planRecords(messages).map(batch => batch.messages.map(m => messages.indexOf(m)))

describe('record batching', () => {
  it('targets 64 KiB bodies', () => {
    expect(RECORD_TARGET_BYTES).toBe(65_536)
    expect(AEAD_TAG_LENGTH).toBe(16)
  })

  it('packs small messages into one record', () => {
    const messages = sized(10, 0, 1000, 64)
    const [batch, ...rest] = planRecords(messages)
    expect(rest).toEqual([])
    expect(batch.messages).toEqual(messages)
    expect(batch.bodyLength).toBe(11 + 1 + 1002 + 65)
  })

  it('plans nothing for an empty queue', () => {
    expect(planRecords([])).toEqual([])
    expect(encodeRecordBodies([])).toEqual([])
  })

  it('fills a record to exactly the target and starts a new one after it', () => {
    // 3-byte prefix + 65533 = 65536: exactly the target
    expect(shape(sized(65_533, 1))).toEqual([[0], [1]])
    expect(planRecords(sized(65_533))[0].bodyLength).toBe(RECORD_TARGET_BYTES)
    // two messages that together fit exactly
    expect(shape(sized(32_765, 32_765))).toEqual([[0, 1]])
    expect(shape(sized(32_765, 32_766))).toEqual([[0], [1]])
  })

  it('sends a message larger than the target alone, in order', () => {
    expect(shape(sized(10, 70_000, 10, 10))).toEqual([[0], [1], [2, 3]])
    const [, big] = planRecords(sized(10, 70_000, 10))
    expect(big.bodyLength).toBe(70_003)
  })

  it('takes another target', () => {
    expect(planRecords(sized(3, 3, 3, 3), 8).map(b => b.messages.length)).toEqual([2, 2])
    expect(planRecords(sized(3, 3, 3), 7).map(b => b.messages.length)).toEqual([1, 1, 1])
    expect(codeOf(() => planRecords([], 0))).toBe(ErrorCode.InvalidConfig)
  })

  it('encodes each planned record as a body', () => {
    const messages = sized(40_000, 30_000, 5)
    const bodies = encodeRecordBodies(messages)
    expect(bodies).toHaveLength(2)
    expect(bodies[0]).toEqual(encodeRecordBody(messages.slice(0, 1)))
    expect(bodies.flatMap(body => splitRecordBody(body, 1 << 20))).toEqual(messages)
  })

  it('gives the receive-side frame limit', () => {
    expect(maxRecordFrameLength(1024 * 1024)).toBe(1024 * 1024 + 3 + 16)
    expect(maxRecordFrameLength(1024)).toBe(RECORD_TARGET_BYTES + 16)
    expect(maxRecordFrameLength(0)).toBe(RECORD_TARGET_BYTES + 16)
    expect(maxRecordFrameLength(RECORD_TARGET_BYTES)).toBe(RECORD_TARGET_BYTES + 3 + 16)
    expect(maxRecordFrameLength(256 * 1024 * 1024)).toBe(256 * 1024 * 1024 + 5 + 16)
    for (const bad of [-1, 0.5, NaN, MAX_LENGTH]) {
      expect(codeOf(() => maxRecordFrameLength(bad))).toBe(ErrorCode.InvalidConfig)
    }
  })

  it('the frame limit fits the largest record the plan can produce', () => {
    for (const maxMessageSize of [0, 100, RECORD_TARGET_BYTES - 3, RECORD_TARGET_BYTES, 200_000]) {
      const limit = maxRecordFrameLength(maxMessageSize)
      for (const batch of planRecords(sized(maxMessageSize, 1, 2, 3, maxMessageSize))) {
        expect(batch.bodyLength + AEAD_TAG_LENGTH).toBeLessThanOrEqual(limit)
      }
    }
  })
})
