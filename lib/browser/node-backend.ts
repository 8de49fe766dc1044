/**
 * Stands in for `lib/crypto/node-backend.ts` in a page (package.json
 * `browser` field): there is no node:crypto, so the default backend is noble
 * and asking for `crypto: 'node'` fails with INVALID_CONFIG, as it does on a
 * Node.js without ChaCha20-Poly1305.
 *
 * @module
 */
import { nobleBackend } from '../crypto/noble-backend.js'
import type { CryptoBackend } from '../crypto/backend.js'

export function nodeCryptoAvailable (): boolean {
  return false
}

// Never chosen (nodeCryptoAvailable() is false); exported because the Node
// module exports it. The noble backend keeps any direct use correct.
export const nodeBackend: CryptoBackend = nobleBackend
