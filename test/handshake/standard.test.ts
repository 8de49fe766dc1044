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
    const dialerDropped = firstValueFrom(d.events$.pipe(
      filter(e => e.peerId === l.peerId && e.state === ConnectionState.Disconnected), take(1), timeout(10_000)))
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
