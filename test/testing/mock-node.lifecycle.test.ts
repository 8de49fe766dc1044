import { expect } from '@jest/globals'
import type { Observable } from 'rxjs'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { CURRENT_VERSION } from '../../lib/version.js'
import { publicKeyMatchesPeerId } from '../../lib/crypto/index.js'
import type { GlueberryNode } from '../../lib/api.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import { VirtualClock, bytes, record, recordingLogger } from './helpers.js'

const seed = (fill: number): Uint8Array => new Uint8Array(32).fill(fill)

describe('MockNode identity and options', () => {
  it('has a real Ed25519 identity: the peer id embeds the public key, which is copied on every read', () => {
    const node = new MockNode()
    expect(node.peerId).toMatch(/^12D3KooW/)
    expect(node.publicKey).toHaveLength(32)
    expect(publicKeyMatchesPeerId(node.publicKey, node.peerId)).toBe(true)
    node.publicKey.fill(0)
    expect(publicKeyMatchesPeerId(node.publicKey, node.peerId)).toBe(true)
    expect(node.version).toEqual(CURRENT_VERSION)
  })

  it('derives the same peer id from a seed as the real node (libp2p) does', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', seed(7))
    expect(new MockNode({ seed: seed(7) }).peerId).toBe(peerIdFromPrivateKey(key).toString())
    expect(MockNode.identity(seed(7)).peerId).toBe(peerIdFromPrivateKey(key).toString())
    expect(MockNode.identity().peerId).not.toBe(MockNode.identity().peerId)
  })

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => MockNode.identity(new Uint8Array(31))).toThrow(expect.objectContaining({ code: ErrorCode.InvalidKey }))
    expect(() => new MockNode({ seed: new Uint8Array(33) })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidKey }))
  })

  it.each([
    ['handshakeTimeout', { handshakeTimeout: -1 }],
    ['flow.low', { flow: { high: 10, low: 10 } }],
    ['maxMessageSize', { maxMessageSize: 0 }],
    ['reconnect', { reconnect: { jitter: 1 } }],
    ['decryptionErrorPolicy', { decryptionErrorPolicy: 'ignore' as 'drop' }],
    ['dialDelay', { dialDelay: -5 }],
    ['multiaddrs', { multiaddrs: [''] }],
    ['random', { random: 3 as unknown as () => number }],
    ['now', { now: 'x' as unknown as () => number }]
  ])('validates %s like the real node (InvalidConfig)', (_name, options) => {
    expect(() => new MockNode(options)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })

  it('refuses a scheduler that is not a SchedulerLike', () => {
    expect(() => new MockNode({ scheduler: {} as never })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })

  it('reports its multiaddrs only while started, like a host that is listening', async () => {
    const node = new MockNode({ multiaddrs: ['/ip4/10.0.0.1/tcp/9000'] })
    expect(node.multiaddrs).toEqual([])
    await node.start()
    expect(node.multiaddrs).toEqual(['/ip4/10.0.0.1/tcp/9000'])
    node.multiaddrs.push('/ip4/1.1.1.1/tcp/1')
    expect(node.multiaddrs).toEqual(['/ip4/10.0.0.1/tcp/9000'])
    await node.stop()
    expect(node.multiaddrs).toEqual([])
    const byDefault = new MockNode()
    await byDefault.start()
    expect(byDefault.multiaddrs).toEqual([`/ip4/127.0.0.1/tcp/4001/p2p/${byDefault.peerId}`])
    await byDefault.stop()
  })
})

describe('MockNode lifecycle', () => {
  it('goes created -> started -> stopped and refuses to start twice or restart', async () => {
    const node = new MockNode()
    expect(node.status).toBe('created')
    await node.start()
    expect(node.status).toBe('started')
    await expect(node.start()).rejects.toMatchObject({ code: ErrorCode.NodeAlreadyStarted })
    await node.stop()
    expect(node.status).toBe('stopped')
    await expect(node.start()).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
  })

  it('refuses network calls before start with NodeNotStarted and after stop with NodeStopped', async () => {
    const node = new MockNode()
    const peer = MockNode.identity()
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['connect', async () => await node.connect(peer.peerId)],
      ['disconnect', async () => await node.disconnect(peer.peerId)],
      ['send', async () => await node.send(peer.peerId, 'handshake', bytes(1))],
      ['prepareStreams', async () => await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])],
      ['finalizeHandshake', async () => await node.finalizeHandshake(peer.peerId)],
      ['completeHandshake', async () => await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])],
      ['cancelReconnection', async () => { node.cancelReconnection(peer.peerId) }],
      ['simulateConnect', async () => { node.simulateConnect(peer.peerId) }],
      ['simulateDisconnect', async () => { node.simulateDisconnect(peer.peerId) }],
      ['simulateMessage', async () => node.simulateMessage(peer.peerId, 'handshake', bytes(1))],
      ['simulateDecryptionError', async () => { node.simulateDecryptionError(peer.peerId, 'x') }],
      ['simulateError', async () => { node.simulateError(new GlueberryError(ErrorCode.StreamClosed, 'x')) }],
      ['simulateEvent', async () => { node.simulateEvent(peer.peerId, ConnectionState.Connected) }]
    ]
    for (const [, call] of calls) await expect(call()).rejects.toMatchObject({ code: ErrorCode.NodeNotStarted })
    await node.start()
    await node.stop()
    for (const [, call] of calls) await expect(call()).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
  })

  it('keeps the address book usable before start (without dialling) but not after stop', async () => {
    const node = new MockNode()
    const peer = MockNode.identity()
    await node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/1'])
    await node.blacklist(MockNode.identity().peerId)
    expect(node.state(peer.peerId)).toBe(ConnectionState.Disconnected)
    await node.stop()
    await expect(node.addPeer(peer.peerId, [])).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    await expect(node.removePeer(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    await expect(node.blacklist(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    await expect(node.unblacklist(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    // Reads keep answering from the last state.
    expect(node.getPeer(peer.peerId)?.peerId).toBe(peer.peerId)
  })

  it('stop() is idempotent, valid before start, and completes every Observable', async () => {
    const never = new MockNode()
    await never.stop()
    await never.stop()
    expect(never.status).toBe('stopped')

    const node = new MockNode()
    await node.start()
    const peer = MockNode.identity()
    node.simulateConnect(peer.peerId)
    const streams: Array<Observable<unknown>> = [node.events$, node.messages$, node.stats$, node.peers$, node.decryptionErrors$, node.errors$, node.sent$, node.state$(peer.peerId)]
    const recorders = streams.map(s => record(s))
    const events = record(node.events$)
    await Promise.all([node.stop(), node.stop()])
    expect(recorders.map(r => r.completed())).toEqual(streams.map(() => true))
    // The connected peer's session ended with a final, reported transition.
    expect(events.values).toEqual([expect.objectContaining({
      peerId: peer.peerId,
      state: ConnectionState.Disconnected,
      previous: ConnectionState.Connected,
      error: expect.objectContaining({ code: ErrorCode.NodeStopped })
    })])
    // After stop, state$ replays the final state and completes, for known and unknown peers.
    for (const id of [peer.peerId, MockNode.identity().peerId]) {
      const late = record(node.state$(id))
      expect(late.values).toEqual([ConnectionState.Disconnected])
      expect(late.completed()).toBe(true)
    }
    expect(record(node.events$).completed()).toBe(true)
  })

  it('stop() rejects a pending connect with NodeStopped and leaves no timer behind', async () => {
    const clock = new VirtualClock()
    const node = new MockNode({ scheduler: clock.scheduler, dialDelay: 100 })
    await node.start()
    const peer = MockNode.identity()
    await node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/1'])
    const attempt = node.connect(peer.peerId)
    const other = MockNode.identity()
    node.simulateConnect(other.peerId) // arms a handshake timer
    expect(clock.pending).toBeGreaterThan(0)
    await node.stop()
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.NodeStopped })
    expect(clock.pending).toBe(0)
  })

  it('attaches the handshake driver on start and detaches it on stop', async () => {
    const attached: GlueberryNode[] = []
    let detached = 0
    const node = new MockNode({
      handshake: { streams: ['x'], attach: (n) => { attached.push(n); return () => { detached++ } } }
    })
    expect(attached).toEqual([])
    await node.start()
    expect(attached).toEqual([node])
    await node.stop()
    await node.stop()
    expect(detached).toBe(1)
  })

  it('logs the lifecycle like the real node', async () => {
    const logger = recordingLogger()
    const node = new MockNode({ logger })
    await node.start()
    await node.stop()
    expect(logger.lines.map(l => `${l.level} ${l.msg}`)).toEqual(['info node started', 'info node stopping', 'info node stopped'])
    expect(logger.lines[0]?.fields).toEqual({ peer_id: node.peerId, listen_addrs: [`/ip4/127.0.0.1/tcp/4001/p2p/${node.peerId}`] })
  })
})
