/**
 * Key schedule v2: two fresh keys per encrypted stream, one per direction.
 *
 * ```
 * static_ss = X25519(local static X25519 private, remote static X25519 public)
 * eph_ss    = X25519(local ephemeral private, remote ephemeral public)
 *             (both: an all-zero result is LowOrderPoint)
 * IKM  = eph_ss || static_ss                                   (64 bytes)
 * salt = opener_salt || responder_salt                         (64 bytes)
 * info = "glueberry/2 stream keys"                             (ASCII, 23 bytes, no terminator)
 *        || for each of [protocolId (UTF-8), opener peer id bytes,
 *                        responder peer id bytes, opener ephemeral public,
 *                        responder ephemeral public]:
 *             uint16 big-endian length || bytes
 * OKM  = HKDF-SHA256(IKM, salt, info, 64)
 * key(opener -> responder) = OKM[0..32]
 * key(responder -> opener) = OKM[32..64]
 * ```
 * Peer id bytes are `peerId.toMultihash().bytes` (the binary peer id).
 *
 * The static secret authenticates (only the holders of the two identity keys
 * can compute it), the ephemeral secret gives forward secrecy and freshness,
 * the salts make keys unique even if an ephemeral key were reused, and the
 * info binds the keys to the protocol (stream name) and both identities.
 *
 * @module
 */
import type { PeerId } from '@libp2p/interface'
import { ErrorCode, GlueberryError } from '../errors.js'
import { KEY_LENGTH, X25519_LENGTH, checkLength, isAllZero, lowOrderPoint } from './backend.js'
import type { CryptoBackend, X25519KeyPair } from './backend.js'
import { defaultBackend } from './default-backend.js'
import { peerIdBytes } from './keys.js'
import { zeroize } from './zero.js'
import { SALT_LENGTH } from '../wire/header.js'

/** ASCII label that starts the HKDF info of the stream key schedule. */
export const STREAM_KEYS_LABEL = 'glueberry/2 stream keys'
/** Length of each side's random salt in the stream header, bytes (defined with the header's layout). */
export { SALT_LENGTH } from '../wire/header.js'
/** Length of the HKDF output: two 32-byte keys. */
export const STREAM_KEYS_OKM_LENGTH = 2 * KEY_LENGTH
/** Largest length of one info field (its prefix is a uint16). */
export const MAX_INFO_FIELD_LENGTH = 0xffff

const LABEL_BYTES = new TextEncoder().encode(STREAM_KEYS_LABEL)
const utf8 = new TextEncoder()

/** What one side of a stream opening contributes, as sent in its header. */
export interface KeyScheduleParty {
  /** A libp2p PeerId, its string form, or its binary form (`toMultihash().bytes`). */
  readonly peerId: PeerId | string | Uint8Array
  /** The side's 32 random salt bytes. */
  readonly salt: Uint8Array
  /** The side's 32-byte ephemeral X25519 public key. */
  readonly ephemeralPublicKey: Uint8Array
}

interface StreamKeyInputBase {
  /** The libp2p protocol id of the stream, e.g. `/glueberry/stream/blocks/2.0.0`. */
  readonly protocolId: string
  /** True on the side that opened the stream (and sent the first header). */
  readonly isOpener: boolean
  /** Local ephemeral X25519 private key; zeroed after use unless told otherwise. */
  readonly localEphemeralPrivateKey: Uint8Array
  readonly opener: KeyScheduleParty
  readonly responder: KeyScheduleParty
  /** Zero `localEphemeralPrivateKey` when done (success or failure). Default true. */
  readonly zeroEphemeralPrivateKey?: boolean
  readonly backend?: CryptoBackend
}

/** The static secret computed here from the two static keys (and zeroed after use). */
interface FromStaticKeys {
  /** Local X25519 private key derived from the Ed25519 identity. */
  readonly localStaticPrivateKey: Uint8Array
  /** Remote X25519 public key derived from its Ed25519 public key. */
  readonly remoteStaticPublicKey: Uint8Array
  readonly staticSharedSecret?: undefined
}

/**
 * The static secret precomputed once per peer (it is the same for every
 * stream with that peer): saves one X25519 per stream. The caller owns it
 * and zeroes it when the peer's keys are dropped.
 */
interface FromStaticSecret {
  /** X25519(local static private, remote static public). */
  readonly staticSharedSecret: Uint8Array
  readonly localStaticPrivateKey?: undefined
  readonly remoteStaticPublicKey?: undefined
}

export type StreamKeyInput = StreamKeyInputBase & (FromStaticKeys | FromStaticSecret)

/** The two keys of a stream, from the local side's point of view. */
export interface StreamKeys {
  /** Seals what this side writes. */
  readonly sendKey: Uint8Array
  /** Opens what the other side writes. */
  readonly receiveKey: Uint8Array
}

/** What one side generates for a stream opening: its salt and ephemeral key pair. */
export interface StreamSecrets {
  readonly salt: Uint8Array
  readonly ephemeral: X25519KeyPair
}

/** A fresh salt and ephemeral key pair for one stream opening. */
export function generateStreamSecrets (backend: CryptoBackend = defaultBackend()): StreamSecrets {
  return { salt: backend.randomBytes(SALT_LENGTH), ephemeral: backend.x25519GenerateKeyPair() }
}

function peerBytes (peerId: PeerId | string | Uint8Array): Uint8Array {
  return peerId instanceof Uint8Array ? peerId : peerIdBytes(peerId)
}

/**
 * The HKDF info of the stream key schedule (exported so docs and other
 * implementations can check their encoding against it).
 */
export function encodeStreamKeysInfo (
  protocolId: string,
  openerPeerId: PeerId | string | Uint8Array,
  responderPeerId: PeerId | string | Uint8Array,
  openerEphemeralPublicKey: Uint8Array,
  responderEphemeralPublicKey: Uint8Array
): Uint8Array {
  if (typeof protocolId !== 'string' || protocolId.length === 0) {
    throw new GlueberryError(ErrorCode.InvalidKey, 'key schedule protocol id must be a non-empty string')
  }
  checkLength(openerEphemeralPublicKey, X25519_LENGTH, 'opener ephemeral public key')
  checkLength(responderEphemeralPublicKey, X25519_LENGTH, 'responder ephemeral public key')
  const fields = [
    utf8.encode(protocolId),
    peerBytes(openerPeerId),
    peerBytes(responderPeerId),
    openerEphemeralPublicKey,
    responderEphemeralPublicKey
  ]
  let size = LABEL_BYTES.byteLength
  for (const field of fields) {
    if (field.byteLength > MAX_INFO_FIELD_LENGTH) {
      throw new GlueberryError(ErrorCode.InvalidKey, `key schedule info field too long: ${field.byteLength} bytes`)
    }
    size += 2 + field.byteLength
  }
  const info = new Uint8Array(size)
  info.set(LABEL_BYTES, 0)
  let offset = LABEL_BYTES.byteLength
  for (const field of fields) {
    info[offset] = field.byteLength >>> 8
    info[offset + 1] = field.byteLength & 0xff
    info.set(field, offset + 2)
    offset += 2 + field.byteLength
  }
  return info
}

/**
 * Derives the send and receive keys of one stream. Both sides call it with
 * the same opener/responder data and opposite `isOpener`, and get each
 * other's keys crossed. IKM, both shared secrets and the OKM are zeroed before
 * returning (and on failure), and so is the local ephemeral private key
 * unless `zeroEphemeralPrivateKey` is false. A caller-supplied
 * `staticSharedSecret` is left to its owner.
 *
 * @throws GlueberryError `InvalidKey` for wrong lengths or malformed peer ids,
 * `LowOrderPoint` when either shared secret is all zero.
 */
export function deriveStreamKeys (input: StreamKeyInput): StreamKeys {
  const backend = input.backend ?? defaultBackend()
  let ephemeralShared: Uint8Array | undefined
  let staticShared: Uint8Array | undefined
  let ikm: Uint8Array | undefined
  let okm: Uint8Array | undefined
  try {
    const { opener, responder } = input
    if (input.staticSharedSecret !== undefined) {
      checkLength(input.staticSharedSecret, X25519_LENGTH, 'static shared secret')
      if (isAllZero(input.staticSharedSecret)) throw lowOrderPoint()
    } else {
      checkLength(input.localStaticPrivateKey, X25519_LENGTH, 'local static private key')
      checkLength(input.remoteStaticPublicKey, X25519_LENGTH, 'remote static public key')
    }
    checkLength(input.localEphemeralPrivateKey, X25519_LENGTH, 'local ephemeral private key')
    checkLength(opener.salt, SALT_LENGTH, 'opener salt')
    checkLength(responder.salt, SALT_LENGTH, 'responder salt')
    const info = encodeStreamKeysInfo(input.protocolId, opener.peerId, responder.peerId, opener.ephemeralPublicKey, responder.ephemeralPublicKey)
    const salt = new Uint8Array(2 * SALT_LENGTH)
    salt.set(opener.salt, 0)
    salt.set(responder.salt, SALT_LENGTH)

    const remoteEphemeral = input.isOpener ? responder.ephemeralPublicKey : opener.ephemeralPublicKey
    ephemeralShared = backend.x25519(input.localEphemeralPrivateKey, remoteEphemeral)
    let staticSecret: Uint8Array
    if (input.staticSharedSecret === undefined) {
      staticShared = backend.x25519(input.localStaticPrivateKey, input.remoteStaticPublicKey)
      staticSecret = staticShared
    } else {
      staticSecret = input.staticSharedSecret
    }
    ikm = new Uint8Array(2 * X25519_LENGTH)
    ikm.set(ephemeralShared, 0)
    ikm.set(staticSecret, X25519_LENGTH)
    okm = backend.hkdfSha256(ikm, salt, info, STREAM_KEYS_OKM_LENGTH)

    // new Uint8Array(view) copies even if a backend returned a Buffer, whose
    // slice() would be a view of the OKM that is about to be zeroed.
    const openerToResponder = new Uint8Array(okm.subarray(0, KEY_LENGTH))
    const responderToOpener = new Uint8Array(okm.subarray(KEY_LENGTH, 2 * KEY_LENGTH))
    return input.isOpener
      ? { sendKey: openerToResponder, receiveKey: responderToOpener }
      : { sendKey: responderToOpener, receiveKey: openerToResponder }
  } finally {
    zeroize(ephemeralShared, staticShared, ikm, okm)
    if ((input.zeroEphemeralPrivateKey ?? true) && input.localEphemeralPrivateKey instanceof Uint8Array) {
      zeroize(input.localEphemeralPrivateKey)
    }
  }
}
