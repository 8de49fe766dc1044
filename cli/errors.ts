/**
 * Every failure the CLI reports: an exit code and a one-line message. This
 * is the one place where GlueberryError codes (and the libp2p errors behind
 * a failed dial) become what the user reads; commands throw, `main` calls
 * {@link reportError}.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../lib/index.js'
import type { CliIO } from './io.js'

/** Process exit codes, documented in cli/README.md. */
export const ExitCode = {
  Ok: 0,
  /** Unexpected failure, or the node could not start (address in use...). */
  Failure: 1,
  /** Bad command line (unknown option, missing argument). */
  Usage: 2,
  /** Identity file missing, unreadable, malformed, or in the way (keygen). */
  KeyFile: 3,
  /** A multiaddr that does not parse or has no /p2p/<peer id>. */
  Multiaddr: 4,
  /** The dial failed: refused, timed out, unreachable. */
  Connection: 5,
  /** The connection came up but the handshake or the stream protocol failed. */
  Handshake: 6,
  /** The node at the address is not the peer the multiaddr names. */
  PeerIdMismatch: 7,
  /** Both inputs ended but the peer, still connected, never confirmed it received everything. */
  Unconfirmed: 8,
  /**
   * The peer went away (disconnected, reset the stream) before the end of
   * its data: what we wrote to stdout is incomplete.
   */
  Truncated: 9,
  /**
   * We have all the peer's data, but it went away (disconnected, reset the
   * stream) before confirming ours: it may not have received everything.
   */
  Undelivered: 10,
  /** SIGINT (128 + 2). */
  Interrupted: 130,
  /** SIGTERM (128 + 15). */
  Terminated: 143
} as const

export type ExitCode = typeof ExitCode[keyof typeof ExitCode]

/** A failure with its exit code; the message is shown as it is, on one line. */
export class CliError extends Error {
  static override readonly name = 'CliError'
  override readonly name: string = 'CliError'

  constructor (readonly exitCode: ExitCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
  }
}

/** What the failing operation was aimed at, to make the message concrete. */
export interface ErrorContext {
  /** The multiaddr being dialled. */
  readonly address?: string
  /** The dial's time limit (`--dial-timeout`), to say how long it waited. */
  readonly dialTimeoutMs?: number
}

interface Mapping {
  readonly exit: ExitCode
  readonly message?: (err: GlueberryError) => string
}

const peerOf = (err: GlueberryError): string => err.peer === undefined ? 'the peer' : err.peer

/**
 * One entry per library error code (a Record, so a new code fails to compile
 * until it is mapped here). Entries without `message` show the library's.
 */
const GLUEBERRY_ERRORS: Record<ErrorCode, Mapping> = {
  [ErrorCode.InvalidConfig]: { exit: ExitCode.Failure, message: e => `could not start the node: ${e.message}` },
  [ErrorCode.NodeNotStarted]: { exit: ExitCode.Failure },
  [ErrorCode.NodeAlreadyStarted]: { exit: ExitCode.Failure },
  [ErrorCode.NodeStopped]: { exit: ExitCode.Failure, message: () => 'the node stopped' },
  [ErrorCode.Aborted]: { exit: ExitCode.Interrupted, message: () => 'interrupted' },
  [ErrorCode.InvalidKey]: { exit: ExitCode.KeyFile, message: e => `invalid key: ${e.message}` },
  [ErrorCode.LowOrderPoint]: { exit: ExitCode.Handshake, message: e => `${peerOf(e)} presented an unusable public key (small-order point)` },
  [ErrorCode.PublicKeyMismatch]: { exit: ExitCode.PeerIdMismatch, message: e => `the public key ${peerOf(e)} presented does not belong to its peer id` },
  [ErrorCode.DecryptionFailed]: { exit: ExitCode.Handshake, message: e => `a record from ${peerOf(e)} failed to authenticate` },
  [ErrorCode.NonceExhausted]: { exit: ExitCode.Failure },
  [ErrorCode.SessionClosed]: { exit: ExitCode.Failure, message: e => `the encrypted session with ${peerOf(e)} closed` },
  [ErrorCode.FrameTooLarge]: { exit: ExitCode.Handshake, message: e => `protocol error from ${peerOf(e)}: ${e.message}` },
  [ErrorCode.MalformedFrame]: { exit: ExitCode.Handshake, message: e => `protocol error from ${peerOf(e)}: ${e.message}` },
  [ErrorCode.InvalidHeader]: { exit: ExitCode.Handshake, message: e => `protocol error from ${peerOf(e)}: ${e.message}` },
  [ErrorCode.UnsupportedVersion]: { exit: ExitCode.Handshake, message: e => `${peerOf(e)} speaks an unsupported protocol version: ${e.message}` },
  [ErrorCode.MalformedRecord]: { exit: ExitCode.Handshake, message: e => `protocol error from ${peerOf(e)}: ${e.message}` },
  [ErrorCode.MessageTooLarge]: { exit: ExitCode.Failure },
  [ErrorCode.InvalidStreamName]: { exit: ExitCode.Usage, message: e => `invalid --stream name: ${e.message}` },
  [ErrorCode.StreamNotPrepared]: {
    exit: ExitCode.Handshake,
    message: e => `${peerOf(e)} did not accept stream '${e.stream ?? '?'}' (do both sides use the same --stream?)`
  },
  [ErrorCode.StreamClosed]: { exit: ExitCode.Failure, message: e => `the stream to ${peerOf(e)} closed` },
  [ErrorCode.Backpressure]: { exit: ExitCode.Failure },
  [ErrorCode.InvalidPeerId]: { exit: ExitCode.Multiaddr, message: e => `invalid peer id: ${e.message}` },
  [ErrorCode.InvalidMultiaddr]: { exit: ExitCode.Multiaddr, message: e => `bad multiaddr: ${e.message}` },
  [ErrorCode.PeerNotFound]: { exit: ExitCode.Failure },
  [ErrorCode.PeerBlacklisted]: { exit: ExitCode.Connection },
  [ErrorCode.MetadataTooLarge]: { exit: ExitCode.Failure },
  [ErrorCode.AddressBookCorrupt]: { exit: ExitCode.Failure },
  [ErrorCode.StorageFailed]: { exit: ExitCode.Failure },
  [ErrorCode.NotConnected]: { exit: ExitCode.Connection, message: e => `not connected to ${peerOf(e)}` },
  [ErrorCode.ConnectionFailed]: { exit: ExitCode.Connection }, // refined by connectionFailure()
  [ErrorCode.InCooldown]: { exit: ExitCode.Connection },
  [ErrorCode.InvalidTransition]: { exit: ExitCode.Failure },
  [ErrorCode.HandshakeTimeout]: {
    exit: ExitCode.Handshake,
    message: e => `handshake with ${peerOf(e)} timed out (is it a glueberry node using the standard handshake?)`
  },
  [ErrorCode.HandshakeFailed]: { exit: ExitCode.Handshake, message: e => `handshake with ${peerOf(e)} failed: ${e.message}` },
  [ErrorCode.VersionMismatch]: { exit: ExitCode.Handshake, message: e => `handshake with ${peerOf(e)} failed: ${e.message}` }
}

/** Turns anything thrown into a CliError with its exit code and message. */
export function toCliError (err: unknown, context: ErrorContext = {}): CliError {
  if (err instanceof CliError) return err
  if (err instanceof GlueberryError) {
    if (err.code === ErrorCode.ConnectionFailed) return connectionFailure(err, context)
    const mapping = GLUEBERRY_ERRORS[err.code]
    return new CliError(mapping.exit, mapping.message?.(err) ?? err.message, { cause: err })
  }
  const message = isErrorLike(err) ? err.message : String(err)
  return new CliError(ExitCode.Failure, `unexpected failure: ${message}`, { cause: err })
}

// Noise's message when the remote's identity is not the one we dialled. The
// libp2p upgrader re-wraps it in an EncryptionFailedError that keeps only the
// message, so the message is all there is to recognise it by.
const IDENTITY_MISMATCH = /Payload identity key (\S+) does not match expected remote identity key (\S+)/

// A dial cut by a deadline: AbortSignal.timeout's "The operation was aborted
// due to timeout" (libp2p re-wraps it, keeping only the message), or the
// library's own "dial ... timed out after N ms".
const TIMED_OUT = /aborted due to timeout|timed out/i

const LISTEN_ERRNO: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address already in use',
  EADDRNOTAVAIL: 'no such address on this host',
  EACCES: 'permission denied (ports below 1024 need privileges)'
}

// libp2p folds the failing address and the OS error, stack included, into
// one message: "  /ip4/127.0.0.1/tcp/4001: Error: listen EADDRINUSE: ...".
const LISTEN_FAILURE = /(\/\S+): Error: listen (E[A-Z]+)/

/** The node could not bind its listen addresses. */
export function listenFailure (addresses: readonly string[], err: unknown): CliError {
  const causes = causeChain(err)
  const text = causes.map(c => c.message).join('\n')
  const folded = LISTEN_FAILURE.exec(text)
  const code = folded?.[2] ?? causes.map(errnoCode).find(c => c !== undefined)
  const where = folded?.[1] ?? addresses.join(', ')
  const reason = code === undefined ? firstLine(rootMessage(causes)) : LISTEN_ERRNO[code] ?? code
  return new CliError(ExitCode.Failure, `cannot listen on ${where}: ${reason}`, { cause: err })
}

function firstLine (text: string): string {
  return text.split('\n', 1)[0]?.trim() ?? ''
}

/** Our stream to a connected peer failed: usually the peer does not use the same --stream. */
export function streamFailed (peerId: string, stream: string, cause: GlueberryError): CliError {
  return new CliError(ExitCode.Handshake,
    `stream '${stream}' to ${peerId} failed while connected; most likely the peer does not use --stream ${stream}`, { cause })
}

/** A failed dial, told apart by the error libp2p (or the OS) gave. */
function connectionFailure (err: GlueberryError, context: ErrorContext): CliError {
  const where = context.address ?? peerOf(err)
  const causes = causeChain(err)
  for (const cause of causes) {
    const mismatch = IDENTITY_MISMATCH.exec(cause.message)
    if (mismatch !== null) {
      return new CliError(ExitCode.PeerIdMismatch,
        `peer id mismatch: dialled ${mismatch[2]} but the node at that address is ${mismatch[1]}`, { cause: err })
    }
  }
  const codes = new Set(causes.map(c => errnoCode(c)))
  const names = new Set(causes.map(c => c.name))
  let reason: string
  if (codes.has('ECONNREFUSED')) reason = `connection refused by ${where} (is a glueberry listener running there?)`
  else if (names.has('TimeoutError') || codes.has('ETIMEDOUT') || causes.some(c => TIMED_OUT.test(c.message))) {
    const after = context.dialTimeoutMs === undefined ? '' : ` after ${context.dialTimeoutMs / 1000} s`
    reason = `connecting to ${where} timed out${after}`
  }
  else if (codes.has('EHOSTUNREACH') || codes.has('ENETUNREACH')) reason = `${where} is unreachable`
  else if (names.has('EncryptionFailedError')) reason = `${where} did not complete the libp2p secure channel (is it a glueberry node?): ${rootMessage(causes)}`
  else reason = `could not connect to ${where}: ${rootMessage(causes)}`
  return new CliError(ExitCode.Connection, reason, { cause: err })
}

/** The error and its causes, AggregateError members included, outermost first. */
function causeChain (err: unknown): Error[] {
  const out: Error[] = []
  const queue: unknown[] = [err]
  while (queue.length > 0 && out.length < 32) {
    const next = queue.shift()
    if (!isErrorLike(next) || out.includes(next)) continue
    out.push(next)
    const members = (next as { errors?: unknown }).errors
    if (Array.isArray(members)) queue.push(...(members as unknown[]))
    queue.push(next.cause)
  }
  return out
}

/**
 * Duck-typed, not `instanceof Error`: errors made by Node itself come from
 * another realm when the code runs in a vm context (as under Jest).
 */
function isErrorLike (value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string'
}

function errnoCode (err: Error): string | undefined {
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

function rootMessage (causes: readonly Error[]): string {
  return causes[causes.length - 1]?.message ?? 'unknown error'
}

/**
 * Prints `error: <message>` as one line on stderr (with the stack and the
 * causes only when `verbose`) and returns the exit code.
 */
export function reportError (err: unknown, io: CliIO, verbose: boolean, context: ErrorContext = {}): ExitCode {
  const error = toCliError(err, context)
  io.stderr.write(`error: ${oneLine(error.message)}\n`)
  if (verbose) {
    for (const cause of causeChain(error).slice(1)) io.stderr.write(`  caused by: ${cause.stack ?? cause.message}\n`)
  }
  return error.exitCode
}

function oneLine (text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}
