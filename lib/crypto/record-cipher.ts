/**
 * Record ciphers: one {@link RecordSealer} per outbound direction of a
 * stream, one {@link RecordOpener} per inbound direction.
 *
 * Nonce. Each direction keeps a 64-bit record counter, starting at 0 and
 * never sent. The ChaCha20-Poly1305 nonce of record `n` is
 * `00 00 00 00 || n as uint64 little-endian` (12 bytes, WireGuard's layout).
 * AAD is empty. The counter is kept as two uint32 halves written into one
 * reused nonce buffer, so the hot path has no BigInt and no allocation.
 *
 * Rekey. Every {@link REKEY_INTERVAL} records the key moves to the next
 * epoch: `key(e+1) = HKDF-SHA256(ikm = key(e), salt = empty,
 * info = "glueberry/2 rekey", 32)`, and the old key is zeroed. The counter is
 * not reset, so a nonce never repeats under any key; record `n` is sealed
 * with the key of epoch `floor(n / 2^20)`. Both sides rekey at the same
 * count, so nothing about it is sent.
 *
 * Exhaustion. The last usable counter is 2^64 - 2 ({@link MAX_RECORD_COUNTER});
 * 2^64 - 1 is reserved as in Noise. Past it the direction refuses to work
 * (`NonceExhausted`) and its key is zeroed: the counter never wraps.
 *
 * Failures. Records travel on a reliable, ordered stream, and every frame
 * received is one record the sender sealed with the next counter value. So
 * every frame handed to {@link RecordOpener.open} consumes exactly one
 * counter value, whether it authenticates or not: a record that fails is
 * reported (`DecryptionFailed`) and the records after it still open, with no
 * desynchronisation (the flynn/noise GHSA-g9mp-8g3h-3c5c class: one forged
 * record must not break the session). A failure never changes the key, never
 * moves the counter back and never skips more than that one value. A
 * replayed record is opened under a later counter than it was sealed with,
 * so it fails like any forgery.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { KEY_LENGTH, NONCE_LENGTH, checkBytes, checkLength } from './backend.js'
import type { CryptoBackend, SealedParts, SealedRecord } from './backend.js'
import { defaultBackend } from './default-backend.js'

/** Records per key epoch: the key changes every 2^20 records. */
export const REKEY_INTERVAL = 2 ** 20
/** ASCII info of the rekey HKDF. */
export const REKEY_LABEL = 'glueberry/2 rekey'
/** The last counter value a record may use: 2^64 - 2. */
export const MAX_RECORD_COUNTER = 0xffff_ffff_ffff_fffen

const REKEY_INFO = new TextEncoder().encode(REKEY_LABEL)
const EMPTY = new Uint8Array(0)
const REKEY_MASK = REKEY_INTERVAL - 1
const UINT32_MAX = 0xffff_ffff
const TWO_32 = 2n ** 32n

/** The key of the next epoch (the rekey step; exported for vectors and docs). */
export function nextEpochKey (key: Uint8Array, backend: CryptoBackend = defaultBackend()): Uint8Array {
  checkLength(key, KEY_LENGTH, 'record key')
  return backend.hkdfSha256(key, EMPTY, REKEY_INFO, KEY_LENGTH)
}

/** The nonce of record `counter` (reference form for docs and tests; the ciphers do not allocate it). */
export function recordNonce (counter: bigint): Uint8Array {
  checkCounter(counter)
  const nonce = new Uint8Array(NONCE_LENGTH)
  new DataView(nonce.buffer).setBigUint64(4, counter, true)
  return nonce
}

function checkCounter (counter: bigint): void {
  if (typeof counter !== 'bigint' || counter < 0n || counter > MAX_RECORD_COUNTER) {
    throw new GlueberryError(ErrorCode.InvalidKey, 'record counter must be a bigint in 0..2^64-2')
  }
}

/** Options of the record cipher constructors. */
export interface RecordCipherOptions {
  /** The primitives. Default: node:crypto when it has ChaCha20-Poly1305, noble otherwise. */
  backend?: CryptoBackend
}

const OPEN = 0
const EXHAUSTED = 1
const CLOSED = 2

/** Starts a cipher at a counter: test-only, not exported from the package. */
const SEEK = Symbol('seek')

/** Key, counter, nonce and rekey logic shared by both directions. */
abstract class RecordCipher {
  protected readonly backend: CryptoBackend
  protected key: Uint8Array
  /** `00000000 || counter (LE64)`, rewritten in place after every record. */
  protected readonly nonce = new Uint8Array(NONCE_LENGTH)
  private readonly nonceView = new DataView(this.nonce.buffer)
  private lo = 0
  private hi = 0
  private state = OPEN

  /**
   * Takes ownership of `key`: the cipher zeroes that buffer when it rekeys,
   * is exhausted or is destroyed. Do not keep using it.
   */
  constructor (key: Uint8Array, options: RecordCipherOptions = {}) {
    checkLength(key, KEY_LENGTH, 'record key')
    this.key = key
    this.backend = options.backend ?? defaultBackend()
  }

  /** The counter of the next record (bigint: not for the hot path). */
  get counter (): bigint {
    return BigInt(this.hi) * TWO_32 + BigInt(this.lo)
  }

  /** The key epoch of the next record. */
  get epoch (): bigint {
    return this.counter / BigInt(REKEY_INTERVAL)
  }

  /** True after {@link destroy}. */
  get closed (): boolean {
    return this.state === CLOSED
  }

  /** Zeroes the key; every later call throws `SessionClosed`. Idempotent. */
  destroy (): void {
    this.key.fill(0)
    this.state = CLOSED
  }

  /** Same as {@link destroy}. */
  close (): void {
    this.destroy()
  }

  /**
   * Moves to `counter`, keeping the current key as that counter's epoch key.
   * Lets tests reach the rekey boundary and the end of the counter space
   * without sealing 2^64 records.
   */
  [SEEK] (counter: bigint): this {
    checkCounter(counter)
    this.hi = Number(counter / TWO_32)
    this.lo = Number(counter % TWO_32)
    this.writeNonce()
    return this
  }

  /** Throws unless a record may use the current counter. */
  protected ready (): void {
    if (this.state === OPEN) return
    throw this.state === CLOSED
      ? new GlueberryError(ErrorCode.SessionClosed, 'record cipher is closed')
      : new GlueberryError(ErrorCode.NonceExhausted, 'record counter exhausted: the stream must be re-established')
  }

  /** Consumes the current counter value; rekeys on an epoch boundary. */
  protected advance (): void {
    if (this.lo === UINT32_MAX) {
      this.lo = 0
      this.hi++
    } else {
      this.lo++
    }
    this.writeNonce()
    if (this.lo === UINT32_MAX && this.hi === UINT32_MAX) {
      // 2^64 - 1 is reserved: this key can never be used again.
      this.key.fill(0)
      this.state = EXHAUSTED
      return
    }
    // `lo & mask` is the counter mod 2^20 because 2^20 divides 2^32.
    if ((this.lo & REKEY_MASK) === 0) this.rekey()
  }

  private rekey (): void {
    const next = this.backend.hkdfSha256(this.key, EMPTY, REKEY_INFO, KEY_LENGTH)
    this.key.fill(0)
    this.key = next
  }

  private writeNonce (): void {
    this.nonceView.setUint32(4, this.lo, true)
    this.nonceView.setUint32(8, this.hi, true)
  }
}

/** Seals the records of one direction, in order. */
export class RecordSealer extends RecordCipher {
  /**
   * Seals one record with the next counter value.
   *
   * @throws GlueberryError `SessionClosed` after destroy, `NonceExhausted`
   * past counter 2^64 - 2.
   */
  seal (plaintext: Uint8Array): SealedRecord {
    this.ready()
    const sealed = this.backend.seal(this.key, this.nonce, plaintext)
    // Only a record that was produced consumes a counter value.
    this.advance()
    return sealed
  }

  /**
   * Seals one record whose plaintext is the concatenation of `parts`, with
   * the next counter value: the same record as `seal` of the concatenation,
   * without making it (see {@link CryptoBackend.sealParts}).
   *
   * @throws GlueberryError as {@link seal}.
   */
  sealParts (parts: readonly Uint8Array[]): SealedParts {
    this.ready()
    const sealed = this.backend.sealParts(this.key, this.nonce, parts)
    this.advance()
    return sealed
  }
}

/** Opens the records of one direction, in the order they arrive. */
export class RecordOpener extends RecordCipher {
  /**
   * Opens one received record (`ciphertext || tag`) with the next counter
   * value. The value is consumed whether or not the record authenticates
   * (see the module comment).
   *
   * @throws GlueberryError `DecryptionFailed` (the stream may go on),
   * `SessionClosed` after destroy, `NonceExhausted` past counter 2^64 - 2.
   */
  open (record: Uint8Array): Uint8Array {
    this.ready()
    checkBytes(record, 'record')
    try {
      return this.backend.open(this.key, this.nonce, record)
    } finally {
      this.advance()
    }
  }
}

/** Test-only: a sealer whose next record uses `counter`, with `key` as that epoch's key. */
export function recordSealerAt (key: Uint8Array, counter: bigint, options?: RecordCipherOptions): RecordSealer {
  return new RecordSealer(key, options)[SEEK](counter)
}

/** Test-only: an opener whose next record uses `counter`, with `key` as that epoch's key. */
export function recordOpenerAt (key: Uint8Array, counter: bigint, options?: RecordCipherOptions): RecordOpener {
  return new RecordOpener(key, options)[SEEK](counter)
}
