/**
 * High/low watermark admission for one writer queue, first come first served.
 *
 * A sender is admitted at once while the queue is below `high` and nobody is
 * waiting; otherwise it waits in line. Once the queue reaches `high` the gate
 * closes and stays closed until the writer reports it has fallen to `low`;
 * then waiters are admitted in arrival order until it closes again. Admission
 * is synchronous with the call when possible, so concurrent callers can never
 * all slip past a check made before an `await` (a gate that awaits first
 * admits a whole burst), and order of calls is order of admission.
 *
 * One gate per (peer, stream): a slow peer never blocks sends to another
 * peer or another stream (the Go original had one gate per stream name and
 * counted only concurrent writers).
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'

export interface GateObserver {
  engaged (): void
  waited (seconds: number): void
}

interface Waiter<T> {
  item: T
  since: number
  resolve: () => void
  reject: (err: Error) => void
  signal?: AbortSignal
  onAbort?: () => void
}

export class WatermarkGate<T> {
  private blocked = false
  private readonly line: Array<Waiter<T>> = []
  private failure?: GlueberryError

  /**
   * @param admit enqueues one item and returns the queue length after it.
   */
  constructor (
    private readonly high: number,
    private readonly low: number,
    private readonly admit: (item: T) => number,
    private readonly observer?: GateObserver
  ) {}

  get isBlocked (): boolean {
    return this.blocked
  }

  get waiting (): number {
    return this.line.length
  }

  /**
   * Admits `item` now (returns undefined) or returns a promise that resolves
   * once it is admitted. Rejects with Backpressure if `signal` aborts while
   * waiting (the item is then never admitted), or with the failure if the
   * writer goes away.
   */
  submit (item: T, signal?: AbortSignal): Promise<void> | undefined {
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (!this.blocked && this.line.length === 0) {
      this.enter(item)
      return undefined
    }
    if (signal?.aborted === true) return Promise.reject(backpressureAbort(signal))
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<T> = { item, since: performance.now(), resolve, reject }
      if (signal !== undefined) {
        waiter.signal = signal
        waiter.onAbort = () => {
          const at = this.line.indexOf(waiter)
          if (at >= 0) this.line.splice(at, 1)
          reject(backpressureAbort(signal))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.line.push(waiter)
    })
  }

  /** The writer reports the queue length after it drained some of it. */
  update (queued: number): void {
    if (!this.blocked || queued > this.low) return
    this.blocked = false
    while (!this.blocked && this.line.length > 0) {
      const waiter = this.line.shift() as Waiter<T>
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort)
      this.enter(waiter.item)
      this.observer?.waited((performance.now() - waiter.since) / 1000)
      waiter.resolve()
    }
  }

  /** Fails every waiter and every later submission (the writer is gone). */
  fail (err: GlueberryError): void {
    this.failure = err
    const line = this.line.splice(0)
    for (const waiter of line) {
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort)
      waiter.reject(err)
    }
  }

  private enter (item: T): void {
    const queued = this.admit(item)
    if (!this.blocked && queued >= this.high) {
      this.blocked = true
      this.observer?.engaged()
    }
  }
}

function backpressureAbort (signal: AbortSignal): GlueberryError {
  return new GlueberryError(ErrorCode.Backpressure, 'send aborted while blocked by backpressure', {
    cause: signal.reason,
    retriable: true
  })
}
