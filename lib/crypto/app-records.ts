/**
 * Sealers and openers for records an application carries itself: over a
 * transport it owns, in a file, in a queue. They are the same
 * {@link RecordSealer} / {@link RecordOpener} the node uses on its streams
 * (ChaCha20-Poly1305, implicit 64-bit counter nonces, rekey every 2^20
 * records), keyed from a secret the application shares between the two
 * ends, and are what `encryptWith` / `decryptWith` from `glueberry/operators`
 * take.
 *
 * The record key is derived, never the secret itself:
 * `HKDF-SHA256(ikm = secret, salt = empty, info = "glueberry/2 app records" || 0x00 || context, 32)`.
 * So one secret can key several independent sequences (one per `context`),
 * and a record of one context never opens in another.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { KEY_LENGTH } from './backend.js'
import type { CryptoBackend } from './backend.js'
import { isBytes } from '../wire/bytes.js'
import { backendFor, defaultBackend } from './default-backend.js'
import type { BackendName } from './default-backend.js'
import { RecordOpener, RecordSealer } from './record-cipher.js'

/** The HKDF info prefix of application record keys. */
const APP_RECORDS_LABEL = 'glueberry/2 app records'
const EMPTY = new Uint8Array(0)
const encoder = new TextEncoder()

/** Options of {@link createRecordSealer} and {@link createRecordOpener}. */
export interface RecordKeyOptions {
  /**
   * Which crypto backend seals and opens: `'node'` (node:crypto) or
   * `'noble'` (pure JavaScript, byte-identical). Default: `'node'` when
   * node:crypto has ChaCha20-Poly1305, `'noble'` otherwise.
   */
  crypto?: BackendName
  /**
   * A label that separates independent record sequences keyed from the same
   * secret, e.g. `'alice->bob'` and `'bob->alice'` for the two directions of
   * a link, or a file name. The sealer and the opener of one sequence must
   * use the same context. Default `''`.
   */
  context?: string
}

/**
 * A sealer for one ordered sequence of records an application carries
 * itself; pass it to `encryptWith`.
 *
 * The secret is not taken over or changed (the sealer holds a key derived
 * from it, see the module comment). A sequence must have exactly ONE sealer:
 * two sealers of the same secret and context would seal different records
 * under the same nonces. For the two directions of a link, use two contexts
 * (or two secrets). Call `destroy()` when the sequence is done: it zeroes
 * the derived key.
 *
 * ```ts
 * import { createRecordSealer } from 'glueberry'
 * import { encryptWith } from 'glueberry/operators'
 *
 * const sealer = createRecordSealer(sharedSecret, { context: 'audit-log' })
 * entries$.pipe(encryptWith(sealer)).subscribe({
 *   next: frame => file.write(frame),   // varint(length) || ciphertext || tag
 *   complete: () => sealer.destroy()
 * })
 * ```
 *
 * @param secret 32 bytes shared by the two ends (for example from a key
 *   exchange or a key-management system). Not modified.
 * @param options Backend and context; see {@link RecordKeyOptions}.
 * @throws {GlueberryError} `INVALID_KEY` when `secret` is not a 32-byte
 *   Uint8Array; `INVALID_CONFIG` for an unknown `crypto` or a non-string
 *   `context`.
 */
export function createRecordSealer (secret: Uint8Array, options: RecordKeyOptions = {}): RecordSealer {
  const { key, backend } = deriveRecordKey(secret, options)
  return new RecordSealer(key, { backend })
}

/**
 * The opener of a sequence sealed by {@link createRecordSealer} with the same
 * secret and context; pass it to `decryptWith`.
 *
 * Records must reach it in the order they were sealed, each exactly once,
 * WITHOUT the varint length prefix `encryptWith` puts in front of each one:
 * deframe first with a {@link FrameDecoder}. Every record handed to it uses
 * up one counter value, so a forged or damaged record fails alone and the
 * records after it still open.
 *
 * ```ts
 * import { FrameDecoder, createRecordOpener, maxRecordFrameLength } from 'glueberry'
 * import { decryptWith, DEFAULT_DECRYPT_MAX_MESSAGE_SIZE } from 'glueberry/operators'
 *
 * const opener = createRecordOpener(sharedSecret, { context: 'audit-log' })
 * const decoder = new FrameDecoder(maxRecordFrameLength(DEFAULT_DECRYPT_MAX_MESSAGE_SIZE))
 * chunks$.pipe(
 *   mergeMap(chunk => decoder.push(chunk)),
 *   decryptWith(opener, { onError: err => console.warn(err.code) })
 * ).subscribe(entry => replay(entry))
 * ```
 *
 * @param secret The same 32 bytes the sealer was made from. Not modified.
 * @param options The same backend choice is not required (both backends are
 *   byte-identical); the same `context` is.
 * @throws {GlueberryError} as {@link createRecordSealer}.
 */
export function createRecordOpener (secret: Uint8Array, options: RecordKeyOptions = {}): RecordOpener {
  const { key, backend } = deriveRecordKey(secret, options)
  return new RecordOpener(key, { backend })
}

function deriveRecordKey (secret: Uint8Array, options: RecordKeyOptions): { key: Uint8Array, backend: CryptoBackend } {
  if (!isBytes(secret) || secret.byteLength !== KEY_LENGTH) {
    throw new GlueberryError(ErrorCode.InvalidKey, `the record secret must be a Uint8Array of ${KEY_LENGTH} bytes`)
  }
  const context = options.context ?? ''
  if (typeof context !== 'string') {
    throw new GlueberryError(ErrorCode.InvalidConfig, 'context must be a string')
  }
  const backend = options.crypto === undefined ? defaultBackend() : backendFor(options.crypto)
  const label = encoder.encode(APP_RECORDS_LABEL)
  const ctx = encoder.encode(context)
  const info = new Uint8Array(label.byteLength + 1 + ctx.byteLength)
  info.set(label, 0)
  info.set(ctx, label.byteLength + 1)
  return { key: backend.hkdfSha256(secret, EMPTY, info, KEY_LENGTH), backend }
}
