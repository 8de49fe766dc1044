/**
 * A peer that acknowledges badly cannot make the sender lose, duplicate or
 * reorder anything: an ack of what was never sent, the same ack twice, an
 * ack sealed for another stream.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { ErrorCode } from '../../lib/index.js'
import { forgeAck, outboxState, suppressAcks } from '../../lib/testing/index.js'
import { establishedPair, stopAll } from '../helpers/nodes.js'
import { collect, encode, errorsOf, fast, range, until } from './helpers.js'

afterEach(async () => { await stopAll() })

describe('bad acknowledgements', () => {
  it('an ack of what was never sent is a protocol violation: the stream is reset, reported, and everything still arrives once, in order', async () => {
    const { a, b } = await establishedPair(['chat'], fast)
    const errors = errorsOf(a)
    const got = collect(b, a.peerId, 200)
    await a.send(b.peerId, 'chat', encode(0), { awaitDelivery: true })
    suppressAcks(b)
    for (let i = 1; i < 100; i++) await a.send(b.peerId, 'chat', encode(i))
    await until(() => b.peerStats(a.peerId)?.streams.chat?.messagesReceived === 100, 10_000, 'b to emit 100')
    const violation = firstValueFrom(a.errors$.pipe(filter(e => e.code === ErrorCode.ProtocolViolation), take(1), timeout(10_000)))
    expect(forgeAck(b, a.peerId, 'chat', 1_000_000)).toBe(true)
    expect(await violation).toMatchObject({ peer: b.peerId, stream: 'chat' })
    // Nothing was taken as delivered on the forged ack.
    expect(outboxState(a, b.peerId, 'chat')?.unacked).toBe(99)
    suppressAcks(b, false)
    for (let i = 100; i < 200; i++) await a.send(b.peerId, 'chat', encode(i))
    // b already emitted 0..99: the resend after the reset resumes where b stands, no repeats.
    expect(await got).toEqual(range(0, 200))
    await until(() => outboxState(a, b.peerId, 'chat')?.unacked === 0, 10_000, 'everything acknowledged')
    expect(errors.filter(e => e.code === ErrorCode.Undelivered)).toEqual([])
  })

  it('the same ack twice, and an old ack, change nothing', async () => {
    const { a, b } = await establishedPair(['chat'], fast)
    const errors = errorsOf(a)
    for (let i = 0; i < 10; i++) await a.send(b.peerId, 'chat', encode(i), { awaitDelivery: i === 9 })
    expect(forgeAck(b, a.peerId, 'chat', 10)).toBe(true)
    expect(forgeAck(b, a.peerId, 'chat', 10)).toBe(true)
    expect(forgeAck(b, a.peerId, 'chat', 3)).toBe(true)
    const got = collect(b, a.peerId, 1)
    await a.send(b.peerId, 'chat', encode(10), { awaitDelivery: true })
    expect(await got).toEqual([10])
    expect(errors).toEqual([])
    expect(a.peerStats(b.peerId)?.streams.chat).toMatchObject({ messagesAcked: 11, messagesUnacked: 0 })
  })

  it('an ack sealed for another stream fails to open: reported, the stream is reset, nothing is lost', async () => {
    const { a, b } = await establishedPair(['x', 'y'], fast)
    const errors = errorsOf(a)
    await a.send(b.peerId, 'x', encode(0), { awaitDelivery: true })
    await a.send(b.peerId, 'y', encode(0), { awaitDelivery: true })
    suppressAcks(b)
    const got = collect(b, a.peerId, 50, 'y')
    for (let i = 1; i <= 50; i++) await a.send(b.peerId, 'y', encode(i))
    await got
    const failed = firstValueFrom(a.errors$.pipe(filter(e => e.stream === 'y'), take(1), timeout(10_000)))
    // b's ack of y's progress, sealed with the key of b's stream x.
    expect(forgeAck(b, a.peerId, 'y', 51, 'x')).toBe(true)
    expect((await failed).code).toBe(ErrorCode.DecryptionFailed)
    expect(outboxState(a, b.peerId, 'y')?.unacked).toBe(50)
    suppressAcks(b, false)
    const next = collect(b, a.peerId, 1, 'y')
    await a.send(b.peerId, 'y', encode(51), { awaitDelivery: true })
    expect(await next).toEqual([51])
    expect(b.peerStats(a.peerId)?.streams.y?.messagesReceived).toBe(52)
    expect(errors.filter(e => e.code === ErrorCode.Undelivered)).toEqual([])
  })
})
