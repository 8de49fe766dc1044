/**
 * The MockNode is a GlueberryNode: checked by the compiler (this file fails
 * `npm run typecheck` if the interface and the mock drift apart) and by
 * running application code written against the interface on it.
 */
import { isObservable } from 'rxjs'
import { ConnectionState } from '../../lib/types.js'
import type { GlueberryNode } from '../../lib/api.js'
import { AnyInboundMockNode as MockNode } from './helpers.js'
import { autoHandshake } from '../helpers/nodes.js'
import { settle } from './helpers.js'

/** True only when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false

/** Every member of GlueberryNode has exactly the same type on MockNode. */
type SameMembers = { [K in keyof GlueberryNode]: Equals<MockNode[K], GlueberryNode[K]> }
type AllTrue<T> = T[keyof T] extends true ? true : false

// `npm run typecheck` fails here when the mock's types drift (exported only so they count as used).
export const membersMatch: AllTrue<SameMembers> = true
export const assignable: MockNode extends GlueberryNode ? true : false = true

/** The public members of GlueberryNode. */
const MEMBERS: ReadonlyArray<keyof GlueberryNode> = ['events$', 'messages$', 'stats$', 'peers$', 'decryptionErrors$', 'errors$', 'state$', 'state',
  'start', 'stop', 'addPeer', 'removePeer', 'getPeer', 'listPeers', 'connect', 'disconnect', 'cancelReconnection', 'send',
  'prepareStreams', 'finalizeHandshake', 'completeHandshake', 'acknowledgeAddressBookCorruption', 'blacklist', 'unblacklist',
  'isBlacklisted', 'isOutbound', 'peerStats', 'health', 'dumpState', 'peerId', 'publicKey', 'multiaddrs', 'version', 'status']

/** What a member is at run time: an Observable, a method, or a value of some type. */
function kindOf (value: unknown): string {
  if (isObservable(value)) return 'observable'
  return typeof value
}

describe('MockNode implements GlueberryNode', () => {
  it('has at run time the same kind of member as the real node, for every member of the interface', async () => {
    const mock = new MockNode()
    const { createNode } = await import('../../lib/node.js')
    const real = await createNode()
    try {
      const kinds = (node: GlueberryNode): Record<string, string> => Object.fromEntries(MEMBERS.map(name => [name, kindOf(node[name])]))
      const realKinds = kinds(real)
      expect(kinds(mock)).toEqual(realKinds)
      // The check has teeth: Observables, methods and plain values are all among them.
      expect(new Set(Object.values(realKinds))).toEqual(new Set(['observable', 'function', 'string', 'object']))
    } finally {
      await real.stop()
    }
  })

  it('has at run time every member the real node has', async () => {
    const mock: GlueberryNode = new MockNode()
    const { createNode } = await import('../../lib/node.js')
    const real = await createNode()
    try {
      const members = (node: object): string[] => {
        const names = new Set<string>(Object.keys(node))
        for (let proto: object = Object.getPrototypeOf(node) as object; proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object) {
          for (const name of Object.getOwnPropertyNames(proto)) names.add(name)
        }
        return [...names]
      }
      const mockMembers = members(mock)
      const publicOfReal = members(real).filter(name => name in mock || !name.startsWith('private'))
      for (const name of MEMBERS) {
        expect(mockMembers).toContain(name)
        expect(publicOfReal).toContain(name)
      }
    } finally {
      await real.stop()
    }
  })

  it('runs application code written against GlueberryNode: the test helpers\' autoHandshake reaches Established', async () => {
    const node = new MockNode()
    await node.start()
    const stop = autoHandshake(node, ['x'])
    const remote = MockNode.identity()
    node.simulateConnect(remote.peerId)
    // The application announced its key on the handshake stream.
    expect(node.sentTo(remote.peerId, 'handshake')[0]?.data).toEqual(Uint8Array.of(1, ...node.publicKey))
    // The remote answers the same way: its key, then "ready".
    node.simulateMessage(remote.peerId, 'handshake', Uint8Array.of(1, ...remote.publicKey))
    await settle()
    expect(node.handshakeCalls[0]).toMatchObject({ method: 'prepareStreams', peerId: remote.peerId, streams: ['x'] })
    expect(node.sentTo(remote.peerId, 'handshake')[1]?.data).toEqual(Uint8Array.of(2))
    node.simulateMessage(remote.peerId, 'handshake', Uint8Array.of(2))
    await settle()
    expect(node.state(remote.peerId)).toBe(ConnectionState.Established)
    stop()
    await node.stop()
  })
})
