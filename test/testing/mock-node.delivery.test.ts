/** MockNode mirrors the real node's delivery options: awaitDelivery, sends kept while a known peer reconnects. */
import { ErrorCode, UndeliveredError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { MockNode } from '../../lib/testing/index.js'
import { VirtualClock, bytes } from './helpers.js'

describe('MockNode delivery', () => {
  let clock: VirtualClock
  let node: MockNode
  const peer = MockNode.identity()

  beforeEach(async () => {
    clock = new VirtualClock()
    node = new MockNode({ inbound: 'any', scheduler: clock.scheduler, reconnect: { baseDelay: 1000, maxDelay: 1000, jitter: 0, maxAttempts: 2 } })
    await node.start()
  })
  afterEach(async () => { await node.stop() })

  it('awaitDelivery resolves (the mock peer acknowledges at once)', async () => {
    node.simulateConnect(peer.peerId)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    await node.send(peer.peerId, 'x', bytes(1), { awaitDelivery: true })
    expect(node.sentTo(peer.peerId, 'x')).toHaveLength(1)
    expect(node.peerStats(peer.peerId)?.streams.x).toMatchObject({ messagesAcked: 1, messagesUnacked: 0 })
  })

  it('a known peer being reconnected: sends on names prepared before are accepted; once it is given up, refused', async () => {
    await node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/1'])
    node.simulateConnect(peer.peerId)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    await node.finalizeHandshake(peer.peerId)
    node.simulateDisconnect(peer.peerId)
    expect(node.state(peer.peerId)).toBe(ConnectionState.Reconnecting)
    await node.send(peer.peerId, 'x', bytes(2))
    expect(node.sentTo(peer.peerId, 'x')).toHaveLength(1)
    // A name never prepared has nothing to wait for: while disconnected, that is NOT_CONNECTED (as the real node).
    await expect(node.send(peer.peerId, 'y', bytes(3))).rejects.toMatchObject({ code: ErrorCode.NotConnected })
    node.cancelReconnection(peer.peerId)
    await Promise.resolve()
    expect(node.state(peer.peerId)).toBe(ConnectionState.Disconnected)
    // Given up: sends are refused as on the real node (no connection, nothing to wait for)...
    await expect(node.send(peer.peerId, 'x', bytes(4))).rejects.toMatchObject({ code: ErrorCode.NotConnected })
    // ...and the session's names are gone: a new connection needs phase 1 again.
    node.simulateConnect(peer.peerId)
    await expect(node.send(peer.peerId, 'x', bytes(5))).rejects.toMatchObject({ code: ErrorCode.StreamNotPrepared })
  })

  it('a test can play a loss report', async () => {
    const seen: unknown[] = []
    node.errors$.subscribe(e => seen.push(e))
    const loss = new UndeliveredError({ peer: peer.peerId, stream: 'x', count: 2, firstSeq: 0, lastSeq: 1, reason: 'reconnect-given-up' })
    node.simulateError(loss)
    expect(seen).toEqual([loss])
  })
})
