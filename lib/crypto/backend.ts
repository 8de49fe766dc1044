/**
 * The primitive layer: X25519, HKDF-SHA256, SHA-512 and ChaCha20-Poly1305
 * behind one small interface with two implementations that produce
 * byte-identical output: `node` (node:crypto, the fast path) and `noble`
 * (@noble/*, portable to browsers). Everything above this file (keys, key
 * schedule, record ciphers) is written against {@link CryptoBackend} only,
 * so no module but `node-backend.ts` imports `node:*`.
 *
 * Both implementations share the checks in this file, so they accept and
 * reject exactly the same inputs with the same error codes.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { isBytes } from '../wire/bytes.js'

/** ChaCha20-Poly1305 key length, bytes. */
export const KEY_LENGTH = 32
/** ChaCha20-Poly1305 (IETF) nonce length, bytes. */
export const NONCE_LENGTH = 12
/** Poly1305 tag length, bytes. */
export const TAG_LENGTH = 16
/** X25519 private key, public key and shared secret length, bytes. */
export const X25519_LENGTH = 32
/** SHA-256 output length, bytes. */
export const SHA256_LENGTH = 32
/** Largest HKDF-SHA256 output (RFC 5869: 255 blocks of the hash length). */
export const HKDF_SHA256_MAX_LENGTH = 255 * SHA256_LENGTH

/**
 * A sealed record as two chunks, ciphertext then tag, so a framer can send
 * `[length, ciphertext, tag]` as a list and never concatenate them: node has
 * no "encrypt into" API, and the copy a concatenation costs halves seal
 * throughput above 16 KiB (notes/crypto-speed.md). On the wire the record is
 * `ciphertext || tag`, which is what {@link CryptoBackend.open} takes.
 *
 * The two chunks may be views of one allocation (noble) or two buffers
 * (node); callers must treat them as read-only.
 */
export interface SealedRecord {
  /** As long as the plaintext. */
  readonly ciphertext: Uint8Array
  /** The 16-byte Poly1305 tag. */
  readonly tag: Uint8Array
}

/**
 * A record sealed from several plaintext parts (see
 * {@link CryptoBackend.sealParts}): the ciphertext as one chunk per part, or
 * fewer, in order, then the tag. On the wire: `ciphertext... || tag`.
 */
export interface SealedParts {
  /** Together as long as the plaintext parts. */
  readonly ciphertext: readonly Uint8Array[]
  /** The 16-byte Poly1305 tag. */
  readonly tag: Uint8Array
}

/** A raw X25519 key pair (32-byte little-endian scalar and u-coordinate). */
export interface X25519KeyPair {
  /** The 32-byte scalar. */
  readonly privateKey: Uint8Array
  /** The 32-byte u-coordinate. */
  readonly publicKey: Uint8Array
}

/**
 * One implementation of the primitives. Every method validates its input and
 * fails only with a {@link GlueberryError}: `InvalidKey` for wrong lengths or
 * types, `LowOrderPoint` for an all-zero X25519 result, `DecryptionFailed`
 * when a sealed record does not authenticate or is shorter than a tag.
 */
export interface CryptoBackend {
  /** `'node'` (node:crypto) or `'noble'` (pure JavaScript). */
  readonly name: 'node' | 'noble'

  /**
   * X25519 (RFC 7748). Any 32-byte u-coordinate is accepted as the curve
   * function accepts it (top bit masked, non-canonical values reduced); the
   * result is rejected with `LowOrderPoint` when it is all zero, which is
   * exactly the case of a low-order (or zero) public key.
   */
  x25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array
  /** A fresh random X25519 key pair. */
  x25519GenerateKeyPair (): X25519KeyPair
  /** The X25519 public key of a 32-byte private key (clamped as RFC 7748 says). */
  x25519PublicKey (privateKey: Uint8Array): Uint8Array
  /** HKDF-SHA256 (RFC 5869); `length` in 0..8160. An empty salt means HashLen zero bytes. */
  hkdfSha256 (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array
  /** SHA-512 of `data` (Ed25519 seed to X25519 scalar). */
  sha512 (data: Uint8Array): Uint8Array
  /** ChaCha20-Poly1305 encryption; AAD defaults to empty. */
  seal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): SealedRecord
  /**
   * ChaCha20-Poly1305 encryption of the concatenation of `parts` (empty AAD),
   * without concatenating them: a framer seals a length prefix and a message
   * where they lie, instead of copying both into one body first. The same
   * bytes as {@link seal} of the concatenation.
   */
  sealParts (key: Uint8Array, nonce: Uint8Array, parts: readonly Uint8Array[]): SealedParts
  /** ChaCha20-Poly1305 decryption of `ciphertext || tag`; AAD defaults to empty. */
  open (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array
  /** `n` bytes from the platform CSPRNG. */
  randomBytes (n: number): Uint8Array
}

// ---------------------------------------------------------------------------
// Shared validation. Messages name what was wrong and its length, never the
// bytes: a key in an error message ends up in logs.

/** Throws `InvalidKey` unless `value` is a Uint8Array of exactly `length` bytes. */
export function checkLength (value: unknown, length: number, what: string): asserts value is Uint8Array {
  if (!isBytes(value)) {
    throw new GlueberryError(ErrorCode.InvalidKey, `${what} must be a Uint8Array`)
  }
  if (value.byteLength !== length) {
    throw new GlueberryError(ErrorCode.InvalidKey, `${what} must be ${length} bytes, got ${value.byteLength}`)
  }
}

/** Throws `InvalidKey` unless `value` is a Uint8Array (any length). */
export function checkBytes (value: unknown, what: string): asserts value is Uint8Array {
  if (!isBytes(value)) {
    throw new GlueberryError(ErrorCode.InvalidKey, `${what} must be a Uint8Array`)
  }
}

/** Key and nonce checks of seal/open. */
export function checkAead (key: unknown, nonce: unknown, data: unknown, aad: unknown): void {
  checkLength(key, KEY_LENGTH, 'ChaCha20-Poly1305 key')
  checkLength(nonce, NONCE_LENGTH, 'ChaCha20-Poly1305 nonce')
  checkBytes(data, 'ChaCha20-Poly1305 input')
  if (aad !== undefined) checkBytes(aad, 'ChaCha20-Poly1305 AAD')
}

/** Throws `DecryptionFailed` when a sealed record cannot even hold a tag. */
export function checkSealedLength (sealed: Uint8Array): void {
  if (sealed.byteLength < TAG_LENGTH) {
    throw decryptionFailed(`sealed record too short: ${sealed.byteLength} bytes, minimum ${TAG_LENGTH}`)
  }
}

/** The one error for every record that does not open. */
export function decryptionFailed (message = 'record failed to authenticate'): GlueberryError {
  return new GlueberryError(ErrorCode.DecryptionFailed, message)
}

/** Input checks of hkdfSha256. */
export function checkHkdf (ikm: unknown, salt: unknown, info: unknown, length: unknown): void {
  checkBytes(ikm, 'HKDF input key material')
  checkBytes(salt, 'HKDF salt')
  checkBytes(info, 'HKDF info')
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || length > HKDF_SHA256_MAX_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidKey, `HKDF-SHA256 output length must be an integer in 0..${HKDF_SHA256_MAX_LENGTH}, got ${String(length)}`)
  }
}

/** Input checks of randomBytes. */
export function checkRandomLength (n: unknown): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new GlueberryError(ErrorCode.InvalidKey, `random length must be a non-negative integer, got ${String(n)}`)
  }
}

/**
 * The low-order policy: an all-zero X25519 output means the peer's public key
 * had small order (or was zero), so the "shared" secret is known to anyone.
 * The OR over all bytes does not branch on the secret before the end.
 */
export function isAllZero (bytes: Uint8Array): boolean {
  let acc = 0
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i]
  return acc === 0
}

/** The error both backends raise for an all-zero X25519 result. */
export function lowOrderPoint (): GlueberryError {
  return new GlueberryError(ErrorCode.LowOrderPoint, 'X25519 result is all zero: the public key has low order')
}
