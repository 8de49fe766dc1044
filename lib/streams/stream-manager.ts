/**
 * The named streams of every peer: lazily opened outbound channels (we write
 * only on streams we opened), readers for the streams each peer opened, and
 * the inbound encrypted streams held until our phase 1 of the handshake.
 *
 * Effects only: no state machine lives here. The connection manager decides
 * when a peer's streams are released; this module does it (zeroing keys,
 * resetting streams) and reports every loss.
 *
 * @module
 */
import type { Connection, Stream } from '@libp2p/interface'
import { ErrorCode, GlueberryError } from '../errors.js'
import { withLocation } from './locate.js'
import { createMessage } from '../flow.js'
import type { ByteBudget } from './byte-budget.js'
import type { FlowHandle } from '../flow.js'
import type { IncomingMessage } from '../types.js'
import { HANDSHAKE_STREAM } from '../types.js'
import { PlainFrameEncoder, RecordFrameEncoder } from './frame-encoders.js'
import type { FrameEncoder } from './frame-encoders.js'
import { FrameReader } from './frame-reader.js'
import type { Deframer } from './frame-reader.js'
import { withDeadline } from '../deadline.js'
import type { OpenedStream } from './outbound-channel.js'
import { Outbox } from './outbox.js'
import type { UndeliveredReason } from '../errors.js'
import type { PeerKeys, ResponderHandshake } from './ports.js'
import type { RecordSealer } from './frame-encoders.js'
import { macrotask } from '../host/macrotask.js'

export interface StreamWire {
  protocolId (name: string): string
  /** Frame decoder for one stream with the given frame length limit. */
  deframer (maxFrameLength: number): Deframer
  /** Splits an opened record body into messages; throws MalformedRecord. */
  split (body: Uint8Array, maxMessageSize: number): Uint8Array[]
  /** Wraps one payload in a frame. */
  frame (payload: Uint8Array): Uint8Array
  /** Largest frame of an encrypted stream for a given message limit. */
  maxRecordFrame (maxMessageSize: number): number
  /** Largest stream header frame. */
  readonly headerFrameLength: number
  /** Records are cut at this many body bytes. */
  readonly recordTarget: number
  /** The plaintext body of an acknowledgement of every message below `next`. */
  ackBody (next: number): Uint8Array
  /** Frame length limit of the reverse (acknowledgement) direction. */
  readonly ackFrameLimit: number
}

/** What a delivery counter counts, per (peer, stream). */
export type DeliveryEvent = 'acked' | 'resent' | 'undelivered' | 'duplicate'

/** A record that failed to authenticate, as `decryptionErrors$` reports it. */
export interface DecryptionFailure {
  /** The peer the record came from. */
  peerId: string
  /** The stream it came on. */
  stream: string
  /** `DECRYPTION_FAILED` (or `MALFORMED_RECORD` for a body that does not split). */
  error: GlueberryError
  /** Failures so far on this inbound stream. */
  count: number
  /** When it was seen, in ms since the epoch. */
  at: number
}

export interface StreamManagerOptions {
  wire: StreamWire
  maxMessageSize: number
  high: number
  low: number
  highBytes: number
  /** perf (issue 13): the node-wide bound on unacknowledged bytes (flow.totalBytes), see byte-budget.ts. */
  budget?: ByteBudget
  maxHeldStreamsPerPeer: number
  maxOutboundStreams: number
  /** Bounds the wait for the remote's stream header and for its phase 1. */
  handshakeTimeout: number
  decryptionErrorPolicy: 'drop' | 'reset'
  connectionFor: (peer: string) => Connection | undefined
  deliver: (message: IncomingMessage) => void
  report: (error: GlueberryError) => void
  onDecryptionError: (failure: DecryptionFailure) => void
  onSent?: (peer: string, stream: string, messages: number, queued: number) => void
  onEncryptionError?: (peer: string, stream: string, error: unknown) => void
  onStreamOpened?: (peer: string, stream: string, direction: 'inbound' | 'outbound') => void
  onStreamClosed?: (peer: string, stream: string, direction: 'inbound' | 'outbound') => void
  onBackpressure?: (stream: string, event: 'engaged' | 'waited', seconds?: number) => void
  /** This node's incarnation: 8 random bytes, new for every node. */
  incarnation: Uint8Array
  /**
   * Whether messages for a peer that is not connected are kept for a later
   * connection (a known peer being reconnected). Asked only on the slow path.
   */
  retains: (peer: string) => boolean
  onDelivery?: (peer: string, stream: string, event: DeliveryEvent, count: number) => void
}

interface HeldStream {
  name: string
  protocolId: string
  reader: FrameReader
  header: Uint8Array
}

interface Acker {
  /** A sealed ack frame of `next` under this stream's responder -> opener key. */
  frame: (next: number) => Uint8Array
  /** Writes bytes on this stream's reverse direction. */
  write: (bytes: () => Uint8Array) => void
  /** Acknowledges what was emitted and not acknowledged yet. */
  flush: () => void
}

/** Where the messages a peer sends us on one stream stand: kept for the life of the node. */
interface InboundSequence {
  /** The sender's incarnation (hex). */
  incarnation: string
  /** The next sequence number to emit; everything below was emitted. */
  next: number
}

/**
 * Everything of one peer. Kept across connections: the outboxes (with their
 * unacknowledged messages and sequence numbers), the inbound sequences and
 * the names prepared before (so send() can queue while the peer reconnects).
 * Keys, readers and held streams belong to one connection.
 */
interface PeerStreams {
  keys?: PeerKeys
  allowed: Set<string>
  outboxes: Map<string, Outbox>
  inbound: Map<string, InboundSequence>
  /** The current inbound stream of each name, for forged acks (test hook). */
  ackers: Map<string, Acker>
  readers: Set<FrameReader>
  held: HeldStream[]
  /** Inbound readers waiting for their header: aborted on release. */
  pending: Set<AbortController>
}

/** Delay before retrying a stream the remote does not accept yet (it has not done its phase 1). */
const RETRY_BASE_MS = 20
const RETRY_MAX_MS = 500
/** An ack goes out at the end of the turn once this many messages were emitted since the last one... */
const ACK_EVERY_MESSAGES = 32
/** ... or this many bytes... */
const ACK_EVERY_BYTES = 64 * 1024
/** ... and otherwise after this delay (sparse traffic). */
const ACK_DELAY_MS = 10
/** How long closeWriter() may take to write out the handshake stream. */
const CLOSE_TIMEOUT_MS = 5000

export class StreamManager {
  private readonly peers = new Map<string, PeerStreams>()
  private readonly handles = new WeakMap<FrameReader, FlowHandle>()
  /** The last ack of an inbound stream, sent before we close it on the remote's end. */
  private readonly finalAcks = new WeakMap<FrameReader, () => void>()
  private closed = false
  /** Test hook: no acknowledgement leaves this node while set. */
  private acksSuppressed = false

  constructor (private readonly options: StreamManagerOptions) {}

  /** Phase 1: installs the peer's keys and allows `names` (additive); resumes what waits to be sent. */
  prepare (peer: string, keys: PeerKeys, names: readonly string[]): void {
    const state = this.peerState(peer)
    if (state.keys !== undefined && state.keys !== keys) state.keys.destroy()
    state.keys = keys
    for (const name of names) state.allowed.add(name)
    const held = state.held
    state.held = []
    for (const stream of held) this.answer(peer, state, stream)
    for (const outbox of state.outboxes.values()) outbox.kick()
  }

  isPrepared (peer: string, name?: string): boolean {
    const state = this.peers.get(peer)
    if (state?.keys === undefined) return false
    return name === undefined || state.allowed.has(name)
  }

  preparedStreams (peer: string): string[] {
    return [...(this.peers.get(peer)?.allowed ?? [])]
  }

  /**
   * Accepts one message on (peer, name). Validation of name and size is the
   * caller's. An encrypted stream prepared before for a peer the node is
   * reconnecting to (see `retains`) accepts messages while disconnected: they
   * go out after the next phase 1.
   */
  async send (peer: string, name: string, data: Uint8Array, signal?: AbortSignal, awaitDelivery = false): Promise<void> {
    if (this.closed) throw new GlueberryError(ErrorCode.NodeStopped, 'node is stopped')
    const state = this.peers.get(peer)
    const prepared = name === HANDSHAKE_STREAM || state?.allowed.has(name) === true
    // Not connected is the more useful answer during an outage, so it is
    // checked first; a known peer being reconnected is the exception.
    if (this.options.connectionFor(peer) === undefined && (name === HANDSHAKE_STREAM || !prepared || !this.options.retains(peer))) {
      throw notConnected(peer, name)
    }
    if (!prepared) {
      throw new GlueberryError(ErrorCode.StreamNotPrepared,
        `stream '${name}' is not prepared for peer ${peer}: call prepareStreams first`, { peer, stream: name })
    }
    await this.outbox(peer, name).send(data, signal, awaitDelivery)
  }

  /** A connection to the peer is open: what waits in its outboxes may go (if prepared). */
  connected (peer: string): void {
    const state = this.peers.get(peer)
    if (state === undefined) return
    for (const outbox of state.outboxes.values()) outbox.kick()
  }

  /** Routes a stream the remote opened. Registered as the libp2p handler of every glueberry protocol. */
  handleInbound (name: string, stream: Stream, connection: Connection): void {
    const peer = connection.remotePeer.toString()
    if (this.closed) {
      stream.abort(new Error('node is stopping'))
      return
    }
    const state = this.peerState(peer)
    const { wire, maxMessageSize } = this.options
    if (name === HANDSHAKE_STREAM) {
      const reader = this.reader(peer, name, state, stream, wire.deframer(maxMessageSize))
      reader.start(frame => [frame], (message) => { this.emit(peer, name, message, reader) })
      return
    }
    // Encrypted: the first frame is the opener's header, read under the
    // header's own length limit; nothing else may come until we answer it.
    // A stream waiting for its header is bounded by the handshake timeout
    // and libp2p's per-protocol inbound limit, not by maxHeldStreamsPerPeer:
    // that limit is for streams held before our phase 1 (PROTOCOL.md §8).
    const reader = this.reader(peer, name, state, stream, wire.deframer(wire.headerFrameLength))
    const abort = new AbortController()
    state.pending.add(abort)
    const timeout = setTimeout(() => abort.abort(), this.options.handshakeTimeout)
    reader.read(abort.signal).then((header) => {
      const held: HeldStream = { name, protocolId: stream.protocol, reader, header }
      reader.replaceDeframer(wire.deframer(wire.maxRecordFrame(maxMessageSize)))
      if (state.keys !== undefined) {
        this.answer(peer, state, held)
        return
      }
      if (state.held.length >= this.options.maxHeldStreamsPerPeer) {
        reader.fail(this.refusal(peer, name, `too many streams held before phase 1 (limit ${this.options.maxHeldStreamsPerPeer})`))
        return
      }
      // Held until our phase 1 (prepare) or until the peer is released
      // (handshake timeout, disconnect). Paused: nothing more is read.
      reader.pause()
      state.held.push(held)
    }, (err: unknown) => {
      reader.fail(err instanceof GlueberryError && err.code !== ErrorCode.Aborted
        ? err
        : this.refusal(peer, name, 'no stream header before the handshake timeout'))
    }).finally(() => {
      clearTimeout(timeout)
      state.pending.delete(abort)
    })
  }

  /**
   * Releases what belongs to the peer's connection: transports reset, readers
   * and held streams reset, keys zeroed. Unacknowledged messages stay in the
   * outboxes for the next connection (the handshake stream's are reported).
   * Called on disconnect, handshake timeout, blacklist and stop.
   */
  release (peer: string, reason: GlueberryError): void {
    const state = this.peers.get(peer)
    if (state === undefined) return
    // What was emitted is acknowledged before the streams go (best effort:
    // the bytes may still leave before the reset), so the sender resends less.
    for (const acker of state.ackers.values()) acker.flush()
    // Keys first: a transport that ends below must not reopen on them.
    state.keys?.destroy()
    state.keys = undefined
    for (const abort of state.pending) abort.abort(reason)
    for (const outbox of state.outboxes.values()) outbox.suspend(reason)
    for (const held of state.held) held.reader.fail(reason)
    state.held = []
    for (const reader of state.readers) reader.fail(reason)
    state.ackers.clear()
  }

  /**
   * Gives up on the peer: {@link release}, then every unacknowledged message
   * is reported undelivered with `reason`, and the names prepared before are
   * forgotten (send() throws NotConnected or StreamNotPrepared again). Sequence
   * numbers are kept, so a later connection continues them.
   */
  drop (peer: string, reason: UndeliveredReason, refusal: GlueberryError): void {
    const state = this.peers.get(peer)
    if (state === undefined) return
    // Streams end as on a disconnect (not news on errors$); the messages are what is reported.
    this.release(peer, new GlueberryError(ErrorCode.StreamClosed, `streams to ${peer} released (${reason})`, { peer }))
    for (const outbox of state.outboxes.values()) outbox.abandon(reason, refusal)
    state.allowed.clear()
  }

  /**
   * Waits until the peer acknowledged everything accepted for it, then
   * half-closes our streams, within `signal`. What is not acknowledged by
   * then is reported undelivered with `reason`.
   */
  async closePeer (peer: string, signal: AbortSignal, reason: UndeliveredReason): Promise<void> {
    const state = this.peers.get(peer)
    if (state === undefined) return
    // Without a connection nothing can be acknowledged in time: report at once.
    const connected = this.options.connectionFor(peer) !== undefined
    await Promise.all([...state.outboxes.values()].map(async (outbox) => {
      try {
        if (!connected && outbox.unacked > 0) throw new GlueberryError(ErrorCode.NotConnected, `not connected to peer ${peer}`, { peer })
        await outbox.drain(signal)
        await outbox.closeChannel(signal)
      } catch (err) {
        outbox.abandon(reason, new GlueberryError(ErrorCode.StreamClosed, `stream '${outbox.name}' to ${peer} closed (${reason})`, {
          peer, stream: outbox.name, cause: err
        }), err)
      }
    }))
  }

  /**
   * Writes out and closes our stream (peer, name), if open; the next send
   * opens a new one. Used for the handshake stream once a peer is
   * Established: two idle yamux streams cost ~16 KiB per peer otherwise.
   */
  closeWriter (peer: string, name: string): void {
    const outbox = this.peers.get(peer)?.outboxes.get(name)
    if (outbox?.hasChannel !== true) return
    void withDeadline(CLOSE_TIMEOUT_MS, `close did not finish in ${CLOSE_TIMEOUT_MS} ms`, async (s) => { await outbox.closeChannel(s) })
  }

  /**
   * {@link closePeer} for every peer at once (the first step of a node's
   * stop). Acknowledges first what was emitted: the drain below gives those
   * acks time to leave before the streams are reset.
   */
  async closeAll (signal: AbortSignal, reason: UndeliveredReason): Promise<void> {
    for (const state of this.peers.values()) for (const acker of state.ackers.values()) acker.flush()
    await Promise.all([...this.peers.keys()].map(async peer => { await this.closePeer(peer, signal, reason) }))
  }

  /** Test hook: the live key object of a prepared peer, to check it is destroyed later. */
  peerKeys (peer: string): PeerKeys | undefined {
    return this.peers.get(peer)?.keys
  }

  /** The frame encoder of the open outbound stream (peer, name), if any: for dumps and glueberry/testing. */
  encoderOf (peer: string, name: string): FrameEncoder | undefined {
    return this.peers.get(peer)?.outboxes.get(name)?.currentChannel?.frameEncoder
  }

  /** Test hook: stops (or restarts) every acknowledgement this node sends. */
  suppressAcks (on: boolean): void {
    this.acksSuppressed = on
    if (on) return
    for (const state of this.peers.values()) for (const acker of state.ackers.values()) acker.flush()
  }

  /**
   * Test hook: sends an ack of `next` on the stream `peer` opened for
   * `name`, whatever was received; sealed with the key of stream `sealedFor`
   * (default: the same stream), to play an ack meant for another stream.
   */
  forgeAck (peer: string, name: string, next: number, sealedFor: string = name): boolean {
    const state = this.peers.get(peer)
    const target = state?.ackers.get(name)
    const sealer = state?.ackers.get(sealedFor)
    if (target === undefined || sealer === undefined) return false
    target.write(() => sealer.frame(next))
    return true
  }

  /** Numbers for tests and dumps: where the outbox of (peer, name) stands. */
  outboxState (peer: string, name: string): { unacked: number, nextSeq: number, firstUnacked: number, blocked: boolean } | undefined {
    const outbox = this.peers.get(peer)?.outboxes.get(name)
    if (outbox === undefined) return undefined
    return { unacked: outbox.unacked, nextSeq: outbox.nextSeq, firstUnacked: outbox.firstUnacked, blocked: outbox.blocked }
  }

  stop (refusal: GlueberryError): void {
    this.closed = true
    for (const peer of [...this.peers.keys()]) this.drop(peer, 'stopped', refusal)
  }

  /** Numbers for health and state dumps: never key material. */
  describe (peer: string): { prepared: string[], outbound: Array<{ name: string, queued: number, blocked: boolean }>, inbound: number, held: number } | undefined {
    const state = this.peers.get(peer)
    if (state === undefined) return undefined
    return {
      prepared: [...state.allowed],
      outbound: [...state.outboxes.values()].map(o => ({ name: o.name, queued: o.unacked, blocked: o.blocked })),
      inbound: state.readers.size,
      held: state.held.length
    }
  }

  private peerState (peer: string): PeerStreams {
    let state = this.peers.get(peer)
    if (state === undefined) {
      state = { allowed: new Set(), outboxes: new Map(), inbound: new Map(), ackers: new Map(), readers: new Set(), held: [], pending: new Set() }
      this.peers.set(peer, state)
    }
    return state
  }

  private refusal (peer: string, name: string, why: string): GlueberryError {
    return new GlueberryError(ErrorCode.StreamNotPrepared, `refused stream '${name}' from ${peer}: ${why}`, { peer, stream: name })
  }

  private reader (peer: string, name: string, state: PeerStreams, stream: Stream, deframer: Deframer): FrameReader {
    this.options.onStreamOpened?.(peer, name, 'inbound')
    const reader: FrameReader = new FrameReader(stream, deframer, {
      onEnd: (error) => {
        // The remote finished writing: acknowledge the last messages, then
        // close our side too, or the libp2p stream stays half-open (and held
        // in memory) until the connection ends.
        if (error === undefined) {
          this.finalAcks.get(reader)?.()
          stream.close().catch(() => { stream.abort(new Error('close failed')) })
        }
        state.readers.delete(reader)
        state.held = state.held.filter(h => h.reader !== reader)
        this.options.onStreamClosed?.(peer, name, 'inbound')
        // A bad frame (oversized, malformed) is reported; a plain reset of the
        // stream by a disconnect is not news.
        if (error !== undefined && error.code !== ErrorCode.StreamClosed) {
          this.options.report(withLocation(error, peer, name))
        }
      }
    })
    state.readers.add(reader)
    return reader
  }

  /**
   * Answers a held or fresh inbound encrypted stream once the peer's keys
   * exist: our header says where this stream's sequence resumes, then every
   * message is checked against the (peer, name) sequence (duplicates of what
   * another stream already delivered are dropped) and acknowledged once emitted.
   */
  private answer (peer: string, state: PeerStreams, held: HeldStream): void {
    const { reader, name, protocolId, header } = held
    if (!state.allowed.has(name) || state.keys === undefined) {
      reader.fail(this.refusal(peer, name, 'stream name not prepared for this peer'))
      return
    }
    let response: ResponderHandshake
    let incarnation = ''
    let seq = 0
    try {
      response = state.keys.responder({ protocolId, peer }, header, (remote) => {
        incarnation = hex(remote.incarnation)
        let position = state.inbound.get(name)
        if (position === undefined || position.incarnation !== incarnation) {
          // A sender we have not heard from, or one that restarted: its
          // numbering starts where it says.
          position = { incarnation, next: remote.seq }
          state.inbound.set(name, position)
        } else if (remote.seq > position.next) {
          // The sender reported the messages in between as undelivered (it
          // gave up on them): skip them, as its header announces.
          position.next = remote.seq
        }
        seq = position.next
        return { incarnation: this.options.incarnation, seq, maxMessageSize: this.options.maxMessageSize }
      })
      reader.stream.send(this.options.wire.frame(response.header))
    } catch (err) {
      reader.fail(err instanceof GlueberryError ? withLocation(err, peer, name) : this.refusal(peer, name, 'bad stream header'))
      return
    }
    const { opener, acks } = response
    reader.stream.addEventListener('close', () => { opener.destroy(); acks.destroy() }, { once: true })
    const ack = this.acker(peer, name, state, reader, acks, incarnation, seq)
    let failures = 0
    reader.start((record) => {
      let body: Uint8Array
      try {
        body = opener.open(record)
      } catch (err) {
        const error = err instanceof GlueberryError
          ? withLocation(err, peer, name)
          : new GlueberryError(ErrorCode.DecryptionFailed, 'record failed to open', { peer, stream: name, cause: err })
        failures++
        this.options.onDecryptionError({ peerId: peer, stream: name, error, count: failures, at: Date.now() })
        if (this.options.decryptionErrorPolicy === 'reset' || error.code !== ErrorCode.DecryptionFailed) reader.fail(error)
        return undefined
      }
      try {
        return this.options.wire.split(body, this.options.maxMessageSize)
      } catch (err) {
        reader.fail(err instanceof GlueberryError
          ? withLocation(err, peer, name)
          : new GlueberryError(ErrorCode.MalformedRecord, 'malformed record', { peer, stream: name, cause: err }))
        return undefined
      }
    }, (message) => {
      const position = state.inbound.get(name)
      if (position?.incarnation !== incarnation) {
        // A newer incarnation of the sender took over this name: this stream
        // belongs to a process that is gone.
        reader.fail(new GlueberryError(ErrorCode.StreamClosed, `stale stream '${name}' from a previous incarnation of ${peer}`, { peer, stream: name }))
        return
      }
      const at = seq++
      if (at < position.next) {
        // Already emitted from another stream (a resend after a reconnect
        // that raced the old connection's last records).
        this.options.onDelivery?.(peer, name, 'duplicate', 1)
        return
      }
      if (at > position.next) {
        reader.fail(new GlueberryError(ErrorCode.ProtocolViolation, `sequence gap on stream '${name}' from ${peer}: got ${at}, expected ${position.next}`, { peer, stream: name }))
        return
      }
      position.next = at + 1
      this.emit(peer, name, message, reader)
      ack.schedule(message.byteLength)
    })
    if (reader.isPaused) reader.resume()
  }

  /**
   * Acknowledgements of one inbound stream, coalesced. An ack says
   * `position.next` (everything below was emitted). It goes out at the end
   * of the event-loop turn once ACK_EVERY_MESSAGES messages or
   * ACK_EVERY_BYTES bytes were emitted since the last one (bulk traffic:
   * about one ack per received batch), otherwise after ACK_DELAY_MS
   * (sparse traffic: a request/response exchange pays one ack per
   * ACK_DELAY_MS, not one per message). Cost measured in the README.
   */
  private acker (peer: string, name: string, state: PeerStreams, reader: FrameReader, sealer: RecordSealer, incarnation: string, start: number): { schedule: (bytes: number) => void } {
    let acked = start
    let immediate = false
    let timer: ReturnType<typeof setTimeout> | undefined
    let messages = 0
    let bytes = 0
    const frame = (next: number): Uint8Array => {
      const { ciphertext, tag } = sealer.seal(this.options.wire.ackBody(next))
      const payload = new Uint8Array(ciphertext.byteLength + tag.byteLength)
      payload.set(ciphertext, 0)
      payload.set(tag, ciphertext.byteLength)
      return this.options.wire.frame(payload)
    }
    const write = (make: () => Uint8Array): void => {
      const stream = reader.stream
      if (stream.writeStatus !== 'writable') return
      try {
        stream.send(make())
      } catch (err) {
        this.options.onEncryptionError?.(peer, name, err)
      }
    }
    const cancel = (): void => {
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
    }
    const flush = (): void => {
      immediate = false
      cancel()
      messages = 0
      bytes = 0
      if (this.acksSuppressed) return
      const position = state.inbound.get(name)
      if (position?.incarnation !== incarnation || position.next <= acked) return
      acked = position.next
      write(() => frame(acked))
    }
    reader.stream.addEventListener('close', cancel, { once: true })
    this.finalAcks.set(reader, flush)
    state.ackers.set(name, { frame, write, flush })
    return {
      schedule: (size) => {
        messages++
        bytes += size
        if (immediate) return
        if (messages >= ACK_EVERY_MESSAGES || bytes >= ACK_EVERY_BYTES) {
          immediate = true
          macrotask(flush)
        } else if (timer === undefined) {
          timer = setTimeout(flush, ACK_DELAY_MS)
        }
      }
    }
  }

  private emit (peer: string, name: string, data: Uint8Array, reader: FrameReader): void {
    const message = createMessage(peer, name, data, Date.now(), this.flowHandle(peer, name, reader))
    this.options.deliver(message)
  }

  /** One handle per reader, shared by its messages: emitting must not allocate closures. */
  private flowHandle (peer: string, name: string, reader: FrameReader): FlowHandle {
    let handle = this.handles.get(reader)
    if (handle === undefined) {
      handle = { key: `${peer}/${name}`, pause: () => { reader.pause() }, resume: () => { reader.resume() } }
      this.handles.set(reader, handle)
    }
    return handle
  }

  private outbox (peer: string, name: string): Outbox {
    const state = this.peerState(peer)
    const existing = state.outboxes.get(name)
    if (existing !== undefined) return existing
    const reliable = name !== HANDSHAKE_STREAM
    const delivery = this.options.onDelivery
    const outbox = new Outbox({
      peer,
      name,
      reliable,
      high: this.options.high,
      low: this.options.low,
      highBytes: this.options.highBytes,
      // perf (issue 13): application streams count against the node-wide budget; the handshake stream never waits on it.
      budget: reliable ? this.options.budget : undefined,
      gate: {
        engaged: () => this.options.onBackpressure?.(name, 'engaged'),
        waited: (seconds) => this.options.onBackpressure?.(name, 'waited', seconds)
      },
      canOpen: () => !this.closed && this.options.connectionFor(peer) !== undefined &&
        (!reliable || (state.keys !== undefined && state.allowed.has(name))),
      open: async (firstSeq, signal) => await this.openStream(peer, name, firstSeq, signal),
      report: (error) => { this.options.report(error) },
      counters: delivery === undefined
        ? undefined
        : {
            acked: (count) => { delivery(peer, name, 'acked', count) },
            resent: (count) => { delivery(peer, name, 'resent', count) },
            undelivered: (count) => { delivery(peer, name, 'undelivered', count) }
          },
      onFlushed: (messages, queued) => this.options.onSent?.(peer, name, messages, queued),
      onEncryptionError: (error) => this.options.onEncryptionError?.(peer, name, error),
      onChannelClosed: () => this.options.onStreamClosed?.(peer, name, 'outbound')
    })
    state.outboxes.set(name, outbox)
    return outbox
  }

  private async openStream (peer: string, name: string, firstSeq: number, signal: AbortSignal): Promise<OpenedStream> {
    const { handshakeTimeout } = this.options
    return await withDeadline(handshakeTimeout, `stream '${name}' not open after ${handshakeTimeout} ms`,
      async (deadline) => await this.openStreamWithin(peer, name, firstSeq, deadline), signal)
  }

  private async openStreamWithin (peer: string, name: string, firstSeq: number, deadline: AbortSignal): Promise<OpenedStream> {
    const { wire } = this.options
    const protocolId = wire.protocolId(name)
    const stream = await this.newStream(peer, name, protocolId, deadline)
    this.options.onStreamOpened?.(peer, name, 'outbound')
    if (name === HANDSHAKE_STREAM) return { stream, encoder: new PlainFrameEncoder() }
    const keys = this.peers.get(peer)?.keys
    if (keys === undefined) {
      stream.abort(new Error('peer released'))
      throw new GlueberryError(ErrorCode.StreamNotPrepared, `stream '${name}' is no longer prepared for ${peer}`, { peer, stream: name })
    }
    const handshake = keys.opener({ protocolId, peer }, { incarnation: this.options.incarnation, seq: firstSeq, maxMessageSize: this.options.maxMessageSize })
    const reader = new FrameReader(stream, wire.deframer(wire.headerFrameLength), { onEnd: () => {} })
    try {
      stream.send(wire.frame(handshake.header))
      const response = await reader.read(deadline)
      const { sealer, acks, remote } = handshake.complete(response)
      // From now on the responder writes only acknowledgements.
      reader.replaceDeframer(wire.deframer(wire.ackFrameLimit))
      return { stream, encoder: new RecordFrameEncoder(sealer, wire.recordTarget), remote, acks, reader }
    } catch (err) {
      handshake.destroy()
      reader.detach()
      stream.abort(err instanceof Error ? err : new Error('stream header exchange failed'))
      if (err instanceof GlueberryError && err.code !== ErrorCode.Aborted && err.code !== ErrorCode.StreamClosed) throw withLocation(err, peer, name)
      throw new GlueberryError(ErrorCode.StreamNotPrepared,
        `peer ${peer} did not accept stream '${name}' in time (has it prepared the stream?)`, { peer, stream: name, cause: err })
    }
  }

  /**
   * Opens the libp2p stream on the existing connection (never dials). A remote
   * that has not prepared any peer for this name yet has no handler for it and
   * refuses the protocol: retry with backoff until the deadline, because its
   * phase 1 may be a moment away.
   */
  private async newStream (peer: string, name: string, protocolId: string, signal: AbortSignal): Promise<Stream> {
    let delay = RETRY_BASE_MS
    for (;;) {
      const connection = this.options.connectionFor(peer)
      if (connection === undefined) throw notConnected(peer, name)
      try {
        return await connection.newStream(protocolId, {
          signal,
          maxOutboundStreams: this.options.maxOutboundStreams,
          // Every node registers the handshake protocol at start, so it cannot
          // be refused: its protocol selection can ride with the first message
          // instead of costing a round trip of its own.
          negotiateFully: name !== HANDSHAKE_STREAM
        })
      } catch (err) {
        if (signal.aborted) throw err
        if ((err as Error).name !== 'UnsupportedProtocolError') throw err
      }
      await sleep(delay, signal)
      delay = Math.min(delay * 2, RETRY_MAX_MS)
    }
  }
}

function notConnected (peer: string, name: string): GlueberryError {
  return new GlueberryError(ErrorCode.NotConnected, `not connected to peer ${peer}`, { peer, stream: name })
}

function hex (bytes: Uint8Array): string {
  let out = ''
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0')
  return out
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); const reason: unknown = signal.reason; reject(reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
