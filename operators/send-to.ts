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
 * Accepted means delivered exactly once or reported: the node keeps the item
 * across reconnects until the peer acknowledges it, and reports it on
 * `errors$` (UndeliveredError) if it never will. With `{ awaitDelivery: true }`
 * each item is emitted only once the peer acknowledged it, and an item that
 * will never be delivered errors the output with its UndeliveredError. That
 * costs one round trip per item (the next item is sent after the previous
 * one is acknowledged): use it for items that are rare or must be confirmed
 * one by one, not for bulk streams.
 *
 * ## Example
 * ```ts
 * blocks$.pipe(map(encodeBlock), sendTo(node, peerId, 'blocks')).subscribe()
 * votes$.pipe(sendTo(node, peerId, 'votes', { awaitDelivery: true })).subscribe(confirmed)
 * ```
 *
 * @param node Anything with the node's `send` (the real node or a MockNode).
 * @return The items, each emitted once the node accepted it (or, with
 * `awaitDelivery`, once the peer acknowledged it).
 */
export function sendTo (
  node: Pick<GlueberryNode, 'send'>,
  peerId: string,
  stream: string,
  options: { awaitDelivery?: boolean } = {}
): OperatorFunction<Uint8Array, Uint8Array> {
  const awaitDelivery = options.awaitDelivery === true
  return (source) => new Observable<Uint8Array>((subscriber) => {
    const controller = new AbortController()
    const subscription = source.pipe(
      concatMap(data => from(node.send(peerId, stream, data, { signal: controller.signal, awaitDelivery })).pipe(map(() => data)))
    ).subscribe(subscriber)
    return () => {
      subscription.unsubscribe()
      controller.abort()
    }
  })
}
