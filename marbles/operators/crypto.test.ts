import { expect } from '@jest/globals'
import { TestScheduler } from 'rxjs/testing'
import { EMPTY, NEVER, Observable, from, map, mergeMap, take, throwError } from 'rxjs'
import { decryptWith, encryptWith } from '../../operators/index.js'
import { MAX_RECORD_COUNTER, RecordOpener, RecordSealer, recordSealerAt } from '../../lib/crypto/record-cipher.js'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { FrameDecoder, encodeFrame, encodeRecordBody, maxRecordFrameLength } from '../../lib/wire/index.js'

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })

/** One direction's fixed key; each cipher takes its own copy (ciphers zero their key). */
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1)
const sealer = (): RecordSealer => new RecordSealer(KEY.slice())
const opener = (): RecordOpener => new RecordOpener(KEY.slice())

const utf8 = new TextEncoder()
const text = new TextDecoder()
const bytes = (s: string): Uint8Array => utf8.encode(s)
const str = (b: Uint8Array): string => text.decode(b)

/** `ciphertext || tag` of each body, sealed in order by a fresh sealer: what decryptWith takes. */
function sealAll (bodies: Uint8Array[], from: RecordSealer = sealer()): Uint8Array[] {
  return bodies.map(body => {
    const { ciphertext, tag } = from.seal(body)
    const record = new Uint8Array(ciphertext.byteLength + tag.byteLength)
    record.set(ciphertext)
    record.set(tag, ciphertext.byteLength)
    return record
  })
}

/** The records of one message each. */
const records = (...messages: string[]): Uint8Array[] => sealAll(messages.map(m => encodeRecordBody([bytes(m)])))

/** A copy of `record` with one ciphertext bit flipped. */
function tamper (record: Uint8Array): Uint8Array {
  const copy = record.slice()
  copy[0] ^= 0x01
  return copy
}

/** Strips the frame prefixes, as a receiver does. */
const deframe = (decoder = new FrameDecoder(maxRecordFrameLength(1024))) =>
  (frames$: Observable<Uint8Array>): Observable<Uint8Array> => frames$.pipe(mergeMap(frame => decoder.push(frame)))

describe('encryptWith', () => {
  it('emits one frame per input: varint length || ciphertext || tag, sealed in order', () => {
    // The same frames, built independently with a twin sealer and encodeFrame.
    const [a, bc, d] = sealAll([encodeRecordBody([bytes('a')]), encodeRecordBody([bytes('b'), bytes('c')]), encodeRecordBody([bytes('d')])])
    const expected = { A: encodeFrame(a), B: encodeFrame(bc), D: encodeFrame(d) }
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array | readonly Uint8Array[]>('  -a--b--d--|', { a: bytes('a'), b: [bytes('b'), bytes('c')], d: bytes('d') })
      expectObservable(source.pipe(encryptWith(sealer()))).toBe('-A--B--D--|', expected)
      expectSubscriptions(source.subscriptions).toBe('          ^---------!')
    })
  })

  it('errors with NonceExhausted past the counter space, unsubscribes, and leaves the sealer to its owner', () => {
    const last = recordSealerAt(KEY.slice(), MAX_RECORD_COUNTER)
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array>('  -a-b-c-|', { a: bytes('a'), b: bytes('b'), c: bytes('c') })
      expectObservable(source.pipe(encryptWith(last)))
        .toBe('-A-#', { A: expect.any(Uint8Array) }, expect.objectContaining({ name: 'GlueberryError', code: ErrorCode.NonceExhausted }))
      expectSubscriptions(source.subscriptions).toBe('^--!')
    })
    expect(last.closed).toBe(false)
  })

  it('errors with SessionClosed once the sealer is destroyed, and with MalformedRecord for an empty batch', () => {
    const closed = sealer()
    closed.destroy()
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Uint8Array>('--a-|', { a: bytes('a') }).pipe(encryptWith(closed)))
        .toBe('--#', undefined, expect.objectContaining({ code: ErrorCode.SessionClosed }))
      expectObservable(cold<readonly Uint8Array[]>('--e-|', { e: [] }).pipe(encryptWith(sealer())))
        .toBe('--#', undefined, expect.objectContaining({ code: ErrorCode.MalformedRecord }))
    })
  })

  it('passes source errors and empty completion through; never seals anything for them', () => {
    const s = sealer()
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Uint8Array>('--#', undefined, new Error('boom')).pipe(encryptWith(s))).toBe('--#', undefined, new Error('boom'))
      expectObservable(cold<Uint8Array>('---|').pipe(encryptWith(s))).toBe('---|')
      expectObservable((EMPTY as Observable<Uint8Array>).pipe(encryptWith(s))).toBe('|')
      expectObservable((NEVER as Observable<Uint8Array>).pipe(encryptWith(s))).toBe('-')
    })
    expect(s.counter).toBe(0n)
    expect(s.closed).toBe(false)
  })

  it('unsubscribes from the source when unsubscribed, without destroying the sealer', () => {
    const s = sealer()
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array>('-a-b-c-|', { a: bytes('a'), b: bytes('b'), c: bytes('c') })
      // 1 prefix byte + 2 body bytes (varint 1, 'a') + 16 tag bytes
      expectObservable(source.pipe(encryptWith(s), map(f => f.byteLength)), '^---!').toBe('-x-x', { x: 19 })
      expectSubscriptions(source.subscriptions).toBe('^---!')
    })
    expect(s.counter).toBe(2n)
    expect(s.closed).toBe(false)
  })

  it('stops sealing a synchronous source after an error', () => {
    const s = sealer()
    const seen: string[] = []
    const inputs: Array<Uint8Array | readonly Uint8Array[]> = [bytes('a'), [], bytes('c'), bytes('d')]
    from(inputs).pipe(encryptWith(s)).subscribe({ next: () => seen.push('frame'), error: (e: unknown) => seen.push(e instanceof GlueberryError ? e.code : String(e)) })
    expect(seen).toEqual(['frame', ErrorCode.MalformedRecord])
    expect(s.counter).toBe(1n)
  })
})

describe('decryptWith', () => {
  it('round trip: encryptWith, deframe, decryptWith gives the messages in order, batches included', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array | readonly Uint8Array[]>('  -a--b-----c--|', {
        a: bytes('one'),
        b: [bytes('two'), bytes(''), bytes('three')],
        c: bytes('four')
      })
      const out = source.pipe(encryptWith(sealer()), deframe(), decryptWith(opener()), map(str))
      expectObservable(out).toBe('-a--(bxc)-d--|', { a: 'one', b: 'two', x: '', c: 'three', d: 'four' })
      expectSubscriptions(source.subscriptions).toBe('^------------!')
    })
  })

  it("drops a tampered record, reports it, and the records after it still open ('drop' is the default)", () => {
    const [r1, r2, r3, r4] = records('a', 'b', 'c', 'd')
    const reported: Array<[string, number]> = []
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array>('  -1-2-3-4-|', { 1: r1, 2: tamper(r2), 3: tamper(r3), 4: r4 })
      const out = source.pipe(decryptWith(opener(), { onError: (err, n) => reported.push([err.code, n]) }), map(str))
      expectObservable(out).toBe('-a-----d-|', { a: 'a', d: 'd' })
      expectSubscriptions(source.subscriptions).toBe('^--------!')
    })
    expect(reported).toEqual([[ErrorCode.DecryptionFailed, 1], [ErrorCode.DecryptionFailed, 2]])
  })

  it("'reset' completes at the tampered record and unsubscribes from the source", () => {
    const [r1, r2, r3] = records('a', 'b', 'c')
    const reported: string[] = []
    const o = opener()
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array>('  -1-2-3-|', { 1: r1, 2: tamper(r2), 3: r3 })
      const out = source.pipe(decryptWith(o, { policy: 'reset', onError: err => reported.push(err.code) }), map(str))
      expectObservable(out).toBe('-a-|', { a: 'a' })
      expectSubscriptions(source.subscriptions).toBe('^--!')
    })
    expect(reported).toEqual([ErrorCode.DecryptionFailed])
    expect(o.counter).toBe(2n)
    expect(o.closed).toBe(false)
  })

  it("'reset' opens nothing more from a synchronous source", () => {
    const [r1, r2, r3] = records('a', 'b', 'c')
    const o = opener()
    const seen: string[] = []
    from([r1, tamper(r2), r3]).pipe(decryptWith(o, { policy: 'reset' }), map(str))
      .subscribe({ next: m => seen.push(m), complete: () => seen.push('|') })
    expect(seen).toEqual(['a', '|'])
    expect(o.counter).toBe(2n)
  })

  it('treats a malformed body, an oversized message and a non-byte input as failed records', () => {
    const bodies = [
      encodeRecordBody([bytes('a')]),
      Uint8Array.of(0x05, 0x61), // declares 5 bytes, holds 1
      encodeRecordBody([bytes('too long')]),
      encodeRecordBody([bytes('b'), bytes('c')])
    ]
    const [r1, cut, big, r4] = sealAll(bodies)
    const reported: Array<[string, number]> = []
    scheduler().run(({ hot, expectObservable }) => {
      const source = hot<Uint8Array>('  -1-2-3-x-4----|', { 1: r1, 2: cut, 3: big, x: 'not bytes' as unknown as Uint8Array, 4: r4 })
      const out = source.pipe(decryptWith(opener(), { maxMessageSize: 4, onError: (err, n) => reported.push([err.code, n]) }), map(str))
      // The non-byte input consumes no counter value, so record 4 still opens.
      expectObservable(out).toBe('-a-------(bc)-|', { a: 'a', b: 'b', c: 'c' })
    })
    expect(reported).toEqual([[ErrorCode.MalformedRecord, 1], [ErrorCode.MalformedRecord, 2], [ErrorCode.MalformedRecord, 3]])
  })

  it('errors, rather than drops, when the opener can no longer open anything or onError throws', () => {
    const [r1, r2] = records('a', 'b')
    const closed = opener()
    closed.destroy()
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Uint8Array>('-1-|', { 1: r1 }).pipe(decryptWith(closed)))
        .toBe('-#', undefined, expect.objectContaining({ code: ErrorCode.SessionClosed }))
      const boom = new Error('handler failed')
      const throwing = decryptWith(opener(), { onError: () => { throw boom } })
      expectObservable(cold<Uint8Array>('-1-2-|', { 1: tamper(r1), 2: r2 }).pipe(throwing)).toBe('-#', undefined, boom)
    })
  })

  it('passes source errors through, completes an empty source, and stays silent on NEVER', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const [r1] = records('a')
      expectObservable(cold<Uint8Array>('-1-#', { 1: r1 }, new Error('boom')).pipe(decryptWith(opener()), map(str)))
        .toBe('-a-#', { a: 'a' }, new Error('boom'))
      expectObservable(cold<Uint8Array>('--|').pipe(decryptWith(opener()))).toBe('--|')
      expectObservable((EMPTY as Observable<Uint8Array>).pipe(decryptWith(opener()))).toBe('|')
      expectObservable((NEVER as Observable<Uint8Array>).pipe(decryptWith(opener()))).toBe('-')
      expectObservable(throwError(() => new Error('x')).pipe(decryptWith(opener()))).toBe('#', undefined, new Error('x'))
    })
  })

  it('unsubscribes from the source when unsubscribed, without destroying the opener', () => {
    const [r1, r2, r3] = records('a', 'b', 'c')
    const o = opener()
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot<Uint8Array>('-1-2-3-|', { 1: r1, 2: r2, 3: r3 })
      expectObservable(source.pipe(decryptWith(o), map(str)), '^---!').toBe('-a-b', { a: 'a', b: 'b' })
      expectSubscriptions(source.subscriptions).toBe('^---!')
    })
    expect(o.counter).toBe(2n)
    expect(o.closed).toBe(false)
  })

  it('stops at take(n) with a multi-message record and an infinite synchronous source', () => {
    const o = opener()
    const s = sealer()
    let pulled = 0
    const endless = new Observable<Uint8Array>((subscriber) => {
      while (!subscriber.closed) {
        pulled++
        subscriber.next(sealAll([encodeRecordBody([bytes('x'), bytes('y')])], s)[0])
      }
    })
    const seen: string[] = []
    endless.pipe(decryptWith(o), map(str), take(3)).subscribe(m => seen.push(m))
    expect(seen).toEqual(['x', 'y', 'x'])
    expect(pulled).toBe(2)
  })

  it('rejects a bad configuration at once', () => {
    expect(() => decryptWith(opener(), { maxMessageSize: -1 })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
    expect(() => decryptWith(opener(), { policy: 'emit' as 'drop' })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})
