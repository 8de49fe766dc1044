/**
 * Noise's own crypto that glueberry's X25519 goes on top of (noise-crypto.ts):
 * in Node.js noise's default (node:crypto and wasm ChaCha20-Poly1305). A page
 * gets lib/browser/noise-base.ts (package.json `browser` field): the
 * `@chainsafe/libp2p-noise/crypto` export has no browser condition, so a
 * bundler would otherwise pull in node:crypto.
 *
 * @module
 */
export { defaultCrypto as noiseBaseCrypto } from '@chainsafe/libp2p-noise/crypto'
