import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { FrameDecoder, MAX_LENGTH, encodeFrame, encodeFrameList, framePrefix } from '../../lib/wire/index.js'
import { bytes, caught, codeOf, concat } from './helpers.js'

const all = (decoder: FrameDecoder, chunk: Uint8Array | Uint8ArrayList): Uint8Array[] => [...decoder.decode(chunk)]

describe('frame encoding', () => {
  it('prefixes the payload with its varint length', () => {
    expect(encodeFrame(bytes())).toEqual(bytes(0))
    expect(encodeFrame(bytes(1, 2, 3))).toEqual(bytes(3, 1, 2, 3))
    const big = new Uint8Array(300).fill(7)
    const frame = encodeFrame(big)
    expect(frame.subarray(0, 2)).toEqual(bytes(0xac, 0x02))
    expect(frame.subarray(2)).toEqual(big)
  })

  it('gives the prefix alone for zero-copy writes', () => {
    expect(framePrefix(0)).toEqual(bytes(0))
    expect(framePrefix(300)).toEqual(bytes(0xac, 0x02))
    expect(framePrefix(MAX_LENGTH)).toEqual(bytes(0xff, 0xff, 0xff, 0xff, 0x0f))
    expect(codeOf(() => framePrefix(MAX_LENGTH + 1))).toBe(ErrorCode.FrameTooLarge)
    expect(codeOf(() => framePrefix(2 ** 53))).toBe(ErrorCode.FrameTooLarge)
    expect(codeOf(() => framePrefix(-1))).toBe(ErrorCode.MalformedFrame)
    expect(codeOf(() => framePrefix(1.5))).toBe(ErrorCode.MalformedFrame)
    expect(codeOf(() => framePrefix(NaN))).toBe(ErrorCode.MalformedFrame)
  })

  it('frames a list of chunks without copying them', () => {
    const a = bytes(1, 2)
    const b = bytes(3)
    const list = encodeFrameList([a, b])
    expect(list.subarray()).toEqual(bytes(3, 1, 2, 3))
    const pieces = [...list]
    expect(pieces[1]).toBe(a)
    expect(pieces[2]).toBe(b)
    expect(encodeFrameList(new Uint8ArrayList(a, b)).subarray()).toEqual(bytes(3, 1, 2, 3))
    expect(encodeFrameList([]).subarray()).toEqual(bytes(0))
  })
})

describe('FrameDecoder', () => {
  it('refuses a bad maxLength', () => {
    for (const bad of [-1, 1.5, NaN, MAX_LENGTH + 1, Infinity]) {
      expect(codeOf(() => new FrameDecoder(bad))).toBe(ErrorCode.InvalidConfig)
    }
    expect(new FrameDecoder(0).maxLength).toBe(0)
    expect(new FrameDecoder(MAX_LENGTH).maxLength).toBe(MAX_LENGTH)
  })

  it('decodes one frame from one chunk as a view of that chunk', () => {
    const decoder = new FrameDecoder(1024)
    const chunk = encodeFrame(bytes(9, 8, 7))
    const [frame, ...rest] = all(decoder, chunk)
    expect(rest).toEqual([])
    expect(frame).toEqual(bytes(9, 8, 7))
    expect(frame.buffer).toBe(chunk.buffer)
    expect(frame.byteOffset).toBe(1)
    expect(decoder.bufferedBytes).toBe(0)
    expect(() => { decoder.finish() }).not.toThrow()
  })

  it('decodes many frames from one chunk, in order, including empty ones', () => {
    const decoder = new FrameDecoder(1024)
    const payloads = [bytes(1), bytes(), bytes(2, 3), new Uint8Array(200).fill(4), bytes()]
    const chunk = concat(payloads.map(encodeFrame))
    const frames = all(decoder, chunk)
    expect(frames).toEqual(payloads)
    for (const frame of frames) expect(frame.buffer).toBe(chunk.buffer)
  })

  it('decodes a stream fed one byte at a time', () => {
    const decoder = new FrameDecoder(1024)
    const payloads = [bytes(1), bytes(), new Uint8Array(300).fill(5), bytes(6, 7)]
    const data = concat(payloads.map(encodeFrame))
    const frames: Uint8Array[] = []
    for (let i = 0; i < data.byteLength; i++) frames.push(...decoder.decode(data.subarray(i, i + 1)))
    expect(frames).toEqual(payloads)
    expect(decoder.bufferedBytes).toBe(0)
    decoder.finish()
  })

  it('joins a frame split across chunks (one copy) and counts what it holds', () => {
    const decoder = new FrameDecoder(1024)
    const payload = new Uint8Array(500).map((_, i) => i)
    const data = encodeFrame(payload)
    expect(all(decoder, data.subarray(0, 1))).toEqual([])
    expect(decoder.bufferedBytes).toBe(0) // a prefix byte is not held
    expect(all(decoder, data.subarray(1, 2))).toEqual([])
    expect(decoder.bufferedBytes).toBe(0)
    expect(all(decoder, data.subarray(2, 102))).toEqual([])
    expect(decoder.bufferedBytes).toBe(100)
    expect(all(decoder, data.subarray(102, 400))).toEqual([])
    expect(decoder.bufferedBytes).toBe(398)
    expect(all(decoder, data.subarray(400))).toEqual([payload])
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('takes Uint8ArrayList chunks', () => {
    const decoder = new FrameDecoder(1024)
    const data = concat([encodeFrame(bytes(1, 2, 3)), encodeFrame(bytes(4))])
    const list = new Uint8ArrayList(data.subarray(0, 2), data.subarray(2, 5), bytes(), data.subarray(5))
    expect(all(decoder, list)).toEqual([bytes(1, 2, 3), bytes(4)])
  })

  it('push() returns the frames of a chunk as an array', () => {
    const decoder = new FrameDecoder(1024)
    const data = concat([encodeFrame(bytes(1)), encodeFrame(bytes(2, 3))])
    expect(decoder.push(data.subarray(0, 3))).toEqual([bytes(1)])
    expect(decoder.push(data.subarray(3))).toEqual([bytes(2, 3)])
    expect(decoder.push(bytes())).toEqual([])
  })

  it('accepts exactly maxLength and refuses one more byte', () => {
    expect(all(new FrameDecoder(3), encodeFrame(bytes(1, 2, 3)))).toEqual([bytes(1, 2, 3)])
    expect(codeOf(() => all(new FrameDecoder(3), encodeFrame(bytes(1, 2, 3, 4))))).toBe(ErrorCode.FrameTooLarge)
    expect(all(new FrameDecoder(0), bytes(0, 0))).toEqual([bytes(), bytes()])
    expect(codeOf(() => all(new FrameDecoder(0), bytes(1)))).toBe(ErrorCode.FrameTooLarge)
  })

  describe('a prefix claiming 4 GiB', () => {
    const fourGiB = framePrefix(2 ** 32 - 1)
    const exactly4GiB = bytes(0x80, 0x80, 0x80, 0x80, 0x10) // 2^32, also 5 bytes

    it('throws FrameTooLarge when its last byte arrives, holding nothing before', () => {
      for (const prefix of [fourGiB, exactly4GiB]) {
        const decoder = new FrameDecoder(1024 * 1024)
        for (let i = 0; i < prefix.byteLength - 1; i++) {
          expect(all(decoder, prefix.subarray(i, i + 1))).toEqual([])
          expect(decoder.bufferedBytes).toBe(0)
        }
        const err = caught(() => all(decoder, prefix.subarray(prefix.byteLength - 1)))
        expect(err.code).toBe(ErrorCode.FrameTooLarge)
        expect(decoder.bufferedBytes).toBe(0)
      }
    })

    it('throws at once when the prefix comes whole, with or without payload bytes after it', () => {
      const decoder = new FrameDecoder(64 * 1024)
      const iterator = decoder.decode(concat([fourGiB, new Uint8Array(10_000)]))
      expect(codeOf(() => iterator.next())).toBe(ErrorCode.FrameTooLarge)
      expect(decoder.bufferedBytes).toBe(0)
      expect(codeOf(() => decoder.push(exactly4GiB))).toBe(ErrorCode.FrameTooLarge)
    })

    it('allocates nothing near its claimed size', () => {
      global.gc?.()
      const before = process.memoryUsage().arrayBuffers
      const decoder = new FrameDecoder(MAX_LENGTH) // even when the limit would allow it
      expect(all(decoder, concat([fourGiB, bytes(1, 2, 3)]))).toEqual([])
      expect(decoder.bufferedBytes).toBe(3)
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024)
    })
  })

  it('refuses over-long length prefixes as MalformedFrame', () => {
    // six bytes: no 32-bit length needs more than five
    expect(codeOf(() => all(new FrameDecoder(MAX_LENGTH), bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)))).toBe(ErrorCode.MalformedFrame)
    // refused on the 5th byte, without waiting for a 6th
    const decoder = new FrameDecoder(MAX_LENGTH)
    for (let i = 0; i < 4; i++) expect(decoder.push(bytes(0xff))).toEqual([])
    expect(codeOf(() => decoder.push(bytes(0xff)))).toBe(ErrorCode.MalformedFrame)
  })

  it('refuses non-minimal length prefixes as MalformedFrame', () => {
    for (const prefix of [bytes(0x80, 0x00), bytes(0x81, 0x00), bytes(0x80, 0x80, 0x00), bytes(0x85, 0x80, 0x80, 0x80, 0x00)]) {
      expect(codeOf(() => all(new FrameDecoder(1024), concat([prefix, new Uint8Array(5)])))).toBe(ErrorCode.MalformedFrame)
      const split = new FrameDecoder(1024)
      expect(split.push(prefix.subarray(0, 1))).toEqual([])
      expect(codeOf(() => split.push(prefix.subarray(1)))).toBe(ErrorCode.MalformedFrame)
    }
  })

  it('classifies a long minimal prefix above maxLength as FrameTooLarge', () => {
    // 3 bytes where maxLength needs 1: the value is necessarily above the limit
    expect(codeOf(() => all(new FrameDecoder(100), bytes(0x80, 0x80, 0x01)))).toBe(ErrorCode.FrameTooLarge)
  })

  it('stays failed and keeps throwing the same error, holding nothing', () => {
    const decoder = new FrameDecoder(10)
    const first = caught(() => decoder.push(concat([bytes(11), new Uint8Array(11)])))
    expect(first.code).toBe(ErrorCode.FrameTooLarge)
    expect(decoder.error).toBe(first)
    expect(caught(() => decoder.decode(encodeFrame(bytes(1))))).toBe(first)
    expect(caught(() => decoder.push(bytes()))).toBe(first)
    expect(caught(() => { decoder.finish() })).toBe(first)
    expect(decoder.bufferedBytes).toBe(0)
  })

  it('yields the good frames before a bad one in the same chunk, then throws', () => {
    const decoder = new FrameDecoder(10)
    const chunk = concat([encodeFrame(bytes(1)), encodeFrame(bytes(2)), bytes(0x80, 0x00), bytes(3)])
    const seen: Uint8Array[] = []
    const err = caught(() => { for (const frame of decoder.decode(chunk)) seen.push(frame) })
    expect(seen).toEqual([bytes(1), bytes(2)])
    expect(err.code).toBe(ErrorCode.MalformedFrame)
    // push() throws without returning them
    expect(codeOf(() => new FrameDecoder(10).push(chunk))).toBe(ErrorCode.MalformedFrame)
  })

  it('keeps the frames an iterator did not read for the next one', () => {
    const decoder = new FrameDecoder(10)
    const data = concat([1, 2, 3, 4].map(n => encodeFrame(bytes(n))))
    for (const frame of decoder.decode(data)) {
      expect(frame).toEqual(bytes(1))
      break
    }
    expect(decoder.bufferedBytes).toBe(6)
    expect(all(decoder, encodeFrame(bytes(5)))).toEqual([2, 3, 4, 5].map(n => bytes(n)))
  })

  it('keeps order when iterators of several chunks interleave', () => {
    const decoder = new FrameDecoder(10)
    const first = decoder.decode(concat([encodeFrame(bytes(1)), encodeFrame(bytes(2))]))
    const second = decoder.decode(concat([encodeFrame(bytes(3)), encodeFrame(bytes(4, 4))]).subarray(0, 4))
    expect(first.next().value).toEqual(bytes(1))
    expect(second.next().value).toEqual(bytes(2))
    expect(first.next().value).toEqual(bytes(3))
    expect(first.next().done).toBe(true)
    expect(second.next().done).toBe(true)
    expect(decoder.bufferedBytes).toBe(1)
    expect(all(decoder, bytes(4))).toEqual([bytes(4, 4)])
  })

  it('leaves a chunk untouched until its frames are read, and counts it', () => {
    const decoder = new FrameDecoder(10)
    const iterator = decoder.decode(encodeFrame(bytes(1, 2)))
    expect(decoder.bufferedBytes).toBe(3)
    expect([...iterator]).toEqual([bytes(1, 2)])
    expect(decoder.bufferedBytes).toBe(0)
  })

  describe('finish()', () => {
    it('passes on a clean boundary', () => {
      const decoder = new FrameDecoder(10)
      decoder.finish()
      expect(all(decoder, encodeFrame(bytes(1)))).toHaveLength(1)
      decoder.finish()
    })

    it('reports a frame cut short as MalformedFrame and fails the decoder', () => {
      const decoder = new FrameDecoder(10)
      expect(all(decoder, bytes(5, 1, 2))).toEqual([])
      const err = caught(() => { decoder.finish() })
      expect(err.code).toBe(ErrorCode.MalformedFrame)
      expect(err.message).toContain('2 of 5')
      expect(caught(() => decoder.push(bytes(3, 4, 5)))).toBe(err)
    })

    it('reports a length prefix cut short as MalformedFrame', () => {
      const decoder = new FrameDecoder(1024)
      expect(all(decoder, bytes(0x80))).toEqual([])
      expect(codeOf(() => { decoder.finish() })).toBe(ErrorCode.MalformedFrame)
    })

    it('reports a frame whose payload has not started as MalformedFrame', () => {
      const decoder = new FrameDecoder(1024)
      expect(all(decoder, bytes(3))).toEqual([])
      expect(codeOf(() => { decoder.finish() })).toBe(ErrorCode.MalformedFrame)
    })
  })

  it('only ever throws GlueberryError', () => {
    const err = caught(() => all(new FrameDecoder(1), bytes(2, 0, 0)))
    expect(err).toBeInstanceOf(GlueberryError)
  })
})
