/**
 * The sender's state for one (peer, stream name), kept across libp2p streams
 * and connections: sequence numbers, the messages not yet acknowledged (the
 * retransmit buffer) and the watermark gate that bounds them.
 *
 * Every message `send()` accepts gets the next sequence number and stays here
 * until the remote acknowledges it (encrypted streams) or until it is handed
 * to the libp2p stream (the plaintext handshake stream, which has no acks).
 * A transport ({@link OutboundChannel}) pulls what it has not transmitted;
 * when it ends, everything unacknowledged is transmitted again on the next
 * one, from the point the responder's header says it has reached. What can
 * never be delivered is reported as one {@link UndeliveredError} per range:
 * nothing leaves this buffer silently.
 *
 * The watermarks count unacknowledged messages (by count, or by bytes in
 * units of highBytes / high, whichever is more), so memory is bounded even
 * when the remote never acknowledges: send() then waits at `high`.
 *
 * @module
 */
import { ErrorCode, GlueberryError, UndeliveredError } from '../errors.js'
import type { UndeliveredReason } from '../errors.js'
import type { ByteBudget } from './byte-budget.js'
import { pooledCopy, recycle } from './copy-pool.js'
import type { FrameEncoder } from './frame-encoders.js'
import { OutboundChannel } from './outbound-channel.js'
import type { ChannelSource, OpenedStream } from './outbound-channel.js'
import type { StreamPosition } from './ports.js'
import { WatermarkGate } from './watermark-gate.js'
import type { GateObserver } from './watermark-gate.js'

interface Waiter {
  resolve: () => void
  reject: (err: Error) => void
}

interface Entry {
  data: Uint8Array
  waiter?: Waiter
}

export interface OutboxCounters {
  /** Messages acknowledged (or written, on the handshake stream). */
  acked: (count: number) => void
  /** Messages transmitted again after a reconnect. */
  resent: (count: number) => void
  /** Messages reported undelivered. */
  undelivered: (count: number) => void
}

export interface OutboxOptions {
  peer: string
  name: string
  /** False for the plaintext handshake stream: written to libp2p = done. */
  reliable: boolean
  high: number
  low: number
  highBytes: number
  gate?: GateObserver
  /** The node-wide bound on bytes held (flow.totalBytes): taken on accept, given back on release. */
  budget?: ByteBudget
  /** True when a transport can be opened now (connected, and prepared for encrypted streams). */
  canOpen: () => boolean
  /** Opens the libp2p stream; `firstSeq` goes in our header. */
  open: (firstSeq: number, signal: AbortSignal) => Promise<OpenedStream>
  report: (error: GlueberryError) => void
  counters?: OutboxCounters
  /** Messages written to libp2p (0 on an ack), and messages still unacknowledged (the pending-messages gauge). */
  onFlushed?: (messages: number, unacked: number) => void
  onEncryptionError?: (error: unknown) => void
  onChannelClosed?: () => void
}

/** Backoff before reopening a transport that failed while the peer stayed connected. */
const RETRY_BASE_MS = 50
const RETRY_MAX_MS = 5000
/** Compact the entry array once this many acknowledged slots lead it. */
const COMPACT_AT = 1024
/**
 * Accepted messages up to SLAB_MESSAGE_MAX bytes are copied into shared
 * slabs of SLAB_SIZE bytes: one ArrayBuffer per message (what slice() does)
 * costs a backing-store allocation each, measured at ~4 us of CPU per 1 KiB
 * message end to end. A slab lives while any of its messages is unacknowledged.
 */
const SLAB_SIZE = 64 * 1024
const SLAB_MESSAGE_MAX = 16 * 1024
/** First slab after the outbox was empty: an idle (peer, stream) must not hold 64 KiB. */
const SLAB_START = 2 * 1024

export class Outbox implements ChannelSource {
  private entries: Entry[] = []
  private head = 0
  /** Sequence number of entries[head]. */
  private base = 0
  /** Entries (from head) handed to the current channel. */
  private transmitted = 0
  /** Entries (from head) transmitted on any channel to the current remote incarnation. */
  private sent = 0
  private bytes = 0
  private readonly bytesPerSlot: number
  private gate: WatermarkGate<Entry>
  private channel?: OutboundChannel
  /** The remote's incarnation (hex) as last seen in a responder header. */
  private remoteIncarnation?: string
  private retryTimer?: ReturnType<typeof setTimeout>
  private retryDelay = RETRY_BASE_MS
  private drained: Array<() => void> = []
  /** The remote's maxMessageSize, from its last stream header. */
  private remoteLimit?: number
  private slab?: Uint8Array
  private slabUsed = 0
  /** Size of the next slab: doubles while traffic fills them, back to SLAB_START when the outbox empties. */
  private slabSize = SLAB_START

  constructor (private readonly options: OutboxOptions) {
    this.bytesPerSlot = Math.max(1, options.highBytes / options.high)
    this.gate = this.newGate()
  }

  get name (): string {
    return this.options.name
  }

  /** Messages accepted and not yet acknowledged. */
  get unacked (): number {
    return this.entries.length - this.head
  }

  /** Sequence number the next accepted message gets. */
  get nextSeq (): number {
    return this.base + this.unacked
  }

  /** Sequence number of the oldest unacknowledged message. */
  get firstUnacked (): number {
    return this.base
  }

  get untransmitted (): number {
    return this.unacked - this.transmitted
  }

  get blocked (): boolean {
    return this.gate.isBlocked
  }

  get hasChannel (): boolean {
    return this.channel !== undefined
  }

  /** Test hook: the current transport. */
  get currentChannel (): OutboundChannel | undefined {
    return this.channel
  }

  /**
   * Resolves once `data` is accepted (it has a sequence number and will be
   * delivered or reported), in call order; waits while the buffer is at the
   * high watermark. With `awaitDelivery`, resolves only once the remote
   * acknowledged it, and rejects with its UndeliveredError.
   */
  async send (data: Uint8Array, signal?: AbortSignal, awaitDelivery = false): Promise<void> {
    if (this.remoteLimit !== undefined && data.byteLength > this.remoteLimit) {
      throw new GlueberryError(ErrorCode.MessageTooLarge,
        `message of ${data.byteLength} bytes exceeds the maxMessageSize ${this.remoteLimit} of peer ${this.options.peer}`,
        { peer: this.options.peer, stream: this.options.name })
    }
    // Throws Backpressure when the node holds flow.totalBytes already: refused, not queued.
    this.options.budget?.take(data.byteLength, this.options.peer, this.options.name)
    const entry: Entry = { data: this.copy(data) }
    let delivered: Promise<void> | undefined
    if (awaitDelivery) {
      delivered = new Promise<void>((resolve, reject) => { entry.waiter = { resolve, reject } })
    }
    const waiting = this.gate.submit(entry, signal)
    if (waiting !== undefined) {
      try {
        await waiting
      } catch (err) {
        // Never admitted (aborted, or refused while waiting): its bytes go back.
        this.options.budget?.give(data.byteLength)
        throw err
      }
    }
    if (delivered !== undefined) await delivered
  }

  /**
   * Opens a transport if there is something to transmit, none is open and
   * the peer can take one. Called on send, on prepareStreams and on retry.
   */
  kick (): void {
    if (this.channel !== undefined) {
      // A closing channel takes no more: closed() kicks again for the rest.
      if (this.channel.closing === undefined) this.channel.schedule()
      return
    }
    if (this.unacked === 0 || this.retryTimer !== undefined || !this.options.canOpen()) return
    this.startChannel()
  }

  /** Waits until every accepted message is acknowledged, or `signal` aborts. */
  async drain (signal: AbortSignal): Promise<void> {
    if (this.unacked === 0) return
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.drained = this.drained.filter(d => d !== done)
        const reason: unknown = signal.reason
        reject(reason)
      }
      const done = (): void => { signal.removeEventListener('abort', onAbort); resolve() }
      if (signal.aborted) { onAbort(); return }
      signal.addEventListener('abort', onAbort, { once: true })
      this.drained.push(done)
    })
  }

  /** Graceful: transmits what is queued and half-closes the transport (unacknowledged messages stay). */
  async closeChannel (signal: AbortSignal): Promise<void> {
    await this.channel?.close(signal)
  }

  /** The connection went away: the transport ends; everything unacknowledged waits for the next one. */
  suspend (error: GlueberryError): void {
    this.clearRetry()
    this.channel?.abort(error)
  }

  /**
   * Gives up on everything accepted and not acknowledged: reported as one
   * UndeliveredError, awaitDelivery callers rejected with it, senders waiting
   * at the watermark rejected with `refusal`. The outbox stays usable and
   * keeps its sequence numbers (a later message continues after these).
   */
  abandon (reason: UndeliveredReason, refusal: GlueberryError, cause?: unknown): void {
    this.clearRetry()
    const channel = this.channel
    this.channel = undefined
    channel?.abort(refusal)
    // Waiting senders first: freeing the buffer below must not admit them.
    const gate = this.gate
    this.gate = this.newGate()
    gate.fail(refusal)
    this.giveUp(this.unacked, reason, cause)
    this.transmitted = 0
    this.sent = 0
    this.settleDrained()
  }

  // ChannelSource: called by the transport.

  fill (channel: OutboundChannel, encoder: FrameEncoder): number {
    if (channel !== this.channel) return 0
    const from = this.head + this.transmitted
    const to = this.entries.length
    for (let i = from; i < to; i++) encoder.add((this.entries[i]).data)
    this.transmitted = to - this.head
    if (this.transmitted > this.sent) this.sent = this.transmitted
    return to - from
  }

  written (channel: OutboundChannel, count: number): void {
    if (channel !== this.channel) return
    this.retryDelay = RETRY_BASE_MS
    if (!this.options.reliable) this.acknowledge(this.base + count)
    this.options.onFlushed?.(count, this.unacked)
  }

  opened (channel: OutboundChannel, remote: StreamPosition | undefined): void {
    if (channel !== this.channel || remote === undefined) return
    const incarnation = hex(remote.incarnation)
    if (this.remoteIncarnation !== undefined && incarnation !== this.remoteIncarnation) {
      // The remote process restarted: what the old one received is unknown,
      // so what was transmitted to it and not acknowledged is reported; the
      // new process adopted our first sequence number (remote.seq), and what
      // it has never seen is renumbered from there and sent.
      this.giveUp(this.sent, 'remote-restarted')
      this.base = remote.seq
    } else {
      if (remote.seq < this.base || remote.seq > this.base + this.sent) {
        throw new GlueberryError(ErrorCode.ProtocolViolation,
          `peer ${this.options.peer} resumes stream '${this.options.name}' at ${remote.seq}; sent range is ${this.base}..${this.base + this.sent}`,
          { peer: this.options.peer, stream: this.options.name })
      }
      this.acknowledge(remote.seq)
    }
    this.remoteIncarnation = incarnation
    this.remoteLimit = remote.maxMessageSize
    this.transmitted = 0
    this.dropOversized()
    if (this.sent > 0) this.options.counters?.resent(this.sent)
  }

  /**
   * Messages accepted before the remote's limit was known and above it:
   * the remote would reset the stream on each, forever. Reported as
   * 'too-large' and taken out; the messages after them move up (the remote
   * never got past the first of them, so it has seen none of those).
   */
  private dropOversized (): void {
    const limit = this.remoteLimit
    if (limit === undefined || this.bytes <= limit) return
    let i = this.head
    while (i < this.entries.length) {
      if ((this.entries[i]).data.byteLength <= limit) { i++; continue }
      let end = i
      while (end < this.entries.length && (this.entries[end]).data.byteLength > limit) end++
      const firstSeq = this.base + (i - this.head)
      const error = new UndeliveredError({
        peer: this.options.peer, stream: this.options.name, count: end - i, firstSeq, lastSeq: firstSeq + end - i - 1, reason: 'too-large'
      })
      const removed = this.entries.splice(i, end - i)
      for (const entry of removed) {
        this.bytes -= entry.data.byteLength
        this.options.budget?.give(entry.data.byteLength)
        entry.waiter?.reject(error)
      }
      this.sent = Math.min(this.sent, i - this.head)
      this.options.counters?.undelivered(end - i)
      this.options.report(error)
    }
    this.gate.update(this.level)
    if (this.unacked === 0) this.settleDrained()
  }

  acked (channel: OutboundChannel, next: number): void {
    if (channel !== this.channel) return
    if (next > this.base + this.sent) {
      throw new GlueberryError(ErrorCode.ProtocolViolation,
        `peer ${this.options.peer} acknowledged ${next} on stream '${this.options.name}'; only up to ${this.base + this.sent} was sent`,
        { peer: this.options.peer, stream: this.options.name })
    }
    this.acknowledge(next)
  }

  closed (channel: OutboundChannel, error: GlueberryError | undefined): void {
    this.options.onChannelClosed?.()
    if (channel !== this.channel) return
    this.channel = undefined
    this.transmitted = 0
    if (!this.options.reliable) {
      // No acks on the handshake stream: what was not written is lost with it.
      if (error !== undefined) this.giveUp(this.unacked, 'stream-closed', error)
      else this.kick()
      return
    }
    if (error !== undefined && this.unacked > 0 && this.options.canOpen()) {
      // The stream failed while the peer seems still there (a reset, a
      // refused stream): try again after a backoff, resending what is
      // unacknowledged. It is reported then, if the peer is still there: a
      // stream that died with its connection is not news.
      this.scheduleRetry(error)
    } else if (error === undefined) {
      // A clean close (closeWriter, drain): reopen if more came in meanwhile.
      this.kick()
    }
  }

  private startChannel (): void {
    const channel: OutboundChannel = new OutboundChannel({
      peer: this.options.peer,
      name: this.options.name,
      source: this,
      open: async (signal) => await this.options.open(this.base, signal),
      onEncryptionError: this.options.onEncryptionError,
      onProtocolError: (error) => { this.options.report(error) }
    })
    this.channel = channel
    channel.start()
  }

  private scheduleRetry (failure: GlueberryError): void {
    if (this.retryTimer !== undefined) return
    const delay = this.retryDelay
    this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.options.canOpen()) this.options.report(failure)
      this.kick()
    }, delay)
  }

  private clearRetry (): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer)
    this.retryTimer = undefined
  }

  /** Drops every entry below `next` as delivered. */
  private acknowledge (next: number): void {
    const count = next - this.base
    if (count <= 0) return
    this.release(count, (entry) => { entry.waiter?.resolve() })
    this.options.counters?.acked(count)
    this.options.onFlushed?.(0, this.unacked)
    this.gate.update(this.level)
    if (this.unacked === 0) this.settleDrained()
  }

  /** Reports the first `count` entries as undelivered and drops them. */
  private giveUp (count: number, reason: UndeliveredReason, cause?: unknown): void {
    if (count <= 0) return
    const error = new UndeliveredError({
      peer: this.options.peer, stream: this.options.name, count, firstSeq: this.base, lastSeq: this.base + count - 1, reason, cause
    })
    this.release(count, (entry) => { entry.waiter?.reject(error) })
    this.options.counters?.undelivered(count)
    this.options.report(error)
    this.gate.update(this.level)
    if (this.unacked === 0) this.settleDrained()
  }

  private release (count: number, settle: (entry: Entry) => void): void {
    const end = this.head + count
    const before = this.bytes
    for (let i = this.head; i < end; i++) {
      const entry = this.entries[i]
      this.bytes -= entry.data.byteLength
      // Large copies have their own buffer (see copy()); nothing else refers to it now.
      if (entry.data.byteLength > SLAB_MESSAGE_MAX) recycle(entry.data)
      if (entry.waiter !== undefined) settle(entry)
    }
    this.options.budget?.give(before - this.bytes)
    this.head = end
    this.base += count
    this.transmitted = Math.max(0, this.transmitted - count)
    this.sent = Math.max(0, this.sent - count)
    if (this.head === this.entries.length) {
      this.entries = []
      this.head = 0
      // Nothing refers to the slab any more: let it go with the messages.
      this.slab = undefined
      this.slabSize = SLAB_START
    } else if (this.head >= COMPACT_AT && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head)
      this.head = 0
    }
  }

  private settleDrained (): void {
    const drained = this.drained
    this.drained = []
    for (const done of drained) done()
  }

  /**
   * What the watermarks compare: unacknowledged messages, or their bytes in
   * units of highBytes / high, whichever is more.
   */
  private get level (): number {
    return Math.max(this.unacked, Math.ceil(this.bytes / this.bytesPerSlot))
  }

  /** A private copy of `data`: the caller may reuse its buffer once send() resolves. */
  private copy (data: Uint8Array): Uint8Array {
    const size = data.byteLength
    if (size > SLAB_MESSAGE_MAX) return pooledCopy(data)
    if (this.slab === undefined || this.slabUsed + size > this.slab.byteLength) {
      if (this.slab !== undefined) this.slabSize = Math.min(SLAB_SIZE, this.slabSize * 2)
      this.slab = new Uint8Array(Math.max(this.slabSize, size))
      this.slabUsed = 0
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + size)
    view.set(data)
    this.slabUsed += size
    return view
  }

  private newGate (): WatermarkGate<Entry> {
    return new WatermarkGate<Entry>(this.options.high, this.options.low, (entry) => this.admit(entry), this.options.gate)
  }

  private admit (entry: Entry): number {
    this.entries.push(entry)
    this.bytes += entry.data.byteLength
    this.kick()
    return this.level
  }
}

function hex (bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}
