/**
 * The domain events the bridge publishes on the CQRS EventBus. Plain
 * immutable classes: the EventBus routes by constructor, and handlers and
 * sagas need nothing from glueberry to consume them.
 */
import type { ConnectionState, ErrorCode, GlueberryError, IncomingMessage } from 'glueberry'

/** Every committed connection transition, for sagas that need all of them. */
export class PeerStateChangedEvent {
  constructor (
    readonly peerId: string,
    readonly state: ConnectionState,
    readonly previous: ConnectionState,
    readonly outbound: boolean,
    readonly at: number,
    readonly errorCode?: ErrorCode
  ) {}
}

/** The handshake completed: encrypted streams to the peer are usable. */
export class PeerEstablishedEvent {
  constructor (readonly peerId: string, readonly outbound: boolean, readonly at: number) {}
}

/**
 * A connection the peer had (Connected or Established) is gone. `state` says
 * what follows: Disconnected (reconnection may follow as its own transitions)
 * or Cooldown (the handshake timed out).
 */
export class PeerDisconnectedEvent {
  constructor (
    readonly peerId: string,
    readonly previous: ConnectionState,
    readonly state: ConnectionState,
    readonly at: number,
    readonly errorCode?: ErrorCode
  ) {}
}

/** A dial (first attempt or reconnection) failed before a connection existed. */
export class PeerConnectionFailedEvent {
  constructor (readonly peerId: string, readonly at: number, readonly errorCode?: ErrorCode) {}
}

/** A message on an encrypted stream. `data` is plaintext: do not log it. */
export class MessageReceivedEvent {
  constructor (
    readonly peerId: string,
    readonly stream: string,
    readonly data: Uint8Array,
    readonly receivedAt: number
  ) {}

  static from (message: IncomingMessage): MessageReceivedEvent {
    return new MessageReceivedEvent(message.peerId, message.stream, message.data, message.receivedAt)
  }
}

/** The standard handshake with a peer failed (e.g. VERSION_MISMATCH); the peer was disconnected. */
export class HandshakeFailedEvent {
  constructor (readonly peerId: string | undefined, readonly error: GlueberryError) {}
}

/** A failure no call could return (lost queued messages, a bad frame, a corrupt address book). */
export class GlueberryErrorEvent {
  constructor (readonly error: GlueberryError) {}
}
