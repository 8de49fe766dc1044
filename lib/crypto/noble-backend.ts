/**
 * The portable backend: @noble/ciphers, @noble/curves and @noble/hashes.
 * Pure JavaScript, so it runs in browsers (where WebCrypto has neither
 * ChaCha20-Poly1305 nor, widely, X25519). Its output is byte-identical to the
 * node backend, so peers using different backends interoperate.
 *
 * @module
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256, sha512 as nobleSha512 } from '@noble/hashes/sha2.js'
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js'
import { ErrorCode, GlueberryError } from '../errors.js'
import {
  TAG_LENGTH,
  X25519_LENGTH,
  checkAead,
  checkBytes,
  checkHkdf,
  checkLength,
  checkRandomLength,
  checkSealedLength,
  decryptionFailed,
  isAllZero,
  lowOrderPoint
} from './backend.js'
import type { CryptoBackend, SealedParts, SealedRecord, X25519KeyPair } from './backend.js'

function x25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkLength(privateKey, X25519_LENGTH, 'X25519 private key')
  checkLength(publicKey, X25519_LENGTH, 'X25519 public key')
  let shared: Uint8Array
  try {
    shared = nobleX25519.getSharedSecret(privateKey, publicKey)
  } catch (err) {
    // noble rejects the five low-order u-coordinates before running the
    // ladder; with a clamped scalar those are exactly the inputs whose result
    // is all zero, which node reports after the ladder. Same set, same code.
    if (err instanceof Error && err.message.includes('invalid private or public key')) throw lowOrderPoint()
    throw new GlueberryError(ErrorCode.InvalidKey, 'X25519 failed', { cause: err })
  }
  if (isAllZero(shared)) throw lowOrderPoint()
  return shared
}

function x25519PublicKey (privateKey: Uint8Array): Uint8Array {
  checkLength(privateKey, X25519_LENGTH, 'X25519 private key')
  return nobleX25519.getPublicKey(privateKey)
}

function x25519GenerateKeyPair (): X25519KeyPair {
  const { secretKey, publicKey } = nobleX25519.keygen()
  return { privateKey: secretKey, publicKey }
}

function hkdfSha256 (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  checkHkdf(ikm, salt, info, length)
  return hkdf(sha256, ikm, salt, info, length)
}

function sha512 (data: Uint8Array): Uint8Array {
  checkBytes(data, 'SHA-512 input')
  return nobleSha512(data)
}

const EMPTY = new Uint8Array(0)

function seal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): SealedRecord {
  checkAead(key, nonce, plaintext, aad)
  const size = plaintext.byteLength
  // One preallocated output (saves ~12% at 64 B), returned as two views.
  const out = new Uint8Array(size + TAG_LENGTH)
  chacha20poly1305(key, nonce, aad).encrypt(plaintext, out)
  return { ciphertext: out.subarray(0, size), tag: out.subarray(size) }
}

function sealParts (key: Uint8Array, nonce: Uint8Array, parts: readonly Uint8Array[]): SealedParts {
  checkAead(key, nonce, EMPTY, undefined)
  // noble encrypts one contiguous buffer: gather the parts first (the copy
  // the node backend avoids; this is the portable path).
  let size = 0
  for (const part of parts) {
    checkBytes(part, 'ChaCha20-Poly1305 input')
    size += part.byteLength
  }
  const plaintext = new Uint8Array(size)
  let at = 0
  for (const part of parts) {
    plaintext.set(part, at)
    at += part.byteLength
  }
  const { ciphertext, tag } = seal(key, nonce, plaintext)
  return { ciphertext: [ciphertext], tag }
}

function open (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkAead(key, nonce, sealed, aad)
  checkSealedLength(sealed)
  const out = new Uint8Array(sealed.byteLength - TAG_LENGTH)
  try {
    chacha20poly1305(key, nonce, aad).decrypt(sealed, out)
  } catch {
    out.fill(0)
    throw decryptionFailed()
  }
  return out
}

/** getRandomValues (under noble's randomBytes) serves at most 64 KiB per call. */
const RANDOM_CHUNK = 65536

function randomBytes (n: number): Uint8Array {
  checkRandomLength(n)
  if (n <= RANDOM_CHUNK) return nobleRandomBytes(n)
  const out = new Uint8Array(n)
  for (let offset = 0; offset < n; offset += RANDOM_CHUNK) {
    const chunk = nobleRandomBytes(Math.min(RANDOM_CHUNK, n - offset))
    out.set(chunk, offset)
    chunk.fill(0)
  }
  return out
}

export const nobleBackend: CryptoBackend = Object.freeze({
  name: 'noble' as const,
  x25519,
  x25519GenerateKeyPair,
  x25519PublicKey,
  hkdfSha256,
  sha512,
  seal,
  sealParts,
  open,
  randomBytes
})
