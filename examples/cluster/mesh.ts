/**
 * Connecting the full mesh, a few links at a time.
 *
 * Every node of the cluster lives in this one process, on one thread, and
 * setting up a link costs about 20 ms of CPU there (both ends: TCP, Noise XX,
 * yamux, the standard handshake, the first encrypted stream). Asking for all
 * 2450 links of 50 nodes at once makes every handshake wait for all the
 * others: none finishes within libp2p's per-address dial timeout (6 s) or the
 * handshake's step timeout, and the mesh collapses into redials (measured:
 * 1994 of 2450 links after 60 s). Admitted a few at a time, each link takes a
 * fraction of a second and the mesh is complete as fast as the CPU allows
 * (measured: 2450 links in about 20 s on an idle 2-core machine).
 *
 * How long that takes depends on the CPU this process gets, not on a fixed
 * budget: the set-up goes on as long as links keep being Established, and
 * gives up only after {@link MESH_STALL_MS} without one (a link that does not
 * come up within {@link LINK_TIMEOUT_MS} frees its slot for the next pair).
 *
 * A link is both ends calling `addPeer` (each end must know the other: nodes
 * refuse unknown inbound peers by default), then waiting until both are
 * Established. Both ends dial at once; the library keeps one session per pair.
 *
 * @module
 */
import { EMPTY, catchError, combineLatest, defer, filter, from, lastValueFrom, map, mergeMap, of, switchMap, take, takeUntil, timeout } from 'rxjs'
import type { Observable } from 'rxjs'
import { ConnectionState } from '../../lib/index.js'
import type { GlueberryNode } from '../../lib/index.js'

/** Links set up at the same time. */
export const MESH_CONCURRENCY = 16

/** The set-up gives up after this long without a new Established link. */
export const MESH_STALL_MS = 30_000

/** A link not Established after this long frees its slot (it may still come up later). */
export const LINK_TIMEOUT_MS = 60_000

/** Every unordered pair, in a fixed order. */
export function pairsOf<T> (items: readonly T[]): Array<readonly [T, T]> {
  const pairs: Array<readonly [T, T]> = []
  for (let i = 0; i < items.length; i++) {
    for (let j = i + 1; j < items.length; j++) pairs.push([items[i], items[j]])
  }
  return pairs
}

export interface MeshPeer {
  readonly node: GlueberryNode
  readonly name: string
}

export interface MeshResult {
  /** Directed links asked for: n(n-1). */
  readonly links: number
  /** Directed links Established when the set-up ended. */
  readonly established: number
  readonly ms: number
  readonly concurrency: number
  /** The set-up was cut short by `stop$`. */
  readonly stopped: boolean
}

export interface MeshOptions {
  readonly concurrency?: number
  /** Default MESH_STALL_MS. */
  readonly stallMs?: number
  /** Default LINK_TIMEOUT_MS. */
  readonly linkTimeoutMs?: number
  /** Stops admitting links (Ctrl-C). */
  readonly stop$?: Observable<unknown>
}

/**
 * Resolves when every pair was tried (each Established or timed out), when
 * no link came up for `stallMs`, or when `stop$` emits.
 */
export async function connectMesh (peers: readonly MeshPeer[], options: MeshOptions = {}): Promise<MeshResult> {
  const concurrency = options.concurrency ?? MESH_CONCURRENCY
  const stallMs = options.stallMs ?? MESH_STALL_MS
  const linkTimeoutMs = options.linkTimeoutMs ?? LINK_TIMEOUT_MS
  const links = peers.length * (peers.length - 1)
  const startedAt = Date.now()
  let stopped = false
  const stop$ = (options.stop$ ?? EMPTY).pipe(take(1), map(() => { stopped = true }))
  const done$ = from(pairsOf(peers)).pipe(
    mergeMap(([a, b]) => link$(a, b).pipe(
      timeout({ first: linkTimeoutMs, with: () => of(false) }),
      // A failed addPeer (a stopping node) is a link that did not come up; the summary counts them.
      catchError(() => of(false))
    ), concurrency),
    filter(Boolean),
    // No link for stallMs: the machine (or the network) is not getting anywhere.
    timeout({ each: stallMs, with: () => EMPTY }),
    takeUntil(stop$)
  )
  await lastValueFrom(done$, { defaultValue: false })
  return { links, established: countEstablished(peers), ms: Date.now() - startedAt, concurrency, stopped }
}

/** Both ends learn of each other, then wait until both are Established (true). */
function link$ (a: MeshPeer, b: MeshPeer): Observable<boolean> {
  return defer(async () => {
    await Promise.all([
      a.node.addPeer(b.node.peerId, b.node.multiaddrs, { name: b.name }),
      b.node.addPeer(a.node.peerId, a.node.multiaddrs, { name: a.name })
    ])
  }).pipe(
    switchMap(() => combineLatest([established$(a.node, b.node.peerId), established$(b.node, a.node.peerId)])),
    take(1),
    map(() => true)
  )
}

function established$ (node: GlueberryNode, peerId: string): Observable<ConnectionState> {
  return node.state$(peerId).pipe(filter(s => s === ConnectionState.Established), take(1))
}

function countEstablished (peers: readonly MeshPeer[]): number {
  let n = 0
  for (const a of peers) {
    for (const b of peers) {
      if (a !== b && a.node.status === 'started' && a.node.state(b.node.peerId) === ConnectionState.Established) n++
    }
  }
  return n
}
