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
  Disconnected: 'Disconnected',
  Connecting: 'Connecting',
  Connected: 'Connected',
  Established: 'Established',
  Reconnecting: 'Reconnecting',
  Cooldown: 'Cooldown'
} as const

export type ConnectionState = typeof ConnectionState[keyof typeof ConnectionState]

/** A committed state transition of one peer, in commit order. */
export interface ConnectionEvent {
  readonly peerId: string
  readonly state: ConnectionState
  readonly previous: ConnectionState
  /** Direction of the underlying libp2p connection, when one exists. */
  readonly outbound: boolean
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
  readonly peerId: string
  /** Logical stream name; `'handshake'` for the plaintext handshake stream. */
  readonly stream: string
  readonly data: Uint8Array
  /** Milliseconds since the epoch when the message was decoded. */
  readonly receivedAt: number
}

/** The name of the plaintext handshake stream. Reserved: never an encrypted stream. */
export const HANDSHAKE_STREAM = 'handshake'

/** Options accepted by every blocking call. */
export interface AbortOptions {
  signal?: AbortSignal
}
