import { ErrorCode } from '../../lib/errors.js'
import { MAX_LENGTH, encodeRecordBody, recordBodyLength, splitRecordBody } from '../../lib/wire/index.js'
import { bytes, codeOf } from './helpers.js'

describe('record bodies', () => {
  it('encode each message as varint length || bytes', () => {
    expect(encodeRecordBody([bytes(1, 2), bytes(), bytes(3)])).toEqual(bytes(2, 1, 2, 0, 1, 3))
    expect(encodeRecordBody([bytes()])).toEqual(bytes(0))
    const big = new Uint8Array(200).fill(9)
    const body = encodeRecordBody([big])
    expect(body.subarray(0, 2)).toEqual(bytes(0xc8, 0x01))
    expect(body.byteLength).toBe(recordBodyLength([big]))
  })

  it('split back into views of the body', () => {
    const messages = [bytes(1, 2), bytes(), new Uint8Array(300).fill(3), bytes(4)]
    const body = encodeRecordBody(messages)
    const split = splitRecordBody(body, 1024)
    expect(split).toEqual(messages)
    for (const message of split) expect(message.buffer).toBe(body.buffer)
  })

  it('refuse to encode an empty record or a non-byte message', () => {
    expect(codeOf(() => encodeRecordBody([]))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => encodeRecordBody('ab' as unknown as Uint8Array[]))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => encodeRecordBody([bytes(1), [1, 2] as unknown as Uint8Array]))).toBe(ErrorCode.MalformedRecord)
  })

  it('refuse to encode a message above 2^32 - 1 bytes', () => {
    const huge = { byteLength: MAX_LENGTH + 1 } as unknown as Uint8Array
    Object.setPrototypeOf(huge, Uint8Array.prototype)
    expect(codeOf(() => encodeRecordBody([huge]))).toBe(ErrorCode.MessageTooLarge)
  })

  it('accept a message of exactly maxMessageSize and refuse one byte more', () => {
    const body = encodeRecordBody([new Uint8Array(100)])
    expect(splitRecordBody(body, 100)).toHaveLength(1)
    expect(codeOf(() => splitRecordBody(body, 99))).toBe(ErrorCode.MalformedRecord)
    expect(splitRecordBody(bytes(0, 0), 0)).toEqual([bytes(), bytes()])
  })

  it('refuse an empty body', () => {
    expect(codeOf(() => splitRecordBody(bytes(), 1024))).toBe(ErrorCode.MalformedRecord)
  })

  it('refuse a truncated message or length prefix', () => {
    expect(codeOf(() => splitRecordBody(bytes(3, 1, 2), 1024))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(bytes(1, 1, 0x80), 1024))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(bytes(0xff, 0xff), 2 ** 20))).toBe(ErrorCode.MalformedRecord)
  })

  it('refuse trailing garbage after the last message', () => {
    const body = encodeRecordBody([bytes(1, 2)])
    expect(codeOf(() => splitRecordBody(new Uint8Array([...body, 7]), 1024))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(new Uint8Array([...body, 0x80]), 1024))).toBe(ErrorCode.MalformedRecord)
  })

  it('refuse over-long and non-minimal length prefixes', () => {
    expect(codeOf(() => splitRecordBody(bytes(0x80, 0x00), 1024))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(bytes(0x81, 0x00, 0x00), 1024))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x00), MAX_LENGTH))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(bytes(0xff, 0xff, 0xff, 0xff, 0x0f), MAX_LENGTH))).toBe(ErrorCode.MalformedRecord)
  })

  it('refuse a body that is not bytes, and a bad limit', () => {
    expect(codeOf(() => splitRecordBody(null as unknown as Uint8Array, 10))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody([1, 1] as unknown as Uint8Array, 10))).toBe(ErrorCode.MalformedRecord)
    expect(codeOf(() => splitRecordBody(bytes(0), -1))).toBe(ErrorCode.InvalidConfig)
  })
})
