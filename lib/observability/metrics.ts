/**
 * The metrics contract, one method per measurement (the Go original's
 * interface, every method really called). Adapters map these to Prometheus,
 * OpenTelemetry or anything else; the default does nothing.
 *
 * @module
 */

export type Direction = 'inbound' | 'outbound'
export type AttemptResult = 'success' | 'failure' | 'aborted'
export type HandshakeResult = 'success' | 'timeout' | 'failure'

export interface Metrics {
  connectionOpened (direction: Direction): void
  connectionClosed (direction: Direction): void
  connectionAttempt (result: AttemptResult): void
  handshakeDuration (seconds: number): void
  handshakeResult (result: HandshakeResult): void
  messageSent (stream: string, bytes: number): void
  messageReceived (stream: string, bytes: number): void
  streamOpened (stream: string): void
  streamClosed (stream: string): void
  encryptionError (): void
  decryptionError (): void
  keyDerivation (): void
  eventEmitted (state: string): void
  backpressureEngaged (stream: string): void
  backpressureWait (stream: string, seconds: number): void
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
