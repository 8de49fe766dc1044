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
import { createMessage } from '../flow.js'
import type { FlowHandle } from '../flow.js'
import type { IncomingMessage } from '../types.js'
import { HANDSHAKE_STREAM } from '../types.js'
import { PlainFrameEncoder, RecordFrameEncoder } from './frame-encoders.js'
import { FrameReader } from './frame-reader.js'
import type { Deframer } from './frame-reader.js'
import { OutboundChannel } from './outbound-channel.js'
import { withDeadline } from '../deadline.js'
import type { OpenedStream } from './outbound-channel.js'
import type { PeerKeys, RecordOpener } from './ports.js'

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
}

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
}

interface HeldStream {
  name: string
  protocolId: string
  reader: FrameReader
  header: Uint8Array
}

interface PeerStreams {
  keys?: PeerKeys
  allowed: Set<string>
  outbound: Map<string, OutboundChannel>
  readers: Set<FrameReader>
  held: HeldStream[]
  /** Inbound readers waiting for their header: aborted on release. */
  pending: Set<AbortController>
}

/** Delay before retrying a stream the remote does not accept yet (it has not done its phase 1). */
const RETRY_BASE_MS = 20
const RETRY_MAX_MS = 500

export class StreamManager {
  private readonly peers = new Map<string, PeerStreams>()
  private readonly handles = new WeakMap<FrameReader, FlowHandle>()
  private closed = false

  constructor (private readonly options: StreamManagerOptions) {}

  /** Phase 1: installs the peer's keys and allows `names` (additive). */
  prepare (peer: string, keys: PeerKeys, names: readonly string[]): void {
    const state = this.peerState(peer)
    if (state.keys !== undefined && state.keys !== keys) state.keys.destroy()
    state.keys = keys
    for (const name of names) state.allowed.add(name)
    const held = state.held
    state.held = []
    for (const stream of held) this.answer(peer, state, stream)
  }

  isPrepared (peer: string, name?: string): boolean {
    const state = this.peers.get(peer)
    if (state?.keys === undefined) return false
    return name === undefined || state.allowed.has(name)
  }

  preparedStreams (peer: string): string[] {
    return [...(this.peers.get(peer)?.allowed ?? [])]
  }

  /** Queues one message on (peer, name). Validation of name and size is the caller's. */
  async send (peer: string, name: string, data: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new GlueberryError(ErrorCode.NodeStopped, 'node is stopped')
    // Not connected is the more useful answer during an outage (the keys are
    // released with the connection), so it is checked first.
    if (this.options.connectionFor(peer) === undefined) {
      throw new GlueberryError(ErrorCode.NotConnected, `not connected to peer ${peer}`, { peer, stream: name })
    }
    const state = this.peers.get(peer)
    if (name !== HANDSHAKE_STREAM && (state?.keys === undefined || !state.allowed.has(name))) {
      throw new GlueberryError(ErrorCode.StreamNotPrepared,
        `stream '${name}' is not prepared for peer ${peer}: call prepareStreams first`, { peer, stream: name })
    }
    await this.channel(peer, name).send(data, signal)
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
    // Streams waiting for a header count against the held-stream limit too.
    if (state.pending.size + state.held.length >= this.options.maxHeldStreamsPerPeer) {
      stream.abort(this.refusal(peer, name, `too many streams waiting for phase 1 (limit ${this.options.maxHeldStreamsPerPeer})`))
      this.options.report(this.refusal(peer, name, `too many streams waiting for phase 1 (limit ${this.options.maxHeldStreamsPerPeer})`))
      return
    }
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
   * Releases everything of one peer: outbound channels aborted, readers and
   * held streams reset, keys zeroed. Called on disconnect, handshake timeout,
   * blacklist and stop.
   */
  release (peer: string, reason: GlueberryError): void {
    const state = this.peers.get(peer)
    if (state === undefined) return
    this.peers.delete(peer)
    for (const abort of state.pending) abort.abort(reason)
    for (const channel of state.outbound.values()) channel.abort(reason)
    for (const held of state.held) held.reader.fail(reason)
    for (const reader of state.readers) reader.fail(reason)
    state.keys?.destroy()
    state.keys = undefined
  }

  /**
   * Writes what is queued for one peer, then half-closes our streams to it
   * (graceful), within `signal`. What cannot be written in time is reported
   * as undelivered on `errors$`.
   */
  async closePeer (peer: string, signal?: AbortSignal): Promise<void> {
    const state = this.peers.get(peer)
    if (state === undefined) return
    await Promise.all([...state.outbound.values()].map(async c => { await c.close(signal) }))
  }

  /**
   * Writes out and closes our stream (peer, name), if open; the next send
   * opens a new one. Used for the handshake stream once a peer is
   * Established: two idle yamux streams cost ~16 KiB per peer otherwise.
   */
  closeWriter (peer: string, name: string): void {
    const channel = this.peers.get(peer)?.outbound.get(name)
    if (channel !== undefined && !channel.isClosed) void channel.close()
  }

  /** {@link closePeer} for every peer at once (the first step of a node's stop). */
  async closeAll (signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.peers.keys()].map(async peer => { await this.closePeer(peer, signal) }))
  }

  /** Test hook: the live key object of a prepared peer, to check it is destroyed later. */
  peerKeys (peer: string): PeerKeys | undefined {
    return this.peers.get(peer)?.keys
  }

  /**
   * Test hook: corrupts the next `count` records sent on (peer, name). The
   * stream must be open (send one message first). Returns false otherwise.
   */
  tamperNextRecords (peer: string, name: string, count: number): boolean {
    const encoder = this.peers.get(peer)?.outbound.get(name)?.frameEncoder
    if (!(encoder instanceof RecordFrameEncoder)) return false
    encoder.tamperNext(count)
    return true
  }

  /** Test hook: makes the next record sealed on (peer, name) fail (keys destroyed). */
  breakSealer (peer: string, name: string): boolean {
    const encoder = this.peers.get(peer)?.outbound.get(name)?.frameEncoder
    if (!(encoder instanceof RecordFrameEncoder)) return false
    encoder.breakSealer()
    return true
  }

  stop (reason: GlueberryError): void {
    this.closed = true
    for (const peer of [...this.peers.keys()]) this.release(peer, reason)
  }

  /** Numbers for health and state dumps: never key material. */
  describe (peer: string): { prepared: string[], outbound: Array<{ name: string, queued: number, blocked: boolean }>, inbound: number, held: number } | undefined {
    const state = this.peers.get(peer)
    if (state === undefined) return undefined
    return {
      prepared: [...state.allowed],
      outbound: [...state.outbound.values()].map(c => ({ name: c.name, queued: c.queued, blocked: c.blocked })),
      inbound: state.readers.size,
      held: state.held.length
    }
  }

  private peerState (peer: string): PeerStreams {
    let state = this.peers.get(peer)
    if (state === undefined) {
      state = { allowed: new Set(), outbound: new Map(), readers: new Set(), held: [], pending: new Set() }
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
        // The remote finished writing: close our side too, or the libp2p
        // stream stays half-open (and held in memory) until the connection ends.
        if (error === undefined) stream.close().catch(() => { stream.abort(new Error('close failed')) })
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

  /** Answers a held or fresh inbound encrypted stream once the peer's keys exist. */
  private answer (peer: string, state: PeerStreams, held: HeldStream): void {
    const { reader, name, protocolId, header } = held
    if (!state.allowed.has(name) || state.keys === undefined) {
      reader.fail(this.refusal(peer, name, 'stream name not prepared for this peer'))
      return
    }
    let opener: RecordOpener
    try {
      const response = state.keys.responder({ protocolId, peer }, header)
      opener = response.opener
      reader.stream.send(this.options.wire.frame(response.header))
    } catch (err) {
      reader.fail(err instanceof GlueberryError ? withLocation(err, peer, name) : this.refusal(peer, name, 'bad stream header'))
      return
    }
    reader.stream.addEventListener('close', () => { opener.destroy() }, { once: true })
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
    }, (message) => { this.emit(peer, name, message, reader) })
    if (reader.isPaused) reader.resume()
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

  private channel (peer: string, name: string): OutboundChannel {
    const state = this.peerState(peer)
    const existing = state.outbound.get(name)
    if (existing !== undefined && !existing.isClosed && existing.closing === undefined) return existing
    // A channel still closing keeps writing what it accepted: the new one opens
    // its stream only after that, so the order of messages holds across the two.
    const previous = existing?.isClosed === false ? existing.closing : undefined
    const channel = new OutboundChannel({
      peer,
      name,
      high: this.options.high,
      low: this.options.low,
      highBytes: this.options.highBytes,
      open: async (signal) => {
        if (previous !== undefined) await previous
        return await this.openStream(peer, name, signal)
      },
      gate: {
        engaged: () => this.options.onBackpressure?.(name, 'engaged'),
        waited: (seconds) => this.options.onBackpressure?.(name, 'waited', seconds)
      },
      onFlushed: (messages, queued) => this.options.onSent?.(peer, name, messages, queued),
      onEncryptionError: (error) => this.options.onEncryptionError?.(peer, name, error),
      onClose: (closed, error, undelivered) => {
        if (state.outbound.get(name) === closed) state.outbound.delete(name)
        this.options.onStreamClosed?.(peer, name, 'outbound')
        if (undelivered > 0) {
          this.options.report(new GlueberryError(ErrorCode.StreamClosed,
            `${undelivered} queued message(s) on stream '${name}' to ${peer} were not delivered`,
            { peer, stream: name, cause: error }))
        }
      }
    })
    state.outbound.set(name, channel)
    return channel
  }

  private async openStream (peer: string, name: string, signal: AbortSignal): Promise<OpenedStream> {
    const { handshakeTimeout } = this.options
    return await withDeadline(handshakeTimeout, `stream '${name}' not open after ${handshakeTimeout} ms`,
      async (deadline) => await this.openStreamWithin(peer, name, deadline), signal)
  }

  private async openStreamWithin (peer: string, name: string, deadline: AbortSignal): Promise<OpenedStream> {
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
    const handshake = keys.opener({ protocolId, peer })
    const reader = new FrameReader(stream, wire.deframer(wire.headerFrameLength), { onEnd: () => {} })
    try {
      stream.send(wire.frame(handshake.header))
      const response = await reader.read(deadline)
      const sealer = handshake.complete(response)
      // The responder writes nothing after its header on a stream we opened:
      // a plain listener watches for that instead of a reader and its decoder
      // kept for the life of the stream.
      const leftover = reader.bufferedBytes
      reader.detach()
      const unexpected = (): void => {
        stream.abort(new GlueberryError(ErrorCode.MalformedFrame, `unexpected data from ${peer} on our stream '${name}'`, { peer, stream: name }))
      }
      if (leftover > 0) unexpected()
      else stream.addEventListener('message', unexpected, { once: true })
      return { stream, encoder: new RecordFrameEncoder(sealer, wire.recordTarget) }
    } catch (err) {
      handshake.destroy()
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
      if (connection === undefined) {
        throw new GlueberryError(ErrorCode.NotConnected, `not connected to peer ${peer}`, { peer, stream: name })
      }
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

function withLocation (error: GlueberryError, peer: string, stream: string): GlueberryError {
  if (error.peer !== undefined) return error
  return new GlueberryError(error.code, error.message, { peer, stream, cause: error.cause, retriable: error.retriable })
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    const onAbort = (): void => { clearTimeout(timer); reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
