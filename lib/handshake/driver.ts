/**
 * How a ready-made handshake (such as `standardHandshake`) plugs into a node:
 * the node attaches it when it starts and detaches it when it stops. It sees
 * only the public API, so a custom handshake can do anything it does.
 *
 * @module
 */
import type { Observable } from 'rxjs'
import type { GlueberryNode } from '../api.js'
import type { GlueberryError } from '../errors.js'

/**
 * A ready-made handshake, passed as the `handshake` option of createNode:
 * `standardHandshake()` or your own (see `handshakeFsm`).
 */
export interface HandshakeDriver {
  /** Streams the driver will prepare: the node registers their protocols when it starts. */
  readonly streams: readonly string[]
  /** Starts driving handshakes for `node`; returns the function that stops it. */
  attach (node: GlueberryNode): () => void
  /**
   * Hot: every failed handshake, with `peer` set; completes when the node
   * stops. Optional, so integrations (a NestJS bridge, a dashboard) can
   * report failures of any driver that offers them without knowing its type.
   */
  readonly failures$?: Observable<GlueberryError>
}
