import fc from 'fast-check'
import { ErrorCode, isGlueberryError } from '../../lib/errors.js'
import {
  DEFAULT_RECONNECT_POLICY, MAX_TIMER_DELAY, nominalDelay, reconnectDelay, shouldRetry, validateReconnectPolicy
} from '../../lib/connections/reconnect-policy.js'
import type { ReconnectPolicy } from '../../lib/connections/reconnect-policy.js'

function invalidConfig (fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(isGlueberryError(err, ErrorCode.InvalidConfig)).toBe(true)
    return (err as Error).message
  }
  throw new Error('expected InvalidConfig')
}

describe('validateReconnectPolicy', () => {
  it('fills in the documented defaults', () => {
    expect(validateReconnectPolicy()).toEqual({ baseDelay: 500, maxDelay: 3000, maxAttempts: Infinity, jitter: 0.1 })
    expect(validateReconnectPolicy({})).toEqual(DEFAULT_RECONNECT_POLICY)
    expect(Object.isFrozen(validateReconnectPolicy())).toBe(true)
  })

  it('keeps maxAttempts 0 as "never reconnect" instead of replacing it (Go C12)', () => {
    expect(validateReconnectPolicy({ maxAttempts: 0 }).maxAttempts).toBe(0)
    expect(validateReconnectPolicy({ baseDelay: 0, jitter: 0 })).toMatchObject({ baseDelay: 0, jitter: 0 })
  })

  it('accepts Infinity as unlimited attempts', () => {
    expect(validateReconnectPolicy({ maxAttempts: Infinity }).maxAttempts).toBe(Infinity)
  })

  it('treats undefined as unset', () => {
    expect(validateReconnectPolicy({ baseDelay: undefined, maxAttempts: undefined })).toEqual(DEFAULT_RECONNECT_POLICY)
  })

  it('lets the default maxDelay grow to a larger baseDelay, but never a given maxDelay', () => {
    expect(validateReconnectPolicy({ baseDelay: 600_000 })).toMatchObject({ baseDelay: 600_000, maxDelay: 600_000 })
    expect(validateReconnectPolicy({ baseDelay: 100 })).toMatchObject({ baseDelay: 100, maxDelay: 3000 })
    expect(invalidConfig(() => validateReconnectPolicy({ baseDelay: 600_000, maxDelay: 300_000 })))
      .toMatch(/maxDelay \(300000\) must not be below baseDelay \(600000\)/)
  })

  it.each([
    ['negative baseDelay', { baseDelay: -1 }, /baseDelay/],
    ['NaN baseDelay', { baseDelay: NaN }, /baseDelay/],
    ['infinite baseDelay', { baseDelay: Infinity }, /baseDelay/],
    ['baseDelay beyond setTimeout', { baseDelay: MAX_TIMER_DELAY + 1 }, /baseDelay/],
    ['string baseDelay', { baseDelay: '1000' }, /baseDelay/],
    ['negative maxDelay', { maxDelay: -5 }, /maxDelay/],
    ['NaN maxDelay', { maxDelay: NaN }, /maxDelay/],
    ['maxDelay below baseDelay', { baseDelay: 10, maxDelay: 5 }, /maxDelay/],
    ['negative maxAttempts', { maxAttempts: -1 }, /maxAttempts/],
    ['fractional maxAttempts', { maxAttempts: 1.5 }, /maxAttempts/],
    ['NaN maxAttempts', { maxAttempts: NaN }, /maxAttempts/],
    ['-Infinity maxAttempts', { maxAttempts: -Infinity }, /maxAttempts/],
    ['negative jitter', { jitter: -0.1 }, /jitter/],
    ['jitter of 1', { jitter: 1 }, /jitter/],
    ['NaN jitter', { jitter: NaN }, /jitter/],
    ['null jitter', { jitter: null }, /jitter/],
    ['null maxAttempts', { maxAttempts: null }, /maxAttempts/],
    ['null baseDelay', { baseDelay: null }, /baseDelay/],
    ['an unknown key', { maxAttempt: 3 }, /maxAttempt is not an option/]
  ])('rejects %s with InvalidConfig', (_name, partial, message) => {
    expect(invalidConfig(() => validateReconnectPolicy(partial as unknown as Partial<ReconnectPolicy>))).toMatch(message)
  })

  it('rejects a non-object', () => {
    expect(invalidConfig(() => validateReconnectPolicy(null as unknown as Partial<ReconnectPolicy>))).toMatch(/object/)
    expect(invalidConfig(() => validateReconnectPolicy(5 as unknown as Partial<ReconnectPolicy>))).toMatch(/object/)
  })
})

describe('reconnectDelay', () => {
  // The Go original's schedule (1 s doubling to 5 min): the algorithm, not the defaults.
  const GO = { baseDelay: 1000, maxDelay: 300_000, maxAttempts: 10 }
  const noJitter = validateReconnectPolicy({ ...GO, jitter: 0 })

  it('doubles from baseDelay up to maxDelay (the Go schedule)', () => {
    const delays = Array.from({ length: 12 }, (_, n) => reconnectDelay(n, noJitter, 0.5))
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000, 300_000])
  })

  it('spreads by ±jitter: the draw 0 gives the low end, 0.5 the nominal delay', () => {
    const policy = validateReconnectPolicy(GO)
    expect(reconnectDelay(0, policy, 0)).toBe(900)
    expect(reconnectDelay(0, policy, 0.5)).toBe(1000)
    expect(reconnectDelay(0, policy, 0.999999)).toBe(1100)
    expect(reconnectDelay(3, policy, 0.25)).toBe(7600)
  })

  it('calls a random function exactly once', () => {
    let calls = 0
    expect(reconnectDelay(1, validateReconnectPolicy(GO), () => { calls++; return 0.75 })).toBe(2100)
    expect(calls).toBe(1)
  })

  it('does not overflow for huge attempt numbers', () => {
    for (const attempt of [1023, 1024, 1100, 5000, Number.MAX_SAFE_INTEGER]) {
      expect(reconnectDelay(attempt, noJitter, 0.5)).toBe(300_000)
    }
    const zeroBase = validateReconnectPolicy({ baseDelay: 0, maxDelay: 0 })
    expect(reconnectDelay(Number.MAX_SAFE_INTEGER, zeroBase, 0.9)).toBe(0)
    const tiny = { baseDelay: Number.MIN_VALUE, maxDelay: 10, maxAttempts: 1, jitter: 0 }
    expect(reconnectDelay(5000, tiny, 0.5)).toBe(10)
  })

  it('stays within what setTimeout honours even with jitter on the largest delay', () => {
    const huge = validateReconnectPolicy({ baseDelay: MAX_TIMER_DELAY, jitter: 0.5 })
    expect(reconnectDelay(0, huge, 0.99)).toBe(MAX_TIMER_DELAY)
  })

  it('rejects bad attempt numbers and draws as caller bugs (RangeError)', () => {
    expect(() => reconnectDelay(-1, noJitter, 0.5)).toThrow(RangeError)
    expect(() => reconnectDelay(1.5, noJitter, 0.5)).toThrow(RangeError)
    expect(() => reconnectDelay(NaN, noJitter, 0.5)).toThrow(RangeError)
    expect(() => reconnectDelay(0, noJitter, 1)).toThrow(RangeError)
    expect(() => reconnectDelay(0, noJitter, -0.1)).toThrow(RangeError)
    expect(() => reconnectDelay(0, noJitter, NaN)).toThrow(RangeError)
    expect(() => reconnectDelay(0, noJitter, () => 1)).toThrow(RangeError)
  })

  const policyArb = fc.record({
    baseDelay: fc.integer({ min: 0, max: 100_000 }),
    extra: fc.integer({ min: 0, max: 1_000_000 }),
    jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
  }).map(({ baseDelay, extra, jitter }) => validateReconnectPolicy({ baseDelay, maxDelay: baseDelay + extra, jitter }))
  const drawArb = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })

  it('always lies within ±jitter of min(base * 2^n, max), as a whole number of ms', () => {
    fc.assert(fc.property(policyArb, fc.nat({ max: 2000 }), drawArb, (policy, attempt, draw) => {
      const delay = reconnectDelay(attempt, policy, draw)
      const nominal = policy.baseDelay === 0 ? 0 : Math.min(policy.maxDelay, policy.baseDelay * 2 ** attempt)
      expect(Number.isInteger(delay)).toBe(true)
      expect(delay).toBeGreaterThanOrEqual(0)
      expect(delay).toBeGreaterThanOrEqual(Math.floor(nominal * (1 - policy.jitter)))
      expect(delay).toBeLessThanOrEqual(Math.ceil(nominal * (1 + policy.jitter)))
    }), { numRuns: 2000 })
  })

  it('is deterministic and monotone in the draw and (without jitter) in the attempt', () => {
    fc.assert(fc.property(policyArb, fc.nat({ max: 100 }), drawArb, drawArb, (policy, attempt, a, b) => {
      expect(reconnectDelay(attempt, policy, a)).toBe(reconnectDelay(attempt, policy, a))
      const [lo, hi] = a <= b ? [a, b] : [b, a]
      expect(reconnectDelay(attempt, policy, lo)).toBeLessThanOrEqual(reconnectDelay(attempt, policy, hi))
      expect(nominalDelay(attempt, policy)).toBeLessThanOrEqual(nominalDelay(attempt + 1, policy))
    }), { numRuns: 2000 })
  })
})

describe('shouldRetry', () => {
  it('allows exactly maxAttempts attempts', () => {
    const three = validateReconnectPolicy({ maxAttempts: 3 })
    expect([0, 1, 2, 3, 4].map(n => shouldRetry(n, three))).toEqual([true, true, true, false, false])
  })

  it('never retries with maxAttempts 0 and always with Infinity', () => {
    expect(shouldRetry(0, validateReconnectPolicy({ maxAttempts: 0 }))).toBe(false)
    const forever = validateReconnectPolicy({ maxAttempts: Infinity })
    expect(shouldRetry(0, forever)).toBe(true)
    expect(shouldRetry(Number.MAX_SAFE_INTEGER, forever)).toBe(true)
  })

  it('rejects bad attempt numbers', () => {
    expect(() => shouldRetry(-1, DEFAULT_RECONNECT_POLICY)).toThrow(RangeError)
  })
})
