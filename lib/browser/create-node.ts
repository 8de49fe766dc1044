/**
 * `createNode` in a page. The node is the same as in Node.js (same public
 * API, same GlueberryError codes); the platform parts differ, and the
 * package.json `browser` field swaps them in: WebSockets for dialing
 * (lib/browser/transports.ts), the noble crypto backend
 * (lib/browser/node-backend.ts), no file address book
 * (lib/browser/json-file-storage.ts); the writer's flush is feature-detected
 * (lib/host/macrotask.ts). What differs in the options:
 *
 * - `listen` defaults to none, and any listen address is INVALID_CONFIG: a
 *   page cannot accept inbound connections, it only dials.
 * - `crypto` defaults to `'noble'`; `'node'` is INVALID_CONFIG.
 * - `addressBook` is a storage adapter (`IndexedDbStorage`, `MemoryStorage`)
 *   or omitted; a file path is INVALID_CONFIG.
 *
 * @module
 */
import { createNode as createPlatformNode } from '../node.js'
import type { GlueberryNode } from '../api.js'
import type { NodeOptions } from '../config.js'
import { ErrorCode, GlueberryError } from '../errors.js'

/** Options of `createNode` in a browser: those of Node.js, with the differences above. */
export type BrowserNodeOptions = NodeOptions

/**
 * Creates a glueberry node in a page (not started). It dials peers'
 * WebSocket addresses (`/ip4/127.0.0.1/tcp/N/ws` on loopback,
 * `/dns4/host/tcp/443/tls/ws` beyond it: an https page may only use wss).
 */
export async function createNode (options: BrowserNodeOptions = {}): Promise<GlueberryNode> {
  if (options.listen !== undefined && (!Array.isArray(options.listen) || options.listen.length > 0)) {
    throw new GlueberryError(ErrorCode.InvalidConfig, 'a browser node cannot listen: leave listen empty and dial peers\' /ws addresses')
  }
  if (typeof options.addressBook === 'string') {
    throw new GlueberryError(ErrorCode.InvalidConfig, 'a file address book needs Node.js; in a browser use IndexedDbStorage or MemoryStorage')
  }
  return await createPlatformNode({ ...options, listen: [], crypto: options.crypto ?? 'noble' })
}
