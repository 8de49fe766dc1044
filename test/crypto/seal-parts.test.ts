import { Uint8ArrayList } from 'uint8arraylist'
import { RecordOpener, RecordSealer } from '../../lib/crypto/record-cipher.js'
import { RecordFrameEncoder, SEAL_IN_PLACE_MIN } from '../../lib/streams/frame-encoders.js'
import { FrameDecoder, RECORD_TARGET_BYTES, maxRecordFrameLength, planRecords, splitRecordBody } from '../../lib/wire/index.js'
import { BACKENDS, hex, joinSealed } from './helpers.js'

const key = (): Uint8Array => new Uint8Array(32).fill(7)
const nonce = new Uint8Array(12).fill(1)

function bytes (size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

function join (parts: readonly Uint8Array[]): Uint8Array {
  const list = new Uint8ArrayList(...parts)
  return list.subarray()
}

describe.each(BACKENDS)('%s sealParts', (_name, backend) => {
  it('gives the same record as seal() of the concatenation, for any split, empty parts included', () => {
    const parts = [bytes(3, 1), new Uint8Array(0), bytes(5000, 2), bytes(1, 3), bytes(70_000, 4)]
    const sealed = backend.sealParts(key(), nonce, parts)
    const whole = backend.seal(key(), nonce, join(parts))
    expect(hex(join([...sealed.ciphertext, sealed.tag]))).toBe(hex(joinSealed(whole)))
    expect(hex(backend.open(key(), nonce, join([...sealed.ciphertext, sealed.tag])))).toBe(hex(join(parts)))
  })

  it('a RecordSealer advances its counter on sealParts as on seal', () => {
    const a = new RecordSealer(key(), { backend })
    const b = new RecordSealer(key(), { backend })
    a.seal(bytes(10, 0))
    b.sealParts([bytes(4, 0), bytes(6, 0)])
    expect(b.counter).toBe(1n)
    expect(hex(joinSealed(a.seal(bytes(20, 9))))).toBe(hex(joinSealed(b.seal(bytes(20, 9)))))
  })
})

describe('RecordFrameEncoder packs by planRecords and seals large messages in place', () => {
  it.each(BACKENDS)('%s: mixed sizes arrive whole and in order, in the records planRecords plans', (_name, backend) => {
    const sizes = [10, SEAL_IN_PLACE_MIN, 200, 100_000, 0, SEAL_IN_PLACE_MIN - 1, 30_000, 40_000, 5, RECORD_TARGET_BYTES]
    const messages = sizes.map((size, i) => bytes(size, i))
    const encoder = new RecordFrameEncoder(new RecordSealer(key(), { backend }), RECORD_TARGET_BYTES)
    for (const message of messages) encoder.add(message)
    const out = new Uint8ArrayList()
    const records = encoder.take(out)
    expect(records).toBe(planRecords(messages).length)
    const opener = new RecordOpener(key(), { backend })
    const frames = new FrameDecoder(maxRecordFrameLength(1 << 20)).push(out)
    const received = frames.flatMap((frame) => splitRecordBody(opener.open(frame), 1 << 20))
    expect(received.map(hex)).toEqual(messages.map(hex))
  })
})
