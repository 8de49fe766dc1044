/**
 * Input checks shared by the API and the file decoder. Each check either
 * returns the canonical form of its input or throws a typed error, so the
 * book only ever stores canonical peer ids and multiaddrs and two spellings
 * of one peer cannot become two entries.
 *
 * @module
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { ErrorCode, GlueberryError } from '../errors.js'
import { bytesEqual, utf8Length } from '../wire/bytes.js'

/** Length of an Ed25519 public key. */
export const PUBLIC_KEY_LENGTH = 32

/** Parses a peer id in any form libp2p accepts and returns its canonical string. */
export function canonicalPeerId (input: unknown): string {
  if (typeof input !== 'string') {
    throw new GlueberryError(ErrorCode.InvalidPeerId, `peer id must be a string, got ${typeof input}`)
  }
  try {
    return peerIdFromString(input).toString()
  } catch (err) {
    throw new GlueberryError(ErrorCode.InvalidPeerId, `invalid peer id ${JSON.stringify(input)}`, { cause: err })
  }
}

/** Like {@link canonicalPeerId} but returns undefined instead of throwing. */
export function tryCanonicalPeerId (input: string): string | undefined {
  try {
    return peerIdFromString(input).toString()
  } catch {
    return undefined
  }
}

/**
 * Parses one multiaddr of `peerId` and returns its canonical string. An empty
 * address, or one that names another peer in its `/p2p/` part, is refused:
 * dialling it could never reach `peerId`.
 */
export function canonicalMultiaddr (input: unknown, peerId: string): string {
  if (typeof input !== 'string') {
    throw new GlueberryError(ErrorCode.InvalidMultiaddr, `multiaddr must be a string, got ${typeof input}`, { peer: peerId })
  }
  let parsed
  try {
    parsed = multiaddr(input)
  } catch (err) {
    throw new GlueberryError(ErrorCode.InvalidMultiaddr, `invalid multiaddr ${JSON.stringify(input)}`, { peer: peerId, cause: err })
  }
  const components = parsed.getComponents()
  if (components.length === 0) {
    throw new GlueberryError(ErrorCode.InvalidMultiaddr, `empty multiaddr ${JSON.stringify(input)}`, { peer: peerId })
  }
  for (const component of components) {
    if (component.name === 'p2p' && component.value !== undefined && tryCanonicalPeerId(component.value) !== peerId) {
      throw new GlueberryError(ErrorCode.InvalidMultiaddr, `multiaddr ${JSON.stringify(input)} names another peer`, { peer: peerId })
    }
  }
  return parsed.toString()
}

/** Canonical, de-duplicated multiaddrs in the order given. */
export function canonicalMultiaddrs (input: unknown, peerId: string): string[] {
  if (!Array.isArray(input)) {
    throw new GlueberryError(ErrorCode.InvalidMultiaddr, 'multiaddrs must be an array of strings', { peer: peerId })
  }
  const out = new Set<string>()
  for (const item of input) out.add(canonicalMultiaddr(item, peerId))
  return [...out]
}

/** The metadata size the limit applies to: UTF-8 bytes of every key and value. */
export function metadataBytes (metadata: Readonly<Record<string, string>>): number {
  let total = 0
  for (const [key, value] of Object.entries(metadata)) total += utf8Length(key) + utf8Length(value)
  return total
}

/**
 * Checks and copies metadata given through the API. The copy is made with
 * `Object.fromEntries`, which defines own properties, so a key such as
 * `__proto__` stays an ordinary key.
 */
/**
 * Checks a ban reason: a string of at most `maxBytes` UTF-8 bytes, or undefined.
 *
 * @throws {GlueberryError} `InvalidConfig` (not a string), `MetadataTooLarge` (too long).
 */
export function checkedBanReason (reason: unknown, maxBytes: number, peerId: string): string | undefined {
  if (reason === undefined) return undefined
  if (typeof reason !== 'string') throw new GlueberryError(ErrorCode.InvalidConfig, 'reason must be a string', { peer: peerId })
  const size = utf8Length(reason)
  if (size > maxBytes) {
    throw new GlueberryError(ErrorCode.MetadataTooLarge, `reason is ${size} bytes, the limit is ${maxBytes}`, { peer: peerId })
  }
  return reason
}

export function checkedMetadata (input: unknown, maxBytes: number, peerId: string): Record<string, string> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new GlueberryError(ErrorCode.InvalidConfig, 'metadata must be an object of strings', { peer: peerId })
  }
  const entries = Object.entries(input)
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new GlueberryError(ErrorCode.InvalidConfig, `metadata value for ${JSON.stringify(key)} must be a string`, { peer: peerId })
    }
  }
  const metadata = Object.fromEntries(entries) as Record<string, string>
  const size = metadataBytes(metadata)
  if (size > maxBytes) {
    throw new GlueberryError(ErrorCode.MetadataTooLarge, `metadata is ${size} bytes, the limit is ${maxBytes}`, { peer: peerId })
  }
  return metadata
}

/**
 * Checks that `key` is the 32-byte Ed25519 public key of `peerId` and returns
 * a copy. An Ed25519 peer id embeds its key, so the match is exact; a peer id
 * of another key type can never match an Ed25519 key.
 */
export function checkedPublicKey (key: unknown, peerId: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== PUBLIC_KEY_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidKey, `public key must be a ${PUBLIC_KEY_LENGTH}-byte Uint8Array`, { peer: peerId })
  }
  const id = peerIdFromString(peerId)
  const expected = id.type === 'Ed25519' ? id.publicKey.raw : undefined
  if (expected === undefined || !bytesEqual(expected, key)) {
    throw new GlueberryError(ErrorCode.PublicKeyMismatch, 'public key does not match the peer id', { peer: peerId })
  }
  return key.slice()
}

/** True for a finite, non-negative number: the only valid timestamps. */
export function isTimestamp (value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

