/**
 * The reactive pipelines of one cluster node, written against the public
 * API only: what it sends (`outbound$`) and what it observes (`observe$`).
 * Both describe what happens as {@link ClusterEvent}s and do no bookkeeping
 * themselves; ledger.ts books the events.
 *
 * @module
 */
import {
  EMPTY, asyncScheduler, catchError, combineLatest, defer, distinct, distinctUntilChanged, exhaustMap, interval, map,
  merge, mergeMap, of, range, share, switchMap, takeUntil, tap
} from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import { ConnectionState, isGlueberryError } from '../../lib/index.js'
import type { GlueberryNode, IncomingMessage, StandardHandshake } from '../../lib/index.js'
import { backpressure, filterPeers, filterStates, onStream, sendTo } from '../../operators/index.js'
import type { ClusterEvent, ErrorSource } from './ledger.js'
import { encodePayload, inspectPayload } from './payload.js'

/** The encrypted stream the cluster's traffic uses. */
export const STREAM = 'cluster'

/** One member of the cluster: its node and the handshake driving it. */
export interface Member {
  readonly index: number
  readonly node: GlueberryNode
  readonly handshake: StandardHandshake
}

/** How fast to send on each link. */
export interface Pace {
  /** Messages per second on each directed link. */
  readonly rate: number
  /** Bytes per message. */
  readonly size: number
  /** Ticks of the shared clock, in ms. */
  readonly tickMs: number
  /** Most messages one tick sends on one link (how far a late link catches up at once). */
  readonly maxBatch: number
}

/**
 * A pace for `rate` messages/s per link: one tick every 1000/rate ms, but no
 * more than 50 and no less than 4 ticks a second (a timer per message would
 * cost more than the message at high rates).
 */
export function paceFor (rate: number, size: number): Pace {
  const tickMs = Math.min(250, Math.max(20, Math.round(1000 / rate)))
  return { rate, size, tickMs, maxBatch: Math.max(1, Math.ceil(rate * tickMs / 1000) * 4) }
}

/** Messages due after `elapsedMs` at `rate` per second. */
export function dueAfter (elapsedMs: number, rate: number): number {
  return Math.floor(elapsedMs * rate / 1000)
}

/** One shared timer for every link: emits the time at each tick. */
export function clock$ (tickMs: number, scheduler: SchedulerLike = asyncScheduler): Observable<number> {
  return interval(tickMs, scheduler).pipe(map(() => scheduler.now()), share())
}

/**
 * Sends numbered messages to every peer in the node's address book while it
 * is Established with that peer, at `pace`, until `stop$`; completes once
 * the sends in flight at `stop$` are accepted. Emits one `sent` event per
 * message the node accepted, and an `error` event for a failed send.
 */
export function outbound$ (member: Pick<Member, 'node' | 'index'>, pace: Pace, ticks$: Observable<number>, stop$: Observable<unknown>): Observable<ClusterEvent> {
  const { node, index } = member
  return node.peers$.pipe(
    // eslint-disable-next-line rxjs-x/no-unsafe-takeuntil -- stop$ ends new links only; links wind down on their own stop$
    takeUntil(stop$),
    mergeMap(entries => entries),
    distinct(entry => entry.peerId),
    mergeMap(entry => link$(member, entry.peerId, pace, ticks$, stop$)),
    // Failed sends are caught per batch; anything else is a bug to report, not a crash.
    catchError((err: unknown) => of(errorEvent(index, 'send', err, undefined)))
  )
}

function link$ (member: Pick<Member, 'node' | 'index'>, peerId: string, pace: Pace, ticks$: Observable<number>, stop$: Observable<unknown>): Observable<ClusterEvent> {
  const { node, index } = member
  return defer(() => {
    // The link's sequence goes on across reconnections, so that what a
    // broken connection lost shows up as a gap at the receiver.
    let next = 0
    const session$ = defer(() => {
      // The session's own clock starts at its first tick; what is due is
      // counted from there, so a link that comes back does not owe a burst.
      let startedAt: number | undefined
      const first = next
      return ticks$.pipe(
        // eslint-disable-next-line rxjs-x/no-unsafe-takeuntil -- stop$ ends the ticks; a batch in flight still completes
        takeUntil(stop$),
        map(now => dueAfter(now - (startedAt ??= now), pace.rate) - (next - first)),
        // A batch that is still waiting for the network makes the ticks in
        // the meantime pass; the next tick sends what they would have.
        exhaustMap(due => range(next, Math.min(due, pace.maxBatch)).pipe(
          map(seq => encodePayload(seq, pace.size)),
          sendTo(node, peerId, STREAM),
          // Only an accepted message takes its number: an aborted batch
          // leaves no hole in the sequence.
          tap(() => { next++ }),
          map((data): ClusterEvent => ({ kind: 'sent', node: index, peerId, bytes: data.byteLength })),
          catchError((err: unknown) => of(errorEvent(index, 'send', err, peerId)))
        ))
      )
    })
    return node.state$(peerId).pipe(
      // eslint-disable-next-line rxjs-x/no-unsafe-takeuntil -- stop$ ends state changes; the session keeps its in-flight batch
      takeUntil(stop$),
      map(state => state === ConnectionState.Established),
      distinctUntilChanged(),
      // Leaving Established unsubscribes the session: a send still waiting
      // for room is aborted (it was never accepted, so it is not counted).
      switchMap(established => established ? session$ : EMPTY)
    )
  })
}

/**
 * Everything a node reports, as events: validated messages from cluster
 * members, handshakes, the states of its peers, its statistics and its
 * errors. Completes when the node stops.
 */
export function observe$ (member: Member, members: ReadonlySet<string>, size: number): Observable<ClusterEvent> {
  const { node, handshake, index } = member
  const received$ = node.messages$.pipe(
    onStream(STREAM),
    filterPeers(members),
    // Each message is checked in `process`: a link whose messages arrive
    // faster than they are checked is paused at 256 pending (its sender's
    // send() then waits) instead of filling memory; nothing is dropped.
    // `async`, not `[event]`: the operator breaks on a `process` result that
    // completes synchronously (see README.md, "Library notes").
    backpressure(256, 32, { process: async (message: IncomingMessage) => receivedEvent(index, message, size) })
  )
  const handshakes$ = node.events$.pipe(
    filterStates(ConnectionState.Established),
    map((e): ClusterEvent => ({ kind: 'established', node: index, peerId: e.peerId }))
  )
  const states$ = node.peers$.pipe(
    map(entries => entries.map(e => e.peerId)),
    distinctUntilChanged((a, b) => a.length === b.length && a.every((id, i) => id === b[i])),
    switchMap(ids => ids.length === 0 ? of([]) : combineLatest(ids.map(id => node.state$(id)))),
    map((states): ClusterEvent => ({ kind: 'states', node: index, states }))
  )
  const stats$ = node.stats$.pipe(map((stats): ClusterEvent => ({ kind: 'stats', node: index, stats })))
  const errors$ = merge(
    node.errors$.pipe(map(e => errorEvent(index, 'errors$', e, e.peer))),
    node.decryptionErrors$.pipe(map(f => errorEvent(index, 'decryptionErrors$', f.error, f.peerId))),
    handshake.failures$.pipe(map(e => errorEvent(index, 'handshake', e, e.peer)))
  )
  return merge(received$, handshakes$, states$, stats$, errors$).pipe(
    catchError((err: unknown) => of(errorEvent(index, 'errors$', err, undefined)))
  )
}

function receivedEvent (node: number, message: IncomingMessage, size: number): ClusterEvent {
  const { seq, valid } = inspectPayload(message.data, size)
  return { kind: 'received', node, peerId: message.peerId, seq, bytes: message.data.byteLength, valid }
}

export function errorEvent (node: number, source: ErrorSource, err: unknown, peerId: string | undefined): ClusterEvent {
  const code = isGlueberryError(err) ? err.code : 'UNEXPECTED'
  const message = err instanceof Error ? err.message : String(err)
  return { kind: 'error', node, source, code, message, ...(peerId === undefined ? {} : { peerId }) }
}
