import { expect } from '@jest/globals'
import { ErrorCode } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import { VirtualClock, bytes, record } from './helpers.js'

describe('MockNode statistics', () => {
  it('tracks per-peer and per-stream statistics with the node tracker, on the virtual clock', async () => {
    const clock = new VirtualClock()
    const node = new MockNode({ scheduler: clock.scheduler })
    await node.start()
    const peer = MockNode.identity()
    expect(node.peerStats(peer.peerId)).toBeUndefined()
    clock.advance(100)
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    clock.advance(50)
    await node.send(peer.peerId, 'x', bytes(1, 2, 3))
    clock.advance(50)
    node.simulateMessage(peer.peerId, 'x', bytes(4))
    node.simulateDisconnect(peer.peerId)
    clock.advance(1000)
    expect(node.peerStats(peer.peerId)).toEqual({
      peerId: peer.peerId,
      connected: false,
      outbound: false,
      totalConnectTime: 100,
      messagesSent: 1,
      messagesReceived: 1,
      bytesSent: 3,
      bytesReceived: 1,
      lastSentAt: 150,
      lastReceivedAt: 200,
      lastMessageAt: 200,
      connectionCount: 1,
      failureCount: 0,
      // The mock's peer acknowledges at once.
      messagesAcked: 1,
      messagesUnacked: 0,
      messagesResent: 0,
      messagesUndelivered: 0,
      duplicatesDropped: 0,
      streams: {
        x: {
          name: 'x',
          messagesSent: 1,
          messagesReceived: 1,
          bytesSent: 3,
          bytesReceived: 1,
          lastSentAt: 150,
          lastReceivedAt: 200,
          messagesAcked: 1,
          messagesUnacked: 0,
          messagesResent: 0,
          messagesUndelivered: 0,
          duplicatesDropped: 0
        }
      }
    })
    await node.stop()
  })

  it('stats$ replays the current totals and completes on stop with the final snapshot', async () => {
    const clock = new VirtualClock()
    const node = new MockNode({ scheduler: clock.scheduler })
    await node.start()
    const peer = MockNode.identity()
    const stats = record(node.stats$)
    expect(stats.values).toEqual([{ peers: 0, connected: 0, established: 0, messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0, decryptionErrors: 0, at: 0 }])
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    node.simulateMessage(peer.peerId, 'x', bytes(1))
    // Throttled: nothing new inside the 250 ms window...
    expect(stats.values).toHaveLength(1)
    clock.advance(250)
    // ...then the trailing snapshot.
    expect(stats.values.at(-1)).toMatchObject({ peers: 1, connected: 1, established: 1, messagesReceived: 1, at: 250 })
    expect(record(node.stats$).values).toHaveLength(1)
    node.simulateMessage(peer.peerId, 'x', bytes(2))
    node.simulateMessage(peer.peerId, 'x', bytes(3))
    const before = stats.values.length
    await node.stop()
    expect(stats.completed()).toBe(true)
    expect(stats.values.length).toBeGreaterThan(before)
    expect(stats.values.at(-1)).toMatchObject({ messagesReceived: 3, connected: 0, established: 0 })
    expect(clock.pending).toBe(0)
  })
})

describe('MockNode health and state dump', () => {
  it('health() follows the real checks through the lifecycle', async () => {
    const node = new MockNode()
    const names = (): string[] => node.health().checks.filter(c => !c.healthy).map(c => c.name)
    expect(node.health().healthy).toBe(false)
    expect(names()).toEqual(['node_started', 'listening'])
    await node.start()
    expect(node.health()).toMatchObject({ healthy: true, checks: [{ name: 'node_started' }, { name: 'listening' }, { name: 'address_book' }, { name: 'connections', message: '0 open connections' }] })
    node.simulateConnect(MockNode.identity().peerId)
    expect(node.health().checks[3]?.message).toBe('1 open connections')
    await node.stop()
    expect(names()).toEqual(['node_started', 'listening', 'address_book'])
  })

  it('dumpState() is JSON with peers, states, streams, stats and config, and no key material', async () => {
    const node = new MockNode({ seed: new Uint8Array(32).fill(3), handshakeTimeout: 1234 })
    await node.start()
    const [a, b, c] = [MockNode.identity(), MockNode.identity(), MockNode.identity()]
    await node.addPeer(a.peerId, ['/ip4/127.0.0.1/tcp/1'])
    await node.completeHandshake(a.peerId, a.publicKey, ['x'])
    node.simulateConnect(b.peerId)
    await node.blacklist(c.peerId)
    const dump = node.dumpState()
    const json = JSON.parse(JSON.stringify(dump)) as typeof dump
    expect(json).toMatchObject({
      peerId: node.peerId,
      publicKey: Buffer.from(node.publicKey).toString('hex'),
      multiaddrs: node.multiaddrs,
      version: '2.0.0',
      status: 'started',
      stats: { peers: 2, connected: 2, established: 1 },
      config: { handshakeTimeout: 1234, maxMessageSize: 1024 * 1024, flow: { high: 1000, low: 100 }, crypto: 'node' }
    })
    expect(json.peers).toEqual(expect.arrayContaining([
      expect.objectContaining({ peerId: a.peerId, state: ConnectionState.Established, outbound: true, inAddressBook: true, blacklisted: false, streams: { prepared: ['x'], outbound: [], inbound: 0, held: 0 } }),
      expect.objectContaining({ peerId: b.peerId, state: ConnectionState.Connected, outbound: false, inAddressBook: false })
    ]))
    expect(JSON.stringify(dump)).not.toContain(Buffer.from(new Uint8Array(32).fill(3)).toString('hex'))
    await node.stop()
    expect(node.dumpState()).toMatchObject({ status: 'stopped', multiaddrs: [] })
  })

  it('isOutbound throws NotConnected for a peer it never saw', () => {
    expect(() => new MockNode().isOutbound(MockNode.identity().peerId)).toThrow(expect.objectContaining({ code: ErrorCode.NotConnected }))
  })
})
