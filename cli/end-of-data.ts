/**
 * The end-of-data convention of a CLI session, as pure logic: what each side
 * has said and heard, and what a session that stops at a given point means
 * for each direction. ./pipe.ts does the sending and receiving.
 *
 * Each direction of the stream carries, in this order:
 *
 *     data* END ACK
 *
 * - data: non-empty messages, chunks of the sender's stdin.
 * - END, the first empty message: "my stdin is over, no data follows".
 * - ACK, the second empty message: "I have your END, and all your data is
 *   on my stdout".
 *
 * The two directions are independent, like a TCP half-close: a side whose
 * stdin ends sends END and goes on receiving; receiving the peer's END does
 * not stop reading our own stdin. Because a side's ACK follows its own END
 * on the same ordered stream, a side acknowledges the peer's END only once
 * its own stdin is over too; every empty message is then unambiguous by its
 * position. A side is done once it has sent both and received both.
 *
 * Why an ACK at all: `send()` resolves when a message is queued, not when it
 * arrived, and stopping a node drops what is still queued. The ACK is the
 * receiver saying its stdout has everything. A library-level delivery
 * acknowledgement (resolving `send()` once the peer's node emitted the
 * message) says less, since it does not cover the peer's stdout; it could
 * make our own last ACK certain to arrive before we stop, instead of
 * relying on `stop()` writing out what is queued (see finalSendOptions in
 * ./pipe.ts).
 *
 * @module
 */

/** What one side has said and heard so far. */
export interface Progress {
  /** Our END is queued: all our data went before it. */
  readonly endSent: boolean
  /** Our ACK of the peer's END is queued. */
  readonly ackSent: boolean
  /** The peer's END arrived: our stdout holds all of its data. */
  readonly peerEnded: boolean
  /** The peer's ACK arrived: its stdout holds all of our data. */
  readonly peerAcked: boolean
  /** Bytes of data we sent. */
  readonly sent: number
}

export const START: Progress = { endSent: false, ackSent: false, peerEnded: false, peerAcked: false, sent: 0 }

/**
 * - `complete`: each side's data reached the other's stdout.
 * - `truncated`: the peer's END never came: our stdout lacks the rest of its data.
 * - `undelivered`: all the peer's data arrived, but it never confirmed ours:
 *   it may not have received everything.
 */
export type Outcome = 'complete' | 'truncated' | 'undelivered'

/** The session ends normally once both ENDs and both ACKs went through. */
export function isDone (p: Progress): boolean {
  return p.endSent && p.ackSent && p.peerEnded && p.peerAcked
}

/**
 * What it means when the session stops here, because the peer went away or
 * its stream broke. A missing input is reported first: it is the loss on
 * this side. With nothing sent, there was nothing of ours to lose.
 */
export function outcomeAt (p: Progress): Outcome {
  if (!p.peerEnded) return 'truncated'
  if (p.peerAcked || p.sent === 0) return 'complete'
  return 'undelivered'
}

/**
 * How an empty message from the peer is read: its first is END, its second
 * ACK, anything after breaks the convention and is ignored.
 */
export function onEmpty (p: Progress): Progress {
  if (!p.peerEnded) return { ...p, peerEnded: true }
  if (!p.peerAcked) return { ...p, peerAcked: true }
  return p
}

/**
 * Whether the wait for the peer's ACK has started: both ENDs are through,
 * and the peer has only its stdout to flush. Before that, a silent peer may
 * just be a person who has not typed anything.
 */
export function awaitingAck (p: Progress): boolean {
  return p.endSent && p.peerEnded && !p.peerAcked
}
