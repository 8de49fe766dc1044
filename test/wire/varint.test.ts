import { ErrorCode } from '../../lib/errors.js'
import {
  MAX_LENGTH, MAX_VARINT_BYTES, checkLimit, encodeVarint, readVarint, varintLength, writeVarint
} from '../../lib/wire/varint.js'
import { bytes, codeOf } from './helpers.js'

const read = (buf: Uint8Array, offset = 0): number => readVarint(buf, offset, buf.byteLength, ErrorCode.MalformedFrame)

describe('varint', () => {
  it('encodes lengths minimally, little-endian groups of 7 bits', () => {
    expect(encodeVarint(0)).toEqual(bytes(0x00))
    expect(encodeVarint(127)).toEqual(bytes(0x7f))
    expect(encodeVarint(128)).toEqual(bytes(0x80, 0x01))
    expect(encodeVarint(300)).toEqual(bytes(0xac, 0x02))
    expect(encodeVarint(16_384)).toEqual(bytes(0x80, 0x80, 0x01))
    expect(encodeVarint(MAX_LENGTH)).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0x0f))
  })

  it('reports the encoded length', () => {
    expect([0, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, MAX_LENGTH].map(varintLength))
      .toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
  })

  it('writes into a buffer at an offset and returns the bytes written', () => {
    const buf = new Uint8Array(4)
    expect(writeVarint(300, buf, 1)).toBe(2)
    expect(buf).toEqual(bytes(0, 0xac, 0x02, 0))
  })

  it('reads back every boundary value, and reads at an offset', () => {
    for (const value of [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 32, MAX_LENGTH]) {
      expect(read(encodeVarint(value))).toBe(value)
    }
    expect(read(bytes(0xff, 0xac, 0x02, 0x99), 1)).toBe(300)
  })

  it('reads 5-byte values above 2^32 exactly (range checks are the caller\'s)', () => {
    expect(read(bytes(0x80, 0x80, 0x80, 0x80, 0x10))).toBe(2 ** 32)
    expect(read(bytes(0xff, 0xff, 0xff, 0xff, 0x7f))).toBe(2 ** 35 - 1)
  })

  it('returns -1 when the bytes end before the varint', () => {
    expect(read(bytes())).toBe(-1)
    expect(read(bytes(0x80))).toBe(-1)
    expect(read(bytes(0xff, 0xff, 0xff, 0xff))).toBe(-1)
    expect(readVarint(bytes(0xac, 0x02), 0, 1, ErrorCode.MalformedFrame)).toBe(-1)
  })

  it('rejects non-minimal encodings with the given code', () => {
    expect(codeOf(() => read(bytes(0x80, 0x00)))).toBe(ErrorCode.MalformedFrame)
    expect(codeOf(() => read(bytes(0x81, 0x00)))).toBe(ErrorCode.MalformedFrame)
    expect(codeOf(() => read(bytes(0xff, 0x80, 0x80, 0x00)))).toBe(ErrorCode.MalformedFrame)
    expect(codeOf(() => readVarint(bytes(0x80, 0x00), 0, 2, ErrorCode.MalformedRecord))).toBe(ErrorCode.MalformedRecord)
  })

  it('rejects a varint longer than 5 bytes as soon as the 5th byte continues', () => {
    expect(MAX_VARINT_BYTES).toBe(5)
    expect(codeOf(() => read(bytes(0x80, 0x80, 0x80, 0x80, 0x80)))).toBe(ErrorCode.MalformedFrame)
    expect(codeOf(() => read(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)))).toBe(ErrorCode.MalformedFrame)
  })

  it('checks limits as integers in [min, 2^32 - 1]', () => {
    expect(checkLimit('x', 0)).toBe(0)
    expect(checkLimit('x', MAX_LENGTH)).toBe(MAX_LENGTH)
    for (const bad of [-1, 1.5, NaN, Infinity, MAX_LENGTH + 1, '5', undefined]) {
      expect(codeOf(() => checkLimit('x', bad))).toBe(ErrorCode.InvalidConfig)
    }
    expect(codeOf(() => checkLimit('x', 0, 1))).toBe(ErrorCode.InvalidConfig)
  })
})
