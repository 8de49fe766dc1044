/**
 * Helpers for MockNode unit tests: a virtual clock to hand to the mock, a
 * recording Metrics and Logger, and a way to let promise chains settle.
 */
import { VirtualTimeScheduler } from 'rxjs'
import { MockNode } from '../../lib/testing/index.js'
import type { MockNodeOptions } from '../../lib/testing/index.js'
import type { Observable } from 'rxjs'
import type { Logger, LogFields, LogLevel } from '../../lib/observability/logger.js'
import type { Metrics } from '../../lib/observability/metrics.js'

/** A VirtualTimeScheduler that a test moves forward by hand. */
export class VirtualClock {
  readonly scheduler = new VirtualTimeScheduler()

  now (): number {
    return this.scheduler.now()
  }

  /** Runs every action due in the next `ms` virtual milliseconds, then sets the clock to the end of that span. */
  advance (ms: number): void {
    const target = this.scheduler.frame + ms
    this.scheduler.maxFrames = target
    this.scheduler.flush()
    this.scheduler.frame = target
  }

  /** Timers still armed. */
  get pending (): number {
    return this.scheduler.actions.length
  }
}

/** Lets every pending promise callback run (one macrotask turn). */
export async function settle (): Promise<void> {
  await new Promise<void>(resolve => setImmediate(resolve))
}

/** Collects every value and the completion of an Observable. */
export function record<T> (source$: Observable<T>): { values: T[], completed: () => boolean } {
  const values: T[] = []
  let done = false
  source$.subscribe({ next: v => values.push(v), complete: () => { done = true } })
  return { values, completed: () => done }
}

export type MetricCall = [method: keyof Metrics, ...args: unknown[]]

/** A Metrics that records every call, in order. */
export function recordingMetrics (): Metrics & { calls: MetricCall[], count: (method: keyof Metrics, ...args: unknown[]) => number } {
  const calls: MetricCall[] = []
  const rec = (method: keyof Metrics) => (...args: unknown[]): void => { calls.push([method, ...args]) }
  return {
    calls,
    count: (method, ...args) => calls.filter(([m, ...rest]) => m === method && args.every((a, i) => rest[i] === a)).length,
    connectionOpened: rec('connectionOpened'),
    connectionClosed: rec('connectionClosed'),
    connectionAttempt: rec('connectionAttempt'),
    handshakeDuration: rec('handshakeDuration'),
    handshakeResult: rec('handshakeResult'),
    messageSent: rec('messageSent'),
    messageReceived: rec('messageReceived'),
    streamOpened: rec('streamOpened'),
    streamClosed: rec('streamClosed'),
    encryptionError: rec('encryptionError'),
    decryptionError: rec('decryptionError'),
    keyDerivation: rec('keyDerivation'),
    eventEmitted: rec('eventEmitted'),
    backpressureEngaged: rec('backpressureEngaged'),
    backpressureWait: rec('backpressureWait'),
    pendingMessages: rec('pendingMessages')
  }
}

/** A Logger that records every call. */
export function recordingLogger (): Logger & { lines: Array<{ level: LogLevel, msg: string, fields?: LogFields }> } {
  const lines: Array<{ level: LogLevel, msg: string, fields?: LogFields }> = []
  const rec = (level: LogLevel) => (msg: string, fields?: LogFields): void => {
    lines.push(fields === undefined ? { level, msg } : { level, msg, fields })
  }
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') }
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

/**
 * A MockNode that admits inbound peers it does not know (`inbound: 'any'`):
 * these tests simulate connections from arbitrary peers. The default,
 * 'known', is covered by mock-node.inbound.test.ts.
 */
export class AnyInboundMockNode extends MockNode {
  constructor (options: MockNodeOptions = {}) {
    super({ inbound: 'any', ...options })
  }
}
