/**
 * The transports of a Node.js node: TCP, and WebSockets so that browsers can
 * reach it (listen on `/ip4/.../tcp/N/ws`) and it can dial other nodes'
 * `/ws` addresses. A page gets `lib/browser/transports.ts` instead (the
 * package.json `browser` field swaps the file), which has no TCP.
 *
 * @module
 */
import type { Libp2pOptions } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { WebSocket as NodeWebSocket } from 'ws'

/** What libp2p's `transports` option takes. */
export type TransportFactories = NonNullable<Libp2pOptions['transports']>

/**
 * Node 20 has no global `WebSocket`, which @libp2p/websockets dials with
 * ("WebSocket is not defined"); Node 22 has one. Installed only where missing.
 */
export function ensureWebSocketGlobal (): void {
  const g = globalThis as { WebSocket?: unknown }
  g.WebSocket ??= NodeWebSocket
}

export function platformTransports (): TransportFactories {
  ensureWebSocketGlobal()
  return [tcp(), webSockets()]
}
