import fc from 'fast-check'
import { bytesEqual, utf8Length } from '../../lib/wire/bytes.js'

describe('utf8Length', () => {
  const encoder = new TextEncoder()

  it('counts what TextEncoder writes, lone surrogates included (as U+FFFD)', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => {
      expect(utf8Length(text)).toBe(encoder.encode(text).byteLength)
    }), { numRuns: 2000 })
  })

  it.each([
    ['ascii', 'abc', 3],
    ['two-byte', 'é', 2],
    ['three-byte', '€', 3],
    ['a surrogate pair', '😀', 4],
    ['a lone high surrogate before a letter', '\ud83dx', 4],
    ['a lone low surrogate', '\ude00', 3]
  ])('%s', (_name, text, bytes) => {
    expect(utf8Length(text)).toBe(bytes)
  })
})

describe('bytesEqual', () => {
  it('is true exactly for the same bytes', () => {
    fc.assert(fc.property(fc.uint8Array(), fc.uint8Array(), (a, b) => {
      expect(bytesEqual(a, b)).toBe(Buffer.compare(a, b) === 0)
      expect(bytesEqual(a, Uint8Array.from(a))).toBe(true)
    }))
  })
})
