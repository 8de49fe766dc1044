/**
 * Fault injection for tests of the real node. Not part of the node's public
 * interface: the node lends its parts through a symbol (lib/internals.ts)
 * that application code does not see, and these functions wrap or query
 * them at call time (a tampering sealer decorator, say), so production code
 * carries no test branch. Exported only from glueberry/testing.
 *
 * @module
 */
import type { GlueberryNode } from '../api.js'
import { internalsOf } from '../internals.js'
import type { NodeInternals } from '../internals.js'
import { RecordFrameEncoder } from '../streams/frame-encoders.js'
import type { EncoderSealer } from '../streams/frame-encoders.js'

/** The live secrets, so a test can check they are zeroed: never use outside tests. */
export interface KeyMaterial {
  /** The node's X25519 private key buffer (all zero once the node stopped). */
  identityX25519Private: Uint8Array
  /** The key object of `peer`, when it is prepared. */
  peerKeys?: {
    /** True once its secrets were zeroed. */
    readonly destroyed: boolean
  }
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

function internals (node: GlueberryNode): NodeInternals {
  const parts = internalsOf(node)
  if (parts === undefined) throw new TypeError('not a glueberry node created by createNode()')
  return parts
}

function recordEncoder (node: GlueberryNode, peer: string, stream: string): RecordFrameEncoder | undefined {
  const encoder = internals(node).streams.encoderOf(peer, stream)
  return encoder instanceof RecordFrameEncoder ? encoder : undefined
}

/** A sealer that flips one tag bit in each of its next `count` records, as an attacker on the wire would. */
function tampering (inner: EncoderSealer, count: number): EncoderSealer {
  let left = count
  const flip = (tag: Uint8Array): void => {
    if (left > 0) {
      left--
      tag[0] ^= 0x01
    }
  }
  return {
    seal (body) {
      const record = inner.seal(body)
      flip(record.tag)
      return record
    },
    sealParts (parts) {
      const record = inner.sealParts(parts)
      flip(record.tag)
      return record
    },
    destroy () { inner.destroy() }
  }
}

/**
 * Corrupts the authentication tag of the next `count` records the node sends
 * to `peer` on `stream`, as an attacker on the wire would. The stream must
 * already be open (send one message first); returns false when it is not.
 */
export function tamperNextRecords (node: GlueberryNode, peer: string, stream: string, count = 1): boolean {
  const encoder = recordEncoder(node, peer, stream)
  if (encoder === undefined) return false
  encoder.sealer = tampering(encoder.sealer, count)
  return true
}

/**
 * Test-only view of the node's key material: the node's X25519 private key
 * buffer itself and the live key object of one prepared peer, so a test can
 * check that stop() and disconnects really zero and destroy them.
 */
export function keyMaterial (node: GlueberryNode, peer?: string): KeyMaterial {
  const parts = internals(node)
  const keys = peer === undefined ? undefined : parts.streams.peerKeys(peer)
  return { identityX25519Private: parts.identityX25519Private, ...(keys === undefined ? {} : { peerKeys: keys }) }
}

/**
 * Destroys the record sealer of the open stream to `peer`, so the next
 * message sent there cannot be sealed (as if the keys had been released
 * under it): the stream ends, the message is reported undelivered and the
 * encryption-error metric moves. Returns false when the stream is not open.
 */
export function breakSealer (node: GlueberryNode, peer: string, stream: string): boolean {
  const encoder = recordEncoder(node, peer, stream)
  if (encoder === undefined) return false
  encoder.sealer.destroy()
  return true
}

/**
 * Stops (true) or restarts (false) every acknowledgement the node sends, as
 * a peer that never acknowledges would: its senders' outboxes fill to the
 * high watermark and stay there.
 */
export function suppressAcks (node: GlueberryNode, on = true): void {
  internals(node).streams.suppressAcks(on)
}

/**
 * Sends an acknowledgement of `next` on the stream `peer` opened to the node
 * for `stream`, whatever was received: a peer that acknowledges what was
 * never sent, or twice. With `sealedFor`, the ack is sealed with the key of
 * that other stream (an ack meant for another stream). Returns false when
 * there is no such stream.
 */
export function forgeAck (node: GlueberryNode, peer: string, stream: string, next: number, sealedFor?: string): boolean {
  return internals(node).streams.forgeAck(peer, stream, next, sealedFor)
}

/** Where the node's outbox for (peer, stream) stands; undefined before the first send. */
export function outboxState (node: GlueberryNode, peer: string, stream: string): OutboxState | undefined {
  return internals(node).streams.outboxState(peer, stream)
}

/**
 * Aborts the node's libp2p connection to `peer` at once, as a dead link
 * would end it: no close handshake, everything in flight lost. Returns false
 * when there is no connection.
 */
export function abortConnection (node: GlueberryNode, peer: string): boolean {
  const connection = internals(node).connectionFor(peer)
  if (connection === undefined) return false
  connection.abort(new Error('aborted by a test'))
  return true
}
