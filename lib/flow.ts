/**
 * How a message remembers where it came from, so that a consumer can slow
 * that one source down. Every IncomingMessage the node emits carries a
 * `FlowHandle` under the `FLOW` symbol: pausing it pauses the libp2p stream
 * the message arrived on (yamux then stops granting window to the sender,
 * whose `send()` waits), without touching any other peer or stream.
 *
 * @module
 */
import type { IncomingMessage } from './types.js'

export const FLOW: unique symbol = Symbol.for('glueberry.flow')

export interface FlowHandle {
  /** Identifies the source: one per (peer, inbound stream). */
  readonly key: string
  /** Ref-counted: every pause needs one resume. */
  pause (): void
  resume (): void
}

/** Returns the message's flow handle, if it came from a pausable source. */
export function flowOf (value: unknown): FlowHandle | undefined {
  if (value === null || typeof value !== 'object') return undefined
  const handle = (value as { [FLOW]?: FlowHandle })[FLOW]
  return handle
}

export type FlowMessage = IncomingMessage & { readonly [FLOW]?: FlowHandle }
