/**
 * The fault suite's judge must be able to fail: these feed it made-up
 * observations of every kind of violation and check that it names them,
 * and that it accepts the honest outcomes (delivered, or reported by range
 * with either numbering base).
 */
import { judge, ranges } from './harness/ledger.js'
import type { LossReport, Receipt, Send } from './harness/ledger.js'
import { decodePayload, encodePayload } from './harness/payload.js'

const A = '12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAaaaaaa'
const B = '12D3KooWBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBbbbbbb'
const LIFE_A = 7
const LIFE_B = 9
const LIFE_B2 = 10

const sends = (n: number, reject: readonly number[] = []): Send[] =>
  Array.from({ length: n }, (_, seq) => ({ sender: A, incarnation: LIFE_A, to: B, stream: 's', seq, accepted: !reject.includes(seq) }))
const receipts = (seqs: readonly number[], life = LIFE_B): Receipt[] =>
  seqs.map(seq => ({ receiver: B, receiverLife: life, from: A, stream: 's', incarnation: LIFE_A, seq }))
const report = (fields: Partial<LossReport>): LossReport => ({ reporter: A, incarnation: LIFE_A, peer: B, stream: 's', code: 'UNDELIVERED', ...fields })

describe('fault ledger', () => {
  it('accepts a complete, ordered delivery', () => {
    const v = judge(sends(5), receipts([0, 1, 2, 3, 4]), [])
    expect(v.problems).toEqual([])
    expect(v.totals).toMatchObject({ accepted: 5, delivered: 5, silentlyLost: 0 })
  })

  it('names silent loss, duplicates and reordering', () => {
    const v = judge(sends(6), receipts([0, 2, 1, 2, 4]), [])
    expect(v.totals).toMatchObject({ silentlyLost: 2, duplicates: 1, outOfOrder: 1 })
    expect(v.problems.join('\n')).toMatch(/\(silent loss\): seq \[3, 5\]/)
  })

  it('accepts losses reported by range, numbered from 0 or from 1', () => {
    for (const base of [0, 1]) {
      const v = judge(sends(10), receipts([0, 1, 2, 3]), [report({ count: 6, firstSeq: 4 + base, lastSeq: 9 + base })])
      expect(v.problems).toEqual([])
      expect(v.totals).toMatchObject({ reported: 6, silentlyLost: 0 })
    }
  })

  it('reads library sequence numbers by position among accepted sends (a rejected send takes none)', () => {
    // seq 2 was rejected: accepted 0,1,3,4,5 are positions 0..4; the library's 3..4 are payload seqs 4 and 5
    const v = judge(sends(6, [2]), receipts([0, 1, 3]), [report({ count: 2, firstSeq: 3, lastSeq: 4 })])
    expect(v.problems).toEqual([])
  })

  it('or in step with the payload sequence, when the library numbers every send', () => {
    const v = judge(sends(10, [2]), receipts([0, 1, 3, 4, 5]), [report({ count: 4, firstSeq: 7, lastSeq: 10 })])
    expect(v.problems).toEqual([])
    expect(v.totals.silentlyLost).toBe(0)
  })

  it('flags a report that covers too little, too much or disagrees with itself', () => {
    expect(judge(sends(10), receipts([0, 1, 2, 3]), [report({ count: 3, firstSeq: 4, lastSeq: 6 })]).totals.silentlyLost).toBe(3)
    expect(judge(sends(4), receipts([0, 1]), [report({ count: 2, firstSeq: 2, lastSeq: 3 }), report({ count: 2, firstSeq: 2, lastSeq: 3 })]).problems.join()).toMatch(/reported twice/)
    expect(judge(sends(4), receipts([0, 1]), [report({ count: 5, firstSeq: 2, lastSeq: 3 })]).problems.join()).toMatch(/count disagrees/)
    expect(judge(sends(4), receipts([0, 1]), [report({ firstSeq: 2, lastSeq: 40 })]).problems.join()).toMatch(/never accepted/)
  })

  it('with counts only, compares how many', () => {
    expect(judge(sends(5), receipts([0, 1]), [report({ count: 3 })]).problems).toEqual([])
    expect(judge(sends(5), receipts([0, 1]), [report({ count: 1 })]).totals.silentlyLost).toBe(2)
  })

  it('refuses reports where every message must arrive', () => {
    const v = judge(sends(3), receipts([0]), [report({ count: 2, firstSeq: 1, lastSeq: 2 })], { requireAllDelivered: true })
    expect(v.problems.join()).toMatch(/requires delivery/)
  })

  it('a reported message that did arrive is a problem unless the receiver was killed', () => {
    const observed = [sends(3), receipts([0, 1, 2]), [report({ count: 1, firstSeq: 2, lastSeq: 2 })]] as const
    expect(judge(...observed).problems.join()).toMatch(/reported undelivered but delivered/)
    expect(judge(...observed, { allowReportedButDelivered: true }).problems).toEqual([])
  })

  it('a restarted receiver: redelivery across lives is allowed when asked, duplicates within a life never', () => {
    const observed = [sends(4), [...receipts([0, 1], LIFE_B), ...receipts([1, 2, 3], LIFE_B2)], []] as const
    expect(judge(...observed).problems.join()).toMatch(/two lives/)
    const allowed = judge(...observed, { allowRedeliveryAcrossLives: true })
    expect(allowed.problems).toEqual([])
    expect(allowed.totals.redeliveredAcrossLives).toBe(1)
    expect(judge(sends(4), receipts([0, 1, 1, 2, 3], LIFE_B2), [], { allowRedeliveryAcrossLives: true }).totals.duplicates).toBe(1)
  })

  it('a killed sender owes nothing more, but what it delivered has no hole', () => {
    const dead = { deadSenders: new Set([LIFE_A]) }
    const prefix = judge(sends(10), receipts([0, 1, 2]), [], dead)
    expect(prefix.problems).toEqual([])
    expect(prefix.totals).toMatchObject({ lostWithSender: 7, silentlyLost: 0 })
    expect(judge(sends(10), receipts([0, 2]), [], dead).problems.join()).toMatch(/hole/)
  })

  it('a message delivered although send() rejected it is named', () => {
    expect(judge(sends(3, [1]), receipts([0, 1, 2]), []).problems.join()).toMatch(/although send\(\) rejected/)
  })

  it('counts receipts that no send produced', () => {
    const stray: Receipt = { receiver: B, receiverLife: LIFE_B, from: A, stream: 's', incarnation: 99, seq: 0 }
    expect(judge(sends(1), [...receipts([0]), stray], []).strays).toBe(1)
  })

  it('prints ranges compactly', () => {
    expect(ranges([5, 1, 2, 3, 9, 10])).toBe('[1-3, 5, 9-10]')
  })

  it('payloads carry incarnation and sequence; a damaged one does not parse', () => {
    const bytes = encodePayload(LIFE_A, 12345, 64)
    expect(decodePayload(bytes)).toEqual({ incarnation: LIFE_A, seq: 12345 })
    bytes[40] = (bytes[40] + 1) & 0xff
    expect(decodePayload(bytes)).toBeUndefined()
    expect(decodePayload(bytes.subarray(0, 8))).toBeUndefined()
  })
})
