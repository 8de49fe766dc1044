/**
 * The transports of a node in a page: WebSockets only (dialing; a page
 * cannot listen). Swapped in for `lib/host/transports.ts` by the package.json
 * `browser` field, so TCP and `ws` never reach a browser bundle.
 *
 * @module
 */
import type { Libp2pOptions } from 'libp2p'
import { webSockets } from '@libp2p/websockets'

/** What libp2p's `transports` option takes. */
export type TransportFactories = NonNullable<Libp2pOptions['transports']>

/** A page has a WebSocket global: nothing to install. */
export function ensureWebSocketGlobal (): void {}

export function platformTransports (): TransportFactories {
  return [webSockets()]
}
