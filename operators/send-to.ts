import { Observable, concatMap, from, map } from 'rxjs'
import type { OperatorFunction } from 'rxjs'
import type { GlueberryNode } from '../lib/api.js'

/**
 * Sends every item to one peer's stream, in order, and waits for the network.
 *
 * <span class="informal">A lossless sink: each item is passed on once the node
 * has queued it for the peer; when the peer's stream is above its high
 * watermark, the next item waits.</span>
 *
 * ```text
 * source:   -a-b-c----|
 * sendTo(node, peer, 'blocks')      (c waits: the stream is above its watermark)
 * result:   -a-b------c|
 * ```
 *
 * A send that fails errors the output with its GlueberryError (nothing after
 * it is sent). Unsubscribing aborts a send still waiting for room; items not
 * yet sent are not sent. Items from a source that cannot be paused queue here
 * while a send waits; use `backpressure` upstream to bound them.
 *
 * ## Example
 * ```ts
 * blocks$.pipe(map(encodeBlock), sendTo(node, peerId, 'blocks')).subscribe()
 * ```
 *
 * @param node Anything with the node's `send` (the real node or a MockNode).
 * @return The items, each emitted once the node accepted it.
 */
export function sendTo (node: Pick<GlueberryNode, 'send'>, peerId: string, stream: string): OperatorFunction<Uint8Array, Uint8Array> {
  return (source) => new Observable<Uint8Array>((subscriber) => {
    const controller = new AbortController()
    const subscription = source.pipe(
      concatMap(data => from(node.send(peerId, stream, data, { signal: controller.signal })).pipe(map(() => data)))
    ).subscribe(subscriber)
    return () => {
      subscription.unsubscribe()
      controller.abort()
    }
  })
}
