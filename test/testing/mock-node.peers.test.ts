import { expect } from '@jest/globals'
import { ErrorCode } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import type { ConnectionEvent } from '../../lib/types.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import { VirtualClock, record } from './helpers.js'

const ADDR = '/ip4/127.0.0.1/tcp/4001'

async function started (options: ConstructorParameters<typeof MockNode>[0] = {}): Promise<MockNode> {
  const node = new MockNode(options)
  await node.start()
  return node
}

describe('MockNode address book', () => {
  let node: MockNode
  afterEach(async () => { await node.stop() })

  it('validates like the real book: peer ids, multiaddrs, metadata size', async () => {
    node = await started({ maxMetadataSize: 8, autoConnect: false })
    const peer = MockNode.identity()
    await expect(node.addPeer('not-a-peer', [ADDR])).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.addPeer(peer.peerId, ['not a multiaddr'])).rejects.toMatchObject({ code: ErrorCode.InvalidMultiaddr, peer: peer.peerId })
    await expect(node.addPeer(peer.peerId, [`${ADDR}/p2p/${MockNode.identity().peerId}`])).rejects.toMatchObject({ code: ErrorCode.InvalidMultiaddr })
    await expect(node.addPeer(peer.peerId, [ADDR], { key: 'too long!' })).rejects.toMatchObject({ code: ErrorCode.MetadataTooLarge })
    await expect(node.addPeer(peer.peerId, [ADDR], { n: 1 as unknown as string })).rejects.toMatchObject({ code: ErrorCode.InvalidConfig })
    expect(node.listPeers()).toEqual([])
  })

  it('upserts, keeps metadata when omitted, returns copies and replays peers$', async () => {
    const clock = new VirtualClock()
    node = await started({ autoConnect: false, scheduler: clock.scheduler })
    const peer = MockNode.identity()
    const list = record(node.peers$)
    expect(list.values).toEqual([[]])
    await node.addPeer(peer.peerId, [ADDR, ADDR], { role: 'validator' })
    clock.advance(10)
    await node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/4002'])
    const entry = node.getPeer(peer.peerId)
    expect(entry).toEqual({
      peerId: peer.peerId,
      multiaddrs: ['/ip4/127.0.0.1/tcp/4002'],
      metadata: { role: 'validator' },
      createdAt: 0,
      updatedAt: 10
    })
    entry?.multiaddrs.push('/ip4/1.2.3.4/tcp/1')
    expect(node.getPeer(peer.peerId)?.multiaddrs).toEqual(['/ip4/127.0.0.1/tcp/4002'])
    expect(list.values).toHaveLength(3)
    expect(list.values[1]?.[0]?.multiaddrs).toEqual([ADDR])
    expect(Object.isFrozen(list.values[2]?.[0])).toBe(true)
    expect(record(node.peers$).values).toEqual([[expect.objectContaining({ peerId: peer.peerId })]])
    expect(node.getPeer(MockNode.identity().peerId)).toBeUndefined()
    expect(() => node.getPeer('garbage')).toThrow(expect.objectContaining({ code: ErrorCode.InvalidPeerId }))
  })

  it('removePeer refuses unknown peers and keeps a ban', async () => {
    node = await started({ autoConnect: false })
    const peer = MockNode.identity()
    await expect(node.removePeer(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.PeerNotFound })
    await node.addPeer(peer.peerId, [ADDR])
    await node.blacklist(peer.peerId, 'spam')
    await node.removePeer(peer.peerId)
    expect(node.listPeers()).toEqual([])
    expect(node.isBlacklisted(peer.peerId)).toBe(true)
  })

  it('blacklists peers it does not know; a banned peer cannot be added, dialled or connect in', async () => {
    node = await started()
    const peer = MockNode.identity()
    await node.blacklist(peer.peerId)
    expect(node.isBlacklisted(peer.peerId)).toBe(true)
    expect(node.isBlacklisted('garbage')).toBe(false)
    await expect(node.addPeer(peer.peerId, [ADDR])).rejects.toMatchObject({ code: ErrorCode.PeerBlacklisted })
    await expect(node.connect(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.PeerBlacklisted })
    expect(() => node.simulateConnect(peer.peerId)).toThrow(expect.objectContaining({ code: ErrorCode.PeerBlacklisted }))
    expect(node.state(peer.peerId)).toBe(ConnectionState.Disconnected)
    await node.unblacklist(peer.peerId)
    await node.unblacklist(peer.peerId)
    await node.addPeer(peer.peerId, [ADDR])
    expect(node.state(peer.peerId)).toBe(ConnectionState.Connected)
  })

  it('checks the ban reason and the peer id', async () => {
    node = await started()
    await expect(node.blacklist('garbage')).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.blacklist(MockNode.identity().peerId, 'x'.repeat(5000))).rejects.toMatchObject({ code: ErrorCode.MetadataTooLarge })
    await expect(node.blacklist(MockNode.identity().peerId, 5 as unknown as string)).rejects.toMatchObject({ code: ErrorCode.InvalidConfig })
  })

  it('blacklisting a connected peer takes it down with PeerBlacklisted and never reconnects', async () => {
    const clock = new VirtualClock()
    node = await started({ scheduler: clock.scheduler })
    const peer = MockNode.identity()
    await node.addPeer(peer.peerId, [ADDR])
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    const events = record(node.events$)
    await node.blacklist(peer.peerId, 'misbehaved')
    expect(events.values).toEqual([expect.objectContaining({
      state: ConnectionState.Disconnected,
      previous: ConnectionState.Established,
      error: expect.objectContaining({ code: ErrorCode.PeerBlacklisted })
    })])
    clock.advance(10 * 60_000)
    expect(events.values).toHaveLength(1)
    expect(node.preparedStreams(peer.peerId)).toEqual([])
  })
})

describe('MockNode auto-connect', () => {
  let node: MockNode
  afterEach(async () => { await node.stop() })

  it('dials a peer added while started, as the real node does', async () => {
    node = await started()
    const peer = MockNode.identity()
    const events = record(node.events$)
    await node.addPeer(peer.peerId, [ADDR])
    expect(events.values.map((e: ConnectionEvent) => [e.previous, e.state, e.outbound])).toEqual([
      [ConnectionState.Disconnected, ConnectionState.Connecting, true],
      [ConnectionState.Connecting, ConnectionState.Connected, true]
    ])
    expect(node.isOutbound(peer.peerId)).toBe(true)
    // A second add of a connected peer does not dial again.
    await node.addPeer(peer.peerId, [ADDR])
    expect(events.values).toHaveLength(2)
  })

  it('dials the book on start, except banned peers', async () => {
    node = new MockNode()
    const [a, b] = [MockNode.identity(), MockNode.identity()]
    await node.addPeer(a.peerId, [ADDR])
    await node.addPeer(b.peerId, [ADDR])
    await node.blacklist(b.peerId)
    await node.start()
    expect(node.state(a.peerId)).toBe(ConnectionState.Connected)
    expect(node.state(b.peerId)).toBe(ConnectionState.Disconnected)
    expect(node.connectedPeers()).toEqual([a.peerId])
  })

  it('can be switched off: the test drives every connection', async () => {
    node = new MockNode({ autoConnect: false })
    const peer = MockNode.identity()
    await node.addPeer(peer.peerId, [ADDR])
    await node.start()
    await node.addPeer(MockNode.identity().peerId, [ADDR])
    expect(node.connectedPeers()).toEqual([])
    await node.connect(peer.peerId)
    expect(node.connectedPeers()).toEqual([peer.peerId])
  })

  it('records lastSeen when a book peer connects', async () => {
    const clock = new VirtualClock()
    node = await started({ scheduler: clock.scheduler, autoConnect: false })
    const peer = MockNode.identity()
    await node.addPeer(peer.peerId, [ADDR])
    expect(node.getPeer(peer.peerId)?.lastSeen).toBeUndefined()
    clock.advance(42)
    node.simulateConnect(peer.peerId)
    expect(node.getPeer(peer.peerId)?.lastSeen).toBe(42)
  })
})

describe('MockNode address-book corruption', () => {
  it('before start: replays the problem to every errors$ subscriber; writes fail until acknowledged', async () => {
    const node = new MockNode({ autoConnect: false })
    const peer = MockNode.identity()
    await node.addPeer(peer.peerId, [ADDR])
    node.simulateAddressBookCorruption('/tmp/book.json.corrupt-1')
    await node.start()
    for (const errors of [record(node.errors$), record(node.errors$)]) {
      expect(errors.values).toEqual([expect.objectContaining({ code: ErrorCode.AddressBookCorrupt, backupPath: '/tmp/book.json.corrupt-1' })])
    }
    expect(node.health()).toMatchObject({ healthy: false, checks: expect.arrayContaining([expect.objectContaining({ name: 'address_book', healthy: false })]) })
    // Reads go on; writes are refused, after the argument checks.
    expect(node.getPeer(peer.peerId)?.peerId).toBe(peer.peerId)
    await expect(node.addPeer('garbage', [ADDR])).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.addPeer(MockNode.identity().peerId, [ADDR])).rejects.toMatchObject({ code: ErrorCode.AddressBookCorrupt })
    await expect(node.removePeer(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.AddressBookCorrupt })
    await expect(node.unblacklist(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.AddressBookCorrupt })
    // A ban that cannot be stored still takes the peer down, as on the real node.
    await node.connect(peer.peerId)
    await expect(node.blacklist(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.AddressBookCorrupt })
    expect(node.state(peer.peerId)).toBe(ConnectionState.Disconnected)
    expect(node.isBlacklisted(peer.peerId)).toBe(false)
    node.acknowledgeAddressBookCorruption()
    await node.blacklist(peer.peerId)
    expect(node.isBlacklisted(peer.peerId)).toBe(true)
    expect(node.health().healthy).toBe(true)
    await node.stop()
    expect(() => node.simulateAddressBookCorruption()).toThrow(expect.objectContaining({ code: ErrorCode.NodeStopped }))
  })

  it('while running: a hot report on errors$', async () => {
    const node = new MockNode()
    await node.start()
    const errors = record(node.errors$)
    node.simulateAddressBookCorruption()
    expect(errors.values).toHaveLength(1)
    expect(record(node.errors$).values).toEqual([])
    await node.stop()
  })
})
