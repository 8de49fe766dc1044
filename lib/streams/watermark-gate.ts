/**
 * High/low watermark gate for one writer queue. Senders pass while the queue
 * is below `high`; once it reaches `high` the gate closes and stays closed
 * until the queue falls to `low`, then every waiter is released at once
 * (a broadcast: the Go original once woke a single waiter and deadlocked).
 *
 * One gate per (peer, stream): a slow peer never blocks sends to another
 * peer or another stream (the Go original had one gate per stream name).
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'

export interface GateObserver {
  engaged (): void
  waited (seconds: number): void
}

export class WatermarkGate {
  private blocked = false
  private waiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  private failure?: GlueberryError

  constructor (
    private readonly high: number,
    private readonly low: number,
    private readonly observer?: GateObserver
  ) {}

  get isBlocked (): boolean {
    return this.blocked
  }

  get waiting (): number {
    return this.waiters.length
  }

  /** Reports the queue length after it changed. */
  update (queued: number): void {
    if (!this.blocked && queued >= this.high) {
      this.blocked = true
      this.observer?.engaged()
    } else if (this.blocked && queued <= this.low) {
      this.blocked = false
      this.releaseAll()
    }
  }

  /** Resolves when a sender may enqueue; rejects with Backpressure if the signal aborts while waiting. */
  async pass (signal?: AbortSignal): Promise<void> {
    if (this.failure !== undefined) throw this.failure
    if (!this.blocked) return
    if (signal?.aborted === true) throw backpressureAbort(signal)
    const started = performance.now()
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => { signal?.removeEventListener('abort', onAbort); resolve() },
        reject: (err: Error) => { signal?.removeEventListener('abort', onAbort); reject(err) }
      }
      const onAbort = (): void => {
        this.waiters = this.waiters.filter(w => w !== waiter)
        reject(backpressureAbort(signal as AbortSignal))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
    })
    this.observer?.waited((performance.now() - started) / 1000)
  }

  /** Fails every current and future waiter (the writer is gone). */
  fail (err: GlueberryError): void {
    this.failure = err
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w.reject(err)
  }

  private releaseAll (): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w.resolve()
  }
}

function backpressureAbort (signal: AbortSignal): GlueberryError {
  return new GlueberryError(ErrorCode.Backpressure, 'send aborted while blocked by backpressure', {
    cause: signal.reason,
    retriable: true
  })
}
