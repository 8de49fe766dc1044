import { merge, toArray, firstValueFrom } from 'rxjs'
import { ConnectionState, standardHandshake } from '../../lib/index.js'
import type { GlueberryError, GlueberryNode } from '../../lib/index.js'
import { connectMesh } from '../../examples/cluster/mesh.js'
import { startNode, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe('a local cluster', () => {
  // libp2p's defaults accept 5 inbound connections per second per host and
  // 10 pending ones: 49 simultaneous dials to one node would mostly fail with
  // bare ECONNRESETs. The node raises both.
  it('lets 49 nodes dial one node at the same moment', async () => {
    // The hub has none of them in its book: it admits any peer.
    const hub = await startNode({ inbound: 'any' })
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

  it('sets up a full mesh of 16 nodes through the standard handshake, known peers only, 16 links at a time, without one error', async () => {
    const members = await Promise.all(Array.from({ length: 16 }, async (_, i) => {
      const handshake = standardHandshake({ streams: ['mesh'] })
      const node = await startNode({ handshake, inbound: 'known' })
      return { node, name: `node-${i + 1}`, handshake }
    }))
    // Both ends of a link add each other at once: neither may refuse the other.
    const errors = firstValueFrom(merge(...members.flatMap(m => [m.node.errors$, m.handshake.failures$])).pipe(toArray()))
    const mesh = await connectMesh(members)
    expect(mesh).toMatchObject({ links: 240, established: 240, concurrency: 16, stopped: false })
    await stopAll()
    expect((await errors).map((e: GlueberryError) => `${e.code} ${e.message}`)).toEqual([])
  }, 120_000)
})
