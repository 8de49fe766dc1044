import { filter } from 'rxjs'
import type { MonoTypeOperatorFunction } from 'rxjs'
import type { ConnectionEvent, ConnectionState } from '../lib/types.js'

/**
 * Keeps the connection events that enter one of the given states.
 *
 * ```text
 * source:   --a(Connecting)--b(Connected)--c(Established)--|
 * filterStates('Established')
 * result:   -----------------------------c-----------------|
 * ```
 *
 * ## Example
 * ```ts
 * node.events$.pipe(filterStates(ConnectionState.Established)).subscribe(e => greet(e.peerId))
 * ```
 */
export function filterStates<T extends Pick<ConnectionEvent, 'state'>> (...states: ConnectionState[]): MonoTypeOperatorFunction<T> {
  const wanted = new Set<ConnectionState>(states)
  return filter((event: T) => wanted.has(event.state))
}
