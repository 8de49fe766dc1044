/**
 * Time limits as AbortSignals that let go when the work is done.
 *
 * `AbortSignal.timeout()` keeps its timer, and every listener libp2p adds to
 * the signal, alive for the whole timeout even when the work finished long
 * before: with one per stream opening or close, that was memory held per
 * peer. These helpers clear the timer as soon as the work settles.
 *
 * @module
 */

/** Runs `work` with a signal that aborts after `ms` (or when `signal` does); the timer is cleared when `work` settles. */
export async function withDeadline<T> (ms: number, reason: string, work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
  const timer = new AbortController()
  const timeout = setTimeout(() => { timer.abort(new Error(reason)) }, ms)
  try {
    return await work(signal === undefined ? timer.signal : AbortSignal.any([signal, timer.signal]))
  } finally {
    clearTimeout(timeout)
  }
}

/**
 * Resolves with `promise`, or rejects with the signal's reason when it aborts first
 * (no signal: just `promise`). The abort listener is removed once either settles.
 */
export async function untilAborted<T> (promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return await promise
  signal.throwIfAborted()
  let onAbort: (() => void) | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      onAbort = () => { reject(signal.reason as unknown) }
      signal.addEventListener('abort', onAbort, { once: true })
    })])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}
