/**
 * Identity keys: the node's Ed25519 libp2p key, its peer id, and the X25519
 * keys derived from it for the static half of the stream key schedule.
 *
 * Ed25519 -> X25519:
 * - private: SHA-512(seed)[0..32], clamped (RFC 8032 / RFC 7748). It is the
 *   same scalar Ed25519 signs with, so X25519(private, 9) equals the
 *   converted public key.
 * - public: the birational map u = (1 + y) / (1 - y) of a decoded point.
 *
 * Public key policy (decided here, tested in test/crypto/keys.test.ts):
 * - the 32 bytes must be a canonical encoding of a point on the curve
 *   (RFC 8032 strict decoding): anything else is `InvalidKey`. Go glueberry
 *   accepted non-canonical encodings; v2 does not.
 * - small-order points (the 8 torsion points, identity included) are
 *   `LowOrderPoint`: their X25519 image has low order, every shared secret
 *   with them is zero or predictable. The identity has no image at all.
 * - mixed-order points (prime-order point plus torsion) are accepted: X25519
 *   scalars are clamped to multiples of 8, which removes the torsion part,
 *   and the key is bound to the peer id byte for byte anyway.
 *
 * No `node:*` import here: SHA-512 comes from the backend.
 *
 * @module
 */
import { generateKeyPair, generateKeyPairFromSeed, publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Ed25519PeerId, Ed25519PrivateKey, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ErrorCode, GlueberryError } from '../errors.js'
import { bytesEqual } from '../wire/bytes.js'
import { X25519_LENGTH, checkLength } from './backend.js'
import type { CryptoBackend } from './backend.js'
import { defaultBackend } from './default-backend.js'

/** Ed25519 seed (RFC 8032 private key) length, bytes. */
export const ED25519_SEED_LENGTH = 32
/** Ed25519 public key length, bytes. */
export const ED25519_PUBLIC_KEY_LENGTH = 32

/** The node's identity and the keys derived from it. */
export interface Identity {
  /** The libp2p Ed25519 private key (libp2p signs with it; never zeroed here). */
  readonly privateKey: Ed25519PrivateKey
  readonly peerId: Ed25519PeerId
  /** `peerId.toString()`, the form peer ids take in the public API. */
  readonly peerIdString: string
  /** Raw 32-byte Ed25519 public key. */
  readonly edPublicKey: Uint8Array
  /** Clamped X25519 private key derived from the seed; zeroed by {@link Identity.destroy}. */
  readonly xPrivateKey: Uint8Array
  /** X25519 public key, equal to X25519(xPrivateKey, 9). */
  readonly xPublicKey: Uint8Array
  /** Zeroes `xPrivateKey` (the libp2p key belongs to libp2p and is left alone). Idempotent. */
  destroy (): void
}

/**
 * Builds the identity from a libp2p Ed25519 private key or a 32-byte seed,
 * or generates a new key when `key` is omitted.
 *
 * @throws GlueberryError `InvalidKey` for a non-Ed25519 key, a seed of the
 * wrong length, or a key whose public half does not belong to its seed.
 */
export async function createIdentity (key?: PrivateKey | Uint8Array, backend: CryptoBackend = defaultBackend()): Promise<Identity> {
  const privateKey = await toEd25519PrivateKey(key)
  const edPublicKey = new Uint8Array(privateKey.publicKey.raw)
  checkLength(edPublicKey, ED25519_PUBLIC_KEY_LENGTH, 'Ed25519 public key')
  const raw = privateKey.raw
  // libp2p's raw Ed25519 private key is seed || public key (64 bytes).
  if (raw.byteLength !== ED25519_SEED_LENGTH + ED25519_PUBLIC_KEY_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidKey, `Ed25519 private key must be 64 bytes (seed || public key), got ${raw.byteLength}`)
  }
  const xPrivateKey = x25519PrivateFromEd25519Seed(raw.subarray(0, ED25519_SEED_LENGTH), backend)
  const xPublicKey = x25519PublicFromEd25519(edPublicKey)
  // A key object whose public half belongs to another seed would make every
  // peer derive keys we cannot: refuse it here, once, rather than fail later.
  const check = backend.x25519PublicKey(xPrivateKey)
  const matches = bytesEqual(check, xPublicKey)
  check.fill(0)
  if (!matches) {
    xPrivateKey.fill(0)
    throw new GlueberryError(ErrorCode.InvalidKey, 'Ed25519 private key does not match its public key')
  }
  const peerId = peerIdFromPrivateKey(privateKey)
  return {
    privateKey,
    peerId,
    peerIdString: peerId.toString(),
    edPublicKey,
    xPrivateKey,
    xPublicKey,
    destroy () { xPrivateKey.fill(0) }
  }
}

async function toEd25519PrivateKey (key: PrivateKey | Uint8Array | undefined): Promise<Ed25519PrivateKey> {
  if (key === undefined) return await generateKeyPair('Ed25519')
  if (key instanceof Uint8Array) {
    checkLength(key, ED25519_SEED_LENGTH, 'Ed25519 seed')
    return await generateKeyPairFromSeed('Ed25519', key)
  }
  if (typeof key !== 'object' || key === null || !('type' in key)) {
    throw new GlueberryError(ErrorCode.InvalidKey, 'private key must be a libp2p PrivateKey or a 32-byte seed')
  }
  if (key.type !== 'Ed25519') {
    throw new GlueberryError(ErrorCode.InvalidKey, `private key must be Ed25519, got ${String(key.type)}`)
  }
  return key
}

/**
 * The X25519 private key of an Ed25519 seed: SHA-512(seed)[0..32], clamped.
 * The hash's other half (the signing nonce prefix) is wiped.
 */
export function x25519PrivateFromEd25519Seed (seed: Uint8Array, backend: CryptoBackend = defaultBackend()): Uint8Array {
  checkLength(seed, ED25519_SEED_LENGTH, 'Ed25519 seed')
  const digest = backend.sha512(seed)
  const scalar = new Uint8Array(digest.subarray(0, X25519_LENGTH)) // a copy, also of a Buffer
  digest.fill(0)
  scalar[0] &= 248
  scalar[31] &= 127
  scalar[31] |= 64
  return scalar
}

const Point = ed25519.Point
const Fp = Point.Fp

/**
 * The X25519 public key of an Ed25519 public key (see the module comment for
 * what is accepted). The point is decoded once, with noble's strict decoder,
 * and mapped with noble's field arithmetic; this is the computation of
 * `ed25519.utils.toMontgomery` (the tests check they agree) without decoding
 * twice for the small-order check (~75 us saved per call).
 *
 * @throws GlueberryError `InvalidKey` for a wrong length or a non-point,
 * `LowOrderPoint` for a small-order point.
 */
export function x25519PublicFromEd25519 (edPublicKey: Uint8Array): Uint8Array {
  checkLength(edPublicKey, ED25519_PUBLIC_KEY_LENGTH, 'Ed25519 public key')
  let point: ReturnType<typeof Point.fromBytes>
  try {
    point = Point.fromBytes(edPublicKey)
  } catch (err) {
    throw new GlueberryError(ErrorCode.InvalidKey, 'Ed25519 public key is not a valid curve point', { cause: err })
  }
  if (point.isSmallOrder()) {
    throw new GlueberryError(ErrorCode.LowOrderPoint, 'Ed25519 public key has small order')
  }
  const y = point.y
  // y = 1 only for the identity, which isSmallOrder already rejected.
  return Fp.toBytes(Fp.div(Fp.add(Fp.ONE, y), Fp.sub(Fp.ONE, y)))
}

/** The peer id of a raw Ed25519 public key. */
export function peerIdFromEd25519PublicKey (edPublicKey: Uint8Array): Ed25519PeerId {
  checkLength(edPublicKey, ED25519_PUBLIC_KEY_LENGTH, 'Ed25519 public key')
  const publicKey = publicKeyFromRaw(edPublicKey)
  if (publicKey.type !== 'Ed25519') throw new GlueberryError(ErrorCode.InvalidKey, 'not an Ed25519 public key')
  return peerIdFromPublicKey(publicKey)
}

/** Parses a peer id string; `InvalidPeerId` when it is not one. */
export function toPeerId (peerId: string | PeerId): PeerId {
  if (typeof peerId !== 'string') return peerId
  try {
    return peerIdFromString(peerId)
  } catch (err) {
    throw new GlueberryError(ErrorCode.InvalidPeerId, 'not a valid peer id', { cause: err })
  }
}

/** The binary form of a peer id, as the key schedule binds it: `peerId.toMultihash().bytes`. */
export function peerIdBytes (peerId: string | PeerId): Uint8Array {
  return toPeerId(peerId).toMultihash().bytes
}

/**
 * True when `edPublicKey` is the key an Ed25519 `peerId` embeds. Never
 * throws: anything malformed is simply not a match.
 */
export function publicKeyMatchesPeerId (edPublicKey: Uint8Array, peerId: string | PeerId): boolean {
  try {
    assertPublicKeyMatchesPeerId(edPublicKey, peerId)
    return true
  } catch {
    return false
  }
}

/**
 * Throws unless `edPublicKey` is the key `peerId` embeds (`prepareStreams`
 * calls this before trusting a public key given by the application).
 *
 * @throws GlueberryError `InvalidKey` for a key that is not 32 bytes or a
 * peer id that is not Ed25519, `InvalidPeerId` for an unparsable string,
 * `PublicKeyMismatch` when the key belongs to another peer.
 */
export function assertPublicKeyMatchesPeerId (edPublicKey: Uint8Array, peerId: string | PeerId): void {
  checkLength(edPublicKey, ED25519_PUBLIC_KEY_LENGTH, 'Ed25519 public key')
  const id = toPeerId(peerId)
  if (id.type !== 'Ed25519') {
    throw new GlueberryError(ErrorCode.InvalidKey, `peer id must be Ed25519, got ${id.type}`, { peer: id.toString() })
  }
  if (!bytesEqual(id.publicKey.raw, edPublicKey)) {
    throw new GlueberryError(ErrorCode.PublicKeyMismatch, 'public key does not match the peer id', { peer: id.toString() })
  }
}
