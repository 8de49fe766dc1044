/**
 * Reads frames from one libp2p stream, listening to 'message' events from
 * the moment it is created (libp2p buffers, then resets, a stream nobody
 * listens to).
 *
 * Two modes: `read()` awaits the next frame (the stream header exchange),
 * then `start(handler, deliver)` turns every later frame into messages (the
 * handler) and hands them over one by one (`deliver`). In push mode,
 * `pause()` stops handing frames over and pauses the libp2p stream, so yamux
 * stops granting window to the sender: what is held is at most the chunk
 * already received, as raw bytes, never an unbounded queue of messages.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, GlueberryError } from '../errors.js'

/** Splits a byte stream into frames; throws a GlueberryError on a bad frame. */
export interface Deframer {
  push (chunk: Uint8Array | Uint8ArrayList): Uint8Array[]
  /** Throws MalformedFrame when the bytes ended inside a frame. */
  finish (): void
  /** Bytes held that are not yet part of a returned frame. */
  readonly bufferedBytes: number
}

/** Turns one frame into the messages it carries (none on failure). */
export type FrameHandler = (frame: Uint8Array) => readonly Uint8Array[] | undefined
export type MessageSink = (message: Uint8Array) => void

export interface FrameReaderOptions {
  /** Called once when reading ends: remote close (no error), reset, or a bad frame. */
  onEnd: (error: GlueberryError | undefined) => void
}

export class FrameReader {
  private frames: Uint8Array[] = []
  private handler?: FrameHandler
  private deliver?: MessageSink
  /** Messages of the frame being handed over: a pause can fall between two of them. */
  private out: readonly Uint8Array[] = []
  private outIndex = 0
  private pauses = 0
  private ended = false
  private endError?: GlueberryError
  private waiter?: { resolve: (frame: Uint8Array) => void, reject: (err: GlueberryError) => void }
  private pumping = false

  constructor (
    readonly stream: Stream,
    private deframer: Deframer,
    private readonly options: FrameReaderOptions
  ) {
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('close', this.onClose)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
  }

  private readonly onMessage = (evt: { data: Uint8Array | Uint8ArrayList }): void => { this.onChunk(evt.data) }
  private readonly onClose = (evt: { error?: Error }): void => {
    if (evt.error === undefined) this.onRemoteDone()
    else this.end(new GlueberryError(ErrorCode.StreamClosed, 'stream reset', { cause: evt.error }))
  }

  private readonly onRemoteCloseWrite = (): void => { this.onRemoteDone() }

  /** Bytes received and not handed over yet: decoded frames held, and a partial frame. */
  get bufferedBytes (): number {
    return this.frames.reduce((n, f) => n + f.byteLength, this.deframer.bufferedBytes)
  }

  /**
   * Stops reading without ending or resetting the stream: the reader lets go
   * of it (and the stream of the reader). For a stream whose remaining
   * traffic someone else watches.
   */
  detach (): void {
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('close', this.onClose)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    this.frames = []
    this.ended = true
  }

  private remoteDone = false

  /** The remote finished writing: hand over what is decoded, then end (cleanly unless a frame was cut short). */
  private onRemoteDone (): void {
    this.remoteDone = true
    if (this.frames.length === 0 || this.handler === undefined) this.end(this.truncation())
  }

  /** A stream that ends inside a frame lost data: that is an error, not a clean end. */
  private truncation (): GlueberryError | undefined {
    try {
      this.deframer.finish()
      return undefined
    } catch (err) {
      return err instanceof GlueberryError ? err : new GlueberryError(ErrorCode.MalformedFrame, 'stream ended inside a frame', { cause: err })
    }
  }

  /**
   * Replaces the frame decoder (a new length limit after the stream header).
   * Only valid between frames: bytes already buffered would belong to a frame
   * read under the old limit, so they fail the stream.
   */
  replaceDeframer (deframer: Deframer): void {
    if (this.ended) return
    if (this.deframer.bufferedBytes > 0 || this.frames.length > 0) {
      this.fail(new GlueberryError(ErrorCode.MalformedFrame, 'data after the stream header before it was answered'))
      return
    }
    this.deframer = deframer
  }

  /** Frames decoded and not yet handed over, plus messages of the current frame still to deliver. */
  get pending (): number {
    return this.frames.length + (this.out.length - this.outIndex)
  }

  get isPaused (): boolean {
    return this.pauses > 0
  }

  /** Awaits the next frame (only before `start`). */
  async read (signal?: AbortSignal): Promise<Uint8Array> {
    const next = this.frames.shift()
    if (next !== undefined) return next
    if (this.ended) throw this.endError ?? new GlueberryError(ErrorCode.StreamClosed, 'stream ended')
    return await new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiter = undefined
        reject(new GlueberryError(ErrorCode.Aborted, 'read aborted', { cause: signal?.reason }))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiter = {
        resolve: (frame) => { signal?.removeEventListener('abort', onAbort); resolve(frame) },
        reject: (err) => { signal?.removeEventListener('abort', onAbort); reject(err) }
      }
    })
  }

  /**
   * Switches to push mode: every queued and later frame goes to `handler`,
   * and the messages it returns to `deliver`, in order, one at a time, so a
   * pause takes effect between any two messages.
   */
  start (handler: FrameHandler, deliver: MessageSink = () => {}): void {
    this.handler = handler
    this.deliver = deliver
    this.pump()
  }

  /** Ref-counted: each `pause()` needs one `resume()`. */
  pause (): void {
    this.pauses++
    this.syncStreamPause()
  }

  resume (): void {
    if (this.pauses === 0) return
    this.pauses--
    if (this.pauses > 0) return
    this.pump()
    if (this.pauses > 0 || this.stream.readStatus !== 'paused') return
    // libp2p's resume() dispatches the buffered bytes (our onChunk, where a
    // consumer may pause again) and only THEN tells the muxer to resume. A
    // pause issued inside that dispatch would be overridden, leaving yamux
    // granting window to a paused stream. So pause after it returns.
    this.resuming = true
    try {
      this.stream.resume()
    } finally {
      this.resuming = false
    }
    this.syncStreamPause()
  }

  private resuming = false

  /** Pauses the libp2p stream while we hold a pause (outside libp2p's resume). */
  private syncStreamPause (): void {
    if (this.pauses > 0 && !this.resuming && this.stream.readStatus === 'readable') this.stream.pause()
  }

  /** Fails the reader: resets the stream and ends with `error`. */
  fail (error: GlueberryError): void {
    if (this.ended) return
    this.frames = []
    // End first: abort() dispatches 'close' synchronously, which would report
    // a plain reset instead of the reason.
    this.end(error)
    this.stream.abort(error)
  }

  private onChunk (chunk: Uint8Array | Uint8ArrayList): void {
    if (this.ended) return
    let frames: Uint8Array[]
    try {
      frames = this.deframer.push(chunk)
    } catch (err) {
      this.fail(err instanceof GlueberryError
        ? err
        : new GlueberryError(ErrorCode.MalformedFrame, 'malformed frame', { cause: err }))
      return
    }
    for (const frame of frames) this.frames.push(frame)
    if (this.waiter !== undefined && this.frames.length > 0) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.resolve(this.frames.shift() as Uint8Array)
    }
    this.pump()
    // Holding decoded frames while paused: stop libp2p from pulling more.
    this.syncStreamPause()
  }

  private pump (): void {
    const handler = this.handler
    if (handler === undefined || this.pumping) return
    this.pumping = true
    try {
      const deliver = this.deliver as MessageSink
      while (this.pauses === 0 && !this.ended) {
        if (this.outIndex < this.out.length) {
          deliver(this.out[this.outIndex++])
          continue
        }
        if (this.frames.length === 0) break
        this.out = handler(this.frames.shift() as Uint8Array) ?? []
        this.outIndex = 0
      }
    } finally {
      this.pumping = false
    }
    if (this.remoteDone && this.frames.length === 0 && this.outIndex >= this.out.length) this.end(this.truncation())
  }

  private end (error: GlueberryError | undefined): void {
    if (this.ended) return
    this.ended = true
    this.endError = error
    if (this.waiter !== undefined) {
      const waiter = this.waiter
      this.waiter = undefined
      waiter.reject(error ?? new GlueberryError(ErrorCode.StreamClosed, 'stream ended'))
    }
    this.options.onEnd(error)
  }
}
