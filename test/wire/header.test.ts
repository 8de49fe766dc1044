import { ErrorCode } from '../../lib/errors.js'
import {
  EPHEMERAL_KEY_LENGTH, SALT_LENGTH, STREAM_HEADER_LENGTH, decodeStreamHeader, encodeStreamHeader
} from '../../lib/wire/index.js'
import { caught, codeOf } from './helpers.js'

const salt = new Uint8Array(32).map((_, i) => i + 1)
const ephemeralKey = new Uint8Array(32).map((_, i) => 0xff - i)
const incarnation = Uint8Array.of(0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7)
const seq = 0x0102_0304_0506
const fields = { salt, ephemeralKey, incarnation, seq, maxMessageSize: 0x01020304 }

describe('stream header', () => {
  it('is version || salt || ephemeral key || incarnation || seq (u64 BE) || receive limit (u32 BE), 85 bytes', () => {
    expect([STREAM_HEADER_LENGTH, SALT_LENGTH, EPHEMERAL_KEY_LENGTH]).toEqual([85, 32, 32])
    const header = encodeStreamHeader(fields)
    expect(header.byteLength).toBe(85)
    expect(header[0]).toBe(0x03)
    expect(header.subarray(1, 33)).toEqual(salt)
    expect(header.subarray(33, 65)).toEqual(ephemeralKey)
    expect(header.subarray(65, 73)).toEqual(incarnation)
    expect(Array.from(header.subarray(73))).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4])
  })

  it('refuses a seq that is not a safe non-negative integer, both ways', () => {
    for (const bad of [-1, 1.5, Number.MAX_SAFE_INTEGER + 1, NaN]) {
      expect(codeOf(() => encodeStreamHeader({ ...fields, seq: bad }))).toBe(ErrorCode.InvalidHeader)
    }
    const header = encodeStreamHeader(fields)
    header.fill(0xff, 73, 81)
    expect(codeOf(() => decodeStreamHeader(header))).toBe(ErrorCode.InvalidHeader)
  })

  it('round-trips, returning copies of the fields', () => {
    const header = encodeStreamHeader(fields)
    const decoded = decodeStreamHeader(header)
    expect(decoded).toEqual({ version: 3, ...fields })
    header.fill(0)
    expect(decoded.salt).toEqual(salt)
    expect(decoded.ephemeralKey).toEqual(ephemeralKey)
  })

  it('decodes from a view inside a larger buffer, and from a Buffer', () => {
    const backing = new Uint8Array(100)
    backing.set(encodeStreamHeader(fields), 10)
    expect(decodeStreamHeader(backing.subarray(10, 95)).salt).toEqual(salt)
    const buffer = Buffer.from(encodeStreamHeader(fields))
    const decoded = decodeStreamHeader(buffer)
    buffer.fill(0)
    expect(decoded.ephemeralKey).toEqual(ephemeralKey)
  })

  it('refuses wrong field lengths and types on encode with InvalidHeader', () => {
    const bad: unknown[] = [
      { salt: salt.subarray(1), ephemeralKey },
      { salt, ephemeralKey: new Uint8Array(33) },
      { salt: new Uint8Array(0), ephemeralKey },
      { salt: Array.from(salt), ephemeralKey },
      { salt },
      { salt, ephemeralKey, seq: 0, maxMessageSize: 0 },
      { ...fields, maxMessageSize: -1 },
      { ...fields, maxMessageSize: 2 ** 32 },
      { salt, ephemeralKey, incarnation: new Uint8Array(7), seq: 0, maxMessageSize: 0 },
      {},
      null,
      undefined
    ]
    for (const value of bad) {
      expect(codeOf(() => encodeStreamHeader(value as typeof fields))).toBe(ErrorCode.InvalidHeader)
    }
  })

  it('refuses a wrong length on decode with InvalidHeader', () => {
    const header = encodeStreamHeader(fields)
    for (const bytes of [new Uint8Array(0), header.subarray(0, 1), header.subarray(0, 84), new Uint8Array([...header, 0]), new Uint8Array(1000).fill(3, 0, 1)]) {
      expect(codeOf(() => decodeStreamHeader(bytes))).toBe(ErrorCode.InvalidHeader)
    }
    expect(codeOf(() => decodeStreamHeader(undefined as unknown as Uint8Array))).toBe(ErrorCode.InvalidHeader)
    expect(codeOf(() => decodeStreamHeader('x'.repeat(85) as unknown as Uint8Array))).toBe(ErrorCode.InvalidHeader)
  })

  it('refuses another version with UnsupportedVersion, naming it', () => {
    for (const version of [0, 1, 2, 4, 0x20, 0xff]) {
      const header = encodeStreamHeader(fields)
      header[0] = version
      const err = caught(() => decodeStreamHeader(header))
      expect(err.code).toBe(ErrorCode.UnsupportedVersion)
      expect(err.message).toContain(`version ${version}`)
    }
    // A v2 peer's 65-byte header is named as version 2, not as a wrong length.
    const v2 = new Uint8Array(65)
    v2[0] = 2
    expect(caught(() => decodeStreamHeader(v2)).message).toContain('version 2')
  })
})
