import { expect } from '@jest/globals'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import type { ConnectionEvent } from '../../lib/types.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import type { MockNodeOptions } from '../../lib/testing/index.js'
import { VirtualClock, record, recordingMetrics } from './helpers.js'

const { Disconnected, Connecting, Connected, Established, Reconnecting, Cooldown } = ConnectionState
const ADDR = '/ip4/127.0.0.1/tcp/4001'

/** previous -> state pairs, with the error code when there is one. */
const transitions = (events: ConnectionEvent[]): string[] =>
  events.map(e => `${e.previous}->${e.state}${e.error === undefined ? '' : `(${e.error.code})`}`)

describe('MockNode connections', () => {
  let clock: VirtualClock
  let node: MockNode
  const peer = MockNode.identity()

  async function start (options: MockNodeOptions = {}): Promise<void> {
    clock = new VirtualClock()
    node = new MockNode({
      scheduler: clock.scheduler,
      autoConnect: false,
      handshakeTimeout: 1000,
      cooldown: 500,
      reconnect: { baseDelay: 100, maxDelay: 1000, jitter: 0, maxAttempts: 3 },
      ...options
    })
    await node.start()
  }

  afterEach(async () => { await node.stop() })

  it('connect() refuses bad peer ids, itself and peers it does not know', async () => {
    await start()
    await expect(node.connect('garbage')).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.connect(node.peerId)).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.connect(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.PeerNotFound, peer: peer.peerId })
  })

  it('connect() dials a book peer: Connecting then Connected, with state$ replaying', async () => {
    await start()
    await node.addPeer(peer.peerId, [ADDR])
    const states = record(node.state$(peer.peerId))
    const events = record(node.events$)
    await node.connect(peer.peerId)
    expect(transitions(events.values)).toEqual(['Disconnected->Connecting', 'Connecting->Connected'])
    expect(events.values.every(e => e.peerId === peer.peerId && e.outbound && e.at === 0)).toBe(true)
    expect(states.values).toEqual([Disconnected, Connecting, Connected])
    expect(record(node.state$(peer.peerId)).values).toEqual([Connected])
    expect(node.isOutbound(peer.peerId)).toBe(true)
    // Connected already: nothing new.
    await node.connect(peer.peerId)
    expect(events.values).toHaveLength(2)
  })

  it('a dial takes dialDelay virtual ms; connect() waits for it', async () => {
    await start({ dialDelay: 250 })
    await node.addPeer(peer.peerId, [ADDR])
    let done = false
    const attempt = node.connect(peer.peerId).then(() => { done = true })
    expect(node.state(peer.peerId)).toBe(Connecting)
    clock.advance(249)
    await Promise.resolve()
    expect(done).toBe(false)
    clock.advance(1)
    await attempt
    expect(node.state(peer.peerId)).toBe(Connected)
  })

  it('aborting connect() aborts the dial: Disconnected with Aborted, and no reconnection', async () => {
    const metrics = recordingMetrics()
    await start({ dialDelay: 100, metrics })
    await node.addPeer(peer.peerId, [ADDR])
    const events = record(node.events$)
    await expect(node.connect(peer.peerId, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: ErrorCode.Aborted })
    expect(events.values).toEqual([])
    const controller = new AbortController()
    const attempt = node.connect(peer.peerId, { signal: controller.signal })
    controller.abort()
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.Aborted, peer: peer.peerId })
    clock.advance(10_000)
    expect(transitions(events.values)).toEqual(['Disconnected->Connecting', 'Connecting->Disconnected(ABORTED)'])
    expect(metrics.count('connectionAttempt', 'aborted')).toBe(1)
  })

  it('a failed dial falls back to Reconnecting and retries with the backoff, in virtual time', async () => {
    const metrics = recordingMetrics()
    await start({ metrics })
    await node.addPeer(peer.peerId, [ADDR])
    node.failDials(peer.peerId, 2)
    const events = record(node.events$)
    await expect(node.connect(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.ConnectionFailed, peer: peer.peerId })
    expect(transitions(events.values)).toEqual([
      'Disconnected->Connecting', 'Connecting->Disconnected(CONNECTION_FAILED)', 'Disconnected->Reconnecting'
    ])
    clock.advance(99)
    expect(node.state(peer.peerId)).toBe(Reconnecting)
    clock.advance(1) // attempt 0 after 100 ms: fails again, next after 200 ms
    expect(node.state(peer.peerId)).toBe(Reconnecting)
    clock.advance(200)
    expect(node.state(peer.peerId)).toBe(Connected)
    expect(events.values.at(-1)?.at).toBe(300)
    expect(node.peerStats(peer.peerId)).toMatchObject({ failureCount: 2, connectionCount: 1 })
    expect(metrics.count('connectionAttempt', 'failure')).toBe(2)
    expect(metrics.count('connectionAttempt', 'success')).toBe(1)
  })

  it('an unreachable peer exhausts its attempts and settles in Disconnected', async () => {
    const custom = new GlueberryError(ErrorCode.ConnectionFailed, 'no route to host')
    await start({ reconnect: { baseDelay: 10, jitter: 0, maxAttempts: 2 } })
    await node.addPeer(peer.peerId, [ADDR])
    node.failDials(peer.peerId, Infinity, custom)
    const events = record(node.events$)
    await expect(node.connect(peer.peerId)).rejects.toBe(custom)
    clock.advance(1000)
    const last = events.values.at(-1)
    expect(last).toMatchObject({ state: Disconnected, error: { code: ErrorCode.ConnectionFailed } })
    expect(last?.error?.message).toMatch(/attempts exhausted/)
    expect(clock.pending).toBe(0)
    node.clearFailures()
    await node.connect(peer.peerId)
    expect(node.state(peer.peerId)).toBe(Connected)
  })

  it('failDials refuses a bad count', async () => {
    await start()
    expect(() => node.failDials(peer.peerId, 0)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
    expect(() => node.failDials(peer.peerId, 1.5)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })

  it('simulateConnect brings an inbound peer to Connected; an unfinished handshake times out into Cooldown', async () => {
    const metrics = recordingMetrics()
    await start({ metrics })
    const events = record(node.events$)
    node.simulateConnect(peer.peerId)
    expect(node.isOutbound(peer.peerId)).toBe(false)
    expect(events.values[0]).toMatchObject({ previous: Disconnected, state: Connected, outbound: false })
    clock.advance(1000)
    expect(events.values[1]).toMatchObject({ previous: Connected, state: Cooldown, error: { code: ErrorCode.HandshakeTimeout }, at: 1000 })
    // Refused while cooling down, as the real node's reducer refuses it.
    expect(() => node.simulateConnect(peer.peerId)).toThrow(expect.objectContaining({ code: ErrorCode.InCooldown }))
    // An inbound-only peer is not redialled after the cooldown.
    clock.advance(500)
    expect(transitions(events.values)).toEqual(['Disconnected->Connected', 'Connected->Cooldown(HANDSHAKE_TIMEOUT)', 'Cooldown->Disconnected'])
    expect(clock.pending).toBe(0)
    expect(metrics.count('handshakeResult', 'timeout')).toBe(1)
    expect(node.peerStats(peer.peerId)).toMatchObject({ failureCount: 1, connected: false, totalConnectTime: 1500 })
  })

  it('a book peer is redialled after its cooldown', async () => {
    await start()
    await node.addPeer(peer.peerId, [ADDR])
    node.simulateConnect(peer.peerId, { outbound: true })
    expect(node.isOutbound(peer.peerId)).toBe(true)
    clock.advance(1500)
    expect(node.state(peer.peerId)).toBe(Reconnecting)
    clock.advance(100)
    expect(node.state(peer.peerId)).toBe(Connected)
  })

  it('simulateDisconnect loses the connection: Disconnected, then reconnection for book peers', async () => {
    await start()
    await node.addPeer(peer.peerId, [ADDR])
    await node.connect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    const events = record(node.events$)
    node.simulateDisconnect(peer.peerId)
    expect(transitions(events.values)).toEqual(['Established->Disconnected(CONNECTION_FAILED)', 'Disconnected->Reconnecting'])
    clock.advance(100)
    expect(node.state(peer.peerId)).toBe(Connected)
    const other = MockNode.identity()
    node.simulateConnect(other.peerId)
    const crash = new GlueberryError(ErrorCode.ConnectionFailed, 'remote crashed')
    node.simulateDisconnect(other.peerId, crash)
    expect(events.values.at(-1)).toMatchObject({ peerId: other.peerId, state: Disconnected, error: crash })
    expect(() => node.simulateDisconnect('garbage')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidPeerId }))
    expect(() => node.simulateEvent('garbage', Connected)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidPeerId }))
    // No connection: nothing to lose.
    node.simulateDisconnect(other.peerId)
    expect(events.values.at(-1)?.peerId).toBe(other.peerId)
    expect(events.values.filter(e => e.peerId === other.peerId)).toHaveLength(2)
  })

  it('disconnect() takes the peer down without reconnection; isOutbound then throws NotConnected', async () => {
    await start()
    await node.addPeer(peer.peerId, [ADDR])
    await node.connect(peer.peerId)
    const events = record(node.events$)
    await expect(node.disconnect(peer.peerId, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: ErrorCode.Aborted })
    await expect(node.disconnect('garbage')).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await node.disconnect(peer.peerId)
    clock.advance(60_000)
    expect(transitions(events.values)).toEqual(['Connected->Disconnected'])
    expect(() => node.isOutbound(peer.peerId)).toThrow(expect.objectContaining({ code: ErrorCode.NotConnected }))
    await node.disconnect(peer.peerId)
    expect(events.values).toHaveLength(1)
  })

  it('cancelReconnection stops a pending reconnection, and is refused otherwise', async () => {
    await start()
    await node.addPeer(peer.peerId, [ADDR])
    expect(() => node.cancelReconnection(peer.peerId)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidTransition, peer: peer.peerId }))
    node.simulateConnect(peer.peerId)
    // Established first: a connection lost mid-handshake goes to Cooldown, not Reconnecting.
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    node.simulateDisconnect(peer.peerId)
    expect(node.state(peer.peerId)).toBe(Reconnecting)
    node.cancelReconnection(peer.peerId)
    expect(node.state(peer.peerId)).toBe(Disconnected)
    clock.advance(60_000)
    expect(node.state(peer.peerId)).toBe(Disconnected)
    expect(clock.pending).toBe(0)
  })

  it('simulateEvent forces any transition with the right previous state and cancels stale timers', async () => {
    await start()
    const events = record(node.events$)
    const states = record(node.state$(peer.peerId))
    node.simulateConnect(peer.peerId)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    const odd = new GlueberryError(ErrorCode.ConnectionFailed, 'odd')
    node.simulateEvent(peer.peerId, Connecting, { error: odd, outbound: true })
    expect(events.values.at(-1)).toMatchObject({ previous: Connected, state: Connecting, error: odd, outbound: true })
    node.simulateEvent(peer.peerId, Established)
    expect(node.state(peer.peerId)).toBe(Established)
    // The handshake timer of the old session is gone: no Cooldown later.
    clock.advance(5000)
    expect(node.state(peer.peerId)).toBe(Established)
    expect(node.preparedStreams(peer.peerId)).toEqual(['x'])
    node.simulateEvent(peer.peerId, Disconnected)
    expect(node.preparedStreams(peer.peerId)).toEqual([])
    expect(states.values).toEqual([Disconnected, Connected, Connecting, Established, Disconnected])
    expect(() => node.simulateEvent(peer.peerId, 'Dancing' as ConnectionState)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidTransition }))
  })

  it('counts opened and closed connections by direction in metrics', async () => {
    const metrics = recordingMetrics()
    await start({ metrics })
    await node.addPeer(peer.peerId, [ADDR])
    await node.connect(peer.peerId)
    await node.disconnect(peer.peerId)
    node.simulateConnect(peer.peerId)
    node.simulateDisconnect(peer.peerId)
    expect(metrics.calls.filter(([m]) => m === 'connectionOpened' || m === 'connectionClosed')).toEqual([
      ['connectionOpened', 'outbound'], ['connectionClosed', 'outbound'],
      ['connectionOpened', 'inbound'], ['connectionClosed', 'inbound']
    ])
    expect(metrics.count('eventEmitted', Connected)).toBe(2)
  })
})
