/**
 * Fault injection for tests of the real node. Not part of the node's public
 * interface: reached through a symbol so that application code cannot call
 * it by accident, and exported only from glueberry/testing.
 *
 * @module
 */
import type { GlueberryNode } from '../api.js'

export const TEST_HOOKS: unique symbol = Symbol.for('glueberry.testHooks')

export interface TestHooks {
  tamperNextRecords (peer: string, stream: string, count: number): boolean
}

function hooks (node: GlueberryNode): TestHooks {
  const get = (node as unknown as { [TEST_HOOKS]?: () => TestHooks })[TEST_HOOKS]
  if (typeof get !== 'function') throw new TypeError('not a glueberry node created by createNode()')
  return get.call(node)
}

/**
 * Corrupts the authentication tag of the next `count` records the node sends
 * to `peer` on `stream`, as an attacker on the wire would. The stream must
 * already be open (send one message first); returns false when it is not.
 */
export function tamperNextRecords (node: GlueberryNode, peer: string, stream: string, count = 1): boolean {
  return hooks(node).tamperNextRecords(peer, stream, count)
}
