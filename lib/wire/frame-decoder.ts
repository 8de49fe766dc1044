/**
 * Synchronous frame decoder for libp2p stream 'message' events: feed it
 * chunks of any size and chunking, get complete frames back in order.
 *
 * Guarantees:
 * - the declared length is checked against `maxLength` as soon as the length
 *   prefix is complete, before a single payload byte is held: a prefix that
 *   claims 4 GiB costs nothing and throws FrameTooLarge at once;
 * - length prefixes follow the varint rules in `varint.ts` (at most 5 bytes,
 *   minimal encoding); anything else throws MalformedFrame;
 * - a frame that lies wholly inside one chunk is returned as a view of that
 *   chunk (no copy); a frame split across chunks is copied once, when complete;
 * - after an error the decoder is failed: every later call throws the same
 *   error and nothing is held any more. The caller resets the stream.
 *
 * @module
 */
import { Uint8ArrayList, isUint8ArrayList } from 'uint8arraylist'
import { ErrorCode, GlueberryError } from '../errors.js'
import { MAX_VARINT_BYTES, checkLimit, readVarint, varintLength } from './varint.js'

const EMPTY = new Uint8Array(0)

/**
 * Cuts a byte stream into the frames `varint(length) || payload` that
 * `encryptWith` emits (and a node's streams carry), checking each declared
 * length against `maxLength` before holding any payload byte. Feed it chunks
 * of any size; get complete frames back in order.
 */
export class FrameDecoder {
  /** The largest payload accepted, in bytes. */
  readonly maxLength: number

  // Chunks appended and not yet parsed, walked by index and offset: no
  // shifting, no copying, and each chunk is released once parsed.
  #queue: Uint8Array[] = []
  #head = 0
  #offset = 0
  // Bytes of a length prefix that is split across chunks (at most 5).
  readonly #prefix = new Uint8Array(MAX_VARINT_BYTES)
  #prefixBytes = 0
  // Declared payload length of the current frame; -1 while reading its prefix.
  #length = -1
  // Payload of the current frame so far, when it spans chunks (views, not copies).
  #payload = new Uint8ArrayList()
  #buffered = 0
  #error: GlueberryError | undefined

  /**
   * @param maxLength largest payload accepted, 0 to 2^32 - 1 (for encrypted
   * streams: `maxRecordFrameLength(maxMessageSize)`).
   * @throws {GlueberryError} InvalidConfig for any other `maxLength`.
   */
  constructor (maxLength: number) {
    this.maxLength = checkLimit('maxLength', maxLength)
  }

  /**
   * Bytes received and not yet returned as frames: the partial frame plus any
   * chunk not yet parsed. Length-prefix bytes are not held, so a bare prefix
   * counts 0.
   */
  get bufferedBytes (): number {
    return this.#buffered
  }

  /** The error that failed the decoder, if any. */
  get error (): GlueberryError | undefined {
    return this.#error
  }

  /**
   * Takes a chunk and returns an iterator over the frames it completes, in
   * order. The chunk is taken at once; frames are cut as the iterator is
   * read. Frames not read stay buffered and come out of the next iterator,
   * so stopping early loses nothing. A bad frame throws from the iterator
   * after every good frame before it has been yielded.
   *
   * ```ts
   * stream.addEventListener('message', (evt) => {
   *   try { for (const frame of decoder.decode(evt.data)) onFrame(frame) } catch (err) { stream.abort(err) }
   * })
   * ```
   *
   * @throws {GlueberryError} at once, the stored error, when the decoder has failed.
   */
  decode (chunk: Uint8Array | Uint8ArrayList): Generator<Uint8Array, void, undefined> {
    this.#append(chunk)
    return this.#frames()
  }

  /**
   * Takes a chunk and returns every frame it completes, in order. On a bad
   * frame it throws, and the good frames before it in the same chunk are not
   * returned (use {@link decode} to receive those first).
   */
  push (chunk: Uint8Array | Uint8ArrayList): Uint8Array[] {
    this.#append(chunk)
    const frames: Uint8Array[] = []
    for (let frame = this.#next(); frame !== undefined; frame = this.#next()) frames.push(frame)
    return frames
  }

  /**
   * Call when the remote ends the stream, after reading every frame: throws
   * MalformedFrame (and fails the decoder) when a frame or length prefix was
   * cut short, or the stored error when the decoder has failed.
   */
  finish (): void {
    if (this.#error !== undefined) throw this.#error
    if (this.#buffered > 0 || this.#prefixBytes > 0 || this.#length >= 0) {
      const what = this.#length >= 0
        ? `${this.#payload.byteLength} of ${this.#length} payload bytes`
        : `${this.#buffered + this.#prefixBytes} undecoded bytes`
      throw this.#fail(new GlueberryError(ErrorCode.MalformedFrame, `stream ended inside a frame: ${what}`))
    }
  }

  #append (chunk: Uint8Array | Uint8ArrayList): void {
    if (this.#error !== undefined) throw this.#error
    if (isUint8ArrayList(chunk)) {
      for (const piece of chunk) this.#enqueue(piece)
    } else {
      this.#enqueue(chunk)
    }
  }

  #enqueue (piece: Uint8Array): void {
    if (piece.byteLength === 0) return
    this.#queue.push(piece)
    this.#buffered += piece.byteLength
  }

  * #frames (): Generator<Uint8Array, void, undefined> {
    // All state lives in fields, re-read after every yield, so iterators
    // from several decode() calls can interleave without corrupting it.
    for (let frame = this.#next(); frame !== undefined; frame = this.#next()) yield frame
  }

  /** The next complete frame, or undefined when more bytes are needed. */
  #next (): Uint8Array | undefined {
    if (this.#error !== undefined) throw this.#error
    try {
      return this.#cut()
    } catch (err) {
      throw this.#fail(err)
    }
  }

  #cut (): Uint8Array | undefined {
    while (this.#head < this.#queue.length) {
      const chunk = this.#queue[this.#head]
      if (this.#offset === chunk.byteLength) {
        this.#queue[this.#head++] = EMPTY
        this.#offset = 0
        continue
      }
      if (this.#length < 0 && !this.#readPrefix(chunk)) continue
      const length = this.#length
      const available = chunk.byteLength - this.#offset
      const held = this.#payload.byteLength
      if (held === 0 && available >= length) {
        // The whole payload is in this chunk: hand out a view, no copy.
        const frame = chunk.subarray(this.#offset, this.#offset + length)
        this.#offset += length
        return this.#complete(frame)
      }
      if (available === 0) continue // the prefix ended this chunk
      const take = Math.min(length - held, available)
      this.#payload.append(chunk.subarray(this.#offset, this.#offset + take))
      this.#offset += take
      if (held + take === length) {
        const frame = this.#payload.subarray() // the one copy a split frame costs
        this.#payload = new Uint8ArrayList()
        return this.#complete(frame)
      }
    }
    this.#queue.length = 0
    this.#head = 0
    return undefined
  }

  /**
   * Reads length-prefix bytes from `chunk`. Returns true once the prefix is
   * complete and its length accepted, false when the chunk ran out first.
   */
  #readPrefix (chunk: Uint8Array): boolean {
    let length: number
    if (this.#prefixBytes === 0) {
      // Fast path: the whole prefix is in this chunk.
      length = readVarint(chunk, this.#offset, chunk.byteLength, ErrorCode.MalformedFrame)
      if (length >= 0) {
        const bytes = varintLength(length)
        this.#offset += bytes
        this.#buffered -= bytes
        return this.#accept(length)
      }
    }
    // The prefix is split across chunks: collect its bytes (at most 5).
    while (this.#offset < chunk.byteLength) {
      const byte = chunk[this.#offset++]
      this.#buffered--
      this.#prefix[this.#prefixBytes++] = byte
      if (byte < 0x80 || this.#prefixBytes === MAX_VARINT_BYTES) {
        // Complete, or over-long: readVarint throws for the latter.
        length = readVarint(this.#prefix, 0, this.#prefixBytes, ErrorCode.MalformedFrame)
        this.#prefixBytes = 0
        return this.#accept(length)
      }
    }
    return false
  }

  #accept (length: number): boolean {
    if (length > this.maxLength) {
      throw new GlueberryError(ErrorCode.FrameTooLarge,
        `frame declares ${length} bytes, above the ${this.maxLength}-byte limit`)
    }
    this.#length = length
    return true
  }

  #complete (frame: Uint8Array): Uint8Array {
    this.#length = -1
    this.#buffered -= frame.byteLength
    return frame
  }

  /** Stores the error, drops everything held, and returns the error to throw. */
  #fail (err: unknown): GlueberryError {
    const error = err instanceof GlueberryError
      ? err
      : new GlueberryError(ErrorCode.MalformedFrame, 'frame decoding failed', { cause: err })
    this.#error = error
    this.#queue = []
    this.#head = 0
    this.#offset = 0
    this.#payload = new Uint8ArrayList()
    this.#buffered = 0
    this.#prefixBytes = 0
    this.#length = -1
    return error
  }
}
