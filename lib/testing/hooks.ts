/**
 * Fault injection for tests of the real node. Not part of the node's public
 * interface: reached through a symbol so that application code cannot call
 * it by accident, and exported only from glueberry/testing.
 *
 * @module
 */
import type { GlueberryNode } from '../api.js'

export const TEST_HOOKS: unique symbol = Symbol.for('glueberry.testHooks')

export interface TestHooks {
  tamperNextRecords (peer: string, stream: string, count: number): boolean
  breakSealer (peer: string, stream: string): boolean
  /** The live secrets, so a test can check they are zeroed: never use outside tests. */
  keyMaterial (peer?: string): {
    /** The node's X25519 private key buffer (all zero once the node stopped). */
    identityX25519Private: Uint8Array
    /** The key object of `peer`, when it is prepared. */
    peerKeys?: {
      /** True once its secrets were zeroed. */
      readonly destroyed: boolean
    }
  }
  /** Stops (true) or resumes this node acknowledging what it receives. */
  suppressAcks (on: boolean): void
  /** Sends a forged ack on the stream `peer` opened to us (sealed for another stream with `sealedFor`). */
  forgeAck (peer: string, stream: string, next: number, sealedFor?: string): boolean
  /** Where the outbox of (peer, stream) stands. */
  outboxState (peer: string, stream: string): OutboxState | undefined
  /** Aborts every connection to `peer`, as a dead link would end it. */
  abortConnection (peer: string): boolean
}

/** Where the outbox of one (peer, stream) stands. */
export interface OutboxState {
  /** Accepted and not yet acknowledged. */
  unacked: number
  /** Sequence number of the next accepted message. */
  nextSeq: number
  /** Sequence number of the oldest unacknowledged message. */
  firstUnacked: number
  /** send() waits at the high watermark. */
  blocked: boolean
}

function hooks (node: GlueberryNode): TestHooks {
  const get = (node as unknown as { [TEST_HOOKS]?: () => TestHooks })[TEST_HOOKS]
  if (typeof get !== 'function') throw new TypeError('not a glueberry node created by createNode()')
  return get.call(node)
}

/**
 * Corrupts the authentication tag of the next `count` records the node sends
 * to `peer` on `stream`, as an attacker on the wire would. The stream must
 * already be open (send one message first); returns false when it is not.
 */
export function tamperNextRecords (node: GlueberryNode, peer: string, stream: string, count = 1): boolean {
  return hooks(node).tamperNextRecords(peer, stream, count)
}

/**
 * Test-only view of the node's key material: the node's X25519 private key
 * buffer itself and the live key object of one prepared peer, so a test can
 * check that stop() and disconnects really zero and destroy them.
 */
export function keyMaterial (node: GlueberryNode, peer?: string): ReturnType<TestHooks['keyMaterial']> {
  return hooks(node).keyMaterial(peer)
}

/**
 * Destroys the record sealer of the open stream to `peer`, so the next
 * message sent there cannot be sealed (as if the keys had been released
 * under it): the stream ends, the message is reported undelivered and the
 * encryption-error metric moves. Returns false when the stream is not open.
 */
export function breakSealer (node: GlueberryNode, peer: string, stream: string): boolean {
  return hooks(node).breakSealer(peer, stream)
}

/**
 * Stops (true) or restarts (false) every acknowledgement the node sends, as
 * a peer that never acknowledges would: its senders' outboxes fill to the
 * high watermark and stay there.
 */
export function suppressAcks (node: GlueberryNode, on = true): void {
  hooks(node).suppressAcks(on)
}

/**
 * Sends an acknowledgement of `next` on the stream `peer` opened to the node
 * for `stream`, whatever was received: a peer that acknowledges what was
 * never sent, or twice. With `sealedFor`, the ack is sealed with the key of
 * that other stream (an ack meant for another stream). Returns false when
 * there is no such stream.
 */
export function forgeAck (node: GlueberryNode, peer: string, stream: string, next: number, sealedFor?: string): boolean {
  return hooks(node).forgeAck(peer, stream, next, sealedFor)
}

/** Where the node's outbox for (peer, stream) stands; undefined before the first send. */
export function outboxState (node: GlueberryNode, peer: string, stream: string): OutboxState | undefined {
  return hooks(node).outboxState(peer, stream)
}

/**
 * Aborts the node's libp2p connection to `peer` at once, as a dead link
 * would end it: no close handshake, everything in flight lost. Returns false
 * when there is no connection.
 */
export function abortConnection (node: GlueberryNode, peer: string): boolean {
  return hooks(node).abortConnection(peer)
}
