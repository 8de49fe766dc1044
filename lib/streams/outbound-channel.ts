/**
 * The writing half of one logical stream to one peer: the libp2p stream we
 * opened for (peer, name). Each side writes only on streams it opened, so
 * there is no simultaneous-open race and order per direction is guaranteed.
 *
 * `send()` resolves once the message is queued, in order, for this stream.
 * Messages queued in the same tick are flushed together (one `stream.send()`,
 * coalesced into records on encrypted streams). When `stream.send()` returns
 * false the channel stops flushing until the stream's 'drain' event; the queue
 * then grows to the high watermark and `send()` waits until it falls back to
 * the low one. Nothing queues without limit.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { ErrorCode, GlueberryError } from '../errors.js'
import type { FrameEncoder } from './frame-encoders.js'
import { untilAborted, withDeadline } from '../deadline.js'
import { waitForDrain } from './stream-events.js'
import { WatermarkGate } from './watermark-gate.js'
import type { GateObserver } from './watermark-gate.js'

export interface OpenedStream {
  stream: Stream
  encoder: FrameEncoder
}

export interface OutboundChannelOptions {
  peer: string
  name: string
  /** Opens the libp2p stream and completes the stream header exchange. */
  open: (signal: AbortSignal) => Promise<OpenedStream>
  high: number
  low: number
  /** Queued bytes that count as `high` messages (see {@link OutboundChannel.level}). */
  highBytes: number
  gate?: GateObserver
  /** Called once when the channel ends; `undelivered` counts queued messages that never reached the stream. */
  onClose: (channel: OutboundChannel, error: GlueberryError | undefined, undelivered: number) => void
  /** Called after each flush: messages written, and messages still queued. */
  onFlushed?: (messages: number, queued: number) => void
  /** Sealing failed (nonce exhausted, keys destroyed): the channel ends. */
  onEncryptionError?: (error: unknown) => void
}

type Phase = 'idle' | 'opening' | 'open' | 'closed'

/** How long a graceful close may take by default. */
const CLOSE_TIMEOUT_MS = 5000

export class OutboundChannel {
  private phase: Phase = 'idle'
  private stream?: Stream
  private encoder?: FrameEncoder
  /** Messages accepted before the stream is open. */
  private early: Uint8Array[] = []
  private flushScheduled = false
  private flushing = false
  private readonly gate: WatermarkGate<Uint8Array>
  /** Aborts the opening attempt; only while there is one (it is not kept for the stream's life). */
  private opening?: AbortController
  /** Settles when the opening attempt has (either way); close() waits on it. */
  private opened: Promise<void> = Promise.resolve()
  private closeError?: GlueberryError
  private closingPromise?: Promise<void>
  private readonly bytesPerSlot: number
  /** Payload bytes of `early`. */
  private earlyBytes = 0
  /** Messages handed to the stream since it last accepted a write below its high-water mark. */
  private unsettled = 0

  constructor (private readonly options: OutboundChannelOptions) {
    this.bytesPerSlot = Math.max(1, options.highBytes / options.high)
    this.gate = new WatermarkGate<Uint8Array>(options.high, options.low, (data) => this.enqueue(data), options.gate)
  }

  get name (): string {
    return this.options.name
  }

  get isClosed (): boolean {
    return this.phase === 'closed'
  }

  /** Messages accepted and not yet handed to the libp2p stream. */
  get queued (): number {
    return this.early.length + (this.encoder?.pending ?? 0)
  }

  /**
   * What the watermarks compare: queued messages, or queued bytes in units
   * of highBytes / high, whichever is more. Small messages are bounded by
   * count, large ones by bytes, with the same `high` and `low`.
   */
  private get level (): number {
    const bytes = this.earlyBytes + (this.encoder?.pendingBytes ?? 0)
    return Math.max(this.queued, Math.ceil(bytes / this.bytesPerSlot))
  }

  get blocked (): boolean {
    return this.gate.isBlocked
  }

  /** Resolves once `data` is queued, in call order; waits while the queue is above the watermark. */
  async send (data: Uint8Array, signal?: AbortSignal): Promise<void> {
    this.assertOpen()
    const waiting = this.gate.submit(data, signal)
    if (waiting !== undefined) await waiting
  }

  private enqueue (data: Uint8Array): number {
    if (this.encoder !== undefined) this.encoder.add(data)
    else {
      this.early.push(data.slice())
      this.earlyBytes += data.byteLength
    }
    if (this.phase === 'idle') this.startOpening()
    this.scheduleFlush()
    return this.level
  }

  /** Test hook: the encoder, once the stream is open. */
  get frameEncoder (): FrameEncoder | undefined {
    return this.encoder
  }

  /**
   * Half-closes after writing everything accepted so far, including messages
   * accepted while the stream was still opening. `signal` bounds the wait;
   * what is still queued when it fires is reported as undelivered, never
   * dropped silently.
   */
  async close (signal?: AbortSignal): Promise<void> {
    if (this.phase === 'closed') return
    this.closingPromise ??= signal === undefined
      ? withDeadline(CLOSE_TIMEOUT_MS, `close did not finish in ${CLOSE_TIMEOUT_MS} ms`, async (s) => { await this.drainAndClose(s) })
      : this.drainAndClose(signal)
    await this.closingPromise
  }

  /** Set once close() has begun: later messages belong on a new channel (which waits for this one). */
  get closing (): Promise<void> | undefined {
    return this.closingPromise
  }

  private async drainAndClose (signal: AbortSignal): Promise<void> {
    try {
      if (this.phase === 'opening') await untilAborted(this.opened, signal)
      const stream = this.stream
      if (this.phase === 'open' && stream !== undefined) {
        while (this.queued > 0 && this.phase === 'open') {
          this.flush()
          if (this.queued === 0) break
          // Waiting for 'drain', or for a drain handler that has not run yet.
          if (stream.writableNeedsDrain) await waitForDrain(stream, signal)
          else await untilAborted(new Promise<void>(resolve => { setImmediate(resolve) }), signal)
        }
        if (this.phase === 'open') {
          if (stream.writableNeedsDrain) await waitForDrain(stream, signal)
          await stream.close({ signal })
        }
      }
    } catch (err) {
      // Aborting drops libp2p's write buffer too: the messages handed to the
      // stream since it last had room may be in it. Count them as undelivered
      // ("up to"), so a timed-out close is never silent.
      const error = new GlueberryError(ErrorCode.StreamClosed, `stream '${this.options.name}' was not written out in time and was reset`, {
        peer: this.options.peer, stream: this.options.name, cause: err
      })
      this.finish(error, Math.max(this.unsettled, 1))
      this.stream?.abort(error)
      return
    }
    this.finish(undefined)
  }

  /** Ends the channel at once: drops what is queued and resets the stream. */
  abort (error: GlueberryError): void {
    if (this.phase === 'closed') return
    this.stream?.abort(error)
    this.finish(error)
  }

  private assertOpen (): void {
    if (this.phase === 'closed') {
      throw this.closeError ?? new GlueberryError(ErrorCode.StreamClosed, `stream '${this.options.name}' is closed`, {
        peer: this.options.peer, stream: this.options.name
      })
    }
  }

  private startOpening (): void {
    this.phase = 'opening'
    const opening = new AbortController()
    this.opening = opening
    this.opened = this.options.open(opening.signal).then(({ stream, encoder }) => {
      this.opening = undefined
      if (this.phase === 'closed') {
        encoder.destroy()
        stream.abort(new Error('channel closed while opening'))
        return
      }
      this.stream = stream
      this.encoder = encoder
      this.phase = 'open'
      for (const message of this.early) encoder.add(message)
      this.early = []
      this.earlyBytes = 0
      stream.addEventListener('close', (evt) => {
        const cause = evt.error
        this.finish(new GlueberryError(ErrorCode.StreamClosed, `stream '${this.options.name}' closed`, {
          peer: this.options.peer, stream: this.options.name, cause
        }))
      }, { once: true })
      this.flush()
    }, (err: unknown) => {
      this.opening = undefined
      this.finish(err instanceof GlueberryError
        ? err
        : new GlueberryError(ErrorCode.StreamClosed, `could not open stream '${this.options.name}'`, {
          peer: this.options.peer, stream: this.options.name, cause: err
        }))
    })
  }

  private scheduleFlush (): void {
    if (this.flushScheduled || this.phase !== 'open') return
    this.flushScheduled = true
    // A macrotask, not a microtask: `for (...) await send()` loops run entirely
    // in microtasks, so this lets a whole burst coalesce into few records.
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  private flush (): void {
    const stream = this.stream
    const encoder = this.encoder
    if (this.phase !== 'open' || stream === undefined || encoder === undefined || this.flushing) return
    if (encoder.pending === 0) return
    if (stream.writableNeedsDrain) {
      this.awaitDrain(stream)
      return
    }
    const out = new Uint8ArrayList()
    const messages = encoder.pending
    let writable: boolean
    try {
      encoder.take(out)
    } catch (err) {
      this.options.onEncryptionError?.(err)
      const error = err instanceof GlueberryError
        ? err
        : new GlueberryError(ErrorCode.SessionClosed, `sealing a record for stream '${this.options.name}' failed`, {
          peer: this.options.peer, stream: this.options.name, cause: err
        })
      // Finish first: abort() fires 'close' at once, which would report a
      // plain close and lose the count of the messages taken for this flush.
      this.finish(error, messages)
      stream.abort(error)
      return
    }
    try {
      writable = stream.send(out)
    } catch (err) {
      // The messages taken for this flush are lost with the stream: count them.
      const error = err instanceof GlueberryError
        ? err
        : new GlueberryError(ErrorCode.StreamClosed, `write to stream '${this.options.name}' failed`, {
          peer: this.options.peer, stream: this.options.name, cause: err
        })
      // Finish first: abort() fires 'close' at once, which would report a
      // plain close and lose the count of the messages taken for this flush.
      this.finish(error, messages)
      stream.abort(error)
      return
    }
    this.unsettled = (writable ? 0 : this.unsettled) + messages
    this.gate.update(this.level)
    this.options.onFlushed?.(messages, this.queued)
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

  private finish (error: GlueberryError | undefined, lost = 0): void {
    if (this.phase === 'closed') return
    const undelivered = this.queued + lost
    this.phase = 'closed'
    this.closeError = error ?? new GlueberryError(ErrorCode.StreamClosed, `stream '${this.options.name}' is closed`, {
      peer: this.options.peer, stream: this.options.name
    })
    this.opening?.abort(this.closeError)
    this.early = []
    this.earlyBytes = 0
    this.encoder?.destroy()
    this.gate.fail(this.closeError)
    this.options.onClose(this, error, undelivered)
  }
}
