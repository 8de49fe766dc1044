/**
 * Identities for tests: a real Ed25519 key pair and its libp2p peer id,
 * computed synchronously, so a MockNode can be built in a constructor and a
 * test can invent remote peers whose public keys pass the same checks
 * (`prepareStreams` binds the key to the peer id) as on the real node.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { ErrorCode, GlueberryError } from '../errors.js'
import { ED25519_SEED_LENGTH, peerIdFromEd25519PublicKey } from '../crypto/keys.js'

/** A peer identity for tests. The seed is the private key: never use one outside tests. */
export interface MockIdentity {
  /** Canonical peer id string (`12D3KooW…`). */
  readonly peerId: string
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** The 32-byte Ed25519 seed it was made from. */
  readonly seed: Uint8Array
}

/**
 * A fresh identity from `seed` (32 bytes), or from a random seed. The same
 * seed always gives the same peer id, which `createNode({ privateKey: seed })`
 * would give too.
 */
export function mockIdentity (seed?: Uint8Array): MockIdentity {
  if (seed !== undefined && (!(seed instanceof Uint8Array) || seed.length !== ED25519_SEED_LENGTH)) {
    throw new GlueberryError(ErrorCode.InvalidKey, `seed must be a ${ED25519_SEED_LENGTH}-byte Uint8Array`)
  }
  const secret = seed === undefined ? crypto.getRandomValues(new Uint8Array(ED25519_SEED_LENGTH)) : seed.slice()
  const publicKey = ed25519.getPublicKey(secret)
  return Object.freeze({ peerId: peerIdFromEd25519PublicKey(publicKey).toString(), publicKey, seed: secret })
}
