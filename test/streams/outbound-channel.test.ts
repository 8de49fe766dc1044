/**
 * OutboundChannel's watermarks: small messages are bounded by count, large
 * ones by bytes (flow.highBytes), with the same high and low.
 */
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { PlainFrameEncoder } from '../../lib/streams/frame-encoders.js'
import { OutboundChannel } from '../../lib/streams/outbound-channel.js'

/** A stream that never opens: every message stays in the channel's queue. */
function channel (highBytes: number): OutboundChannel {
  return new OutboundChannel({
    peer: 'p',
    name: 's',
    high: 1000,
    low: 100,
    highBytes,
    open: async (signal) => await new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    }),
    onClose: () => {}
  })
}

/** How many sends are admitted before the channel reports it is blocked (at most `limit`). */
async function admittedBeforeBlocked (c: OutboundChannel, size: number, limit: number): Promise<number> {
  const data = new Uint8Array(size)
  for (let i = 1; i <= limit; i++) {
    c.send(data).catch(() => {})
    if (c.blocked) return i
  }
  return limit
}

describe('OutboundChannel watermarks', () => {
  const stop = (c: OutboundChannel): void => { c.abort(new GlueberryError(ErrorCode.NodeStopped, 'test over')) }

  it('blocks 64 KiB messages by bytes: 1 MiB of highBytes holds 16 of them, not 1000', async () => {
    const c = channel(1024 * 1024)
    // 1000 slots of 1048.576 bytes; a 64 KiB message takes 62.5 of them.
    expect(await admittedBeforeBlocked(c, 64 * 1024, 2000)).toBe(16)
    stop(c)
  })

  it('blocks 64 B messages by count, at high', async () => {
    const c = channel(1024 * 1024)
    expect(await admittedBeforeBlocked(c, 64, 2000)).toBe(1000)
    stop(c)
  })

  it('the default 16 MiB holds 16 messages of 1 MiB', async () => {
    const c = channel(16 * 1024 * 1024)
    expect(await admittedBeforeBlocked(c, 1024 * 1024, 2000)).toBe(16)
    stop(c)
  })

  it('a message larger than highBytes is still admitted when the queue is open (no deadlock)', async () => {
    const c = channel(1024)
    await c.send(new Uint8Array(4096))
    expect(c.blocked).toBe(true)
    expect(c.queued).toBe(1)
    stop(c)
  })

  it('a plain encoder counts its pending bytes', () => {
    const e = new PlainFrameEncoder()
    e.add(new Uint8Array(10))
    e.add(new Uint8Array(5))
    expect(e.pendingBytes).toBe(15)
    e.destroy()
    expect(e.pendingBytes).toBe(0)
  })
})
