import { expect } from '@jest/globals'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ErrorCode } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import { VirtualClock, record, recordingMetrics } from './helpers.js'

const { Connected, Established, Cooldown } = ConnectionState

describe('MockNode handshake', () => {
  let clock: VirtualClock
  let node: MockNode
  let metrics: ReturnType<typeof recordingMetrics>
  const peer = MockNode.identity()

  beforeEach(async () => {
    clock = new VirtualClock()
    metrics = recordingMetrics()
    node = new MockNode({ scheduler: clock.scheduler, handshakeTimeout: 1000, cooldown: 500, maxStreamNameLength: 8, metrics })
    await node.start()
  })
  afterEach(async () => { await node.stop() })

  it('prepareStreams validates with the real validators and codes', async () => {
    const cases: Array<[unknown, Promise<void>]> = [
      [ErrorCode.InvalidPeerId, node.prepareStreams('garbage', peer.publicKey, ['x'])],
      [ErrorCode.InvalidStreamName, node.prepareStreams(peer.peerId, peer.publicKey, [])],
      [ErrorCode.InvalidStreamName, node.prepareStreams(peer.peerId, peer.publicKey, ['handshake'])],
      [ErrorCode.InvalidStreamName, node.prepareStreams(peer.peerId, peer.publicKey, ['a b'])],
      [ErrorCode.InvalidStreamName, node.prepareStreams(peer.peerId, peer.publicKey, ['ninechars'])],
      [ErrorCode.PublicKeyMismatch, node.prepareStreams(peer.peerId, MockNode.identity().publicKey, ['x'])],
      [ErrorCode.InvalidKey, node.prepareStreams(peer.peerId, peer.publicKey.subarray(1), ['x'])],
      [ErrorCode.Aborted, node.prepareStreams(peer.peerId, peer.publicKey, ['x'], { signal: AbortSignal.abort() })]
    ]
    for (const [code, call] of cases) await expect(call).rejects.toMatchObject({ code })
    expect(node.preparedStreams(peer.peerId)).toEqual([])
    expect(metrics.count('keyDerivation')).toBe(0)
  })

  it('refuses a small-order key bound to its own peer id (LowOrderPoint), as the real key checks do', async () => {
    const identity = ed25519.Point.ZERO.toBytes() // the identity point: small order
    const { peerIdFromEd25519PublicKey } = await import('../../lib/crypto/keys.js')
    const lowPeer = peerIdFromEd25519PublicKey(identity).toString()
    await expect(node.prepareStreams(lowPeer, identity, ['x'])).rejects.toMatchObject({ code: ErrorCode.LowOrderPoint })
  })

  it('finalizeHandshake only after prepareStreams and only from Connected', async () => {
    await expect(node.finalizeHandshake('garbage')).rejects.toMatchObject({ code: ErrorCode.InvalidPeerId })
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeFailed })
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.NotConnected })
    node.simulateConnect(peer.peerId)
    await expect(node.finalizeHandshake(peer.peerId, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: ErrorCode.Aborted })
    const events = record(node.events$)
    clock.advance(250)
    await node.finalizeHandshake(peer.peerId)
    expect(events.values).toEqual([expect.objectContaining({ previous: Connected, state: Established, at: 250 })])
    // Established: a second finalize is a no-op, as on the real node.
    await node.finalizeHandshake(peer.peerId)
    expect(events.values).toHaveLength(1)
    // The handshake timer was cancelled.
    clock.advance(10_000)
    expect(node.state(peer.peerId)).toBe(Established)
    expect(metrics.calls.filter(([m]) => m === 'handshakeDuration' || m === 'handshakeResult')).toEqual([
      ['handshakeDuration', 0.25], ['handshakeResult', 'success']
    ])
  })

  it('a timed-out handshake releases the prepared streams; finalize during Cooldown is HandshakeTimeout', async () => {
    node.simulateConnect(peer.peerId)
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    clock.advance(1000)
    expect(node.state(peer.peerId)).toBe(Cooldown)
    expect(node.preparedStreams(peer.peerId)).toEqual([])
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeFailed })
    await node.prepareStreams(peer.peerId, peer.publicKey, ['x'])
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeTimeout })
  })

  it('prepares additively, records the key in the book and counts key derivations', async () => {
    await node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/4001'])
    await node.prepareStreams(peer.peerId, peer.publicKey, ['a', 'b'])
    await node.prepareStreams(peer.peerId, peer.publicKey, ['b', 'c'])
    expect(node.preparedStreams(peer.peerId)).toEqual(['a', 'b', 'c'])
    expect(node.getPeer(peer.peerId)?.publicKey).toEqual(peer.publicKey)
    expect(metrics.count('keyDerivation')).toBe(2)
  })

  it('completeHandshake runs both phases; every call is recorded with its outcome', async () => {
    node.simulateConnect(peer.peerId)
    clock.advance(5)
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeFailed })
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    expect(node.state(peer.peerId)).toBe(Established)
    const calls = node.handshakeCalls
    expect(calls).toEqual([
      { method: 'finalizeHandshake', peerId: peer.peerId, at: 5, error: expect.objectContaining({ code: ErrorCode.HandshakeFailed }) },
      { method: 'prepareStreams', peerId: peer.peerId, publicKey: peer.publicKey, streams: ['x'], at: 5 },
      { method: 'finalizeHandshake', peerId: peer.peerId, at: 5 }
    ])
    expect(Object.isFrozen(calls[1])).toBe(true)
  })

  it('a disconnect ends the session: a new connection needs a new phase 1', async () => {
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, ['x'])
    node.simulateDisconnect(peer.peerId)
    node.simulateConnect(peer.peerId)
    expect(node.preparedStreams(peer.peerId)).toEqual([])
    await expect(node.send(peer.peerId, 'x', new Uint8Array(1))).rejects.toMatchObject({ code: ErrorCode.StreamNotPrepared })
    await expect(node.finalizeHandshake(peer.peerId)).rejects.toMatchObject({ code: ErrorCode.HandshakeFailed })
  })
})
