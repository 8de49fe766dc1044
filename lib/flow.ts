/**
 * How a message remembers where it came from, so that a consumer can slow
 * that one source down. Every IncomingMessage the node emits carries a
 * `FlowHandle`, reached with `flowOf(message)`: pausing it pauses the libp2p
 * stream the message arrived on (yamux then stops granting window to the
 * sender, whose `send()` waits), without touching any other peer or stream.
 *
 * The handle is a private field of the message, not an own property, so
 * messages compare and serialise as the plain data they are.
 *
 * @module
 */
import type { IncomingMessage } from './types.js'

/**
 * Pauses and resumes the libp2p stream a message came from (`flowOf(message)`):
 * while paused, nothing more is read, the sender's window fills and its
 * `send()` waits. Nothing is dropped.
 */
export interface FlowHandle {
  /** Identifies the source: one per (peer, inbound stream). */
  readonly key: string
  /** Ref-counted: every pause needs one resume. */
  pause (): void
  /** Undoes one `pause()`; reading goes on when every pause is undone. */
  resume (): void
}

/** An IncomingMessage that knows its source. */
class Message implements IncomingMessage {
  readonly #flow: FlowHandle | undefined

  constructor (
    readonly peerId: string,
    readonly stream: string,
    readonly data: Uint8Array,
    readonly receivedAt: number,
    flow: FlowHandle | undefined
  ) {
    this.#flow = flow
  }

  static flowOf (value: unknown): FlowHandle | undefined {
    return value instanceof Message ? value.#flow : undefined
  }
}

/** Builds a message as the node emits it (also used by the MockNode). */
export function createMessage (peerId: string, stream: string, data: Uint8Array, receivedAt: number, flow?: FlowHandle): IncomingMessage {
  return new Message(peerId, stream, data, receivedAt, flow)
}

/** Returns the message's flow handle, if it came from a pausable source. */
export function flowOf (value: unknown): FlowHandle | undefined {
  return Message.flowOf(value)
}
