import '../../lib/polyfill.js'
import { streamPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { ErrorCode } from '../../lib/errors.js'
import type { GlueberryError } from '../../lib/errors.js'
import { FrameReader } from '../../lib/streams/frame-reader.js'
import { FrameDecoder, encodeFrame } from '../../lib/wire/index.js'

async function pairWithReader (maxLength = 1024): Promise<{ writer: Stream, reader: FrameReader, ended: Promise<GlueberryError | undefined> }> {
  const [writer, readerStream] = await streamPair()
  let resolveEnd!: (e: GlueberryError | undefined) => void
  const ended = new Promise<GlueberryError | undefined>(resolve => { resolveEnd = resolve })
  const reader = new FrameReader(readerStream, new FrameDecoder(maxLength), { onEnd: resolveEnd })
  return { writer, reader, ended }
}

async function until (condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('FrameReader', () => {
  it('awaits frames with read(), then pushes the rest in order', async () => {
    const { writer, reader, ended } = await pairWithReader()
    writer.send(encodeFrame(Uint8Array.of(1)))
    expect([...await reader.read()]).toEqual([1])
    const got: number[] = []
    reader.start(frame => [frame], m => got.push(m[0]))
    writer.send(encodeFrame(Uint8Array.of(2)))
    writer.send(encodeFrame(Uint8Array.of(3)))
    await writer.close()
    expect(await ended).toBeUndefined()
    expect(got).toEqual([2, 3])
  })

  it('reports a stream that ends inside a frame as MalformedFrame', async () => {
    const { writer, reader, ended } = await pairWithReader()
    reader.start(() => undefined)
    const frame = encodeFrame(new Uint8Array(10))
    writer.send(frame.subarray(0, 5))
    await writer.close()
    expect(await ended).toMatchObject({ code: ErrorCode.MalformedFrame })
  })

  it('holds frames while paused and hands them over on resume', async () => {
    const { writer, reader } = await pairWithReader()
    const got: number[] = []
    reader.start(frame => [frame], m => got.push(m[0]))
    reader.pause()
    reader.pause()
    writer.send(encodeFrame(Uint8Array.of(7)))
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(got).toEqual([])
    reader.resume()
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(got).toEqual([]) // still one pause outstanding
    reader.resume()
    await until(() => got.length > 0)
    expect(got).toEqual([7])
    await writer.close()
  })

  it('fails with the decoder error (not a plain reset) on an oversized frame', async () => {
    const { writer, reader, ended } = await pairWithReader(8)
    reader.start(() => undefined)
    writer.send(encodeFrame(new Uint8Array(9)))
    expect(await ended).toMatchObject({ code: ErrorCode.FrameTooLarge })
  })

  it('refuses to change the length limit while bytes of a frame are buffered', async () => {
    const { writer, reader, ended } = await pairWithReader()
    writer.send(encodeFrame(Uint8Array.of(1)))
    await reader.read()
    writer.send(encodeFrame(new Uint8Array(4)).subarray(0, 3))
    await until(() => (reader as unknown as { deframer: FrameDecoder }).deframer.bufferedBytes > 0)
    reader.replaceDeframer(new FrameDecoder(2048))
    expect(await ended).toMatchObject({ code: ErrorCode.MalformedFrame })
  })

  it('detach() lets go of the stream: no more frames, no end, the stream stays open', async () => {
    const { writer, reader, ended } = await pairWithReader()
    writer.send(encodeFrame(Uint8Array.of(1)))
    expect([...await reader.read()]).toEqual([1])
    expect(reader.bufferedBytes).toBe(0)
    reader.detach()
    let endedEarly = false
    void ended.then(() => { endedEarly = true })
    const seen: number[] = []
    reader.stream.addEventListener('message', () => { seen.push(1) })
    writer.send(encodeFrame(Uint8Array.of(2)))
    await until(() => seen.length === 1)
    expect(endedEarly).toBe(false)
    expect(reader.stream.status).toBe('open')
  })

  it('bufferedBytes counts decoded frames held and a partial frame', async () => {
    const { writer, reader } = await pairWithReader()
    const frame = encodeFrame(new Uint8Array(10))
    writer.send(frame)
    writer.send(frame.subarray(0, 4))
    // The held frame's 10 bytes, and 3 payload bytes of the partial one (its 1-byte prefix is decoded).
    await until(() => reader.bufferedBytes === 10 + 3)
  })
})
