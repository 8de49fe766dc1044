/**
 * Per-peer plumbing shared by the connection manager and the MockNode's
 * simulated connections: the replaying state subject of each peer, and the
 * `connect()` callers waiting for a peer to come up.
 *
 * @module
 */
import { BehaviorSubject, of } from 'rxjs'
import type { Observable } from 'rxjs'
import { ErrorCode, GlueberryError } from '../errors.js'
import type { ConnectionState } from '../types.js'

/** One replaying subject per peer, created on first use. */
export class PeerStates {
  private readonly subjects = new Map<string, BehaviorSubject<ConnectionState>>()
  private stopped = false

  /** @param current the peer's state now (seeds a new subject). */
  constructor (private readonly current: (peer: string) => ConnectionState) {}

  /** Replays the current state, then changes; after stop, the final state and completion. */
  state$ (peer: string): Observable<ConnectionState> {
    if (this.stopped) return of(this.current(peer))
    return this.subject(peer).asObservable()
  }

  next (peer: string, state: ConnectionState): void {
    this.subject(peer).next(state)
  }

  complete (): void {
    this.stopped = true
    for (const subject of this.subjects.values()) subject.complete()
  }

  private subject (peer: string): BehaviorSubject<ConnectionState> {
    let subject = this.subjects.get(peer)
    if (subject === undefined) {
      subject = new BehaviorSubject<ConnectionState>(this.current(peer))
      this.subjects.set(peer, subject)
    }
    return subject
  }
}

interface Waiter {
  resolve: () => void
  reject: (err: GlueberryError) => void
}

/** The `connect()` calls waiting for each peer to reach Connected. */
export class ConnectWaiters {
  private readonly waiters = new Map<string, Set<Waiter>>()

  /**
   * Resolves when `settle(peer)` reports success; rejects with the settled
   * error, or with Aborted when `signal` aborts (then `onAbort` runs, e.g.
   * to abort the dial: a user abort never starts reconnection).
   */
  wait (peer: string, signal?: AbortSignal, onAbort?: () => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let set = this.waiters.get(peer)
      if (set === undefined) {
        set = new Set()
        this.waiters.set(peer, set)
      }
      const waiters = set
      const abort = (): void => {
        waiters.delete(waiter)
        reject(new GlueberryError(ErrorCode.Aborted, `connect to ${peer} aborted`, { peer, cause: signal?.reason }))
        onAbort?.()
      }
      const waiter: Waiter = {
        resolve: () => { signal?.removeEventListener('abort', abort); resolve() },
        reject: (err) => { signal?.removeEventListener('abort', abort); reject(err) }
      }
      signal?.addEventListener('abort', abort, { once: true })
      waiters.add(waiter)
    })
  }

  /** Resolves (no error) or rejects every waiter of `peer`. */
  settle (peer: string, error: GlueberryError | undefined): void {
    const waiters = this.waiters.get(peer)
    if (waiters === undefined) return
    this.waiters.delete(peer)
    for (const waiter of waiters) {
      if (error === undefined) waiter.resolve()
      else waiter.reject(error)
    }
  }

  /** Rejects every waiter of every peer. */
  rejectAll (error: GlueberryError): void {
    for (const peer of [...this.waiters.keys()]) this.settle(peer, error)
  }
}
