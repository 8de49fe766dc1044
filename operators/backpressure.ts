import { Observable, Subscription, from } from 'rxjs'
import type { MonoTypeOperatorFunction, ObservableInput, OperatorFunction } from 'rxjs'
import { ErrorCode, GlueberryError } from '../lib/errors.js'
import { flowOf } from '../lib/flow.js'
import type { FlowHandle } from '../lib/flow.js'

/** What to do when a source that cannot be paused outruns `maxBuffer`. */
export type OverflowPolicy = 'error' | 'drop-oldest' | 'drop-newest'

/** Options of {@link backpressure}. */
export interface BackpressureOptions<T, R> {
  /**
   * The work done for each item, at most `concurrency` at a time (like
   * `concatMap`/`mergeMap`). Items waiting AND items being processed count
   * as pending, which is what makes the watermarks mean "the consumer is
   * behind". Without it, the consumer is the downstream subscriber and an
   * item is done when its synchronous `next` returns. Default: none.
   */
  process?: (item: T, index: number) => ObservableInput<R>
  /** Items processed at once. Default 1 (order kept, as `concatMap`). */
  concurrency?: number
  /** Items from sources that cannot be paused held at most. Default `high`. */
  maxBuffer?: number
  /** Past `maxBuffer`: fail with BACKPRESSURE (default), or drop and report. */
  overflow?: OverflowPolicy
  /** Called with every item an overflow policy dropped. Default: none. */
  onDrop?: (item: T) => void
}

/**
 * Holds a consumer's pace against a fast source, without losing anything.
 *
 * <span class="informal">Counts the items not yet done per source; pauses a
 * source at `high` and resumes it at `low`.</span>
 *
 * Items from glueberry (`node.messages$`) carry a flow handle
 * (`flowOf(message)`): one per peer and stream. When the items of one source
 * that are waiting or being processed reach `high`, that source is paused
 * (the libp2p stream stops reading, yamux stops granting window, the remote
 * `send()` waits); when they fall to `low` it is resumed. Other peers and
 * streams are unaffected. Items without a flow handle are buffered up to
 * `maxBuffer` and then handled by the `overflow` policy.
 *
 * ```text
 * source:    -a-b-c-d-e-------|          (one peer/stream, high 3, low 1)
 * process:    each item takes 4 frames, one at a time
 * result:    -----A---B---C---D---E|
 * flow:         pause at c (3 pending) ... resume when 1 is left
 * ```
 *
 * Why the work goes in `process` rather than in a `concatMap` after this
 * operator: `concatMap` keeps its own queue, invisible to anything upstream,
 * so `backpressure(h, l), concatMap(f)` would let that queue grow without
 * bound while `backpressure` sees nothing pending.
 *
 * Unsubscribing resumes every source it paused and tears down running work.
 *
 * ## Example
 * ```ts
 * node.messages$.pipe(
 *   onStream('votes'),
 *   filterPeers(validators),
 *   backpressure(1000, 100, { process: vote => handleVote(vote) })
 * ).subscribe()
 * ```
 *
 * @param high Pending items per source at which the source is paused.
 * @param low Pending items per source at which it is resumed; below `high`.
 */
export function backpressure<T> (high: number, low: number, options?: BackpressureOptions<T, T> & { process?: undefined }): MonoTypeOperatorFunction<T>
export function backpressure<T, R> (high: number, low: number, options: BackpressureOptions<T, R> & { process: (item: T, index: number) => ObservableInput<R> }): OperatorFunction<T, R>
export function backpressure<T, R> (high: number, low: number, options: BackpressureOptions<T, R> = {}): OperatorFunction<T, T | R> {
  if (!Number.isInteger(high) || high < 1 || !Number.isInteger(low) || low < 0 || low >= high) {
    throw new GlueberryError(ErrorCode.InvalidConfig, `backpressure needs integers 0 <= low < high, got high ${high}, low ${low}`)
  }
  const concurrency = options.concurrency ?? 1
  const maxBuffer = options.maxBuffer ?? high
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new GlueberryError(ErrorCode.InvalidConfig, `concurrency must be a positive integer, got ${concurrency}`)
  if (!Number.isInteger(maxBuffer) || maxBuffer < 1) throw new GlueberryError(ErrorCode.InvalidConfig, `maxBuffer must be a positive integer, got ${maxBuffer}`)
  const overflow = options.overflow ?? 'error'

  return (source) => new Observable<T | R>((subscriber) => {
    const queue: T[] = []
    let head = 0
    let running = 0
    let index = 0
    let sourceDone = false
    let draining = false
    /** Pending items per flow key, and the handles we paused. */
    const pending = new Map<string, number>()
    const paused = new Map<string, FlowHandle>()
    /** Items without a flow handle that are waiting. */
    let unpausable = 0
    const inner = new Set<Subscription>()

    const done = (item: T): void => {
      const flow = flowOf(item)
      if (flow === undefined) return
      const left = (pending.get(flow.key) ?? 1) - 1
      if (left === 0) pending.delete(flow.key)
      else pending.set(flow.key, left)
      const handle = paused.get(flow.key)
      if (handle !== undefined && left <= low) {
        paused.delete(flow.key)
        handle.resume()
      }
    }

    const maybeComplete = (): void => {
      if (sourceDone && running === 0 && head === queue.length) subscriber.complete()
    }

    const start = (item: T): void => {
      running++
      const i = index++
      if (options.process === undefined) {
        subscriber.next(item)
        running--
        done(item)
        return
      }
      let result: ObservableInput<R>
      try {
        result = options.process(item, i)
      } catch (err) {
        subscriber.error(err)
        return
      }
      // A holder made before subscribing: `process` may complete synchronously
      // (of(x), an array), and complete then runs inside subscribe().
      const sub = new Subscription()
      inner.add(sub)
      sub.add(from(result).subscribe({
        next: (value) => { subscriber.next(value) },
        error: (err: unknown) => { subscriber.error(err) },
        complete: () => {
          inner.delete(sub)
          running--
          done(item)
          drain()
          maybeComplete()
        }
      }))
    }

    const drain = (): void => {
      if (draining) return
      draining = true
      try {
        while (running < concurrency && head < queue.length && !subscriber.closed) {
          const item = queue[head]
          queue[head++] = undefined as unknown as T
          if (flowOf(item) === undefined) unpausable--
          start(item)
        }
        if (head > 1024 && head * 2 > queue.length) {
          queue.splice(0, head)
          head = 0
        }
      } finally {
        draining = false
      }
    }

    const dropOldestUnpausable = (): T | undefined => {
      for (let i = head; i < queue.length; i++) {
        const item = queue[i]
        if (flowOf(item) === undefined) {
          queue.splice(i, 1)
          unpausable--
          return item
        }
      }
      return undefined
    }

    const subscription = source.subscribe({
      next: (item) => {
        const flow = flowOf(item)
        if (flow !== undefined) {
          const count = (pending.get(flow.key) ?? 0) + 1
          pending.set(flow.key, count)
          if (count >= high && !paused.has(flow.key)) {
            paused.set(flow.key, flow)
            flow.pause()
          }
        } else if (unpausable >= maxBuffer) {
          if (overflow === 'error') {
            subscriber.error(new GlueberryError(ErrorCode.Backpressure,
              `backpressure buffer overflow: ${maxBuffer} items from a source that cannot be paused`, { retriable: true }))
            return
          }
          if (overflow === 'drop-newest') {
            options.onDrop?.(item)
            return
          }
          const dropped = dropOldestUnpausable()
          if (dropped !== undefined) options.onDrop?.(dropped)
        }
        if (flow === undefined) unpausable++
        queue.push(item)
        drain()
      },
      error: (err: unknown) => { subscriber.error(err) },
      complete: () => {
        sourceDone = true
        maybeComplete()
      }
    })

    return () => {
      subscription.unsubscribe()
      for (const sub of inner) sub.unsubscribe()
      inner.clear()
      // Never leave a libp2p stream paused behind us.
      for (const handle of paused.values()) handle.resume()
      paused.clear()
    }
  })
}
