/**
 * Holds one stream's messages from node start until the session knows its
 * peer. `messages$` is hot, and the remote can finish its half of the
 * handshake and send data a round trip before our own Established event:
 * without this, the first bytes would be emitted to nobody.
 *
 * Memory stays bounded: past {@link HOLD_LIMIT} held messages the source
 * stream is paused (the sender then waits), and resumed once the messages
 * are handed over or dropped.
 *
 * @module
 */
import { Observable, Subject, filter } from 'rxjs'
import type { Subscription } from 'rxjs'
import { flowOf } from '../lib/index.js'
import type { FlowHandle, IncomingMessage } from '../lib/index.js'

/** Messages held per peer before its stream is paused. */
export const HOLD_LIMIT = 64

interface Held {
  readonly messages: IncomingMessage[]
  readonly paused: Set<FlowHandle>
}

export class Inbox {
  private readonly held = new Map<string, Held>()
  private readonly live = new Subject<IncomingMessage>()
  private readonly subscription: Subscription
  private chosen?: string

  constructor (messages$: Observable<IncomingMessage>, stream: string) {
    this.subscription = messages$.pipe(filter(m => m.stream === stream)).subscribe({
      next: (message) => { this.receive(message) },
      complete: () => { this.live.complete() }
    })
  }

  /**
   * The messages of `peerId`: those held so far, then the live ones. The
   * first subscription picks the peer; everything held for other peers is
   * dropped and their messages ignored from then on.
   */
  of (peerId: string): Observable<IncomingMessage> {
    return new Observable<IncomingMessage>((subscriber) => {
      if (this.chosen !== undefined) {
        subscriber.error(new Error(`inbox already handed to ${this.chosen}`))
        return
      }
      this.chosen = peerId
      const mine = this.held.get(peerId)
      this.held.delete(peerId)
      this.release()
      // The replay, then live: both synchronous, so nothing falls between.
      for (const message of mine?.messages ?? []) {
        if (subscriber.closed) break
        subscriber.next(message)
      }
      const live = this.live.subscribe(subscriber)
      // Resumed after the replay, so the subscriber's own pauses (slow
      // stdout) are already counted when ours are lifted.
      for (const handle of mine?.paused ?? []) handle.resume()
      return live
    })
  }

  close (): void {
    this.subscription.unsubscribe()
    this.release()
    this.live.complete()
  }

  private receive (message: IncomingMessage): void {
    if (this.chosen !== undefined) {
      if (message.peerId === this.chosen) this.live.next(message)
      return
    }
    let held = this.held.get(message.peerId)
    if (held === undefined) {
      held = { messages: [], paused: new Set() }
      this.held.set(message.peerId, held)
    }
    held.messages.push(message)
    const handle = flowOf(message)
    if (held.messages.length >= HOLD_LIMIT && handle !== undefined && !held.paused.has(handle)) {
      handle.pause()
      held.paused.add(handle)
    }
  }

  /** Drops what is held for peers that were not chosen. */
  private release (): void {
    for (const held of this.held.values()) {
      for (const handle of held.paused) handle.resume()
    }
    this.held.clear()
  }
}
