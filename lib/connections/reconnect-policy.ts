/**
 * Reconnection backoff: exponential delays with jitter and an attempt budget.
 *
 * Pure: no timers, no clock, no hidden randomness. The caller supplies the
 * random draw, so the same inputs always give the same delay, and tests (and
 * the connection state machine) stay deterministic.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import { describeValue } from '../describe-value.js'

/**
 * How a peer is redialled after a failed dial, a lost connection or the end of
 * a handshake cooldown. Attempt `n` (0-based) waits
 * `min(baseDelay * 2^n, maxDelay)` milliseconds, spread by ±`jitter`.
 */
export interface ReconnectPolicy {
  /**
   * Delay before the first reconnection attempt, in milliseconds. Each later
   * attempt doubles it until `maxDelay`.
   * @default 500
   */
  readonly baseDelay: number
  /**
   * Upper bound of the nominal delay, in milliseconds (jitter may add up to
   * `jitter * maxDelay` on top). Must not be below `baseDelay`. It bounds how
   * long a healed link waits for the next attempt: after an outage of any
   * length the pair is back within `dialTimeout + maxDelay * (1 + jitter)` plus
   * one dial and handshake (5 + 3.3 s with the defaults, under 10 s).
   * @default 3000, or `baseDelay` when only a larger `baseDelay` is given
   */
  readonly maxDelay: number
  /**
   * Reconnection attempts before giving up. `0` means never reconnect (it is
   * NOT replaced by the default, unlike the Go original); `Infinity` means
   * keep trying for ever. The counter restarts when a handshake completes.
   * Giving up is reported: a Disconnected event with `terminal: true` and a
   * CONNECTION_FAILED error "reconnection attempts exhausted".
   * @default Infinity: the peers are in the address book because the
   *   application wants them; an outage of any length must heal on its own.
   */
  readonly maxAttempts: number
  /**
   * Fraction of the nominal delay by which each delay is randomly spread in
   * both directions: `0.1` gives delays in `[0.9 d, 1.1 d)`. In `[0, 1)`, so a
   * delay is never negative. Jitter keeps peers that lost each other at the
   * same moment from redialling in lockstep.
   * @default 0.1
   */
  readonly jitter: number
}

/** The largest delay `setTimeout` honours; larger values fire at once in Node. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1

/**
 * Short, unlimited retries: a redial of a peer that is down costs one TCP
 * connect (refused at once) or one dial bounded by `dialTimeout`, so trying
 * every 3 s is cheap, and it is what brings a pair back within seconds of a
 * link healing (the old 5-minute cap left pairs apart for minutes).
 */
export const DEFAULT_RECONNECT_POLICY: ReconnectPolicy = Object.freeze({
  baseDelay: 500,
  maxDelay: 3000,
  maxAttempts: Infinity,
  jitter: 0.1
})

const KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_RECONNECT_POLICY))

function invalid (message: string): GlueberryError {
  return new GlueberryError(ErrorCode.InvalidConfig, `reconnect.${message}`)
}

/**
 * A timer option in ms, `min` to MAX_TIMER_DELAY (a longer timer fires at once), or
 * `fallback` when it is undefined. `option` names it in the error (`reconnect.baseDelay`).
 *
 * @throws {@link GlueberryError} InvalidConfig
 */
export function checkedDelay (option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMER_DELAY) {
    throw new GlueberryError(ErrorCode.InvalidConfig,
      `${option} must be a number of milliseconds between ${min} and ${MAX_TIMER_DELAY}, got ${describeValue(value)}`)
  }
  return value
}

/**
 * Fills in defaults and validates. `undefined` means "use the default"; any
 * value given is checked and kept as it is.
 *
 * @throws {@link GlueberryError} `InvalidConfig` for an unknown key, a negative,
 * non-finite or too large delay, `maxDelay < baseDelay`, a `maxAttempts` that is
 * neither a non-negative integer nor `Infinity`, or a `jitter` outside `[0, 1)`.
 */
export function validateReconnectPolicy (partial: Partial<ReconnectPolicy> = {}): ReconnectPolicy {
  if (partial === null || typeof partial !== 'object') throw invalid(`options must be an object, got ${String(partial)}`)
  // A misspelt key (`maxAttempt`) would otherwise silently fall back to a default.
  for (const key of Object.keys(partial)) {
    if (!KEYS.has(key)) throw invalid(`${key} is not an option (expected one of ${[...KEYS].join(', ')})`)
  }
  const baseDelay = checkedDelay('reconnect.baseDelay', partial.baseDelay, DEFAULT_RECONNECT_POLICY.baseDelay, 0)
  // Only the default adapts to a larger baseDelay; a maxDelay the caller gave is never changed.
  const maxDelay = checkedDelay('reconnect.maxDelay', partial.maxDelay, Math.max(DEFAULT_RECONNECT_POLICY.maxDelay, baseDelay), 0)
  if (maxDelay < baseDelay) throw invalid(`maxDelay (${maxDelay}) must not be below baseDelay (${baseDelay})`)

  // `=== undefined`, not `??`: a null is a mistake to report, not a request for the default.
  const maxAttempts = partial.maxAttempts === undefined ? DEFAULT_RECONNECT_POLICY.maxAttempts : partial.maxAttempts
  if (typeof maxAttempts !== 'number' || !(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 0))) {
    throw invalid(`maxAttempts must be a non-negative integer or Infinity, got ${String(maxAttempts)}`)
  }
  const jitter = partial.jitter === undefined ? DEFAULT_RECONNECT_POLICY.jitter : partial.jitter
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter < 1)) {
    throw invalid(`jitter must be a fraction in [0, 1), got ${String(jitter)}`)
  }
  return Object.freeze({ baseDelay, maxDelay, maxAttempts, jitter })
}

function checkAttempt (attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`attempt must be a non-negative integer, got ${String(attempt)}`)
  }
}

/**
 * The delay before reconnection attempt `attempt` (0-based), in whole
 * milliseconds: `min(baseDelay * 2^attempt, maxDelay)` scaled by a factor in
 * `[1 - jitter, 1 + jitter)` picked by `random`. Never negative, never above
 * {@link MAX_TIMER_DELAY}, finite for any attempt number.
 *
 * @param random - one uniform draw in `[0, 1)`, or a function returning one
 *   (called exactly once); `0.5` means "no jitter".
 * @throws {@link RangeError} when `attempt` is not a non-negative integer or the
 *   draw is outside `[0, 1)`: both are bugs in the caller.
 */
export function reconnectDelay (attempt: number, policy: ReconnectPolicy, random: number | (() => number)): number {
  checkAttempt(attempt)
  const draw = typeof random === 'function' ? random() : random
  if (!(draw >= 0 && draw < 1)) throw new RangeError(`random draw must be in [0, 1), got ${String(draw)}`)
  const nominal = nominalDelay(attempt, policy)
  const factor = 1 + policy.jitter * (2 * draw - 1)
  return Math.min(MAX_TIMER_DELAY, Math.max(0, Math.round(nominal * factor)))
}

/** The delay before attempt `attempt` without jitter. */
export function nominalDelay (attempt: number, policy: ReconnectPolicy): number {
  checkAttempt(attempt)
  // 0 * 2^n is NaN once 2^n overflows to Infinity, so a zero base is answered directly.
  if (policy.baseDelay === 0) return 0
  // Past 2^1100 the power is Infinity, which min() turns into maxDelay: no overflow to NaN.
  return Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.min(attempt, 1100))
}

/**
 * True when reconnection attempt `attempt` (0-based, i.e. the number of
 * attempts already used) is still within the budget.
 */
export function shouldRetry (attempt: number, policy: ReconnectPolicy): boolean {
  checkAttempt(attempt)
  return attempt < policy.maxAttempts
}
