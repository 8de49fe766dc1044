/**
 * Protocol ids of wire protocol v2: `/glueberry/stream/<name>/2.0.0`, where
 * `handshake` is the plaintext handshake stream and every other name an
 * encrypted stream.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { HANDSHAKE_STREAM } from '../types.js'
import { DEFAULT_MAX_STREAM_NAME_BYTES, validateStreamName } from './stream-name.js'

/** The wire protocol version: in every protocol id and every stream header. */
export const PROTOCOL_VERSION = 2

const PREFIX = '/glueberry/stream/'
const VERSION_SEGMENT = `${PROTOCOL_VERSION}.0.0`
const SEMVER = /^\d+\.\d+\.\d+$/

/** The libp2p protocol id of stream `name` (validated). */
export function protocolIdFor (name: string, maxBytes: number = DEFAULT_MAX_STREAM_NAME_BYTES): string {
  validateStreamName(name, maxBytes)
  return `${PREFIX}${name}/${VERSION_SEGMENT}`
}

/** `/glueberry/stream/handshake/2.0.0`: the plaintext handshake stream. */
export const HANDSHAKE_PROTOCOL = protocolIdFor(HANDSHAKE_STREAM)

/**
 * The stream name in a v2 protocol id (`'handshake'` for
 * {@link HANDSHAKE_PROTOCOL}).
 *
 * @throws {GlueberryError} UnsupportedVersion for a well-formed glueberry id
 * of another version (the message names it); InvalidStreamName for anything
 * else that is not `/glueberry/stream/<valid name>/2.0.0`.
 */
export function streamNameFromProtocol (id: string, maxBytes: number = DEFAULT_MAX_STREAM_NAME_BYTES): string {
  if (typeof id !== 'string' || !id.startsWith(PREFIX)) {
    throw new GlueberryError(ErrorCode.InvalidStreamName, `not a glueberry stream protocol id: ${String(id)}`)
  }
  const slash = id.lastIndexOf('/')
  const version = id.slice(slash + 1)
  if (slash < PREFIX.length || !SEMVER.test(version)) {
    throw new GlueberryError(ErrorCode.InvalidStreamName, `malformed glueberry stream protocol id: ${id}`)
  }
  const name = id.slice(PREFIX.length, slash)
  validateStreamName(name, maxBytes)
  if (version !== VERSION_SEGMENT) {
    throw new GlueberryError(ErrorCode.UnsupportedVersion,
      `protocol id ${id} has version ${version}; this node speaks ${VERSION_SEGMENT}`, { stream: name })
  }
  return name
}
