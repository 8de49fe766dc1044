import fc from 'fast-check'
import {
  encodeRecordBodies, encodeRecordBody, planRecords, recordBodyLength, splitRecordBody, varintLength
} from '../../lib/wire/index.js'
import type { RecordBatch } from '../../lib/wire/index.js'
import { sameByteLists } from './helpers.js'

const NUM_RUNS = 10_000

const messageArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 30, size: 'max' }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 600 }), fc.nat(255)).map(([n, seed]) => new Uint8Array(n).fill(seed)) }
)

/** The batching invariants; returns a reason when one is broken. */
function checkPlan (messages: readonly Uint8Array[], batches: readonly RecordBatch[], target: number): string | undefined {
  const flat = batches.flatMap(batch => batch.messages)
  if (flat.length !== messages.length || flat.some((m, i) => m !== messages[i])) return 'not the original sequence'
  for (const [i, batch] of batches.entries()) {
    if (batch.messages.length === 0) return `record ${i} is empty`
    if (batch.bodyLength !== recordBodyLength(batch.messages)) return `record ${i} has a wrong bodyLength`
    if (batch.bodyLength > target && batch.messages.length !== 1) return `record ${i} is over the target with several messages`
    const next = batches[i + 1]?.messages[0]
    // greedy: a record is only closed when the next message would not fit
    if (next !== undefined && batch.bodyLength + varintLength(next.byteLength) + next.byteLength <= target) {
      return `record ${i} was closed early`
    }
  }
  return undefined
}

describe('record properties', () => {
  it('any message sequence round-trips through encodeRecordBody + splitRecordBody', () => {
    fc.assert(fc.property(
      fc.array(messageArb, { minLength: 1, maxLength: 30, size: 'max' }),
      fc.nat(20),
      (messages, slack) => {
        const body = encodeRecordBody(messages)
        const maxMessageSize = messages.reduce((n, m) => Math.max(n, m.byteLength), 0) + slack
        return body.byteLength === recordBodyLength(messages) &&
          sameByteLists(splitRecordBody(body, maxMessageSize), messages)
      }
    ), { numRuns: NUM_RUNS })
  })

  it('the batching plan keeps order, packs greedily, and only oversizes single-message records; its bodies round-trip', () => {
    fc.assert(fc.property(
      fc.array(messageArb, { maxLength: 40, size: 'max' }),
      fc.integer({ min: 1, max: 800 }),
      (messages, target) => {
        const batches = planRecords(messages, target)
        const broken = checkPlan(messages, batches, target)
        if (broken !== undefined) throw new Error(broken)
        const bodies = encodeRecordBodies(messages, target)
        return bodies.length === batches.length &&
          bodies.every((body, i) => body.byteLength === batches[i].bodyLength) &&
          sameByteLists(bodies.flatMap(body => splitRecordBody(body, 600)), messages)
      }
    ), { numRuns: NUM_RUNS })
  })

  it('the plan holds at the default 64 KiB target', () => {
    // Views of one shared buffer: the plan only reads sizes, and allocating
    // megabytes per run would dominate the run time.
    const pool = new Uint8Array(70_000)
    const sizeArb = fc.oneof(
      { weight: 3, arbitrary: fc.nat(2_000) },
      { weight: 2, arbitrary: fc.integer({ min: 20_000, max: 40_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 65_530, max: 70_000 }) }
    )
    fc.assert(fc.property(fc.array(sizeArb, { maxLength: 30, size: 'max' }), (sizes) => {
      const messages = sizes.map(size => pool.subarray(0, size))
      const broken = checkPlan(messages, planRecords(messages), 64 * 1024)
      if (broken !== undefined) throw new Error(broken)
    }), { numRuns: NUM_RUNS })
  })
})
