/**
 * The transport of one outbox: one libp2p stream we opened for (peer, name).
 * Each side writes messages only on streams it opened, so there is no
 * simultaneous-open race and order per direction is guaranteed; the
 * responder writes back only acknowledgements.
 *
 * The channel owns no messages. It pulls what its source (the outbox) has
 * not transmitted yet, in order: messages queued in the same tick are
 * flushed together (one `stream.send()`, coalesced into records on encrypted
 * streams). When `stream.send()` returns false it stops pulling until the
 * stream's 'drain' event, so what is not yet written stays in the outbox,
 * counted in its watermarks. Acknowledgements read from the stream go back to
 * the source. When the stream ends, the source decides what to resend.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, GlueberryError } from '../errors.js'
import { withLocation } from './locate.js'
import type { FrameEncoder } from './frame-encoders.js'
import type { FrameReader } from './frame-reader.js'
import type { RecordOpener, StreamPosition } from './ports.js'
import { untilAborted } from '../deadline.js'
import { waitForDrain } from './stream-events.js'
import { decodeAckBody } from '../wire/ack.js'
import { macrotask } from '../host/macrotask.js'

export interface OpenedStream {
  stream: Stream
  encoder: FrameEncoder
  /** Encrypted streams: the responder's incarnation and the next sequence it expects. */
  remote?: StreamPosition
  /** Encrypted streams: opens the responder's acknowledgement records. */
  acks?: RecordOpener
  /** Encrypted streams: reads the reverse direction (acks) after the header. */
  reader?: FrameReader
}

/** The outbox as the channel sees it. */
export interface ChannelSource {
  /** Messages accepted and not yet handed to this channel's stream. */
  readonly untransmitted: number
  /** Adds the untransmitted messages to `encoder`, in order; returns how many. */
  fill (channel: OutboundChannel, encoder: FrameEncoder): number
  /** The stream is open. Throws (ProtocolViolation) to refuse what the remote said. */
  opened (channel: OutboundChannel, remote: StreamPosition | undefined): void
  /** `count` messages were handed to the libp2p stream. */
  written (channel: OutboundChannel, count: number): void
  /** The remote acknowledged every message below `next`. Throws (ProtocolViolation) for a bad ack. */
  acked (channel: OutboundChannel, next: number): void
  /** The channel ended (cleanly when `error` is undefined). Called once. */
  closed (channel: OutboundChannel, error: GlueberryError | undefined): void
}

export interface OutboundChannelOptions {
  peer: string
  name: string
  /** Opens the libp2p stream and completes the stream header exchange. */
  open: (signal: AbortSignal) => Promise<OpenedStream>
  source: ChannelSource
  /** Sealing failed (nonce exhausted, keys destroyed): the channel ends. */
  onEncryptionError?: (error: unknown) => void
  /** A bad acknowledgement or reverse-direction frame: reported, then the channel resets. */
  onProtocolError?: (error: GlueberryError) => void
}

type Phase = 'idle' | 'opening' | 'open' | 'closed'

export class OutboundChannel {
  private phase: Phase = 'idle'
  private stream?: Stream
  private encoder?: FrameEncoder
  private acks?: RecordOpener
  private reader?: FrameReader
  private flushScheduled = false
  private flushing = false
  /** Aborts the opening attempt; only while there is one. */
  private opening?: AbortController
  /** Settles when the opening attempt has (either way); close() waits on it. */
  private opened: Promise<void> = Promise.resolve()
  private closingPromise?: Promise<void>
  /** Set just before the half-close: nothing more may be written. */
  private sealed = false

  constructor (private readonly options: OutboundChannelOptions) {}

  get name (): string {
    return this.options.name
  }

  get isClosed (): boolean {
    return this.phase === 'closed'
  }

  get isOpen (): boolean {
    return this.phase === 'open'
  }

  /** Test hook: the encoder, once the stream is open. */
  get frameEncoder (): FrameEncoder | undefined {
    return this.encoder
  }

  /** Test hook: the libp2p stream, once open. */
  get libp2pStream (): Stream | undefined {
    return this.stream
  }

  /** Set once close() has begun: a new channel for the same outbox waits for it. */
  get closing (): Promise<void> | undefined {
    return this.closingPromise
  }

  /** Opens the stream (once). */
  start (): void {
    if (this.phase !== 'idle') return
    this.phase = 'opening'
    const opening = new AbortController()
    this.opening = opening
    this.opened = this.options.open(opening.signal).then((opened) => { this.onOpened(opened) }, (err: unknown) => {
      this.opening = undefined
      this.finish(err instanceof GlueberryError
        ? err
        : new GlueberryError(ErrorCode.StreamClosed, `could not open stream '${this.options.name}'`, {
          peer: this.options.peer, stream: this.options.name, cause: err
        }))
    })
  }

  /** The source has new messages: flush them on the next macrotask. */
  schedule (): void {
    if (this.flushScheduled || this.phase !== 'open') return
    this.flushScheduled = true
    // A macrotask, not a microtask: `for (...) await send()` loops run entirely
    // in microtasks, so this lets a whole burst coalesce into few records.
    macrotask(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /**
   * Writes everything the source has not transmitted, then half-closes,
   * within `signal`. On failure the stream is reset and the source told (it
   * keeps what was not acknowledged).
   */
  async close (signal: AbortSignal): Promise<void> {
    if (this.phase === 'closed') return
    this.closingPromise ??= this.drainAndClose(signal)
    await this.closingPromise
  }

  private async drainAndClose (signal: AbortSignal): Promise<void> {
    try {
      if (this.phase === 'opening') await untilAborted(this.opened, signal)
      const stream = this.stream
      if (this.phase === 'open' && stream !== undefined) {
        while (this.options.source.untransmitted > 0 && this.phase === 'open') {
          this.flush()
          if (this.options.source.untransmitted === 0) break
          // Waiting for 'drain', or for a drain handler that has not run yet.
          if (stream.writableNeedsDrain) await waitForDrain(stream, signal)
          else await untilAborted(new Promise<void>(resolve => { macrotask(resolve) }), signal)
        }
        if (this.phase === 'open') {
          this.sealed = true
          if (stream.writableNeedsDrain) await waitForDrain(stream, signal)
          await stream.close({ signal })
        }
      }
    } catch (err) {
      const error = new GlueberryError(ErrorCode.StreamClosed, `stream '${this.options.name}' was not written out in time and was reset`, {
        peer: this.options.peer, stream: this.options.name, cause: err
      })
      this.abort(error)
      return
    }
    this.finish(undefined)
  }

  /** Ends the channel at once and resets the stream. */
  abort (error: GlueberryError): void {
    if (this.phase === 'closed') return
    const stream = this.stream
    // Finish first: abort() fires 'close' at once, which would report a plain close.
    this.finish(error)
    stream?.abort(error)
  }

  private onOpened (opened: OpenedStream): void {
    const { stream, encoder } = opened
    this.opening = undefined
    if (this.phase === 'closed') {
      encoder.destroy()
      opened.acks?.destroy()
      stream.abort(new Error('channel closed while opening'))
      return
    }
    this.stream = stream
    this.encoder = encoder
    this.acks = opened.acks
    this.reader = opened.reader
    this.phase = 'open'
    stream.addEventListener('close', (evt) => {
      this.finish(new GlueberryError(ErrorCode.StreamClosed, `stream '${this.options.name}' closed`, {
        peer: this.options.peer, stream: this.options.name, cause: evt.error
      }))
    }, { once: true })
    try {
      this.options.source.opened(this, opened.remote)
    } catch (err) {
      this.protocolError(err)
      return
    }
    this.reader?.start((frame) => { this.onAckFrame(frame); return undefined })
    this.flush()
  }

  private onAckFrame (frame: Uint8Array): void {
    if (this.phase !== 'open' || this.acks === undefined) return
    let next: number
    try {
      next = decodeAckBody(this.acks.open(frame))
      this.options.source.acked(this, next)
    } catch (err) {
      this.protocolError(err)
    }
  }

  private protocolError (err: unknown): void {
    const error = err instanceof GlueberryError
      ? withLocation(err, this.options.peer, this.options.name)
      : new GlueberryError(ErrorCode.ProtocolViolation, `bad acknowledgement on stream '${this.options.name}'`, {
        peer: this.options.peer, stream: this.options.name, cause: err
      })
    this.options.onProtocolError?.(error)
    this.abort(error)
  }

  private flush (): void {
    const stream = this.stream
    const encoder = this.encoder
    if (this.phase !== 'open' || stream === undefined || encoder === undefined || this.flushing || this.sealed) return
    if (this.options.source.untransmitted === 0) return
    if (stream.writableNeedsDrain) {
      this.awaitDrain(stream)
      return
    }
    const out = new Uint8ArrayList()
    let messages: number
    try {
      messages = this.options.source.fill(this, encoder)
      encoder.take(out)
    } catch (err) {
      this.options.onEncryptionError?.(err)
      this.abort(err instanceof GlueberryError
        ? withLocation(err, this.options.peer, this.options.name)
        : new GlueberryError(ErrorCode.SessionClosed, `sealing a record for stream '${this.options.name}' failed`, {
          peer: this.options.peer, stream: this.options.name, cause: err
        }))
      return
    }
    let writable: boolean
    try {
      writable = stream.send(out)
    } catch (err) {
      this.abort(new GlueberryError(ErrorCode.StreamClosed, `write to stream '${this.options.name}' failed`, {
        peer: this.options.peer, stream: this.options.name, cause: err
      }))
      return
    }
    this.options.source.written(this, messages)
    if (!writable) this.awaitDrain(stream)
  }

  private awaitDrain (stream: Stream): void {
    if (this.flushing) return
    this.flushing = true
    waitForDrain(stream).then(() => {
      this.flushing = false
      this.flush()
    }, () => {
      // The 'close' listener reports the failure.
      this.flushing = false
    })
  }

  private finish (error: GlueberryError | undefined): void {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    this.opening?.abort(error ?? new GlueberryError(ErrorCode.StreamClosed, 'channel closed'))
    this.encoder?.destroy()
    this.acks?.destroy()
    this.reader?.detach()
    this.options.source.closed(this, error)
  }
}
