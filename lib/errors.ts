/**
 * Typed failures. Every failure the library reports is a {@link GlueberryError}
 * whose `code` is one of {@link ErrorCode}: tests and applications branch on the
 * code, never on the message. Messages are for humans and may change.
 *
 * @module
 */

/** Stable error codes. Each one is produced somewhere in the library. */
export const ErrorCode = {
  // configuration and lifecycle
  InvalidConfig: 'INVALID_CONFIG',
  NodeNotStarted: 'NODE_NOT_STARTED',
  NodeAlreadyStarted: 'NODE_ALREADY_STARTED',
  NodeStopped: 'NODE_STOPPED',
  Aborted: 'ABORTED',
  // keys and crypto
  InvalidKey: 'INVALID_KEY',
  LowOrderPoint: 'LOW_ORDER_POINT',
  PublicKeyMismatch: 'PUBLIC_KEY_MISMATCH',
  DecryptionFailed: 'DECRYPTION_FAILED',
  NonceExhausted: 'NONCE_EXHAUSTED',
  SessionClosed: 'SESSION_CLOSED',
  // wire
  FrameTooLarge: 'FRAME_TOO_LARGE',
  MalformedFrame: 'MALFORMED_FRAME',
  InvalidHeader: 'INVALID_HEADER',
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  MalformedRecord: 'MALFORMED_RECORD',
  // messaging
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  InvalidStreamName: 'INVALID_STREAM_NAME',
  StreamNotPrepared: 'STREAM_NOT_PREPARED',
  StreamClosed: 'STREAM_CLOSED',
  Backpressure: 'BACKPRESSURE',
  /** Messages send() accepted that were not delivered: see {@link UndeliveredError}. */
  Undelivered: 'UNDELIVERED',
  /** The remote broke the delivery protocol (an ack for what was never sent, a sequence gap). */
  ProtocolViolation: 'PROTOCOL_VIOLATION',
  // peers, address book and connections
  InvalidPeerId: 'INVALID_PEER_ID',
  InvalidMultiaddr: 'INVALID_MULTIADDR',
  PeerNotFound: 'PEER_NOT_FOUND',
  PeerBlacklisted: 'PEER_BLACKLISTED',
  MetadataTooLarge: 'METADATA_TOO_LARGE',
  AddressBookCorrupt: 'ADDRESS_BOOK_CORRUPT',
  StorageFailed: 'STORAGE_FAILED',
  NotConnected: 'NOT_CONNECTED',
  ConnectionFailed: 'CONNECTION_FAILED',
  InCooldown: 'IN_COOLDOWN',
  InvalidTransition: 'INVALID_TRANSITION',
  HandshakeTimeout: 'HANDSHAKE_TIMEOUT',
  HandshakeFailed: 'HANDSHAKE_FAILED',
  VersionMismatch: 'VERSION_MISMATCH'
} as const

export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode]

/**
 * Codes that can never succeed by trying again with the same input: retrying
 * is a bug in the caller. Everything else is either retriable (see
 * {@link RETRIABLE_CODES}) or depends on the situation.
 */
const PERMANENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.InvalidConfig,
  ErrorCode.InvalidKey,
  ErrorCode.LowOrderPoint,
  ErrorCode.PublicKeyMismatch,
  ErrorCode.PeerBlacklisted,
  ErrorCode.InvalidStreamName,
  ErrorCode.InvalidPeerId,
  ErrorCode.InvalidMultiaddr,
  ErrorCode.MessageTooLarge,
  ErrorCode.MetadataTooLarge,
  ErrorCode.VersionMismatch,
  ErrorCode.UnsupportedVersion,
  ErrorCode.NodeStopped
])

/** Codes for transient conditions: the same call may succeed later. */
const RETRIABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.Backpressure,
  ErrorCode.ConnectionFailed,
  ErrorCode.NotConnected,
  ErrorCode.StreamClosed,
  ErrorCode.HandshakeTimeout,
  ErrorCode.InCooldown,
  ErrorCode.StorageFailed
])

export interface GlueberryErrorOptions {
  /** The remote peer the failure concerns, as a string peer id. */
  peer?: string
  /** The logical stream name the failure concerns. */
  stream?: string
  /** Overrides the default retriability of the code. */
  retriable?: boolean
  /** The underlying error. */
  cause?: unknown
}

/**
 * The one error type of the library. `code` is stable; `peer` and `stream`
 * locate the failure; `retriable` says whether the same call may succeed later.
 */
export class GlueberryError extends Error {
  static override readonly name = 'GlueberryError'
  override readonly name: string = 'GlueberryError'
  readonly code: ErrorCode
  readonly peer?: string
  readonly stream?: string
  readonly retriable: boolean

  constructor (code: ErrorCode, message: string, options: GlueberryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = code
    if (options.peer !== undefined) this.peer = options.peer
    if (options.stream !== undefined) this.stream = options.stream
    this.retriable = options.retriable ?? RETRIABLE_CODES.has(code)
  }

  /** True when retrying the same call can never help. */
  get permanent (): boolean {
    return PERMANENT_CODES.has(this.code)
  }

  toJSON (): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      peer: this.peer,
      stream: this.stream,
      retriable: this.retriable
    }
  }
}

/** Why messages accepted by send() were not delivered. */
export type UndeliveredReason =
  /** removePeer() while messages were unacknowledged. */
  | 'peer-removed'
  /** blacklist() while messages were unacknowledged. */
  | 'blacklisted'
  /** The peer reached Disconnected with no further reconnection attempt. */
  | 'reconnect-given-up'
  /** disconnect() and drainTimeout passed before the peer acknowledged. */
  | 'disconnected'
  /** stop() and drainTimeout passed before the peer acknowledged. */
  | 'stopped'
  /** The remote process restarted (a new incarnation): what the old one got is unknown. */
  | 'remote-restarted'
  /** Larger than the peer's maxMessageSize (announced in its stream header): it would refuse it. */
  | 'too-large'
  /** The plaintext handshake stream ended before these were written (it has no acknowledgements). */
  | 'stream-closed'

export interface UndeliveredDetails {
  peer: string
  stream: string
  /** Number of messages. */
  count: number
  /** Sequence number of the first and last of them (contiguous range). */
  firstSeq: number
  lastSeq: number
  reason: UndeliveredReason
  cause?: unknown
}

/**
 * Messages that `send()` accepted and that will never be delivered (or, for
 * `remote-restarted`, may not have been): exactly which ones and why.
 * Code `UNDELIVERED`; emitted on `errors$`, and the rejection of a
 * `send(..., { awaitDelivery: true })` whose message is among them.
 */
export class UndeliveredError extends GlueberryError {
  override readonly name: string = 'UndeliveredError'
  override readonly peer: string
  override readonly stream: string
  readonly count: number
  readonly firstSeq: number
  readonly lastSeq: number
  readonly reason: UndeliveredReason

  constructor (details: UndeliveredDetails) {
    super(ErrorCode.Undelivered,
      `${details.count} message(s) on stream '${details.stream}' to ${details.peer} (seq ${details.firstSeq}..${details.lastSeq}) not delivered: ${details.reason}`,
      { peer: details.peer, stream: details.stream, cause: details.cause, retriable: false })
    this.peer = details.peer
    this.stream = details.stream
    this.count = details.count
    this.firstSeq = details.firstSeq
    this.lastSeq = details.lastSeq
    this.reason = details.reason
  }

  override toJSON (): Record<string, unknown> {
    return { ...super.toJSON(), count: this.count, firstSeq: this.firstSeq, lastSeq: this.lastSeq, reason: this.reason }
  }
}

/** Narrows `err` to a {@link GlueberryError}, optionally of one code. */
export function isGlueberryError (err: unknown, code?: ErrorCode): err is GlueberryError {
  return err instanceof GlueberryError && (code === undefined || err.code === code)
}

/** True when `err` (or an error in its `cause` chain) is a retriable GlueberryError. */
export function isRetriable (err: unknown): boolean {
  return findGlueberryError(err)?.retriable ?? false
}

/** True when `err` (or an error in its `cause` chain) is a permanent GlueberryError. */
export function isPermanent (err: unknown): boolean {
  return findGlueberryError(err)?.permanent ?? false
}

function findGlueberryError (err: unknown): GlueberryError | undefined {
  const seen = new Set<unknown>()
  let current = err
  while (current instanceof Error && !seen.has(current)) {
    if (current instanceof GlueberryError) return current
    seen.add(current)
    current = current.cause
  }
  return undefined
}

/**
 * Converts an AbortSignal's reason into a typed `Aborted` error. Used by every
 * blocking call so that callers see one code for cancellation, whatever the
 * signal's reason was.
 */
export function abortError (signal: AbortSignal, what: string, options: Omit<GlueberryErrorOptions, 'cause'> = {}): GlueberryError {
  return new GlueberryError(ErrorCode.Aborted, `${what} aborted`, { ...options, cause: signal.reason })
}
