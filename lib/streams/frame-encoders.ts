/**
 * Turn queued messages into wire bytes for one outbound stream.
 *
 * Messages are copied into the pending batch when they are queued, so a
 * caller may reuse its buffer as soon as `send()` resolves (one copy, the same
 * one building the record needs anyway). `take()` appends everything queued
 * since the last call to an output list as ready-to-send frames.
 *
 * @module
 */
import { encodingLength, encodeUint8Array } from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { framePrefix as prefix } from '../wire/index.js'

export interface FrameEncoder {
  /** Queues one message; copies it. */
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

/** Sealed record as two chunks (ciphertext, tag) so the framer never concatenates them. */
export interface SealedRecord {
  ciphertext: Uint8Array
  tag: Uint8Array
}

/** The crypto side of an encrypted outbound stream. */
export interface RecordSealer {
  seal (body: Uint8Array): SealedRecord
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
 * Encrypted stream: messages queued in the same tick are packed into record
 * bodies of at most `target` bytes (a message larger than that travels alone),
 * and each body becomes one sealed record frame.
 *
 * A body is sealed as soon as it is full, so one body buffer serves every
 * record of the stream: it grows to the size the traffic needs (at most
 * `target`) once, and is zeroed, not dropped, after each seal.
 */
export class RecordFrameEncoder implements FrameEncoder {
  /** Sealed frames not yet taken: prefix, ciphertext, tag, ... */
  private sealed: Uint8Array[] = []
  private records = 0
  private body: Uint8Array
  private used = 0
  private count = 0
  private bytes = 0

  /**
   * @param sealer Read at every seal, so glueberry/testing can swap in a
   *   decorator (tampering, a broken sealer) without a test branch here.
   */
  constructor (public sealer: RecordSealer, private readonly target: number) {
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
    const need = encodingLength(size) + size
    this.count++
    this.bytes += size
    if (need > this.target) {
      this.sealBody()
      const alone = new Uint8Array(need)
      encodeUint8Array(size, alone, 0)
      alone.set(message, need - size)
      this.seal(alone)
      alone.fill(0)
      return
    }
    if (this.used + need > this.target) this.sealBody()
    if (this.used + need > this.body.byteLength) this.grow(this.used + need)
    encodeUint8Array(size, this.body, this.used)
    this.body.set(message, this.used + need - size)
    this.used += need
  }

  take (out: Uint8ArrayList): number {
    this.sealBody()
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
    this.sealed = []
    this.records = 0
    this.count = 0
    this.bytes = 0
    this.sealer.destroy()
  }

  /** Seals the body so far, if any, and zeroes it (it is plaintext) for reuse. */
  private sealBody (): void {
    if (this.used === 0) return
    const plaintext = this.body.subarray(0, this.used)
    this.seal(plaintext)
    plaintext.fill(0)
    this.used = 0
  }

  private seal (body: Uint8Array): void {
    const { ciphertext, tag } = this.sealer.seal(body)
    this.sealed.push(prefix(ciphertext.byteLength + tag.byteLength), ciphertext, tag)
    this.records++
  }

  private grow (need: number): void {
    const grown = new Uint8Array(Math.min(this.target, Math.max(this.body.byteLength * 2, need)))
    grown.set(this.body.subarray(0, this.used))
    this.body.fill(0)
    this.body = grown
  }
}
