import { ErrorCode } from '../../lib/errors.js'
import {
  EPHEMERAL_KEY_LENGTH, SALT_LENGTH, STREAM_HEADER_LENGTH, decodeStreamHeader, encodeStreamHeader
} from '../../lib/wire/index.js'
import { caught, codeOf } from './helpers.js'

const salt = new Uint8Array(32).map((_, i) => i + 1)
const ephemeralKey = new Uint8Array(32).map((_, i) => 0xff - i)

describe('stream header', () => {
  it('is version || salt || ephemeral key, 65 bytes', () => {
    expect([STREAM_HEADER_LENGTH, SALT_LENGTH, EPHEMERAL_KEY_LENGTH]).toEqual([65, 32, 32])
    const header = encodeStreamHeader({ salt, ephemeralKey })
    expect(header.byteLength).toBe(65)
    expect(header[0]).toBe(0x02)
    expect(header.subarray(1, 33)).toEqual(salt)
    expect(header.subarray(33)).toEqual(ephemeralKey)
  })

  it('round-trips, returning copies of the fields', () => {
    const header = encodeStreamHeader({ salt, ephemeralKey })
    const decoded = decodeStreamHeader(header)
    expect(decoded).toEqual({ version: 2, salt, ephemeralKey })
    header.fill(0)
    expect(decoded.salt).toEqual(salt)
    expect(decoded.ephemeralKey).toEqual(ephemeralKey)
  })

  it('decodes from a view inside a larger buffer, and from a Buffer', () => {
    const backing = new Uint8Array(100)
    backing.set(encodeStreamHeader({ salt, ephemeralKey }), 10)
    expect(decodeStreamHeader(backing.subarray(10, 75)).salt).toEqual(salt)
    const buffer = Buffer.from(encodeStreamHeader({ salt, ephemeralKey }))
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
      {},
      null,
      undefined
    ]
    for (const fields of bad) {
      expect(codeOf(() => encodeStreamHeader(fields as { salt: Uint8Array, ephemeralKey: Uint8Array }))).toBe(ErrorCode.InvalidHeader)
    }
  })

  it('refuses a wrong length on decode with InvalidHeader', () => {
    const header = encodeStreamHeader({ salt, ephemeralKey })
    for (const bytes of [new Uint8Array(0), header.subarray(0, 1), header.subarray(0, 64), new Uint8Array([...header, 0]), new Uint8Array(1000)]) {
      expect(codeOf(() => decodeStreamHeader(bytes))).toBe(ErrorCode.InvalidHeader)
    }
    expect(codeOf(() => decodeStreamHeader(undefined as unknown as Uint8Array))).toBe(ErrorCode.InvalidHeader)
    expect(codeOf(() => decodeStreamHeader('x'.repeat(65) as unknown as Uint8Array))).toBe(ErrorCode.InvalidHeader)
  })

  it('refuses another version with UnsupportedVersion, naming it', () => {
    for (const version of [0, 1, 3, 0x20, 0xff]) {
      const header = encodeStreamHeader({ salt, ephemeralKey })
      header[0] = version
      const err = caught(() => decodeStreamHeader(header))
      expect(err.code).toBe(ErrorCode.UnsupportedVersion)
      expect(err.message).toContain(`version ${version}`)
    }
  })
})
