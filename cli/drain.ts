/**
 * Waiting until what we sent has left the node. `send()` resolves when a
 * message is queued, and `stop()` (like `disconnect()`) drops the queue: a
 * last message sent just before stopping is lost (every time, on loopback).
 * The library has no public flush, but its state dump counts the messages
 * each outbound stream still holds, and 0 means they were handed to libp2p.
 *
 * @module
 */
import type { GlueberryNode } from '../lib/index.js'

/** Resolves once our `stream` to `peerId` holds nothing (or is gone), or after `timeoutMs`. */
export async function outboundDrained (node: Pick<GlueberryNode, 'dumpState'>, peerId: string, stream: string, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (performance.now() < deadline) {
    const queued = queuedOn(node, peerId, stream)
    if (queued === undefined || queued === 0) return
    // The node flushes on setImmediate: look again just after.
    await new Promise<void>((resolve) => { setTimeout(resolve, 1) })
  }
}

/** Messages still queued on our stream to the peer; undefined when there is no such stream. */
function queuedOn (node: Pick<GlueberryNode, 'dumpState'>, peerId: string, stream: string): number | undefined {
  const peer = node.dumpState().peers.find(p => p.peerId === peerId)
  // `streams` is typed unknown in NodeDump: check the shape before trusting it.
  const outbound: unknown = (peer?.streams as { outbound?: unknown } | undefined)?.outbound
  if (!Array.isArray(outbound)) return undefined
  for (const entry of outbound as unknown[]) {
    const { name, queued } = (entry ?? {}) as { name?: unknown, queued?: unknown }
    if (name === stream) return typeof queued === 'number' ? queued : undefined
  }
  return undefined
}
