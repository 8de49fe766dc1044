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
})
