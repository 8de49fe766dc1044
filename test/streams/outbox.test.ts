/**
 * The outbox's watermarks count unacknowledged messages: small messages are
 * bounded by count, large ones by bytes (flow.highBytes), with the same high
 * and low. While the peer cannot take a stream, messages wait here, bounded,
 * and giving up reports exactly which ones.
 */
import { ErrorCode, GlueberryError, UndeliveredError } from '../../lib/errors.js'
import { PlainFrameEncoder } from '../../lib/streams/frame-encoders.js'
import { Outbox } from '../../lib/streams/outbox.js'

/** An outbox whose peer is away: nothing is ever transmitted or acknowledged. */
function outbox (highBytes: number, reported: GlueberryError[] = []): Outbox {
  return new Outbox({
    peer: 'p',
    name: 's',
    reliable: true,
    high: 1000,
    low: 100,
    highBytes,
    canOpen: () => false,
    open: async () => await Promise.reject(new Error('never')),
    report: (error) => { reported.push(error) }
  })
}

/** How many sends are accepted before the outbox reports it is blocked (at most `limit`). */
function acceptedBeforeBlocked (o: Outbox, size: number, limit: number): number {
  const data = new Uint8Array(size)
  for (let i = 1; i <= limit; i++) {
    o.send(data).catch(() => {})
    if (o.blocked) return i
  }
  return limit
}

const refusal = new GlueberryError(ErrorCode.NodeStopped, 'test over')

describe('Outbox watermarks', () => {
  it('blocks 64 KiB messages by bytes: 1 MiB of highBytes holds 16 of them, not 1000', () => {
    const o = outbox(1024 * 1024)
    // 1000 slots of 1048.576 bytes; a 64 KiB message takes 62.5 of them.
    expect(acceptedBeforeBlocked(o, 64 * 1024, 2000)).toBe(16)
    o.abandon('stopped', refusal)
  })

  it('blocks 64 B messages by count, at high', () => {
    const o = outbox(1024 * 1024)
    expect(acceptedBeforeBlocked(o, 64, 2000)).toBe(1000)
    o.abandon('stopped', refusal)
  })

  it('the default 16 MiB holds 16 messages of 1 MiB', () => {
    const o = outbox(16 * 1024 * 1024)
    expect(acceptedBeforeBlocked(o, 1024 * 1024, 2000)).toBe(16)
    o.abandon('stopped', refusal)
  })

  it('a message larger than highBytes is still accepted when the outbox is open (no deadlock)', async () => {
    const o = outbox(1024)
    await o.send(new Uint8Array(4096))
    expect(o.blocked).toBe(true)
    expect(o.unacked).toBe(1)
    o.abandon('stopped', refusal)
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

describe('Outbox loss reports', () => {
  it('abandon() reports exactly the unacknowledged range, rejects awaitDelivery and waiting senders, and keeps numbering', async () => {
    const reported: GlueberryError[] = []
    const o = outbox(1024 * 1024, reported)
    const delivered = o.send(Uint8Array.of(1), undefined, true)
    for (let i = 0; i < 999; i++) void o.send(Uint8Array.of(2))
    const waiting = o.send(Uint8Array.of(3)) // above high: waits for room
    expect(o.blocked).toBe(true)
    o.abandon('reconnect-given-up', new GlueberryError(ErrorCode.NotConnected, 'gone'))
    await expect(delivered).rejects.toBeInstanceOf(UndeliveredError)
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.NotConnected })
    expect(reported).toHaveLength(1)
    expect(reported[0]).toMatchObject({ code: ErrorCode.Undelivered, reason: 'reconnect-given-up', count: 1000, firstSeq: 0, lastSeq: 999, peer: 'p', stream: 's' })
    // The outbox stays usable, and a later message continues the sequence.
    expect(o.blocked).toBe(false)
    await o.send(Uint8Array.of(4))
    expect(o.nextSeq).toBe(1001)
    expect(o.firstUnacked).toBe(1000)
    o.abandon('stopped', refusal)
    expect(reported[1]).toMatchObject({ count: 1, firstSeq: 1000, lastSeq: 1000, reason: 'stopped' })
  })

  it('abandon() with nothing unacknowledged reports nothing', () => {
    const reported: GlueberryError[] = []
    outbox(1024, reported).abandon('stopped', refusal)
    expect(reported).toEqual([])
  })
})
