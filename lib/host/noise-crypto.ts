/**
 * Noise's X25519, done by glueberry's crypto backend.
 *
 * @chainsafe/libp2p-noise imports every X25519 key it uses into node:crypto
 * from DER (pkcs8/spki) on each Diffie-Hellman: under OpenSSL 3 that import
 * costs ~370 us for a private key and ~80 us for a public one, against
 * ~30 us and ~7 us from a JWK, and ~35 us for the DH itself. A Noise XX
 * handshake does three DHs and one key generation per side, so the DER path
 * spent ~1.5 ms of CPU per side and connection, the largest single item of
 * a profiled 30-node mesh (12% of all CPU). The backend imports from JWK
 * (node) or computes in JS (noble, in browsers), and rejects an all-zero
 * result, which Noise's own code would have used as a key.
 *
 * Everything else (hashing, HKDF, ChaCha20-Poly1305) stays noise's own
 * (noise-base.ts: node:crypto in Node.js, pure JS in a page).
 *
 * @module
 */
import { noiseBaseCrypto } from './noise-base.js'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { CryptoBackend } from '../crypto/backend.js'

// noise types its lists with uint8arraylist 2, the rest of libp2p with 3: take its own type.
type NoiseBytes = Parameters<ICryptoInterface['generateX25519SharedKey']>[0]

function bytes (value: NoiseBytes): Uint8Array {
  return value instanceof Uint8Array ? value : value.subarray()
}

export function noiseCrypto (backend: CryptoBackend): ICryptoInterface {
  return {
    ...noiseBaseCrypto,
    generateX25519KeyPair () {
      const { privateKey, publicKey } = backend.x25519GenerateKeyPair()
      return { privateKey, publicKey }
    },
    generateX25519KeyPairFromSeed (seed: Uint8Array) {
      return { privateKey: seed, publicKey: backend.x25519PublicKey(seed) }
    },
    generateX25519SharedKey (privateKey: NoiseBytes, publicKey: NoiseBytes) {
      return backend.x25519(bytes(privateKey), bytes(publicKey))
    }
  }
}
