/**
 * Typed failures. Every failure the library reports is a {@link GlueberryError}
 * whose `code` is one of {@link ErrorCode}: tests and applications branch on the
 * code, never on the message. Messages are for humans and may change.
 *
 * @module
 */

/**
 * Stable error codes, the `code` of every {@link GlueberryError}. Each one is
 * produced somewhere in the library; branch on them, never on messages.
 */
export const ErrorCode = {
  // configuration and lifecycle
  /** An option or argument is invalid, or the node could not start with it (e.g. a listen address that cannot be bound). */
  InvalidConfig: 'INVALID_CONFIG',
  /** The call needs a started node: call `start()` first. */
  NodeNotStarted: 'NODE_NOT_STARTED',
  /** `start()` on a node that is already starting or started. */
  NodeAlreadyStarted: 'NODE_ALREADY_STARTED',
  /** The node (or the address book) is stopped or closed; a stopped node cannot be restarted. */
  NodeStopped: 'NODE_STOPPED',
  /** The call's AbortSignal fired; `cause` is the signal's reason. */
  Aborted: 'ABORTED',
  // keys and crypto
  /** A key, seed or secret has the wrong type or length, or a record counter is out of range. */
  InvalidKey: 'INVALID_KEY',
  /** An X25519 exchange gave the all-zero secret (a low-order public key). */
  LowOrderPoint: 'LOW_ORDER_POINT',
  /** The public key given for a peer is not the key its peer id embeds. */
  PublicKeyMismatch: 'PUBLIC_KEY_MISMATCH',
  /** A record did not authenticate (forged, tampered, replayed or reordered). */
  DecryptionFailed: 'DECRYPTION_FAILED',
  /** A record counter reached 2^64 - 2: the stream must be re-established. */
  NonceExhausted: 'NONCE_EXHAUSTED',
  /** A record cipher was used after `destroy()`. */
  SessionClosed: 'SESSION_CLOSED',
  // wire
  /** A frame declared (or would need) more bytes than the limit. */
  FrameTooLarge: 'FRAME_TOO_LARGE',
  /** A frame length prefix is not a minimal varint, or a stream ended inside a frame. */
  MalformedFrame: 'MALFORMED_FRAME',
  /** A stream header is malformed. */
  InvalidHeader: 'INVALID_HEADER',
  /** A stream header or an address-book file has a version this library does not speak. */
  UnsupportedVersion: 'UNSUPPORTED_VERSION',
  /** A record body (or an input to the record operators) is not what it must be. */
  MalformedRecord: 'MALFORMED_RECORD',
  // messaging
  /** A message is larger than `maxMessageSize`. */
  MessageTooLarge: 'MESSAGE_TOO_LARGE',
  /** A stream name is empty, too long, not UTF-8, or reserved. */
  InvalidStreamName: 'INVALID_STREAM_NAME',
  /** A send on a stream that the handshake did not prepare with this peer. */
  StreamNotPrepared: 'STREAM_NOT_PREPARED',
  /** The stream closed or was reset while messages were queued. */
  StreamClosed: 'STREAM_CLOSED',
  /** A send waited above the high watermark and its AbortSignal fired. */
  Backpressure: 'BACKPRESSURE',
  /** Messages send() accepted that were not delivered: see {@link UndeliveredError}. */
  Undelivered: 'UNDELIVERED',
  /** The remote broke the delivery protocol (an ack for what was never sent, a sequence gap). */
  ProtocolViolation: 'PROTOCOL_VIOLATION',
  // peers, address book and connections
  /** Not a peer id (or the node's own where another peer is needed). */
  InvalidPeerId: 'INVALID_PEER_ID',
  /** Not a multiaddr, or a `/p2p/` part that names another peer. */
  InvalidMultiaddr: 'INVALID_MULTIADDR',
  /** The peer is not in the address book. */
  PeerNotFound: 'PEER_NOT_FOUND',
  /** The peer is blacklisted. */
  PeerBlacklisted: 'PEER_BLACKLISTED',
  /** Peer metadata or a ban reason is above `maxMetadataBytes`. */
  MetadataTooLarge: 'METADATA_TOO_LARGE',
  /** Stored address-book data failed validation (see {@link AddressBookCorruptError}). */
  AddressBookCorrupt: 'ADDRESS_BOOK_CORRUPT',
  /** Reading or writing the address book failed; `cause` is the original error. */
  StorageFailed: 'STORAGE_FAILED',
  /** The peer is not connected (or not established, for a send). */
  NotConnected: 'NOT_CONNECTED',
  /** Dialling the peer failed or timed out. */
  ConnectionFailed: 'CONNECTION_FAILED',
  /** The peer is in cooldown after a failed handshake. */
  InCooldown: 'IN_COOLDOWN',
  /** A connection state transition that the state machine does not allow. */
  InvalidTransition: 'INVALID_TRANSITION',
  /** The handshake did not finish within `handshakeTimeout`. */
  HandshakeTimeout: 'HANDSHAKE_TIMEOUT',
  /** The handshake was refused or called out of order. */
  HandshakeFailed: 'HANDSHAKE_FAILED',
  /** The peer's protocol version is not compatible with ours. */
  VersionMismatch: 'VERSION_MISMATCH'
} as const

/** One of the string values of {@link ErrorCode}, e.g. `'NOT_CONNECTED'`. */
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

/** The optional fields of a {@link GlueberryError}. */
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
  /** `'GlueberryError'` (or the subclass's name). */
  override readonly name: string = 'GlueberryError'
  /** What went wrong, stable across versions. */
  readonly code: ErrorCode
  /** The remote peer the failure concerns, as a string peer id. */
  readonly peer?: string
  /** The logical stream name the failure concerns. */
  readonly stream?: string
  /** Whether the same call may succeed later (by default from the code). */
  readonly retriable: boolean

  /**
   * Makes an error; `retriable` defaults from the code.
   *
   * @param code The stable code.
   * @param message For humans; may change between versions.
   * @param options Peer, stream, retriability override and cause.
   */
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

  /** The fields worth logging (no stack, no cause). */
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

/** What an {@link UndeliveredError} reports: which messages, and why. */
export interface UndeliveredDetails {
  /** The peer they were for. */
  peer: string
  /** The stream they were sent on. */
  stream: string
  /** Number of messages. */
  count: number
  /** Sequence number of the first of them (the range is contiguous). */
  firstSeq: number
  /** Sequence number of the last of them. */
  lastSeq: number
  /** Why they will not be delivered. */
  reason: UndeliveredReason
  /** The error behind it, when there is one. */
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
  /** Number of messages. */
  readonly count: number
  /** Sequence number of the first of them. */
  readonly firstSeq: number
  /** Sequence number of the last of them. */
  readonly lastSeq: number
  /** Why they will not be delivered. */
  readonly reason: UndeliveredReason

  /** Made by the node; applications only read it. */
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
