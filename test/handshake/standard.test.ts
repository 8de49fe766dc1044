/**
 * standardHandshake between two real nodes on 127.0.0.1.
 */
import { filter, firstValueFrom, merge, take, timeout, timer, toArray } from 'rxjs'
import { ConnectionState, ErrorCode, standardHandshake } from '../../lib/index.js'
import type { GlueberryError, ProtocolVersion } from '../../lib/index.js'
import { nextMessage, startNode, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('standardHandshake between real nodes', () => {
  it('establishes both sides after addPeer, and messages flow on the prepared stream', async () => {
    const ha = standardHandshake({ streams: ['messages'] })
    const hb = standardHandshake({ streams: ['messages'] })
    const a = await startNode({ handshake: ha })
    const b = await startNode({ handshake: hb })
    const failures: GlueberryError[] = []
    merge(ha.failures$, hb.failures$).subscribe(e => failures.push(e))

    await a.addPeer(b.peerId, b.multiaddrs)
    await Promise.all([waitForState(a, b.peerId, ConnectionState.Established), waitForState(b, a.peerId, ConnectionState.Established)])

    const atB = nextMessage(b, m => m.stream === 'messages')
    await a.send(b.peerId, 'messages', text('hello b'))
    expect(new TextDecoder().decode((await atB).data)).toBe('hello b')
    const atA = nextMessage(a, m => m.stream === 'messages')
    await b.send(a.peerId, 'messages', text('hello a'))
    expect((await atA).peerId).toBe(b.peerId)
    expect(failures).toEqual([])
  })

  async function mismatch (dialer: ProtocolVersion, listener: ProtocolVersion): Promise<{ failures: GlueberryError[], dialerId: string, listenerId: string }> {
    const hd = standardHandshake({ streams: ['messages'], version: dialer })
    const hl = standardHandshake({ streams: ['messages'], version: listener })
    const d = await startNode({ handshake: hd })
    const l = await startNode({ handshake: hl })
    const failures: GlueberryError[] = []
    merge(hd.failures$, hl.failures$).subscribe(e => failures.push(e))
    const first = firstValueFrom(merge(hd.failures$, hl.failures$).pipe(take(1), timeout(10_000)))
    // The dialer either refuses (Disconnected, for good) or is refused, which
    // is a connection lost mid-handshake: Cooldown, then a redial.
    const dialerDropped = firstValueFrom(d.events$.pipe(
      filter(e => e.peerId === l.peerId && (e.state === ConnectionState.Disconnected || e.state === ConnectionState.Cooldown)), take(1), timeout(10_000)))
    const listenerDropped = firstValueFrom(l.events$.pipe(
      filter(e => e.peerId === d.peerId && e.state === ConnectionState.Disconnected), take(1), timeout(10_000)))
    await d.addPeer(l.peerId, l.multiaddrs)
    await first
    await Promise.all([dialerDropped, listenerDropped])
    // Never Established on either side.
    expect(d.state(l.peerId)).not.toBe(ConnectionState.Established)
    expect(l.state(d.peerId)).not.toBe(ConnectionState.Established)
    return { failures, dialerId: d.peerId, listenerId: l.peerId }
  }

  it('a 2.0 node refuses a 2.1 peer (VersionMismatch) and disconnects it', async () => {
    const { failures, dialerId } = await mismatch({ major: 2, minor: 1, patch: 0 }, { major: 2, minor: 0, patch: 0 })
    expect(failures.length).toBeGreaterThan(0)
    // Only the 2.0 side (the listener) fails: the 2.1 side accepts 2.0.
    for (const f of failures) {
      expect(f.code).toBe(ErrorCode.VersionMismatch)
      expect(f.peer).toBe(dialerId)
    }
  })

  it('the 2.0 side also refuses when it is the dialer', async () => {
    const { failures, listenerId } = await mismatch({ major: 2, minor: 0, patch: 0 }, { major: 2, minor: 1, patch: 0 })
    expect(failures.length).toBeGreaterThan(0)
    for (const f of failures) {
      expect(f.code).toBe(ErrorCode.VersionMismatch)
      expect(f.peer).toBe(listenerId)
    }
  })

  it.each([
    ['3.0.0 dials 2.0.0', { major: 3, minor: 0, patch: 0 }, { major: 2, minor: 0, patch: 0 }],
    ['2.0.0 dials 3.0.0', { major: 2, minor: 0, patch: 0 }, { major: 3, minor: 0, patch: 0 }]
  ])('a different major fails: %s', async (_name, dialer, listener) => {
    const { failures } = await mismatch(dialer, listener)
    expect(failures.length).toBeGreaterThan(0)
    for (const f of failures) expect(f.code).toBe(ErrorCode.VersionMismatch)
  })
})

describe('the handshake stream after Established', () => {
  /** libp2p streams on the handshake protocol, on every connection of `node`. */
  function handshakeStreams (node: unknown): number {
    const host = (node as { host: { getConnections: () => Array<{ streams: Array<{ protocol?: string }> }> } }).host
    return host.getConnections().reduce((n, c) => n + c.streams.filter(s => s.protocol?.includes('/handshake/') === true).length, 0)
  }

  it('is closed on both sides once Established, and reopens in order for later messages', async () => {
    const a = await startNode({ handshake: standardHandshake({ streams: ['messages'] }) })
    const b = await startNode({ handshake: standardHandshake({ streams: ['messages'] }) })
    await a.addPeer(b.peerId, b.multiaddrs)
    await Promise.all([waitForState(a, b.peerId, ConnectionState.Established), waitForState(b, a.peerId, ConnectionState.Established)])
    // Each side closed its writer; each saw the other's end and closed its side.
    await firstValueFrom(timer(0, 20).pipe(filter(() => handshakeStreams(a) === 0 && handshakeStreams(b) === 0), take(1), timeout(5000)))

    const got = firstValueFrom(b.messages$.pipe(filter(m => m.stream === 'handshake'), take(50), toArray(), timeout(5000)))
    for (let i = 0; i < 50; i++) await a.send(b.peerId, 'handshake', Uint8Array.of(0xee, i))
    expect((await got).map(m => m.data[1])).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(a.state(b.peerId)).toBe(ConnectionState.Established)
  })
})

describe('standardHandshake across sessions', () => {
  it('runs again after a disconnect and a new connect, and the new session carries messages', async () => {
    const ha = standardHandshake({ streams: ['messages'] })
    const a = await startNode({ handshake: ha })
    const b = await startNode({ handshake: standardHandshake({ streams: ['messages'] }) })
    const completed: string[] = []
    ha.states$.pipe(filter(s => s.state === 'Complete')).subscribe(s => completed.push(s.peerId))
    await a.addPeer(b.peerId, b.multiaddrs)
    await Promise.all([waitForState(a, b.peerId, ConnectionState.Established), waitForState(b, a.peerId, ConnectionState.Established)])
    await a.disconnect(b.peerId)
    await waitForState(b, a.peerId, ConnectionState.Disconnected)
    await a.connect(b.peerId)
    await Promise.all([waitForState(a, b.peerId, ConnectionState.Established), waitForState(b, a.peerId, ConnectionState.Established)])
    expect(completed).toEqual([b.peerId, b.peerId])
    const atB = nextMessage(b, m => m.stream === 'messages')
    await a.send(b.peerId, 'messages', text('second session'))
    expect(new TextDecoder().decode((await atB).data)).toBe('second session')
  })
})

describe('standardHandshake failures: cooldown and retry, or a halt on a version mismatch', () => {
  const V20: ProtocolVersion = { major: 2, minor: 0, patch: 0 }
  const V21: ProtocolVersion = { major: 2, minor: 1, patch: 0 }
  const fast = { baseDelay: 50, maxDelay: 100, jitter: 0 }

  it('a refusing dialer reports the mismatch and never redials on its own; connect() dials again', async () => {
    const hd = standardHandshake({ streams: ['messages'], version: V20 })
    const d = await startNode({ handshake: hd, reconnect: fast })
    const l = await startNode({ handshake: standardHandshake({ streams: ['messages'], version: V21 }) })
    const reported = firstValueFrom(d.errors$.pipe(filter(e => e.code === ErrorCode.VersionMismatch), take(1), timeout(10_000)))
    const dropped = firstValueFrom(d.events$.pipe(filter(e => e.peerId === l.peerId && e.state === ConnectionState.Disconnected), take(1), timeout(10_000)))
    await d.addPeer(l.peerId, l.multiaddrs)
    const event = await dropped
    expect(event.error?.code).toBe(ErrorCode.VersionMismatch)
    expect(event.terminal).toBe(true)
    expect((await reported).peer).toBe(l.peerId)
    // With a 50-100 ms backoff a redial would come within ~100 ms: none in 1.5 s.
    const dials: string[] = []
    const watching = d.events$.pipe(filter(e => e.peerId === l.peerId && e.state === ConnectionState.Connecting)).subscribe(e => dials.push(e.state))
    await new Promise(resolve => setTimeout(resolve, 1500))
    expect(dials).toEqual([])
    expect(d.state(l.peerId)).toBe(ConnectionState.Disconnected)
    // The application acts: one dial, and the same verdict.
    const again = firstValueFrom(d.events$.pipe(filter(e => e.peerId === l.peerId && e.state === ConnectionState.Disconnected), take(1), timeout(10_000)))
    await d.connect(l.peerId).catch(() => {})
    expect((await again).error?.code).toBe(ErrorCode.VersionMismatch)
    watching.unsubscribe()
    expect(dials).toEqual([ConnectionState.Connecting])
  })

  it('the accepted side, dropped mid-handshake by a refusing peer, retries at the cooldown rate, not in a loop', async () => {
    const cooldown = 400
    const d = await startNode({ handshake: standardHandshake({ streams: ['messages'], version: V21 }), reconnect: fast, cooldown })
    const l = await startNode({ handshake: standardHandshake({ streams: ['messages'], version: V20 }) })
    const seen = firstValueFrom(d.events$.pipe(filter(e => e.peerId === l.peerId), take(7), toArray(), timeout(10_000)))
    await d.addPeer(l.peerId, l.multiaddrs)
    const events = await seen
    // Connecting, Connected, Cooldown (lost mid-handshake), Disconnected, Reconnecting, Connecting, Connected.
    expect(events.map(e => e.state)).toEqual([
      ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Cooldown, ConnectionState.Disconnected,
      ConnectionState.Reconnecting, ConnectionState.Connecting, ConnectionState.Connected
    ])
    const cooled = events[2] as { at: number, error?: GlueberryError }
    const redial = events[5] as { at: number }
    expect(cooled.error?.code).toBe(ErrorCode.ConnectionFailed)
    expect(redial.at - cooled.at).toBeGreaterThanOrEqual(cooldown - 5)
  })

  it('turns 5 garbage bytes into a typed failure; the accepting side cools down, then completes a good handshake with that peer', async () => {
    const hl = standardHandshake({ streams: ['messages'] })
    const l = await startNode({ handshake: hl, cooldown: 300 })
    const uncaught: unknown[] = []
    const onUncaught = (err: unknown): void => { uncaught.push(err) }
    process.on('uncaughtException', onUncaught)
    process.on('unhandledRejection', onUncaught)
    try {
      // x runs no handshake driver: it sends what it likes on 'handshake'.
      const privateKey = new Uint8Array(32).fill(0x3c)
      const x = await startNode({ privateKey, cooldown: 60_000 })
      const failure = firstValueFrom(hl.failures$.pipe(take(1), timeout(10_000)))
      const cooled = firstValueFrom(l.events$.pipe(filter(e => e.peerId === x.peerId && e.state === ConnectionState.Cooldown), take(1), timeout(10_000)))
      await x.addPeer(l.peerId, l.multiaddrs)
      await waitForState(x, l.peerId, ConnectionState.Connected)
      await x.send(l.peerId, 'handshake', Uint8Array.of(1, 2, 3, 4, 5))
      const error = await failure
      expect(error.code).toBe(ErrorCode.HandshakeFailed)
      expect(error.peer).toBe(x.peerId)
      expect((await cooled).error?.code).toBe(ErrorCode.HandshakeFailed)
      // x is not in l's book: once the cooldown is over l forgets it, refusing nothing.
      await waitForState(l, x.peerId, ConnectionState.Disconnected, 5000)
      await x.stop()

      // The same peer comes back speaking the protocol: nothing left over blocks it.
      const good = await startNode({ privateKey, handshake: standardHandshake({ streams: ['messages'] }) })
      await good.addPeer(l.peerId, l.multiaddrs)
      await Promise.all([waitForState(good, l.peerId, ConnectionState.Established), waitForState(l, good.peerId, ConnectionState.Established)])
      const atL = nextMessage(l, m => m.stream === 'messages')
      await good.send(l.peerId, 'messages', text('after the garbage'))
      expect(new TextDecoder().decode((await atL).data)).toBe('after the garbage')
      expect(uncaught).toEqual([])
    } finally {
      process.off('uncaughtException', onUncaught)
      process.off('unhandledRejection', onUncaught)
    }
  })
})
