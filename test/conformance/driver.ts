/**
 * The platform driver: what a conformance scenario needs from a platform, and
 * nothing else. A scenario module (scenarios/*.ts) is a function that
 * registers Jest tests given a driver; each platform (the real node over
 * 127.0.0.1, MockNode over its simulated network, later a browser node driven
 * in Chromium) provides one driver and one `*.conformance.test.ts` file that
 * hands it to every scenario module. The scenarios only use the public
 * `GlueberryNode` API: what they assert is what an application can observe.
 *
 * @module
 */
import type { GlueberryNode, NodeOptions } from '../../lib/index.js'
import type { DivergenceId } from './divergences.js'

/**
 * The node options a scenario may set: those every platform honours. The
 * mock honours all of them except `drainTimeout` (it has nothing to drain).
 */
export type ConformanceOptions = Pick<NodeOptions,
'handshakeTimeout' | 'cooldown' | 'reconnect' | 'maxMessageSize' | 'maxStreamNameLength' |
'maxMetadataSize' | 'flow' | 'inbound' | 'drainTimeout'>

/** Two started nodes that know each other, not connected yet. */
export interface Pair {
  /** Has nothing in its book yet: `introduce(driver, pair)` adds the listener with its address, which dials it. */
  readonly dialer: GlueberryNode
  /** Has the dialer in its address book without an address: it accepts it inbound and never dials it. */
  readonly listener: GlueberryNode
}

/** A peer identity that no running node has: for calls about unknown peers. */
export interface StrangerIdentity {
  readonly peerId: string
  /** Its 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
}

export interface PlatformDriver {
  /** 'real', 'mock', later 'browser': shown in test names and used by divergences. */
  readonly name: string
  /**
   * The divergences this platform has today, with why. A scenario that meets
   * one asserts the platform's current behaviour instead of the real node's
   * and says so (see `conform()` in support.ts). Empty for the real node.
   */
  readonly divergences: ReadonlyMap<DivergenceId, string>
  /** A node made with `options`, not started. Stopped by `stopAll()`. */
  created (options?: ConformanceOptions): Promise<GlueberryNode>
  /** A started node that knows nobody. Stopped by `stopAll()`. */
  started (options?: ConformanceOptions): Promise<GlueberryNode>
  /** Two started nodes (see {@link Pair}); `listenerOptions` default to `options`. */
  pair (options?: ConformanceOptions, listenerOptions?: ConformanceOptions): Promise<Pair>
  /** The addresses another node of this platform dials `node` at. */
  addressOf (node: GlueberryNode): string[]
  /** A valid identity no node of the test runs. */
  stranger (): Promise<StrangerIdentity>
  /** Stops every node this driver made (call in afterEach); never throws. */
  stopAll (): Promise<void>
}
