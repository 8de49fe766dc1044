/**
 * Backend selection: node:crypto when it is there and has
 * ChaCha20-Poly1305, noble otherwise. Both are byte-identical, so the
 * choice only changes speed.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { CryptoBackend } from './backend.js'
import { nobleBackend } from './noble-backend.js'
import { nodeBackend, nodeCryptoAvailable } from './node-backend.js'

/** The name of a crypto backend: `'node'` (node:crypto) or `'noble'` (pure JavaScript, byte-identical). */
export type BackendName = CryptoBackend['name']

let chosen: CryptoBackend | undefined

/** The fastest available backend; decided once per process. */
export function defaultBackend (): CryptoBackend {
  chosen ??= nodeCryptoAvailable() ? nodeBackend : nobleBackend
  return chosen
}

/** The backend of a given name (`crypto` option of the node). */
export function backendFor (name: BackendName): CryptoBackend {
  if (name === 'noble') return nobleBackend
  if (name === 'node') {
    if (!nodeCryptoAvailable()) throw new GlueberryError(ErrorCode.InvalidConfig, 'node:crypto has no chacha20-poly1305 here; use the noble backend')
    return nodeBackend
  }
  throw new GlueberryError(ErrorCode.InvalidConfig, `unknown crypto backend ${String(name)}`)
}
