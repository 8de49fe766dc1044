/**
 * Turn queued messages into wire bytes for one outbound stream.
 *
 * Ownership: `add()` may keep a reference to the message until the next
 * `take()` (the record encoder seals large messages where they lie). The
 * caller, the outbox, hands over its own private copy of every message,
 * which it never changes, so a caller of `send()` may still reuse its buffer
 * as soon as `send()` resolves. `take()` appends everything queued since the
 * last call to an output list as ready-to-send frames.
 *
 * @module
 */
import { encodingLength, encodeUint8Array } from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import type { RecordSealer } from '../crypto/record-cipher.js'
import { RecordPacker, framePrefix as prefix } from '../wire/index.js'

export type { RecordSealer } from '../crypto/record-cipher.js'

/** What the encoder needs of a sealer: narrow, so glueberry/testing can decorate one. */
export type EncoderSealer = Pick<RecordSealer, 'seal' | 'sealParts' | 'destroy'>
export type { SealedRecord } from '../crypto/backend.js'

export interface FrameEncoder {
  /** Queues one message; it must not change until the next `take()`. */
  add (message: Uint8Array): void
  /** Appends the frames for everything queued so far to `out`; returns the number of frames. */
  take (out: Uint8ArrayList): number
  /** Number of messages queued and not yet taken. */
  readonly pending: number
  /** Their payload bytes. */
  readonly pendingBytes: number
  /** Drops what is queued and destroys key material. */
  destroy (): void
}

/** Plaintext stream (handshake): one frame per message. */
export class PlainFrameEncoder implements FrameEncoder {
  private queue = new Uint8ArrayList()
  private count = 0
  private bytes = 0

  get pending (): number {
    return this.count
  }

  get pendingBytes (): number {
    return this.bytes
  }

  add (message: Uint8Array): void {
    this.queue.append(prefix(message.byteLength), message.slice())
    this.count++
    this.bytes += message.byteLength
  }

  take (out: Uint8ArrayList): number {
    const frames = this.count
    if (frames === 0) return 0
    out.append(this.queue)
    this.queue = new Uint8ArrayList()
    this.count = 0
    this.bytes = 0
    return frames
  }

  destroy (): void {
    this.queue = new Uint8ArrayList()
    this.count = 0
    this.bytes = 0
  }
}

/** Smallest record body buffer: tiny messages do not pay for 64 KiB each. */
const MIN_BODY_CAPACITY = 1024

/**
 * Messages from this size up are sealed where they lie (one more cipher
 * update) instead of being copied into the record body. Below it the copy
 * is cheaper than an update call and its output buffer (paths bench).
 */
export const SEAL_IN_PLACE_MIN = 4 * 1024

/**
 * Encrypted stream: messages queued in the same tick are packed into records
 * of at most `target` body bytes by the {@link RecordPacker} rule (a message
 * larger than that travels alone), and each record becomes one sealed frame.
 *
 * A record's plaintext is sealed in parts, without being assembled: small
 * messages and every length prefix are copied into one reused body buffer,
 * and messages of {@link SEAL_IN_PLACE_MIN} bytes and more are sealed where
 * they lie, between the body's pieces. The body holds message plaintext,
 * which is no secret of ours (the application and the outbox hold the same
 * bytes), so it is not wiped after each record; keys are the sealer's.
 */
export class RecordFrameEncoder implements FrameEncoder {
  /** Sealed frames not yet taken: prefix, ciphertext..., tag, ... */
  private sealed: Uint8Array[] = []
  private records = 0
  private body: Uint8Array
  private used = 0
  /** Messages sealed in place in the open record, and the body offset each one follows. */
  private inPlace: Uint8Array[] = []
  private cuts: number[] = []
  private readonly packer: RecordPacker
  private count = 0
  private bytes = 0

  /**
   * @param sealer Read at every seal, so glueberry/testing can swap in a
   *   decorator (tampering, a broken sealer) without a test branch here.
   */
  constructor (public sealer: EncoderSealer, target: number) {
    this.packer = new RecordPacker(target)
    this.body = new Uint8Array(Math.min(target, MIN_BODY_CAPACITY))
  }

  get pending (): number {
    return this.count
  }

  get pendingBytes (): number {
    return this.bytes
  }

  add (message: Uint8Array): void {
    const size = message.byteLength
    const prefixLength = encodingLength(size)
    this.count++
    this.bytes += size
    if (this.packer.place(prefixLength + size)) this.sealRecord()
    const inPlace = size >= SEAL_IN_PLACE_MIN
    const need = inPlace ? prefixLength : prefixLength + size
    if (this.used + need > this.body.byteLength) this.grow(this.used + need)
    encodeUint8Array(size, this.body, this.used)
    this.used += prefixLength
    if (inPlace) {
      this.inPlace.push(message)
      this.cuts.push(this.used)
    } else {
      this.body.set(message, this.used)
      this.used += size
    }
  }

  take (out: Uint8ArrayList): number {
    this.sealRecord()
    this.packer.reset()
    const records = this.records
    if (this.sealed.length > 0) out.appendAll(this.sealed)
    this.sealed = []
    this.records = 0
    this.count = 0
    this.bytes = 0
    return records
  }

  destroy (): void {
    this.body.fill(0)
    this.used = 0
    this.inPlace = []
    this.cuts = []
    this.packer.reset()
    this.sealed = []
    this.records = 0
    this.count = 0
    this.bytes = 0
    this.sealer.destroy()
  }

  /** Seals the open record, if any: body pieces and in-place messages, in order. */
  private sealRecord (): void {
    if (this.used === 0) return
    if (this.inPlace.length === 0) {
      // One piece: the plain seal, no parts list (small messages, the common case).
      const { ciphertext, tag } = this.sealer.seal(this.body.subarray(0, this.used))
      this.used = 0
      this.framed(ciphertext.byteLength, tag, ciphertext)
      return
    }
    const parts: Uint8Array[] = []
    let from = 0
    for (let i = 0; i < this.inPlace.length; i++) {
      const cut = this.cuts[i]
      if (cut > from) parts.push(this.body.subarray(from, cut))
      parts.push(this.inPlace[i])
      from = cut
    }
    if (this.used > from) parts.push(this.body.subarray(from, this.used))
    this.inPlace = []
    this.cuts = []
    let length = 0
    for (const part of parts) length += part.byteLength
    const { ciphertext, tag } = this.sealer.sealParts(parts)
    this.used = 0
    this.framed(length, tag, ...ciphertext)
  }

  /** Queues one sealed record as a frame: length prefix, ciphertext chunks, tag. */
  private framed (length: number, tag: Uint8Array, ...ciphertext: Uint8Array[]): void {
    this.sealed.push(prefix(length + tag.byteLength), ...ciphertext, tag)
    this.records++
  }

  private grow (need: number): void {
    // The body holds small messages and prefixes of at most one record.
    const grown = new Uint8Array(Math.max(this.body.byteLength * 2, need))
    grown.set(this.body.subarray(0, this.used))
    this.body = grown
  }
}
