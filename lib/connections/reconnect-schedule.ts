/**
 * RxJS views of a {@link ReconnectPolicy}: the backoff as a cold Observable of
 * attempts, and as a `retry()` configuration. Both are cold: nothing waits
 * until they are subscribed, and every timer goes through the given scheduler,
 * so they run under virtual time in marble tests.
 *
 * The connection manager does not need these (it executes the state machine's
 * `scheduleReconnect` effects); they are for application-level retries built
 * from the same policy, e.g. `dial$(peer).pipe(retryWithBackoff(policy, Math.random))`.
 *
 * @module
 */
import type { MonoTypeOperatorFunction, Observable, SchedulerLike } from 'rxjs'
import { EMPTY, asyncScheduler, defer, expand, map, retry, throwError, timer } from 'rxjs'
import { ErrorCode, isGlueberryError, isPermanent } from '../errors.js'
import type { ReconnectPolicy } from './reconnect-policy.js'
import { reconnectDelay, shouldRetry } from './reconnect-policy.js'

/** One emission of {@link reconnectSchedule$}: attempt `attempt` is due now. */
export interface ReconnectAttempt {
  /** 0-based attempt number. */
  readonly attempt: number
  /** The delay that was waited before this attempt, in milliseconds. */
  readonly delay: number
}

/**
 * Emits each reconnection attempt of `policy` when it is due: attempt 0 after
 * `reconnectDelay(0)`, attempt 1 that much later again, and so on; completes
 * after `maxAttempts` emissions (at once when it is 0, never when it is
 * `Infinity`). `random` is drawn once per attempt, when its wait starts.
 */
export function reconnectSchedule$ (policy: ReconnectPolicy, random: () => number, scheduler: SchedulerLike = asyncScheduler): Observable<ReconnectAttempt> {
  const wait = (attempt: number): Observable<ReconnectAttempt> => {
    if (!shouldRetry(attempt, policy)) return EMPTY
    const delay = reconnectDelay(attempt, policy, random)
    return timer(delay, scheduler).pipe(map(() => ({ attempt, delay })))
  }
  // Each wait starts when the previous attempt is emitted, so the delays add up.
  return defer(() => wait(0)).pipe(expand(({ attempt }) => wait(attempt + 1)))
}

export interface RetryWithBackoffOptions {
  /**
   * Which errors are worth another try. The default retries everything except
   * permanent GlueberryErrors (a blacklisted peer, a bad key …) and `Aborted`:
   * a caller's abort must never turn into retries (the Go original's C13).
   */
  retryIf?: (error: unknown) => boolean
  /** Where the delays are scheduled. Default `asyncScheduler`. */
  scheduler?: SchedulerLike
}

function worthRetrying (error: unknown): boolean {
  return !isPermanent(error) && !isGlueberryError(error, ErrorCode.Aborted)
}

/**
 * `retry()` with the policy's backoff: at most `maxAttempts` resubscriptions,
 * the n-th after `reconnectDelay(n - 1)`; the counter restarts whenever the
 * source emits. An error that `retryIf` rejects, or the error after the last
 * attempt, is passed through unchanged.
 */
export function retryWithBackoff<T> (policy: ReconnectPolicy, random: () => number, options: RetryWithBackoffOptions = {}): MonoTypeOperatorFunction<T> {
  const { retryIf = worthRetrying, scheduler = asyncScheduler } = options
  return retry<T>({
    count: policy.maxAttempts,
    resetOnSuccess: true,
    // retry() counts from 1; the policy counts attempts from 0.
    delay: (error: unknown, retryCount: number) => retryIf(error)
      ? timer(reconnectDelay(retryCount - 1, policy, random), scheduler)
      : throwError(() => error)
  })
}
