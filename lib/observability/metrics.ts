/**
 * The metrics contract, one method per measurement (the Go original's
 * interface, every method really called). Adapters map these to Prometheus,
 * OpenTelemetry or anything else; the default does nothing.
 *
 * @module
 */

/** Which side opened a connection: `'outbound'` when this node dialled. */
export type Direction = 'inbound' | 'outbound'
/** How a dial attempt ended. */
export type AttemptResult = 'success' | 'failure' | 'aborted'
/** How a handshake ended. */
export type HandshakeResult = 'success' | 'timeout' | 'failure'

/**
 * The measurements a node reports, one method per measurement; pass an
 * implementation as the `metrics` option (`prometheusMetrics()` from
 * `glueberry/prometheus` is one). Methods are called on the hot path: keep
 * them cheap, and never throw. Default {@link noopMetrics}.
 */
export interface Metrics {
  /** A connection reached Connected. */
  connectionOpened (direction: Direction): void
  /** A connection that had reached Connected closed. */
  connectionClosed (direction: Direction): void
  /** A dial attempt ended. */
  connectionAttempt (result: AttemptResult): void
  /** Seconds from Connected to Established, for a handshake that completed. */
  handshakeDuration (seconds: number): void
  /** A handshake ended. */
  handshakeResult (result: HandshakeResult): void
  /** A message was accepted by `send()` (`bytes`: its payload size). */
  messageSent (stream: string, bytes: number): void
  /** A message was received and emitted on `messages$`. */
  messageReceived (stream: string, bytes: number): void
  /** A stream with a peer opened (either direction). */
  streamOpened (stream: string): void
  /** A stream with a peer closed or was reset. */
  streamClosed (stream: string): void
  /** Sealing a record failed (the stream is reset). */
  encryptionError (): void
  /** A received record failed to authenticate (also on `decryptionErrors$`). */
  decryptionError (): void
  /** Stream keys were derived for a peer (`prepareStreams`). */
  keyDerivation (): void
  /** A connection event was emitted on `events$`, with its new state. */
  eventEmitted (state: string): void
  /** A writer reached its high watermark: `send()` on it now waits. */
  backpressureEngaged (stream: string): void
  /** How long a `send()` waited above the high watermark. */
  backpressureWait (stream: string, seconds: number): void
  /** Messages queued and not yet written on a writer of this stream, after a write. */
  pendingMessages (stream: string, count: number): void
}

function noop (): void {}

/** The default: records nothing. */
export const noopMetrics: Metrics = Object.freeze({
  connectionOpened: noop,
  connectionClosed: noop,
  connectionAttempt: noop,
  handshakeDuration: noop,
  handshakeResult: noop,
  messageSent: noop,
  messageReceived: noop,
  streamOpened: noop,
  streamClosed: noop,
  encryptionError: noop,
  decryptionError: noop,
  keyDerivation: noop,
  eventEmitted: noop,
  backpressureEngaged: noop,
  backpressureWait: noop,
  pendingMessages: noop
})
