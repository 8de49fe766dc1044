/**
 * A second implementation of wire protocol v2, written from docs/PROTOCOL.md
 * and not from lib/: every encoding (varints, frames, peer ids, the header,
 * the HKDF info, nonces, record bodies) is spelled out again here, and the
 * primitives are called raw, either from node:crypto or from @noble/*,
 * without the project's crypto backends.
 *
 * The project's code computes the same labels in ./library.ts; the test
 * compares both, for each primitive set, with the values in the document.
 */
import {
  createCipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hkdfSync
} from 'node:crypto'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import type { DocValue } from './doc.js'
import { FIXED, VARINT_SAMPLES } from './fixed.js'

/** The raw primitives the protocol needs. */
export interface Primitives {
  readonly name: string
  ed25519PublicKey (seed: Uint8Array): Uint8Array
  sha512 (data: Uint8Array): Uint8Array
  /** X25519(scalar, u) per RFC 7748 (clamping included). */
  x25519 (privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array
  /** X25519(scalar, 9). */
  x25519Base (privateKey: Uint8Array): Uint8Array
  hkdfSha256 (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array
  /** ChaCha20-Poly1305 (RFC 8439), empty AAD: ciphertext || tag. */
  seal (key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array
}

// DER prefixes of RFC 8410 keys: PKCS#8 for a private key, SPKI for a public one.
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex')
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex')

function u8 (buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength))
}

function publicRaw (key: ReturnType<typeof createPublicKey>): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' })
  return u8(der.subarray(der.byteLength - 32))
}

function x25519Private (privateKey: Uint8Array): ReturnType<typeof createPrivateKey> {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8, privateKey]), format: 'der', type: 'pkcs8' })
}

/** node:crypto called directly (DER key import, unlike the library's JWK path). */
export const nodePrimitives: Primitives = {
  name: 'node:crypto',
  ed25519PublicKey (seed) {
    const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' })
    return publicRaw(createPublicKey(key))
  },
  sha512: (data) => u8(createHash('sha512').update(data).digest()),
  x25519 (privateKey, publicKey) {
    const pub = createPublicKey({ key: Buffer.concat([X25519_SPKI, publicKey]), format: 'der', type: 'spki' })
    return u8(diffieHellman({ privateKey: x25519Private(privateKey), publicKey: pub }))
  },
  x25519Base: (privateKey) => publicRaw(createPublicKey(x25519Private(privateKey))),
  hkdfSha256: (ikm, salt, info, length) => new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)),
  seal (key, nonce, plaintext) {
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    return u8(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
  }
}

/** @noble/* called directly. */
export const noblePrimitives: Primitives = {
  name: '@noble',
  ed25519PublicKey: (seed) => ed25519.getPublicKey(seed),
  sha512: (data) => sha512(data),
  x25519: (privateKey, publicKey) => x25519.getSharedSecret(privateKey, publicKey),
  x25519Base: (privateKey) => x25519.getPublicKey(privateKey),
  hkdfSha256: (ikm, salt, info, length) => hkdf(sha256, ikm, salt, info, length),
  seal: (key, nonce, plaintext) => chacha20poly1305(key, nonce).encrypt(plaintext)
}

// ---------------------------------------------------------------------------
// Encodings, from the document.

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text)

export function cat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

export function toHex (bytes: Uint8Array): string {
  return Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('')
}

/** Unsigned LEB128: 7 bits per byte, least significant group first, 0x80 = more follows. */
export function leb128 (value: number): Uint8Array {
  const out: number[] = []
  let rest = BigInt(value)
  do {
    const group = Number(rest & 0x7fn)
    rest >>= 7n
    out.push(rest > 0n ? group | 0x80 : group)
  } while (rest > 0n)
  return Uint8Array.from(out)
}

/** A frame: varint(length) || payload. */
export function frame (payload: Uint8Array): Uint8Array {
  return cat(leb128(payload.byteLength), payload)
}

/** Binary peer id of an Ed25519 key: identity multihash of the protobuf PublicKey. */
export function peerIdBytes (ed25519Public: Uint8Array): Uint8Array {
  // multihash: code 0x00 (identity), length 0x24 (36); protobuf: field 1 varint
  // KeyType.Ed25519 (= 1), field 2 bytes of length 32.
  return cat(Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20), ed25519Public)
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** base58btc, the text form of a peer id (no multibase prefix). */
export function base58btc (bytes: Uint8Array): string {
  let n = 0n
  for (const b of bytes) n = n * 256n + BigInt(b)
  let out = ''
  while (n > 0n) {
    out = BASE58[Number(n % 58n)] + out
    n /= 58n
  }
  for (const b of bytes) {
    if (b !== 0) break
    out = '1' + out
  }
  return out
}

/** X25519 private key of an Ed25519 seed: SHA-512(seed)[0..32], clamped. */
export function x25519PrivateFromSeed (p: Primitives, seed: Uint8Array): Uint8Array {
  const scalar = p.sha512(seed).slice(0, 32)
  scalar[0] &= 248
  scalar[31] &= 127
  scalar[31] |= 64
  return scalar
}

const P = 2n ** 255n - 19n

function modPow (base: bigint, exponent: bigint): bigint {
  let result = 1n
  let b = base % P
  let e = exponent
  while (e > 0n) {
    if ((e & 1n) === 1n) result = result * b % P
    b = b * b % P
    e >>= 1n
  }
  return result
}

/** u = (1 + y) / (1 - y) mod p, from the encoded Edwards point (y little-endian, sign bit cleared). */
export function montgomeryFromEdwards (ed25519Public: Uint8Array): Uint8Array {
  let y = 0n
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(i === 31 ? ed25519Public[i] & 0x7f : ed25519Public[i])
  const u = (1n + y) * modPow((1n - y + P) % P, P - 2n) % P
  const out = new Uint8Array(32)
  let rest = u
  for (let i = 0; i < 32; i++) {
    out[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}

function u16be (n: number): Uint8Array {
  return Uint8Array.of(n >>> 8, n & 0xff)
}

function field (bytes: Uint8Array): Uint8Array {
  return cat(u16be(bytes.byteLength), bytes)
}

/** The HKDF info of the stream key schedule. */
export function streamKeysInfo (protocolId: string, openerPeer: Uint8Array, responderPeer: Uint8Array,
  openerEphemeral: Uint8Array, responderEphemeral: Uint8Array): Uint8Array {
  return cat(ascii('glueberry/2 stream keys'), field(ascii(protocolId)), field(openerPeer), field(responderPeer),
    field(openerEphemeral), field(responderEphemeral))
}

/** 00 00 00 00 || counter as uint64 little-endian. */
export function nonce (counter: bigint): Uint8Array {
  const out = new Uint8Array(12)
  let rest = counter
  for (let i = 4; i < 12; i++) {
    out[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}

export function recordBody (messages: readonly Uint8Array[]): Uint8Array {
  return cat(...messages.map(m => frame(m)))
}

export function rekey (p: Primitives, key: Uint8Array): Uint8Array {
  return p.hkdfSha256(key, new Uint8Array(0), ascii('glueberry/2 rekey'), 32)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return toHex(a) === toHex(b)
}

/** Every label of the document, computed from the specification with `p`. */
/** Section 4.1: codec 1, type request, version 2.0.0 as three big-endian uint32, key, counted names. */
export function standardRequest (ed25519Public: Uint8Array, streams: readonly string[]): Uint8Array {
  const version = new Uint8Array(12)
  new DataView(version.buffer).setUint32(0, 2)
  const names = streams.map(name => { const bytes = ascii(name); return cat(Uint8Array.of(bytes.length), bytes) })
  return cat(Uint8Array.of(1, 1), version, ed25519Public, Uint8Array.of(streams.length), ...names)
}

function u64be (n: number): Uint8Array {
  const out = new Uint8Array(8)
  let v = BigInt(n)
  for (let i = 7; i >= 0; i--) { out[i] = Number(v & 0xffn); v >>= 8n }
  return out
}

function u32be (n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)
}

export function referenceVectors (p: Primitives): Map<string, DocValue> {
  const out = new Map<string, DocValue>()
  const put = (label: string, bytes: Uint8Array): void => { out.set(label, { kind: 'hex', hex: toHex(bytes) }) }
  const text = (label: string, value: string): void => { out.set(label, { kind: 'text', text: value }) }

  text('input.protocol-id', FIXED.protocolId)
  put('input.seed.A', FIXED.seedA)
  put('input.seed.B', FIXED.seedB)
  put('input.salt.opener', FIXED.openerSalt)
  put('input.salt.responder', FIXED.responderSalt)
  put('input.ephemeral-private.opener', FIXED.openerEphemeralPrivate)
  put('input.ephemeral-private.responder', FIXED.responderEphemeralPrivate)
  FIXED.messages.forEach((m, i) => { text(`input.message.${i}`, m) })
  text('input.handshake-message', FIXED.handshakeMessage)
  put('input.incarnation.opener', FIXED.openerIncarnation)
  put('input.incarnation.responder', FIXED.responderIncarnation)
  text('input.seq.opener', String(FIXED.openerSeq))
  text('input.seq.responder', String(FIXED.responderSeq))
  text('input.max-message-size.opener', String(FIXED.openerMaxMessageSize))
  text('input.max-message-size.responder', String(FIXED.responderMaxMessageSize))
  text('input.ack', String(FIXED.ackNext))

  const parties = { A: FIXED.seedA, B: FIXED.seedB }
  const ed: Record<string, Uint8Array> = {}
  const xPriv: Record<string, Uint8Array> = {}
  const xPub: Record<string, Uint8Array> = {}
  const peer: Record<string, Uint8Array> = {}
  for (const [name, seed] of Object.entries(parties)) {
    ed[name] = p.ed25519PublicKey(seed)
    peer[name] = peerIdBytes(ed[name])
    xPriv[name] = x25519PrivateFromSeed(p, seed)
    // What the remote computes from the Ed25519 key must be the key of our scalar.
    xPub[name] = montgomeryFromEdwards(ed[name])
    if (!equal(xPub[name], p.x25519Base(xPriv[name]))) throw new Error(`${p.name}: converted X25519 key of ${name} is not X25519(private, 9)`)
    put(`ed25519.public.${name}`, ed[name])
    put(`peer-id.bytes.${name}`, peer[name])
    text(`peer-id.${name}`, base58btc(peer[name]))
    put(`x25519.private.${name}`, xPriv[name])
    put(`x25519.public.${name}`, xPub[name])
  }
  const staticAB = p.x25519(xPriv.A, xPub.B)
  if (!equal(staticAB, p.x25519(xPriv.B, xPub.A))) throw new Error(`${p.name}: static secret differs between the sides`)
  put('static-shared', staticAB)

  // A opens the stream, B responds.
  const ephO = p.x25519Base(FIXED.openerEphemeralPrivate)
  const ephR = p.x25519Base(FIXED.responderEphemeralPrivate)
  put('ephemeral-public.opener', ephO)
  put('ephemeral-public.responder', ephR)
  const ephShared = p.x25519(FIXED.openerEphemeralPrivate, ephR)
  if (!equal(ephShared, p.x25519(FIXED.responderEphemeralPrivate, ephO))) throw new Error(`${p.name}: ephemeral secret differs`)
  put('ephemeral-shared', ephShared)
  // Header v3: version 3, salt, ephemeral key, incarnation, seq (u64 BE), receive limit (u32 BE).
  put('header-frame.opener', frame(cat(Uint8Array.of(3), FIXED.openerSalt, ephO, FIXED.openerIncarnation,
    u64be(FIXED.openerSeq), u32be(FIXED.openerMaxMessageSize))))
  put('header-frame.responder', frame(cat(Uint8Array.of(3), FIXED.responderSalt, ephR, FIXED.responderIncarnation,
    u64be(FIXED.responderSeq), u32be(FIXED.responderMaxMessageSize))))

  const ikm = cat(ephShared, staticAB)
  const salt = cat(FIXED.openerSalt, FIXED.responderSalt)
  const info = streamKeysInfo(FIXED.protocolId, peer.A, peer.B, ephO, ephR)
  const okm = p.hkdfSha256(ikm, salt, info, 64)
  put('hkdf.ikm', ikm)
  put('hkdf.salt', salt)
  put('hkdf.info', info)
  const o2r = okm.slice(0, 32)
  put('key.opener-to-responder', o2r)
  put('key.responder-to-opener', okm.slice(32, 64))

  const messages = FIXED.messages.map(m => ascii(m))
  const body = recordBody(messages)
  put('record-body', body)
  put('nonce.0', nonce(0n))
  put('nonce.1', nonce(1n))
  put('nonce.1048576', nonce(1048576n))
  put('record-frame.0', frame(p.seal(o2r, nonce(0n), body)))
  put('record-frame.1', frame(p.seal(o2r, nonce(1n), body)))
  const epoch1 = rekey(p, o2r)
  put('key.opener-to-responder.epoch-1', epoch1)
  put('record-frame.1048576', frame(p.seal(epoch1, nonce(1048576n), body)))

  // The responder's acknowledgement: type 1, next (u64 BE), sealed with the
  // responder -> opener key under that direction's own counter, 0.
  const ackBody = cat(Uint8Array.of(1), u64be(FIXED.ackNext))
  put('ack-body', ackBody)
  put('ack-frame.0', frame(p.seal(okm.slice(32, 64), nonce(0n), ackBody)))

  put('handshake-frame', frame(ascii(FIXED.handshakeMessage)))
  put('standard-handshake.request', standardRequest(ed.A, FIXED.standardStreams))
  for (const n of VARINT_SAMPLES) put(`varint.${n}`, leb128(n))
  return out
}
