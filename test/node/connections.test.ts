import { expect } from '@jest/globals'
import net from 'node:net'
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs'
import { ConnectionState, ErrorCode } from '../../lib/index.js'
import type { ConnectionEvent, GlueberryNode } from '../../lib/index.js'
import { autoHandshake, nextEvent, nextMessage, pair, startNode, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

const fast = { reconnect: { baseDelay: 50, maxDelay: 200, jitter: 0 } }

/** Accepts TCP and never speaks, so a libp2p dial to it hangs in the handshake. */
async function silentServer (): Promise<{ port: number, close: () => void }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy()
      server.close()
    }
  }
}

function eventsOf (node: GlueberryNode, peer: string, count: number, ms = 10_000): Promise<ConnectionEvent[]> {
  return firstValueFrom(node.events$.pipe(filter(e => e.peerId === peer), take(count), toArray(), timeout(ms)))
}

function statesOf (node: GlueberryNode, peer: string, count: number, ms = 10_000): Promise<ConnectionState[]> {
  return eventsOf(node, peer, count, ms).then(events => events.map(e => e.state))
}

describe('connection lifecycle between real nodes', () => {
  it('survives simultaneous dials: both sides reach Established', async () => {
    const { a, b } = await pair()
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    const both = Promise.all([
      waitForState(a, b.peerId, ConnectionState.Established),
      waitForState(b, a.peerId, ConnectionState.Established)
    ])
    await Promise.all([a.addPeer(b.peerId, b.multiaddrs), b.addPeer(a.peerId, a.multiaddrs)])
    await both
    const got = nextMessage(b, m => m.stream === 'x')
    await a.send(b.peerId, 'x', Uint8Array.of(42))
    expect([...(await got).data]).toEqual([42])
  })

  it('goes to Cooldown on a handshake timeout, then reconnects and can finish a handshake', async () => {
    const { a, b } = await pair({ ...fast, handshakeTimeout: 300, cooldown: 200 }, { handshakeTimeout: 10_000 })
    const seen = eventsOf(a, b.peerId, 6)
    await a.addPeer(b.peerId, b.multiaddrs)
    const events = await seen
    expect(events.map(e => e.state)).toEqual([
      ConnectionState.Connecting, ConnectionState.Connected, ConnectionState.Cooldown,
      ConnectionState.Disconnected, ConnectionState.Reconnecting, ConnectionState.Connecting
    ])
    const [, connected, cooldown, ended] = events as [ConnectionEvent, ConnectionEvent, ConnectionEvent, ConnectionEvent]
    expect(cooldown.error?.code).toBe(ErrorCode.HandshakeTimeout)
    // The handshake timer and the cooldown both ran their course (event times are ms).
    expect(cooldown.at - connected.at).toBeGreaterThanOrEqual(300 - 5)
    expect(ended.at - cooldown.at).toBeGreaterThanOrEqual(200 - 5)
    expect(ended.terminal).toBe(false)
    // Now let the handshake happen: the reconnected peer must be able to finish it (Go C1).
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    await waitForState(a, b.peerId, ConnectionState.Established, 10_000)
    const stats = a.peerStats(b.peerId)
    expect(stats?.failureCount).toBeGreaterThanOrEqual(1)
    expect(stats?.connectionCount).toBeGreaterThanOrEqual(2)
  })

  it('sees a remote stop as Disconnected and reconnects when the peer returns', async () => {
    const privateKey = new Uint8Array(32).fill(0x5b)
    const a = await startNode(fast)
    const b = await startNode({ privateKey })
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Established)
    const lost = nextEvent(a, e => e.state === ConnectionState.Disconnected)
    const reconnecting = nextEvent(a, e => e.state === ConnectionState.Reconnecting)
    const addrs = b.multiaddrs
    await b.stop()
    const event = await lost
    expect(event.previous).toBe(ConnectionState.Established)
    expect(event.terminal).toBe(false)
    await reconnecting
    // The same peer (same key) comes back on the same address: a finds it on its own.
    const back = await startNode({ privateKey, listen: addrs.map(ma => ma.replace(/\/p2p\/.*$/, '')) })
    expect(back.peerId).toBe(b.peerId)
    autoHandshake(back, ['x'])
    await waitForState(a, b.peerId, ConnectionState.Established, 15_000)
    const got = nextMessage(back, m => m.stream === 'x')
    await a.send(b.peerId, 'x', Uint8Array.of(5))
    expect([...(await got).data]).toEqual([5])
  })

  it('does not redial an inbound peer that is not in its address book', async () => {
    const { a, b } = await pair(fast)
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(b, a.peerId, ConnectionState.Connected)
    expect(b.isOutbound(a.peerId)).toBe(false)
    const after = statesOf(b, a.peerId, 1)
    await a.stop()
    expect(await after).toEqual([ConnectionState.Disconnected])
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(b.state(a.peerId)).toBe(ConnectionState.Disconnected)
  })

  it('blacklists in both directions, closing the live connection, and unblacklists', async () => {
    const { a, b } = await pair({ reconnect: { maxAttempts: 0 } })
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Connected)
    const dropped = nextEvent(b, e => e.peerId === a.peerId && e.state === ConnectionState.Disconnected)
    await a.blacklist(b.peerId, 'misbehaved')
    await dropped
    expect(a.isBlacklisted(b.peerId)).toBe(true)
    expect(a.state(b.peerId)).toBe(ConnectionState.Disconnected)
    // a refuses to dial b
    await expect(a.connect(b.peerId)).rejects.toMatchObject({ code: ErrorCode.PeerBlacklisted })
    // b cannot get in: a's gater refuses the inbound connection once b's
    // identity is known (after the Noise handshake), so b may see its dial
    // succeed for a moment, then the connection closes; a never sees b.
    const aSawB: ConnectionEvent[] = []
    a.events$.pipe(filter(e => e.peerId === b.peerId)).subscribe(e => aSawB.push(e))
    await b.addPeer(a.peerId, a.multiaddrs)
    await b.connect(a.peerId).catch(() => {})
    await waitForState(b, a.peerId, ConnectionState.Disconnected, 5000).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 200))
    expect(aSawB).toEqual([])
    expect(a.state(b.peerId)).toBe(ConnectionState.Disconnected)
    await b.disconnect(a.peerId)
    await a.unblacklist(b.peerId)
    await b.connect(a.peerId)
    await waitForState(a, b.peerId, ConnectionState.Connected)
  })

  it('refuses a public key that does not belong to the peer id', async () => {
    const { a, b } = await pair()
    const c = await startNode()
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Connected)
    await expect(a.prepareStreams(b.peerId, c.publicKey, ['x'])).rejects.toMatchObject({ code: ErrorCode.PublicKeyMismatch })
    await expect(a.prepareStreams(b.peerId, new Uint8Array(31), ['x'])).rejects.toMatchObject({ code: ErrorCode.InvalidKey })
    await expect(a.prepareStreams(b.peerId, b.publicKey, ['handshake'])).rejects.toMatchObject({ code: ErrorCode.InvalidStreamName })
    await expect(a.prepareStreams(b.peerId, b.publicKey, [])).rejects.toMatchObject({ code: ErrorCode.InvalidStreamName })
    await expect(a.finalizeHandshake(b.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeFailed })
  })

  it('holds encrypted data that arrives before the local phase 1: nothing is lost', async () => {
    const { a, b } = await pair()
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Connected)
    await waitForState(b, a.peerId, ConnectionState.Connected)
    // a prepares and sends at once; b prepares only later.
    await a.prepareStreams(b.peerId, b.publicKey, ['early'])
    const received = firstValueFrom(b.messages$.pipe(filter(m => m.stream === 'early'), take(50), toArray(), timeout(10_000)))
    for (let i = 0; i < 50; i++) await a.send(b.peerId, 'early', Uint8Array.of(i))
    await new Promise(resolve => setTimeout(resolve, 300))
    await b.prepareStreams(a.peerId, a.publicKey, ['early'])
    expect((await received).map(m => m.data[0])).toEqual(Array.from({ length: 50 }, (_, i) => i))
  })

  it('a message above the peer\'s limit is reported undelivered (too-large), never sent, and the stream goes on', async () => {
    const { a, b } = await pair({ maxMessageSize: 4 * 1024 * 1024 }, { maxMessageSize: 1024 * 1024 })
    autoHandshake(a, ['bulk'])
    autoHandshake(b, ['bulk'])
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Established)
    // The first message goes out before a knows b's limit: b's stream header
    // announces it, and a reports the message instead of sending it (b would
    // reset the stream on it, again on every resend).
    const reported = firstValueFrom(a.errors$.pipe(filter(e => e.code === ErrorCode.Undelivered), take(1), timeout(10_000)))
    const refused = a.send(b.peerId, 'bulk', new Uint8Array(2 * 1024 * 1024), { awaitDelivery: true })
    const next = nextMessage(b, m => m.stream === 'bulk')
    await a.send(b.peerId, 'bulk', Uint8Array.of(1))
    const err = await reported
    expect(err).toMatchObject({ peer: b.peerId, stream: 'bulk', reason: 'too-large', count: 1, firstSeq: 0, lastSeq: 0 })
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.Undelivered })
    expect((await next).data).toEqual(Uint8Array.of(1))
    // Now that a knows the limit, send() refuses such a message at once.
    await expect(a.send(b.peerId, 'bulk', new Uint8Array(2 * 1024 * 1024))).rejects.toMatchObject({ code: ErrorCode.MessageTooLarge })
  })

  it('reports and counts a tampered record; the stream goes on', async () => {
    const { tamperNextRecords } = await import('../../lib/testing/index.js')
    const { a, b } = await pair()
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Established)
    const first = nextMessage(b, m => m.stream === 'x')
    await a.send(b.peerId, 'x', Uint8Array.of(0))
    await first
    expect(tamperNextRecords(a, b.peerId, 'x', 1)).toBe(true)
    const failure = firstValueFrom(b.decryptionErrors$.pipe(take(1), timeout(5000)))
    await a.send(b.peerId, 'x', Uint8Array.of(1))
    const f = await failure
    expect(f).toMatchObject({ peerId: a.peerId, stream: 'x', count: 1 })
    expect(f.error.code).toBe(ErrorCode.DecryptionFailed)
    await new Promise(resolve => setTimeout(resolve, 20))
    const next = nextMessage(b, m => m.stream === 'x')
    await a.send(b.peerId, 'x', Uint8Array.of(2))
    expect([...(await next).data]).toEqual([2])
    expect(b.dumpState().stats.decryptionErrors).toBe(1)
  })

  it('rejects an aborted connect with Aborted and does not start reconnecting', async () => {
    const { port, close } = await silentServer()
    try {
      const a = await startNode(fast)
      const b = await startNode()
      await a.addPeer(b.peerId, [`/ip4/127.0.0.1/tcp/${port}`])
      await waitForState(a, b.peerId, ConnectionState.Connecting)
      const controller = new AbortController()
      const attempt = a.connect(b.peerId, { signal: controller.signal })
      controller.abort()
      await expect(attempt).rejects.toMatchObject({ code: ErrorCode.Aborted })
    } finally {
      await stopAll()
      close()
    }
  })

  it('dialTimeout means what it says: a dial into silence lasts dialTimeout, not libp2p\'s 6 s per address', async () => {
    const { port, close } = await silentServer()
    try {
      const a = await startNode({ dialTimeout: 8000, reconnect: { maxAttempts: 0 } })
      const b = await startNode()
      await a.addPeer(b.peerId, [`/ip4/127.0.0.1/tcp/${port}`])
      const failed = nextEvent(a, e => e.peerId === b.peerId && e.state === ConnectionState.Disconnected, 20_000)
      const started = performance.now()
      const event = await failed
      const took = performance.now() - started
      expect(event.error?.code).toBe(ErrorCode.ConnectionFailed)
      expect(event.error?.message).toMatch(/timed out after 8000 ms/)
      expect(event.terminal).toBe(true)
      expect(took).toBeGreaterThanOrEqual(7500)
      expect(took).toBeLessThan(12_000)
    } finally {
      await stopAll()
      close()
    }
  }, 30_000)

  it('stop() during a hanging connect rejects it and leaves nothing behind', async () => {
    const { port, close } = await silentServer()
    try {
      const a = await startNode()
      const b = await startNode()
      await a.addPeer(b.peerId, [`/ip4/127.0.0.1/tcp/${port}`])
      const attempt = a.connect(b.peerId)
      const events: ConnectionEvent[] = []
      a.events$.subscribe(e => events.push(e))
      await a.stop()
      await expect(attempt).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
      expect(events.at(-1)?.state).toBe(ConnectionState.Disconnected)
    } finally {
      close()
    }
  })

  it('stop() during a blocked send rejects the send', async () => {
    const { a, b } = await pair({ flow: { high: 4, low: 1 } })
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Established)
    // b never reads: pause every message source of b by holding the first message's flow.
    const { flowOf } = await import('../../lib/index.js')
    b.messages$.pipe(filter(m => m.stream === 'x'), take(1)).subscribe(m => flowOf(m)?.pause())
    const big = new Uint8Array(512 * 1024)
    const sends: Array<Promise<void>> = []
    await a.send(b.peerId, 'x', Uint8Array.of(0))
    for (let i = 0; i < 64; i++) sends.push(a.send(b.peerId, 'x', big))
    const settled = Promise.allSettled(sends)
    await new Promise(resolve => setTimeout(resolve, 300))
    await a.stop()
    const results = await settled
    const rejected = results.filter(r => r.status === 'rejected')
    expect(rejected.length).toBeGreaterThan(0)
    for (const r of rejected) expect(r.reason).toMatchObject({ code: expect.stringMatching(/NODE_STOPPED|STREAM_CLOSED/) })
  })
})
