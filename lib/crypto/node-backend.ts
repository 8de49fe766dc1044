/**
 * The node:crypto backend: OpenSSL's ChaCha20-Poly1305, X25519 and HKDF.
 * 2-19x faster than noble for the AEAD and ~28x for X25519
 * (notes/crypto-speed.md). This is the only module of the library that
 * imports `node:crypto`; a browser build maps it away and uses noble.
 *
 * Key import goes through JWK, not DER: OpenSSL 3 decodes SPKI/PKCS8 DER
 * 14-17x slower than a JWK. The price is that a private key briefly exists
 * as an immutable base64url JS string that nothing can wipe (see zero.ts).
 *
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  getCiphers,
  hkdfSync,
  randomFillSync
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { ErrorCode, GlueberryError } from '../errors.js'
import {
  SHA256_LENGTH,
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

const AEAD = 'chacha20-poly1305'
const AEAD_OPTIONS = { authTagLength: TAG_LENGTH } as const
const EMPTY = new Uint8Array(0)
/** node's hkdfSync refuses info longer than this; longer info takes the HMAC path. */
const NODE_HKDF_MAX_INFO = 1024

/**
 * The `x` member a private JWK must carry. OpenSSL derives the public key
 * from `d` and node only checks that `x` is a string, so a constant avoids an
 * extra scalar multiplication per import. The backend tests compare every
 * result with noble, so a node that started to check `x` would be caught.
 */
const UNUSED_JWK_X = 'A'.repeat(43)

function base64url (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url')
}

/**
 * Copies a node Buffer into its own plain Uint8Array and wipes the Buffer.
 * Small Buffers are slices of a shared 8 KiB pool, so a key left in one
 * outlives its view and shares an ArrayBuffer with unrelated data.
 */
function ownedCopy (buffer: Buffer): Uint8Array {
  const out = new Uint8Array(buffer.byteLength)
  out.set(buffer)
  buffer.fill(0)
  return out
}

/** A plain Uint8Array view of a Buffer that already has its own memory. */
function view (buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
}

function importPrivate (privateKey: Uint8Array): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: base64url(privateKey), x: UNUSED_JWK_X }, format: 'jwk' })
}

function importPublic (publicKey: Uint8Array): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: base64url(publicKey) }, format: 'jwk' })
}

function exportPublic (privateKey: KeyObject): Uint8Array {
  const jwk = privateKey.export({ format: 'jwk' })
  if (typeof jwk.x !== 'string') throw new GlueberryError(ErrorCode.InvalidKey, 'node did not export an X25519 public key')
  return ownedCopy(Buffer.from(jwk.x, 'base64url'))
}

function x25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  checkLength(privateKey, X25519_LENGTH, 'X25519 private key')
  checkLength(publicKey, X25519_LENGTH, 'X25519 public key')
  let shared: Buffer
  try {
    shared = diffieHellman({ privateKey: importPrivate(privateKey), publicKey: importPublic(publicKey) })
  } catch (err) {
    // OpenSSL refuses to return an all-zero X25519 result ("failed during
    // derivation"); lengths are already checked, so that is the only
    // derivation failure a valid-length input can cause.
    if ((err as { code?: unknown }).code === 'ERR_OSSL_FAILED_DURING_DERIVATION') throw lowOrderPoint()
    throw new GlueberryError(ErrorCode.InvalidKey, 'X25519 failed', { cause: err })
  }
  const out = view(shared)
  if (isAllZero(out)) throw lowOrderPoint()
  return out
}

function x25519PublicKey (privateKey: Uint8Array): Uint8Array {
  checkLength(privateKey, X25519_LENGTH, 'X25519 private key')
  // An export of the imported key (~37 us) is twice as fast as X25519(k, 9).
  return exportPublic(importPrivate(privateKey))
}

function x25519GenerateKeyPair (): X25519KeyPair {
  // RFC 7748 private keys are 32 random bytes (clamping happens on use), so
  // drawing them directly avoids exporting the secret through a JWK string.
  const privateKey = randomFillSync(new Uint8Array(X25519_LENGTH))
  return { privateKey, publicKey: exportPublic(importPrivate(privateKey)) }
}

/** RFC 5869 with HMAC, for info longer than node's hkdfSync accepts. */
function hkdfWithHmac (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = createHmac('sha256', salt.byteLength === 0 ? new Uint8Array(SHA256_LENGTH) : salt).update(ikm).digest()
  const out = new Uint8Array(length)
  let previous = new Uint8Array(0)
  const counter = new Uint8Array(1)
  for (let offset = 0, i = 1; offset < length; offset += SHA256_LENGTH, i++) {
    counter[0] = i
    const block = createHmac('sha256', prk).update(previous).update(info).update(counter).digest()
    out.set(block.subarray(0, Math.min(SHA256_LENGTH, length - offset)), offset)
    previous.fill(0)
    previous = block
  }
  previous.fill(0)
  prk.fill(0)
  return out
}

function hkdfSha256 (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  checkHkdf(ikm, salt, info, length)
  if (info.byteLength > NODE_HKDF_MAX_INFO) return hkdfWithHmac(ikm, salt, info, length)
  return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length))
}

function sha512 (data: Uint8Array): Uint8Array {
  checkBytes(data, 'SHA-512 input')
  return view(createHash('sha512').update(data).digest())
}

function seal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): SealedRecord {
  checkAead(key, nonce, plaintext, aad)
  const cipher = createCipheriv(AEAD, key, nonce, AEAD_OPTIONS)
  if (aad !== undefined && aad.byteLength > 0) cipher.setAAD(aad, { plaintextLength: plaintext.byteLength })
  const ciphertext = cipher.update(plaintext)
  cipher.final()
  // Two chunks, no Buffer.concat: see SealedRecord.
  return { ciphertext, tag: cipher.getAuthTag() }
}

function sealParts (key: Uint8Array, nonce: Uint8Array, parts: readonly Uint8Array[]): SealedParts {
  checkAead(key, nonce, EMPTY, undefined)
  const cipher = createCipheriv(AEAD, key, nonce, AEAD_OPTIONS)
  // One update per part: node has no "encrypt into", so each part's
  // ciphertext is its own buffer, and no part is ever copied into a body.
  const ciphertext: Uint8Array[] = []
  for (const part of parts) {
    checkBytes(part, 'ChaCha20-Poly1305 input')
    if (part.byteLength > 0) ciphertext.push(cipher.update(part))
  }
  cipher.final()
  return { ciphertext, tag: cipher.getAuthTag() }
}

function open (key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkAead(key, nonce, sealed, aad)
  checkSealedLength(sealed)
  const split = sealed.byteLength - TAG_LENGTH
  const decipher = createDecipheriv(AEAD, key, nonce, AEAD_OPTIONS)
  decipher.setAuthTag(sealed.subarray(split))
  if (aad !== undefined && aad.byteLength > 0) decipher.setAAD(aad, { plaintextLength: split })
  // OpenSSL decrypts before it verifies: the plaintext exists before final()
  // says whether it is authentic, so wipe it when it is not.
  const plaintext = decipher.update(sealed.subarray(0, split))
  try {
    decipher.final()
  } catch {
    plaintext.fill(0)
    throw decryptionFailed()
  }
  // A plain Uint8Array view, as the noble backend returns: both backends hand
  // the same type to messages\$, and Buffer's subarray() is about twice as slow
  // as Uint8Array's when the body is split into messages.
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength)
}

function randomBytes (n: number): Uint8Array {
  checkRandomLength(n)
  return randomFillSync(new Uint8Array(n))
}

/** True when this node's OpenSSL has ChaCha20-Poly1305 (FIPS builds do not). */
export function nodeCryptoAvailable (): boolean {
  try {
    return getCiphers().includes(AEAD)
  } catch {
    return false
  }
}

export const nodeBackend: CryptoBackend = Object.freeze({
  name: 'node' as const,
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
