/**
 * The node's parts, reachable for glueberry/testing through a symbol that
 * the public API does not export. Production code defines the accessor and
 * never imports lib/testing; the test hooks (testing/hooks.ts) wrap or query
 * these parts at call time, so no test branch sits in the hot path.
 *
 * @module
 */
import type { StreamManager } from './streams/stream-manager.js'

export const INTERNALS: unique symbol = Symbol.for('glueberry.internals')

/** What a node lends its test hooks. Never key material beyond what tests must check is zeroed. */
export interface NodeInternals {
  /** The stream manager: encoders, acks and outboxes per (peer, stream). */
  readonly streams: StreamManager
  /** The node's X25519 private key buffer (all zero once the node stopped). */
  readonly identityX25519Private: Uint8Array
  /** The libp2p connection to `peer`, to abort it as a dead link would. */
  connectionFor: (peer: string) => { abort: (err: Error) => void } | undefined
}

/** A node's internals, or undefined when `node` does not have any (not built by createNode). */
export function internalsOf (node: object): NodeInternals | undefined {
  const get = (node as { [INTERNALS]?: () => NodeInternals })[INTERNALS]
  return typeof get === 'function' ? get.call(node) : undefined
}
