import { ErrorCode } from '../../lib/errors.js'
import {
  DEFAULT_MAX_STREAM_NAME_BYTES, HANDSHAKE_PROTOCOL, PROTOCOL_VERSION, protocolIdFor, streamNameFromProtocol,
  validateEncryptedStreamName, validateStreamName
} from '../../lib/wire/index.js'
import { caught, codeOf } from './helpers.js'

describe('stream names', () => {
  it('accepts letters, decimal digits, - and _ from any script', () => {
    for (const name of ['messages', 'blocks', 'tx-pool_2', 'A', '9', '-', '_', 'Ünïcødé', 'блоки', '区块', 'ブロック', '٣٤', '𝒜𝒷', 'handshake']) {
      expect(() => { validateStreamName(name) }).not.toThrow()
    }
  })

  it('refuses empty names, other characters and non-strings', () => {
    const bad: unknown[] = ['', ' ', 'a b', 'a/b', 'a.b', 'a:b', 'tab\t', 'new\nline', 'e\u0301', '😀', '½', 'Ⅻ', '\ud800',
      'a\u0000', 'x+y', undefined, null, 42, {}, ['a'], Symbol('s')]
    for (const name of bad) {
      expect(codeOf(() => { validateStreamName(name) })).toBe(ErrorCode.InvalidStreamName)
    }
  })

  it('limits the UTF-8 byte length, not the character count', () => {
    expect(DEFAULT_MAX_STREAM_NAME_BYTES).toBe(64)
    expect(() => { validateStreamName('a'.repeat(64)) }).not.toThrow()
    expect(codeOf(() => { validateStreamName('a'.repeat(65)) })).toBe(ErrorCode.InvalidStreamName)
    expect(() => { validateStreamName('é'.repeat(32)) }).not.toThrow() // 2 bytes each
    expect(codeOf(() => { validateStreamName('é'.repeat(33)) })).toBe(ErrorCode.InvalidStreamName)
    expect(() => { validateStreamName('区'.repeat(21) + 'a') }).not.toThrow() // 3 bytes each: 64
    expect(codeOf(() => { validateStreamName('区'.repeat(22)) })).toBe(ErrorCode.InvalidStreamName)
    expect(() => { validateStreamName('𝒜'.repeat(16)) }).not.toThrow() // 4 bytes each
    expect(codeOf(() => { validateStreamName('𝒜'.repeat(16) + 'a') })).toBe(ErrorCode.InvalidStreamName)
    expect(codeOf(() => { validateStreamName('a'.repeat(1_000_000)) })).toBe(ErrorCode.InvalidStreamName)
  })

  it('takes another limit, and refuses a bad one', () => {
    expect(() => { validateStreamName('abcd', 4) }).not.toThrow()
    expect(codeOf(() => { validateStreamName('abcde', 4) })).toBe(ErrorCode.InvalidStreamName)
    expect(codeOf(() => { validateStreamName('a', 0) })).toBe(ErrorCode.InvalidConfig)
    expect(codeOf(() => { validateStreamName('a', 1.5) })).toBe(ErrorCode.InvalidConfig)
  })

  it('names the stream in the error when it is a string', () => {
    expect(caught(() => { validateStreamName('a b') }).stream).toBe('a b')
  })

  it('reserves handshake for the plaintext stream', () => {
    expect(() => { validateEncryptedStreamName('messages') }).not.toThrow()
    expect(codeOf(() => { validateEncryptedStreamName('handshake') })).toBe(ErrorCode.InvalidStreamName)
    expect(() => { validateEncryptedStreamName('Handshake') }).not.toThrow()
    expect(codeOf(() => { validateEncryptedStreamName('') })).toBe(ErrorCode.InvalidStreamName)
    expect(codeOf(() => { validateEncryptedStreamName(7) })).toBe(ErrorCode.InvalidStreamName)
  })
})

describe('protocol ids', () => {
  it('are version 2', () => {
    expect(PROTOCOL_VERSION).toBe(2)
    expect(HANDSHAKE_PROTOCOL).toBe('/glueberry/stream/handshake/2.0.0')
    expect(protocolIdFor('messages')).toBe('/glueberry/stream/messages/2.0.0')
    expect(protocolIdFor('блоки')).toBe('/glueberry/stream/блоки/2.0.0')
  })

  it('refuse invalid names', () => {
    expect(codeOf(() => protocolIdFor('a/b'))).toBe(ErrorCode.InvalidStreamName)
    expect(codeOf(() => protocolIdFor(''))).toBe(ErrorCode.InvalidStreamName)
    expect(codeOf(() => protocolIdFor('abcde', 4))).toBe(ErrorCode.InvalidStreamName)
  })

  it('parse back to the stream name', () => {
    expect(streamNameFromProtocol(HANDSHAKE_PROTOCOL)).toBe('handshake')
    for (const name of ['messages', 'tx-pool_2', '区块']) {
      expect(streamNameFromProtocol(protocolIdFor(name))).toBe(name)
    }
  })

  it('report another version as UnsupportedVersion, naming it', () => {
    const err = caught(() => streamNameFromProtocol('/glueberry/stream/messages/1.0.0'))
    expect(err.code).toBe(ErrorCode.UnsupportedVersion)
    expect(err.message).toContain('1.0.0')
    expect(codeOf(() => streamNameFromProtocol('/glueberry/stream/handshake/2.1.0'))).toBe(ErrorCode.UnsupportedVersion)
  })

  it('refuse anything else as InvalidStreamName', () => {
    const bad: unknown[] = ['', '/glueberry/stream/', '/glueberry/stream/2.0.0', '/glueberry/stream//2.0.0',
      '/glueberry/stream/a b/2.0.0', '/glueberry/stream/a/b/2.0.0', '/glueberry/stream/messages/2.0',
      '/glueberry/stream/messages/v2', '/glueberry/stream/messages', '/glueberry/handshake/1.0.0',
      '/ipfs/ping/1.0.0', 'glueberry/stream/messages/2.0.0', `/glueberry/stream/${'a'.repeat(65)}/2.0.0`, 42, undefined]
    for (const id of bad) {
      expect(codeOf(() => streamNameFromProtocol(id as string))).toBe(ErrorCode.InvalidStreamName)
    }
  })
})
