/**
 * Every path on which accepted messages can no longer be delivered reports
 * exactly which ones (UndeliveredError: peer, stream, count, first and last
 * sequence, reason), and awaitDelivery callers are rejected with it.
 */
import { ConnectionState, ErrorCode, UndeliveredError } from '../../lib/index.js'
import { outboxState, suppressAcks } from '../../lib/testing/index.js'
import { establishedPair, stopAll, waitForState } from '../helpers/nodes.js'
import { collect, encode, fast, nextUndelivered, until } from './helpers.js'

afterEach(async () => { await stopAll() })

/** a sends `count` messages to b that b emits but never acknowledges. */
async function unacknowledged (count: number, options = fast): Promise<Awaited<ReturnType<typeof establishedPair>>> {
  const pair = await establishedPair(['chat'], options)
  const { a, b } = pair
  // One acknowledged message first: the reports below must start after it.
  await a.send(b.peerId, 'chat', encode(0), { awaitDelivery: true })
  suppressAcks(b)
  const got = collect(b, a.peerId, count)
  for (let i = 1; i <= count; i++) await a.send(b.peerId, 'chat', encode(i))
  await got
  expect(outboxState(a, b.peerId, 'chat')).toMatchObject({ unacked: count, firstUnacked: 1 })
  return pair
}

describe('loss is reported, exactly', () => {
  it('blacklist(): reason blacklisted, and awaitDelivery rejects with the same error', async () => {
    const { a, b } = await unacknowledged(10)
    const waiting = a.send(b.peerId, 'chat', encode(11), { awaitDelivery: true }).then(() => 'delivered', (err: unknown) => err)
    const reported = nextUndelivered(a)
    await a.blacklist(b.peerId)
    const error = await reported
    expect(error).toMatchObject({ code: ErrorCode.Undelivered, reason: 'blacklisted', peer: b.peerId, stream: 'chat', count: 11, firstSeq: 1, lastSeq: 11 })
    expect(await waiting).toBe(error)
    expect(a.peerStats(b.peerId)?.streams.chat).toMatchObject({ messagesUndelivered: 11, messagesAcked: 1, messagesUnacked: 0 })
  })

  it('disconnect() past drainTimeout: reason disconnected; afterwards send() throws NOT_CONNECTED', async () => {
    const { a, b } = await unacknowledged(7, { ...fast, drainTimeout: 200 })
    const reported = nextUndelivered(a)
    await a.disconnect(b.peerId)
    expect(await reported).toMatchObject({ reason: 'disconnected', count: 7, firstSeq: 1, lastSeq: 7 })
    await expect(a.send(b.peerId, 'chat', encode(99))).rejects.toMatchObject({ code: ErrorCode.NotConnected })
  })

  it('reconnection given up: reason reconnect-given-up, once the peer is Disconnected for good', async () => {
    const { a, b } = await unacknowledged(5, { reconnect: { baseDelay: 20, maxDelay: 20, jitter: 0, maxAttempts: 2 } })
    const reported = nextUndelivered(a, 20_000)
    await b.stop()
    const error = await reported
    expect(error).toMatchObject({ reason: 'reconnect-given-up', count: 5, firstSeq: 1, lastSeq: 5 })
    expect(a.state(b.peerId)).toBe(ConnectionState.Disconnected)
  })

  it('while reconnecting, sends are kept (bounded), then reported when the peer is given up', async () => {
    const { a, b } = await establishedPair(['chat'], { reconnect: { baseDelay: 300, maxDelay: 300, jitter: 0, maxAttempts: 3 }, flow: { high: 50, low: 5 } })
    await b.stop()
    await waitForState(a, b.peerId, ConnectionState.Reconnecting)
    // Accepted while reconnecting, up to the high watermark; the next one waits for room.
    for (let i = 0; i < 50; i++) await a.send(b.peerId, 'chat', encode(i))
    expect(outboxState(a, b.peerId, 'chat')).toMatchObject({ unacked: 50, blocked: true })
    const waiting = a.send(b.peerId, 'chat', encode(50))
    const reported = nextUndelivered(a, 20_000)
    expect(await reported).toMatchObject({ reason: 'reconnect-given-up', count: 50, firstSeq: 0, lastSeq: 49 })
    // The sender that waited for room was never accepted: it is told, not counted as lost.
    await expect(waiting).rejects.toMatchObject({ code: ErrorCode.NotConnected })
  })

  it('removePeer() while connected: reported as peer-removed when that connection ends (no reconnection)', async () => {
    const { a, b } = await unacknowledged(3)
    await a.removePeer(b.peerId)
    const reported = nextUndelivered(a)
    await b.stop()
    expect(await reported).toMatchObject({ reason: 'peer-removed', count: 3, firstSeq: 1, lastSeq: 3 })
  })

  it('stop(): reason stopped, awaitDelivery rejects', async () => {
    const { a, b } = await unacknowledged(4, { ...fast, drainTimeout: 200 })
    const waiting = a.send(b.peerId, 'chat', encode(5), { awaitDelivery: true }).then(() => 'delivered', (err: unknown) => err)
    const reported = nextUndelivered(a)
    await a.stop()
    const error = await reported
    expect(error).toMatchObject({ reason: 'stopped', count: 5, firstSeq: 1, lastSeq: 5 })
    expect(await waiting).toBeInstanceOf(UndeliveredError)
  })

  it('a peer that never acknowledges: the outbox stops at the high watermark and send() waits, it does not grow', async () => {
    const { a, b } = await establishedPair(['chat'], { ...fast, flow: { high: 200, low: 20 } })
    suppressAcks(b)
    for (let i = 0; i < 200; i++) await a.send(b.peerId, 'chat', encode(i))
    await until(() => b.peerStats(a.peerId)?.streams.chat?.messagesReceived === 200, 10_000, 'b to emit 200')
    const signal = AbortSignal.timeout(500)
    await expect(a.send(b.peerId, 'chat', encode(200), { signal })).rejects.toMatchObject({ code: ErrorCode.Backpressure })
    expect(outboxState(a, b.peerId, 'chat')).toMatchObject({ unacked: 200, blocked: true })
    // Acknowledgements resume: the outbox drains and the waiting sender gets in.
    suppressAcks(b, false)
    const more = collect(b, a.peerId, 1)
    await a.send(b.peerId, 'chat', encode(201), { awaitDelivery: true })
    await more
    expect(outboxState(a, b.peerId, 'chat')?.unacked).toBe(0)
  })
})
