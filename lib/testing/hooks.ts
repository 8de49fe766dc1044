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
  breakSealer (peer: string, stream: string): boolean
  /** The live secrets, so a test can check they are zeroed: never use outside tests. */
  keyMaterial (peer?: string): {
    /** The node's X25519 private key buffer (all zero once the node stopped). */
    identityX25519Private: Uint8Array
    /** The key object of `peer`, when it is prepared. */
    peerKeys?: {
      /** True once its secrets were zeroed. */
      readonly destroyed: boolean
    }
  }
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

/**
 * Test-only view of the node's key material: the node's X25519 private key
 * buffer itself and the live key object of one prepared peer, so a test can
 * check that stop() and disconnects really zero and destroy them.
 */
export function keyMaterial (node: GlueberryNode, peer?: string): ReturnType<TestHooks['keyMaterial']> {
  return hooks(node).keyMaterial(peer)
}

/**
 * Destroys the record sealer of the open stream to `peer`, so the next
 * message sent there cannot be sealed (as if the keys had been released
 * under it): the stream ends, the message is reported undelivered and the
 * encryption-error metric moves. Returns false when the stream is not open.
 */
export function breakSealer (node: GlueberryNode, peer: string, stream: string): boolean {
  return hooks(node).breakSealer(peer, stream)
}
