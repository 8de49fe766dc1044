import { filter } from 'rxjs'
import type { MonoTypeOperatorFunction } from 'rxjs'

/**
 * Keeps the items of some peers: messages, events, anything with a `peerId`.
 *
 * ```text
 * source:   --a(p1)--b(p2)--c(p3)--|
 * filterPeers(['p1', 'p3'])
 * result:   --a--------------c-----|
 * ```
 *
 * Given a collection, the set is copied at call time; given a predicate, it is
 * asked for every item (so a set that changes can be consulted live).
 *
 * ## Example
 * ```ts
 * node.messages$.pipe(filterPeers(validators)).subscribe(handleVote)
 * node.events$.pipe(filterPeers(id => id.startsWith('12D3'))).subscribe(log)
 * ```
 */
export function filterPeers<T extends {
  /** The peer an item concerns (events, messages, states all have one). */
  readonly peerId: string
}> (peers: Iterable<string> | ((peerId: string) => boolean)): MonoTypeOperatorFunction<T> {
  if (typeof peers === 'function') return filter((item: T) => peers(item.peerId))
  const wanted = new Set(peers)
  return filter((item: T) => wanted.has(item.peerId))
}
