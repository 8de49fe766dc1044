import fc from 'fast-check'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { ErrorCode } from '../../lib/errors.js'
import {
  MAX_RECORD_COUNTER,
  REKEY_INTERVAL,
  REKEY_LABEL,
  RecordOpener,
  RecordSealer,
  nextEpochKey,
  recordNonce
} from '../../lib/crypto/index.js'
import type { CryptoBackend } from '../../lib/crypto/index.js'
import { recordOpenerAt, recordSealerAt } from '../../lib/crypto/record-cipher.js'
import type { RecordSealer as FramerSealer } from '../../lib/streams/frame-encoders.js'
import type { RecordOpener as StreamOpener } from '../../lib/streams/ports.js'
import { BACKENDS, caught, expectCode, fromHex, hex, isZero, joinSealed, sequence } from './helpers.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const TWO_20 = BigInt(REKEY_INTERVAL)
const TWO_32 = 2n ** 32n

/** The rekey step written out with noble, independently of the library. */
function rekeyed (key: Uint8Array): Uint8Array {
  return hkdf(sha256, key, new Uint8Array(0), text('glueberry/2 rekey'), 32)
}

/** `count` records sealed from counter `start` with `key` (a fresh copy is handed over). */
function sealMany (backend: CryptoBackend, key: Uint8Array, count: number, start = 0n): Uint8Array[] {
  const sealer = recordSealerAt(key.slice(), start, { backend })
  const out: Uint8Array[] = []
  for (let i = 0; i < count; i++) out.push(joinSealed(sealer.seal(text(`record ${i}`))))
  return out
}

/** Feeds frames to an opener; returns each result as plaintext or error code. */
function feed (opener: RecordOpener, frames: Uint8Array[]): string[] {
  return frames.map((frame) => {
    try {
      return new TextDecoder().decode(opener.open(frame))
    } catch (err) {
      return caught(() => { throw err }).code
    }
  })
}

describe('recordNonce', () => {
  it('is 4 zero bytes then the counter as uint64 little-endian', () => {
    expect(hex(recordNonce(0n))).toBe('000000000000000000000000')
    expect(hex(recordNonce(1n))).toBe('000000000100000000000000')
    expect(hex(recordNonce(0x0102030405060708n))).toBe('000000000807060504030201')
    expect(hex(recordNonce(MAX_RECORD_COUNTER))).toBe('00000000feffffffffffffff')
  })

  it('refuses counters outside 0..2^64-2', () => {
    expect(MAX_RECORD_COUNTER).toBe(2n ** 64n - 2n)
    expectCode(() => recordNonce(MAX_RECORD_COUNTER + 1n), ErrorCode.InvalidKey)
    expectCode(() => recordNonce(-1n), ErrorCode.InvalidKey)
  })
})

describe('constants', () => {
  it('rekeys every 2^20 records with the documented label', () => {
    expect(REKEY_INTERVAL).toBe(2 ** 20)
    expect(REKEY_LABEL).toBe('glueberry/2 rekey')
  })

  it('fits the stream layer ports: what the framer seals through its port, the reader opens through its own', () => {
    const key = sequence(0x40, 32)
    const sealer: FramerSealer = new RecordSealer(key.slice())
    const opener: StreamOpener = new RecordOpener(key.slice())
    for (const message of ['first', '', 'third']) {
      const record = joinSealed(sealer.seal(text(message)))
      expect(opener.open(record)).toEqual(text(message))
    }
    const last = joinSealed(sealer.seal(text('after destroy')))
    sealer.destroy()
    opener.destroy()
    // destroy() through the port really releases the keys.
    expectCode(() => sealer.seal(text('x')), ErrorCode.SessionClosed)
    expectCode(() => opener.open(last), ErrorCode.SessionClosed)
  })
})

describe.each(BACKENDS)('record ciphers (%s)', (_name, backend) => {
  const K0 = sequence(0x40, 32)

  it('seals record n with nonce n under the current key; the counter is not on the wire', () => {
    const sealer = new RecordSealer(K0.slice(), { backend })
    for (let i = 0; i < 5; i++) {
      expect(sealer.counter).toBe(BigInt(i))
      const plaintext = text(`message ${i}`)
      const sealed = sealer.seal(plaintext)
      const expected = backend.seal(K0, recordNonce(BigInt(i)), plaintext)
      expect(hex(joinSealed(sealed))).toBe(hex(joinSealed(expected)))
      expect(sealed.ciphertext.byteLength + sealed.tag.byteLength).toBe(plaintext.byteLength + 16)
    }
    expect(sealer.counter).toBe(5n)
    expect(sealer.epoch).toBe(0n)
  })

  it('opens in lock-step with the sealer, for empty and large records too', () => {
    const sealer = new RecordSealer(K0.slice(), { backend })
    const opener = new RecordOpener(K0.slice(), { backend })
    for (const size of [0, 1, 100, 70_000]) {
      const plaintext = backend.randomBytes(size)
      expect(hex(opener.open(joinSealed(sealer.seal(plaintext))))).toBe(hex(plaintext))
    }
    expect(opener.counter).toBe(4n)
  })

  it('rekeys at 2^20 with HKDF(key, empty salt, "glueberry/2 rekey") and keeps counting', () => {
    const start = TWO_20 - 2n
    const owned = K0.slice()
    const sealer = recordSealerAt(owned, start, { backend })
    const opener = recordOpenerAt(K0.slice(), start, { backend })
    const K1 = rekeyed(K0)
    expect(hex(nextEpochKey(K0, backend))).toBe(hex(K1))
    const plain = [text('a'), text('b'), text('c'), text('d')]
    const sealed = plain.map((p) => joinSealed(sealer.seal(p)))
    expect(hex(sealed[0])).toBe(hex(joinSealed(backend.seal(K0, recordNonce(start), plain[0]))))
    expect(hex(sealed[1])).toBe(hex(joinSealed(backend.seal(K0, recordNonce(start + 1n), plain[1]))))
    // Record 2^20 is the first of epoch 1: new key, counter not reset.
    expect(hex(sealed[2])).toBe(hex(joinSealed(backend.seal(K1, recordNonce(TWO_20), plain[2]))))
    expect(hex(sealed[3])).toBe(hex(joinSealed(backend.seal(K1, recordNonce(TWO_20 + 1n), plain[3]))))
    expect(sealer.epoch).toBe(1n)
    expect(sealer.counter).toBe(TWO_20 + 2n)
    // The epoch-0 key the sealer owned is gone.
    expect(isZero(owned)).toBe(true)
    expect(feed(opener, sealed)).toEqual(['a', 'b', 'c', 'd'])
  })

  it('carries the counter across 2^32 (the low word wraps into the high word)', () => {
    const start = TWO_32 - 1n
    const sealer = recordSealerAt(K0.slice(), start, { backend })
    const first = joinSealed(sealer.seal(text('x')))
    const second = joinSealed(sealer.seal(text('y')))
    expect(hex(recordNonce(start))).toBe('00000000ffffffff00000000')
    expect(hex(first)).toBe(hex(joinSealed(backend.seal(K0, recordNonce(start), text('x')))))
    // 2^32 is also an epoch boundary (2^20 divides 2^32).
    expect(hex(second)).toBe(hex(joinSealed(backend.seal(rekeyed(K0), recordNonce(TWO_32), text('y')))))
    expect(sealer.counter).toBe(TWO_32 + 1n)
    expect(sealer.epoch).toBe(TWO_32 / TWO_20)
  })

  it('uses counter 2^64-2 last, then refuses with NonceExhausted and never wraps', () => {
    const owned = K0.slice()
    const sealer = recordSealerAt(owned, MAX_RECORD_COUNTER, { backend })
    const opener = recordOpenerAt(K0.slice(), MAX_RECORD_COUNTER, { backend })
    const last = joinSealed(sealer.seal(text('last')))
    expect(hex(last)).toBe(hex(joinSealed(backend.seal(K0, fromHex('00000000feffffffffffffff'), text('last')))))
    expect(sealer.counter).toBe(2n ** 64n - 1n)
    expectCode(() => sealer.seal(text('one more')), ErrorCode.NonceExhausted)
    expectCode(() => sealer.seal(text('and again')), ErrorCode.NonceExhausted)
    expect(sealer.counter).toBe(2n ** 64n - 1n)
    expect(isZero(owned)).toBe(true)
    expect(new TextDecoder().decode(opener.open(last))).toBe('last')
    expectCode(() => opener.open(last), ErrorCode.NonceExhausted)
    expect(opener.counter).toBe(2n ** 64n - 1n)
    sealer.destroy()
    expectCode(() => sealer.seal(text('closed')), ErrorCode.SessionClosed)
  })

  it('cannot be started past 2^64-2', () => {
    expectCode(() => recordSealerAt(K0.slice(), MAX_RECORD_COUNTER + 1n, { backend }), ErrorCode.InvalidKey)
  })

  describe('a record that fails to authenticate (GHSA-g9mp-8g3h-3c5c class)', () => {
    it('is reported, consumes exactly its one counter value, and the records after it open', () => {
      const frames = sealMany(backend, K0, 6)
      frames[2] = frames[2].slice()
      frames[2][0] ^= 0x01
      const opener = new RecordOpener(K0.slice(), { backend })
      expect(feed(opener, frames)).toEqual(['record 0', 'record 1', ErrorCode.DecryptionFailed, 'record 3', 'record 4', 'record 5'])
      expect(opener.counter).toBe(6n)
    })

    it('treats frames shorter than a tag, empty frames and tag-only tampering the same way', () => {
      const frames = sealMany(backend, K0, 5)
      frames[1] = frames[1].subarray(0, 15)
      frames[2] = new Uint8Array(0)
      frames[3] = frames[3].slice()
      frames[3][frames[3].byteLength - 1] ^= 0x80
      const opener = new RecordOpener(K0.slice(), { backend })
      expect(feed(opener, frames)).toEqual(['record 0', ErrorCode.DecryptionFailed, ErrorCode.DecryptionFailed, ErrorCode.DecryptionFailed, 'record 4'])
    })

    it('never changes the key, even when it fails right at the rekey boundary', () => {
      const start = TWO_20 - 2n
      const frames = sealMany(backend, K0, 4, start)
      frames[1] = frames[1].slice()
      frames[1][3] ^= 0xff // last record of epoch 0
      frames[2] = frames[2].slice()
      frames[2][3] ^= 0xff // first record of epoch 1
      const opener = recordOpenerAt(K0.slice(), start, { backend })
      expect(feed(opener, frames)).toEqual(['record 0', ErrorCode.DecryptionFailed, ErrorCode.DecryptionFailed, 'record 3'])
      expect(opener.epoch).toBe(1n)
    })

    it('rejects a replayed record: it lands at a later counter', () => {
      const frames = sealMany(backend, K0, 4)
      const opener = new RecordOpener(K0.slice(), { backend })
      // The attacker substitutes record 1 for record 2: only that position fails.
      expect(feed(opener, [frames[0], frames[1], frames[1], frames[3]]))
        .toEqual(['record 0', 'record 1', ErrorCode.DecryptionFailed, 'record 3'])
      // Replaying everything afterwards opens nothing.
      expect(feed(opener, frames)).toEqual(Array(4).fill(ErrorCode.DecryptionFailed))
      expect(opener.counter).toBe(8n)
    })

    it('does not rewind: a frame the sender never sent shifts every later counter (the transport rules that out)', () => {
      // On a reliable stream each frame is one sender record, so this cannot
      // happen without breaking libp2p's own transport encryption; if it did,
      // every later record fails and the "reset" decryption policy applies.
      const frames = sealMany(backend, K0, 3)
      const opener = new RecordOpener(K0.slice(), { backend })
      expect(feed(opener, [frames[0], backend.randomBytes(40), frames[1], frames[2]]))
        .toEqual(['record 0', ErrorCode.DecryptionFailed, ErrorCode.DecryptionFailed, ErrorCode.DecryptionFailed])
      expect(opener.counter).toBe(4n)
    })

    it('holds for any pattern of tampering, truncation, garbage and replay (property)', () => {
      const attack = fc.constantFrom('none', 'flip', 'truncate', 'garbage', 'replay')
      fc.assert(fc.property(fc.array(attack, { minLength: 1, maxLength: 24 }), fc.nat(), (attacks, seed) => {
        const frames = sealMany(backend, K0, attacks.length)
        const delivered = frames.map((frame, i) => {
          switch (attacks[i]) {
            case 'flip': {
              const copy = frame.slice()
              copy[seed % copy.byteLength] ^= 1 << (seed % 8)
              return copy
            }
            case 'truncate': return frame.subarray(0, seed % frame.byteLength)
            case 'garbage': return backend.randomBytes(seed % 64)
            // A record from another position (or, at position 0, from the future).
            case 'replay': return frames[i === 0 ? Math.min(1, frames.length - 1) : seed % i]
            default: return frame
          }
        })
        const opener = new RecordOpener(K0.slice(), { backend })
        const results = feed(opener, delivered)
        results.forEach((result, i) => {
          const intact = attacks[i] === 'none' || (attacks[i] === 'replay' && delivered[i] === frames[i])
          expect(result).toBe(intact ? `record ${i}` : ErrorCode.DecryptionFailed)
        })
        expect(opener.counter).toBe(BigInt(attacks.length))
      }), { numRuns: backend.name === 'noble' ? 60 : 150 })
    })
  })

  describe('close/destroy', () => {
    it('zeroes the key and makes every later call fail with SessionClosed', () => {
      const sealerKey = K0.slice()
      const openerKey = K0.slice()
      const sealer = new RecordSealer(sealerKey, { backend })
      const opener = new RecordOpener(openerKey, { backend })
      const frame = joinSealed(sealer.seal(text('before')))
      sealer.destroy()
      opener.close()
      expect(isZero(sealerKey)).toBe(true)
      expect(isZero(openerKey)).toBe(true)
      expect(sealer.closed).toBe(true)
      expect(opener.closed).toBe(true)
      expectCode(() => sealer.seal(text('after')), ErrorCode.SessionClosed)
      expectCode(() => opener.open(frame), ErrorCode.SessionClosed)
      sealer.destroy()
      opener.destroy()
    })
  })

  describe('bad input', () => {
    it('rejects keys that are not 32 bytes with InvalidKey', () => {
      for (const length of [0, 16, 31, 33]) {
        expectCode(() => new RecordSealer(new Uint8Array(length), { backend }), ErrorCode.InvalidKey)
        expectCode(() => new RecordOpener(new Uint8Array(length), { backend }), ErrorCode.InvalidKey)
      }
    })

    it('rejects a non-byte record without consuming a counter value', () => {
      const sealer = new RecordSealer(K0.slice(), { backend })
      const opener = new RecordOpener(K0.slice(), { backend })
      expectCode(() => sealer.seal('text' as unknown as Uint8Array), ErrorCode.InvalidKey)
      expectCode(() => opener.open(null as unknown as Uint8Array), ErrorCode.InvalidKey)
      expect(sealer.counter).toBe(0n)
      expect(opener.counter).toBe(0n)
      expect(new TextDecoder().decode(opener.open(joinSealed(sealer.seal(text('ok')))))).toBe('ok')
    })
  })
})

describe('record ciphers across backends', () => {
  it('a node sealer and a noble opener (and the reverse) interoperate across a rekey', () => {
    const [[, node], [, noble]] = BACKENDS
    const key = sequence(9, 32)
    const start = TWO_20 - 3n
    for (const [a, b] of [[node, noble], [noble, node]]) {
      const sealer = recordSealerAt(key.slice(), start, { backend: a })
      const opener = recordOpenerAt(key.slice(), start, { backend: b })
      for (let i = 0; i < 6; i++) {
        const plaintext = text(`m${i}`)
        expect(hex(opener.open(joinSealed(sealer.seal(plaintext))))).toBe(hex(plaintext))
      }
    }
  })
})
