/**
 * The standard handshake's message codec (codec version 1). Pure: no I/O.
 *
 * Every message has the same layout, all integers big-endian:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | codec version, `0x01` |
 * | 1 | 1 | type: `0x01` request, `0x02` response, `0x03` finalize |
 * | 2 | 4 | protocol version major (uint32) |
 * | 6 | 4 | protocol version minor (uint32) |
 * | 10 | 4 | protocol version patch (uint32) |
 * | 14 | 32 | the sender's Ed25519 public key |
 * | 46 | 1 | number of stream names `n` (0..255) |
 * | 47 | … | `n` times: name length (1 byte, 1..255) + UTF-8 name |
 *
 * Nothing may follow the last name. A decoder refuses another codec version
 * with UnsupportedVersion and anything malformed with HandshakeFailed.
 *
 * Test vector: a request, version 2.0.0, key 32 × `0x07`, streams ['messages']:
 * `01 01 00000002 00000000 00000000 0707…07 (32) 01 08 6d657373616765 73`.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { ProtocolVersion } from '../version.js'

export const HANDSHAKE_CODEC_VERSION = 1
const PUBLIC_KEY_LENGTH = 32
const HEADER_LENGTH = 47

export const MessageType = { Request: 1, Response: 2, Finalize: 3 } as const
export type MessageType = typeof MessageType[keyof typeof MessageType]

/** A decoded standard handshake message. */
export interface HandshakeMessage {
  readonly type: MessageType
  readonly version: ProtocolVersion
  /** The sender's Ed25519 public key, 32 bytes. */
  readonly publicKey: Uint8Array
  /** The sender's streams (informational). */
  readonly streams: readonly string[]
}

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

function bad (message: string, cause?: unknown): GlueberryError {
  return new GlueberryError(ErrorCode.HandshakeFailed, `malformed handshake message: ${message}`, cause === undefined ? {} : { cause })
}

function uint32 (value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw bad(`${what} ${value} is not a uint32`)
  return value
}

/** @throws {GlueberryError} HandshakeFailed for a value that cannot be encoded. */
export function encodeHandshakeMessage (message: HandshakeMessage): Uint8Array {
  if (message.publicKey.length !== PUBLIC_KEY_LENGTH) throw bad(`public key of ${message.publicKey.length} bytes, not ${PUBLIC_KEY_LENGTH}`)
  if (message.streams.length > 255) throw bad(`${message.streams.length} stream names, at most 255`)
  const names = message.streams.map((name) => {
    const bytes = utf8.encode(name)
    if (bytes.length === 0 || bytes.length > 255) throw bad(`stream name of ${bytes.length} bytes, 1..255 allowed`)
    return bytes
  })
  const out = new Uint8Array(HEADER_LENGTH + names.reduce((n, b) => n + 1 + b.length, 0))
  const view = new DataView(out.buffer)
  out[0] = HANDSHAKE_CODEC_VERSION
  out[1] = message.type
  view.setUint32(2, uint32(message.version.major, 'major'))
  view.setUint32(6, uint32(message.version.minor, 'minor'))
  view.setUint32(10, uint32(message.version.patch, 'patch'))
  out.set(message.publicKey, 14)
  out[46] = names.length
  let at = HEADER_LENGTH
  for (const name of names) {
    out[at] = name.length
    out.set(name, at + 1)
    at += 1 + name.length
  }
  return out
}

/** @throws {GlueberryError} UnsupportedVersion (another codec version), HandshakeFailed (malformed). */
export function decodeHandshakeMessage (data: Uint8Array): HandshakeMessage {
  if (data.length < 2) throw bad(`${data.length} bytes`)
  if (data[0] !== HANDSHAKE_CODEC_VERSION) {
    throw new GlueberryError(ErrorCode.UnsupportedVersion, `handshake codec version ${data[0]} is not supported (expected ${HANDSHAKE_CODEC_VERSION})`)
  }
  if (data.length < HEADER_LENGTH) throw bad(`${data.length} bytes, at least ${HEADER_LENGTH} needed`)
  const type = data[1]
  if (type !== MessageType.Request && type !== MessageType.Response && type !== MessageType.Finalize) throw bad(`unknown type ${type}`)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const version = Object.freeze({ major: view.getUint32(2), minor: view.getUint32(6), patch: view.getUint32(10) })
  const publicKey = data.slice(14, 14 + PUBLIC_KEY_LENGTH)
  const count = data[46]
  const streams: string[] = []
  let at = HEADER_LENGTH
  for (let i = 0; i < count; i++) {
    const length = data[at]
    if (length === undefined || length === 0 || at + 1 + length > data.length) throw bad(`stream name ${i} is truncated or empty`)
    try {
      streams.push(fromUtf8.decode(data.subarray(at + 1, at + 1 + length)))
    } catch (err) {
      throw bad(`stream name ${i} is not UTF-8`, err)
    }
    at += 1 + length
  }
  if (at !== data.length) throw bad(`${data.length - at} trailing bytes`)
  return Object.freeze({ type, version, publicKey, streams: Object.freeze(streams) })
}
