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
