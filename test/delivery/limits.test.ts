/**
 * Stream limits: many stream names on one Established pair all deliver
 * (streams waiting for their header do not count against
 * maxHeldStreamsPerPeer), and a stream refused by a limit is reported and
 * its messages retried, never lost.
 */
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs'
import { ConnectionState, ErrorCode } from '../../lib/index.js'
import { establishedPair, pair, startNode, stopAll, waitForState } from '../helpers/nodes.js'
import { decode, encode, errorsOf, fast } from './helpers.js'

afterEach(async () => { await stopAll() })

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `s${i}`)

describe('many stream names', () => {
  it.each([40, 100])('%i names, one send on each in the same tick: all delivered, nothing refused', async (count) => {
    const streams = names(count)
    const { a, b } = await establishedPair(streams, fast)
    const errors = errorsOf(b)
    const got = firstValueFrom(b.messages$.pipe(filter(m => m.stream !== 'handshake'), take(count), toArray(), timeout(30_000)))
    await Promise.all(streams.map(async (name, i) => { await a.send(b.peerId, name, encode(i)) }))
    const messages = await got
    expect(messages.map(m => m.stream).sort()).toEqual([...streams].sort())
    expect(messages.every(m => decode(m.data) === streams.indexOf(m.stream))).toBe(true)
    expect(errors).toEqual([])
  }, 60_000)
})

describe('streams refused by a limit', () => {
  it('maxHeldStreamsPerPeer: refused streams are reported on both sides and their messages arrive once the receiver prepares', async () => {
    const streams = names(6)
    const { a, b } = await pair(fast, { ...fast, limits: { maxHeldStreamsPerPeer: 2 } })
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Connected)
    await waitForState(b, a.peerId, ConnectionState.Connected)
    const atA = errorsOf(a)
    const atB = errorsOf(b)
    // b registers the names (so a's streams are not refused at the protocol
    // level) for another peer: for a, b has not done its phase 1 yet.
    const c = await startNode()
    await b.prepareStreams(c.peerId, c.publicKey, streams)
    await a.prepareStreams(b.peerId, b.publicKey, streams)
    for (const [i, name] of streams.entries()) await a.send(b.peerId, name, encode(i))
    // b holds two of a's streams and refuses the others: reported at b, seen as resets at a.
    await firstValueFrom(b.errors$.pipe(filter(e => e.code === ErrorCode.StreamNotPrepared), take(1), timeout(10_000)))
    const got = firstValueFrom(b.messages$.pipe(filter(m => streams.includes(m.stream)), take(6), toArray(), timeout(30_000)))
    await b.prepareStreams(a.peerId, a.publicKey, streams)
    const messages = await got
    expect(messages.map(m => m.stream).sort()).toEqual([...streams].sort())
    expect(atB.some(e => e.code === ErrorCode.StreamNotPrepared && /held before phase 1/.test(e.message))).toBe(true)
    expect(atA.length).toBeGreaterThan(0)
    expect(atA.filter(e => e.code === ErrorCode.Undelivered)).toEqual([])
  }, 60_000)
})
