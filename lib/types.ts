/**
 * Public data types shared by the node, the operators and the MockNode.
 * Peer ids cross the public API as strings (`12D3KooW…`): they are cheap to
 * compare, to use as map keys and to serialise, which libp2p PeerId objects
 * are not.
 *
 * @module
 */
import type { GlueberryError } from './errors.js'

/** The connection lifecycle of one peer. */
export const ConnectionState = {
  /** No connection, and none being made (the start state, and after `disconnect()`). */
  Disconnected: 'Disconnected',
  /** Dialling the peer. */
  Connecting: 'Connecting',
  /** Connected; the handshake runs (plaintext `'handshake'` stream only). */
  Connected: 'Connected',
  /** The handshake completed: the encrypted streams work. */
  Established: 'Established',
  /** The connection was lost or a dial failed: waiting for the next attempt (backoff). */
  Reconnecting: 'Reconnecting',
  /** A handshake failed or timed out: no attempt until the cooldown ends. */
  Cooldown: 'Cooldown'
} as const

/** One of the values of {@link ConnectionState}. */
export type ConnectionState = typeof ConnectionState[keyof typeof ConnectionState]

/** A committed state transition of one peer, in commit order. */
export interface ConnectionEvent {
  /** The peer whose state changed. */
  readonly peerId: string
  /** The new state. */
  readonly state: ConnectionState
  /** The state before this transition. */
  readonly previous: ConnectionState
  /** Direction of the underlying libp2p connection, when one exists. */
  readonly outbound: boolean
  /** Why the transition happened, for transitions caused by a failure. */
  readonly error?: GlueberryError
  /**
   * Only on Disconnected events: `true` when no further retry will happen
   * (reconnection given up, a version mismatch, disconnect(), blacklist,
   * stop(), cancelReconnection(), or a peer this node does not redial);
   * `false` when a redial is already scheduled (a Reconnecting event follows).
   */
  readonly terminal?: boolean
  /** Milliseconds since the epoch at commit time. */
  readonly at: number
}

/** One application message received from a peer on a logical stream. */
export interface IncomingMessage {
  /** The sender. */
  readonly peerId: string
  /** Logical stream name; `'handshake'` for the plaintext handshake stream. */
  readonly stream: string
  /** The message, exactly as sent. */
  readonly data: Uint8Array
  /** Milliseconds since the epoch when the message was decoded. */
  readonly receivedAt: number
}

/** The name of the plaintext handshake stream. Reserved: never an encrypted stream. */
export const HANDSHAKE_STREAM = 'handshake'

/** Options accepted by every blocking call. */
export interface AbortOptions {
  /** Aborts the call: it then rejects with `ABORTED` (or `BACKPRESSURE` for a waiting `send()`). Default: none. */
  signal?: AbortSignal
}
