/**
 * The real node's driver: `createNode` from lib/index.ts, several nodes in
 * this process, each listening on 127.0.0.1 port 0, in-memory address books.
 *
 * @module
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createNode } from '../../../lib/index.js'
import type { GlueberryNode } from '../../../lib/index.js'
import type { ConformanceOptions, Pair, PlatformDriver, StrangerIdentity } from '../driver.js'
import type { DivergenceId } from '../divergences.js'

export function realDriver (): PlatformDriver {
  const live = new Set<GlueberryNode>()
  const created = async (options: ConformanceOptions = {}): Promise<GlueberryNode> => {
    const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], ...options })
    live.add(node)
    return node
  }
  const started = async (options: ConformanceOptions = {}): Promise<GlueberryNode> => {
    const node = await created(options)
    await node.start()
    return node
  }
  return {
    name: 'real',
    divergences: new Map<DivergenceId, string>(),
    created,
    started,
    async pair (options = {}, listenerOptions = options): Promise<Pair> {
      const [dialer, listener] = await Promise.all([started(options), started(listenerOptions)])
      await listener.addPeer(dialer.peerId, [])
      return { dialer, listener }
    },
    addressOf: (node) => node.multiaddrs,
    async stranger (): Promise<StrangerIdentity> {
      const key = await generateKeyPair('Ed25519')
      return { peerId: peerIdFromPrivateKey(key).toString(), publicKey: key.publicKey.raw.slice() }
    },
    async stopAll (): Promise<void> {
      const nodes = [...live]
      live.clear()
      await Promise.all(nodes.map(async (node) => { await node.stop().catch(() => {}) }))
    }
  }
}
