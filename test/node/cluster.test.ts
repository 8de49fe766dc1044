import { ConnectionState } from '../../lib/index.js'
import type { GlueberryNode } from '../../lib/index.js'
import { startNode, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe('a local cluster', () => {
  // libp2p's defaults accept 5 inbound connections per second per host and
  // 10 pending ones: 49 simultaneous dials to one node would mostly fail with
  // bare ECONNRESETs. The node raises both.
  it('lets 49 nodes dial one node at the same moment', async () => {
    const hub = await startNode()
    const spokes: GlueberryNode[] = await Promise.all(Array.from({ length: 49 }, async () => await startNode()))
    await Promise.all(spokes.map(async s => { await s.addPeer(hub.peerId, hub.multiaddrs) }))
    await Promise.all(spokes.map(async s => { await waitForState(s, hub.peerId, ConnectionState.Connected, 30_000) }))
    await Promise.all(spokes.map(async s => { await waitForState(hub, s.peerId, ConnectionState.Connected, 30_000) }))
    expect(hub.dumpState().peers.filter(p => p.state === ConnectionState.Connected)).toHaveLength(49)
    expect(spokes.every(s => s.isOutbound(hub.peerId))).toBe(true)
    expect(spokes.every(s => !hub.isOutbound(s.peerId))).toBe(true)
  }, 60_000)

  it('connects 12 nodes in a full mesh when all of them dial at once', async () => {
    const nodes = await Promise.all(Array.from({ length: 12 }, async () => await startNode()))
    // Every pair is in both address books: both ends dial at the same moment.
    await Promise.all(nodes.flatMap(n => nodes.filter(m => m !== n).map(async m => { await n.addPeer(m.peerId, m.multiaddrs) })))
    await Promise.all(nodes.flatMap(n => nodes.filter(m => m !== n).map(async m => {
      await waitForState(n, m.peerId, ConnectionState.Connected, 30_000)
    })))
    for (const n of nodes) {
      expect(n.dumpState().peers.filter(p => p.state === ConnectionState.Connected)).toHaveLength(11)
    }
  }, 60_000)
})
