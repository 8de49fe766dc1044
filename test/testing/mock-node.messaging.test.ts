import { expect } from '@jest/globals'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { flowOf } from '../../lib/flow.js'
import { ConnectionState } from '../../lib/types.js'
import type { IncomingMessage } from '../../lib/types.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import type { SentMessage } from '../../lib/testing/index.js'
import { VirtualClock, bytes, record, recordingMetrics } from './helpers.js'

describe('MockNode send', () => {
  let clock: VirtualClock
  let node: MockNode
  const peer = MockNode.identity()

  beforeEach(async () => {
    clock = new VirtualClock()
    node = new MockNode({ scheduler: clock.scheduler, maxMessageSize: 16, maxStreamNameLength: 8 })
    await node.start()
  })
  afterEach(async () => { await node.stop() })

  it('rejects what the real node rejects, with the same codes and in the same order', async () => {
    await expect(node.send(peer.peerId, 'x', bytes(1), { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: ErrorCode.Aborted, stream: 'x' })
    await expect(node.send(peer.peerId, 'bad name', bytes(1))).rejects.toMatchObject({ code: ErrorCode.InvalidStreamName })
    await expect(node.send(peer.peerId, 'ninechars', bytes(1))).rejects.toMatchObject({ code: ErrorCode.InvalidStreamName })
    await expect(node.send(peer.peerId, 'x', 'text' as unknown as Uint8Array)).rejects.toMatchObject({ code: ErrorCode.MalformedRecord })
    await expect(node.send(peer.peerId, 'x', new Uint8Array(17))).rejects.toMatchObject({ code: ErrorCode.MessageTooLarge })
    // Every send needs a connection first (the more useful answer during an outage)...
    await expect(node.send(peer.peerId, 'x', bytes(1))).rejects.toMatchObject({ code: ErrorCode.NotConnected, peer: peer.peerId, stream: 'x' })
    await expect(node.send(peer.peerId, 'handshake', bytes(1))).rejects.toMatchObject({ code: ErrorCode.NotConnected })
    // ...then an encrypted stream needs phase 1.
    node.simulateConnect(peer.peerId)
    await expect(node.send(peer.peerId, 'x', bytes(1))).rejects.toMatchObject({ code: ErrorCode.StreamNotPrepared, peer: peer.peerId, stream: 'x' })
    expect(node.sent).toEqual([])
  })

  it('records every send (a copy, with sentAt), on the handshake stream before phase 1 and on prepared streams before phase 2', async () => {
    const live = record(node.sent$)
    node.simulateConnect(peer.peerId)
    const hello = bytes(1, 2, 3)
    await node.send(peer.peerId, 'handshake', hello)
    hello.fill(0)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x', 'y'])
    clock.advance(7)
    await node.send(peer.peerId, 'x', bytes(4)) // Connected, not yet Established: allowed, as on the real node
    await node.finalizeHandshake(peer.peerId)
    await node.send(peer.peerId, 'y', bytes(5))
    const expected: SentMessage[] = [
      { peerId: peer.peerId, stream: 'handshake', data: bytes(1, 2, 3), sentAt: 0 },
      { peerId: peer.peerId, stream: 'x', data: bytes(4), sentAt: 7 },
      { peerId: peer.peerId, stream: 'y', data: bytes(5), sentAt: 7 }
    ]
    expect(node.sent).toEqual(expected)
    expect(live.values).toEqual(expected)
    expect(node.sentTo(peer.peerId)).toHaveLength(3)
    expect(node.sentTo(peer.peerId, 'x')).toEqual([expected[1]])
    expect(node.sentTo(MockNode.identity().peerId)).toEqual([])
    node.clearSent()
    expect(node.sent).toEqual([])
    expect(node.peerStats(peer.peerId)).toMatchObject({ messagesSent: 3, bytesSent: 5 })
  })
})

describe('MockNode incoming messages', () => {
  let clock: VirtualClock
  let node: MockNode
  const peer = MockNode.identity()

  beforeEach(async () => {
    clock = new VirtualClock()
    node = new MockNode({ scheduler: clock.scheduler, maxMessageSize: 16 })
    await node.start()
  })
  afterEach(async () => { await node.stop() })

  const data = (messages: IncomingMessage[]): number[] => messages.map(m => m.data[0] ?? -1)

  it('delivers a message with receivedAt = now(), a copy of the data and a flow handle', () => {
    const received = record(node.messages$)
    node.simulateConnect(peer.peerId)
    clock.advance(3)
    const payload = bytes(9)
    expect(node.simulateMessage(peer.peerId, 'handshake', payload)).toBe(true)
    payload.fill(0)
    expect(received.values).toMatchObject([{ peerId: peer.peerId, stream: 'handshake', data: bytes(9), receivedAt: 3 }])
    expect(flowOf(received.values[0])).toEqual(expect.objectContaining({ key: `${peer.peerId}/handshake` }))
  })

  it('refuses impossible messages: bad stream names, non-bytes, no connection', () => {
    expect(() => node.simulateMessage(peer.peerId, 'handshake', bytes(1))).toThrow(expect.objectContaining({ code: ErrorCode.NotConnected }))
    node.simulateConnect(peer.peerId)
    expect(() => node.simulateMessage(peer.peerId, 'a/b', bytes(1))).toThrow(expect.objectContaining({ code: ErrorCode.InvalidStreamName }))
    expect(() => node.simulateMessage(peer.peerId, 'x', [1] as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: ErrorCode.MalformedRecord }))
  })

  it('reports an oversized message on errors$ instead of delivering it', async () => {
    const received = record(node.messages$)
    const errors = record(node.errors$)
    node.simulateConnect(peer.peerId)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    expect(node.simulateMessage(peer.peerId, 'handshake', new Uint8Array(17))).toBe(false)
    expect(node.simulateMessage(peer.peerId, 'x', new Uint8Array(17))).toBe(false)
    expect(received.values).toEqual([])
    expect(errors.values.map(e => [e.code, e.peer, e.stream])).toEqual([
      [ErrorCode.FrameTooLarge, peer.peerId, 'handshake'],
      [ErrorCode.MalformedRecord, peer.peerId, 'x']
    ])
  })

  it('holds messages on a stream not yet prepared and delivers them, in order, at phase 1', async () => {
    const received = record(node.messages$)
    node.simulateConnect(peer.peerId)
    expect(node.simulateMessage(peer.peerId, 'x', bytes(1))).toBe(false)
    expect(node.simulateMessage(peer.peerId, 'x', bytes(2))).toBe(false)
    expect(node.simulateMessage(peer.peerId, 'handshake', bytes(0))).toBe(true)
    expect(data(received.values)).toEqual([0])
    expect(node.dumpState().peers[0]?.streams).toEqual({ prepared: [], outbound: [], inbound: 2, held: 2 })
    await node.prepareStreams(peer.peerId, peer.publicKey, ['y'])
    expect(data(received.values)).toEqual([0])
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    expect(data(received.values)).toEqual([0, 1, 2])
    expect(node.simulateMessage(peer.peerId, 'x', bytes(3))).toBe(true)
    expect(data(received.values)).toEqual([0, 1, 2, 3])
  })

  it('drops what was held when the session ends, as the real node resets those streams', async () => {
    const received = record(node.messages$)
    node.simulateConnect(peer.peerId)
    node.simulateMessage(peer.peerId, 'x', bytes(1))
    node.simulateDisconnect(peer.peerId)
    node.simulateConnect(peer.peerId)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    expect(received.values).toEqual([])
  })

  it('a paused source queues (ref-counted) and flows again on resume; other sources are not affected', async () => {
    const received = record(node.messages$)
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x', 'y'])
    node.simulateMessage(peer.peerId, 'x', bytes(1))
    const handle = flowOf(received.values[0])
    expect(handle).toBeDefined()
    handle?.pause()
    handle?.pause()
    expect(node.isPaused(peer.peerId, 'x')).toBe(true)
    expect(node.simulateMessage(peer.peerId, 'x', bytes(2))).toBe(false)
    expect(node.simulateMessage(peer.peerId, 'y', bytes(3))).toBe(true)
    handle?.resume()
    expect(data(received.values)).toEqual([1, 3])
    handle?.resume()
    handle?.resume() // an extra resume is harmless
    expect(node.isPaused(peer.peerId, 'x')).toBe(false)
    expect(data(received.values)).toEqual([1, 3, 2])
  })

  it('a flow handle of an ended session reaches nothing', () => {
    const received = record(node.messages$)
    node.simulateConnect(peer.peerId)
    node.simulateMessage(peer.peerId, 'handshake', bytes(1))
    const old = flowOf(received.values[0])
    node.simulateDisconnect(peer.peerId)
    node.simulateConnect(peer.peerId)
    old?.pause()
    expect(node.isPaused(peer.peerId, 'handshake')).toBe(false)
    expect(node.simulateMessage(peer.peerId, 'handshake', bytes(2))).toBe(true)
  })

  it('keeps arrival order when a subscriber pauses, sends or simulates more messages during delivery', async () => {
    const seen: number[] = []
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    node.messages$.subscribe((m) => {
      seen.push(m.data[0] ?? -1)
      if (m.data[0] === 1) node.simulateMessage(peer.peerId, 'x', bytes(3))
      node.send(m.peerId, 'x', m.data).catch(() => {})
    })
    node.simulateMessage(peer.peerId, 'x', bytes(1))
    node.simulateMessage(peer.peerId, 'x', bytes(2))
    expect(seen).toEqual([1, 3, 2])
    expect(node.sent.map(m => m.data[0])).toEqual([1, 3, 2])
  })

  it('counts received messages in stats and metrics', async () => {
    const metrics = recordingMetrics()
    const other = new MockNode({ metrics })
    await other.start()
    other.simulateConnect(peer.peerId)
    other.simulateMessage(peer.peerId, 'handshake', bytes(1, 2))
    expect(other.peerStats(peer.peerId)).toMatchObject({ messagesReceived: 1, bytesReceived: 2, streams: { handshake: { messagesReceived: 1 } } })
    expect(metrics.calls).toContainEqual(['messageReceived', 'handshake', 2])
    await other.stop()
  })
})

describe('MockNode injected failures', () => {
  let node: MockNode
  const peer = MockNode.identity()

  beforeEach(async () => {
    node = new MockNode()
    await node.start()
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
  })
  afterEach(async () => { await node.stop() })

  it('failNext makes the next call reject with the given error, with no effect, then lets calls through', async () => {
    const error = new GlueberryError(ErrorCode.Backpressure, 'slow peer', { peer: peer.peerId, stream: 'x' })
    node.failNext('send', error)
    await expect(node.send(peer.peerId, 'x', bytes(1))).rejects.toBe(error)
    expect(node.sent).toEqual([])
    await node.send(peer.peerId, 'x', bytes(2))
    expect(node.sent).toHaveLength(1)
  })

  it('builds a GlueberryError from a code, counts times and narrows to one peer', async () => {
    const other = MockNode.identity()
    node.simulateConnect(other.peerId)
    node.failNext('send', ErrorCode.StreamClosed, { times: 2, peerId: peer.peerId })
    await expect(node.send(other.peerId, 'handshake', bytes(1))).resolves.toBeUndefined()
    const first = node.send(peer.peerId, 'x', bytes(1))
    await expect(first).rejects.toBeInstanceOf(GlueberryError)
    await expect(first).rejects.toMatchObject({ code: ErrorCode.StreamClosed, peer: peer.peerId, retriable: true })
    await expect(node.send(peer.peerId, 'x', bytes(1))).rejects.toMatchObject({ code: ErrorCode.StreamClosed })
    await expect(node.send(peer.peerId, 'x', bytes(1))).resolves.toBeUndefined()
  })

  it('can fail every method that returns a promise, and cancelReconnection synchronously', async () => {
    const p = peer.peerId
    const calls: Array<[Parameters<MockNode['failNext']>[0], () => Promise<unknown>]> = [
      ['addPeer', async () => await node.addPeer(p, [])],
      ['removePeer', async () => await node.removePeer(p)],
      ['connect', async () => await node.connect(p)],
      ['disconnect', async () => await node.disconnect(p)],
      ['prepareStreams', async () => await node.prepareStreams(p, peer.publicKey, ['x'])],
      ['finalizeHandshake', async () => await node.finalizeHandshake(p)],
      ['completeHandshake', async () => await node.completeHandshake(p, peer.publicKey, ['x'])],
      ['blacklist', async () => await node.blacklist(p)],
      ['unblacklist', async () => await node.unblacklist(p)]
    ]
    for (const [method, call] of calls) {
      node.failNext(method, ErrorCode.StorageFailed)
      await expect(call()).rejects.toMatchObject({ code: ErrorCode.StorageFailed, message: `injected STORAGE_FAILED in ${method}()` })
    }
    node.failNext('cancelReconnection', ErrorCode.InvalidTransition)
    expect(() => node.cancelReconnection(p)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidTransition, message: expect.stringMatching(/injected/) }))
    expect(node.state(p)).toBe(ConnectionState.Established)
    expect(node.isBlacklisted(p)).toBe(false)
    const fresh = new MockNode()
    fresh.failNext('start', ErrorCode.InvalidConfig)
    await expect(fresh.start()).rejects.toMatchObject({ code: ErrorCode.InvalidConfig })
    expect(fresh.status).toBe('created')
    await fresh.start()
    await fresh.stop()
  })

  it('records an injected handshake failure in handshakeCalls', async () => {
    node.failNext('finalizeHandshake', ErrorCode.HandshakeFailed)
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeFailed })
    expect(node.handshakeCalls.at(-1)).toMatchObject({ method: 'finalizeHandshake', error: { code: ErrorCode.HandshakeFailed } })
  })

  it('clearFailures forgets injections; a bad count is refused', async () => {
    node.failNext('send', ErrorCode.StreamClosed, { times: Infinity })
    node.clearFailures()
    await node.send(peer.peerId, 'x', bytes(1))
    expect(() => node.failNext('send', ErrorCode.StreamClosed, { times: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})

describe('MockNode decryption failures and errors', () => {
  let node: MockNode
  const peer = MockNode.identity()
  beforeEach(async () => {
    node = new MockNode()
    await node.start()
  })
  afterEach(async () => { await node.stop() })

  it('simulateDecryptionError reports on decryptionErrors$, counts per stream, and the stream goes on', async () => {
    const metrics = recordingMetrics()
    await node.stop()
    node = new MockNode({ metrics })
    await node.start()
    const failures = record(node.decryptionErrors$)
    const received = record(node.messages$)
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    expect(() => node.simulateDecryptionError(peer.peerId, 'handshake')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidStreamName }))
    node.simulateDecryptionError(peer.peerId, 'x')
    node.simulateDecryptionError(peer.peerId, 'x', new GlueberryError(ErrorCode.MalformedRecord, 'bad body'))
    expect(failures.values.map(f => [f.peerId, f.stream, f.error.code, f.count])).toEqual([
      [peer.peerId, 'x', ErrorCode.DecryptionFailed, 1],
      [peer.peerId, 'x', ErrorCode.MalformedRecord, 2]
    ])
    node.simulateMessage(peer.peerId, 'x', bytes(1))
    expect(received.values).toHaveLength(1)
    expect(metrics.count('decryptionError')).toBe(2)
    expect(node.dumpState().stats.decryptionErrors).toBe(2)
    expect(() => node.simulateDecryptionError(MockNode.identity().peerId, 'x')).toThrow(expect.objectContaining({ code: ErrorCode.NotConnected }))
  })

  it('simulateError emits on errors$ without erroring it', () => {
    const errors = record(node.errors$)
    const error = new GlueberryError(ErrorCode.StreamClosed, '3 queued messages were not delivered')
    node.simulateError(error)
    node.simulateError(error)
    expect(errors.values).toEqual([error, error])
    expect(errors.completed()).toBe(false)
  })
})
