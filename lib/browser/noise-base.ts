/**
 * Noise's pure-JavaScript crypto (noble), for a page: stands in for
 * lib/host/noise-base.ts through the package.json `browser` field.
 *
 * @module
 */
export { pureJsCrypto as noiseBaseCrypto } from '@chainsafe/libp2p-noise'
