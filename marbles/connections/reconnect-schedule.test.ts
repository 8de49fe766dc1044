import { defer } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { validateReconnectPolicy } from '../../lib/connections/reconnect-policy.js'
import { reconnectSchedule$, retryWithBackoff } from '../../lib/connections/reconnect-schedule.js'

// 10, 20, 40, then capped at 50 virtual ms; no jitter unless a test adds it.
const policy = validateReconnectPolicy({ baseDelay: 10, maxDelay: 50, maxAttempts: 5, jitter: 0 })
const noJitter = (): number => 0.5

let scheduler: TestScheduler

beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })
})

describe('reconnectSchedule$', () => {
  it('emits each attempt when it is due, the delays adding up, then completes', () => {
    scheduler.run(({ expectObservable }) => {
      const attempts = { a: { attempt: 0, delay: 10 }, b: { attempt: 1, delay: 20 }, c: { attempt: 2, delay: 40 }, d: { attempt: 3, delay: 50 }, e: { attempt: 4, delay: 50 } }
      // due at 10, 30, 70, 120, 170
      expectObservable(reconnectSchedule$(policy, noJitter, scheduler)).toBe('10ms a 19ms b 39ms c 49ms d 49ms (e|)', attempts)
    })
  })

  it('completes at once with maxAttempts 0', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(reconnectSchedule$({ ...policy, maxAttempts: 0 }, noJitter, scheduler)).toBe('|')
    })
  })

  it('keeps going with maxAttempts Infinity, at maxDelay', () => {
    scheduler.run(({ expectObservable }) => {
      const forever = reconnectSchedule$({ ...policy, maxAttempts: Infinity }, noJitter, scheduler)
      // 10, 30, 70, 120, 170, 220 ... stop watching at 240
      expectObservable(forever, '^ 239ms !').toBe('10ms a 19ms b 39ms c 49ms d 49ms e 49ms f', {
        a: { attempt: 0, delay: 10 },
        b: { attempt: 1, delay: 20 },
        c: { attempt: 2, delay: 40 },
        d: { attempt: 3, delay: 50 },
        e: { attempt: 4, delay: 50 },
        f: { attempt: 5, delay: 50 }
      })
    })
  })

  it('applies the jitter of the draw taken when each wait starts', () => {
    scheduler.run(({ expectObservable }) => {
      const draws = [0, 0.99]
      const jittery = { ...policy, maxAttempts: 2, jitter: 0.5 }
      // 10 * 0.5 = 5, then 20 * 1.49 = 29.8 -> 30
      expectObservable(reconnectSchedule$(jittery, () => draws.shift() ?? 0.5, scheduler)).toBe('5ms a 29ms (b|)', {
        a: { attempt: 0, delay: 5 },
        b: { attempt: 1, delay: 30 }
      })
    })
  })

  it('is cold: nothing is scheduled before subscription, and each subscriber gets its own schedule', () => {
    scheduler.run(({ expectObservable }) => {
      let draws = 0
      const schedule = reconnectSchedule$({ ...policy, maxAttempts: 1 }, () => { draws++; return 0.5 }, scheduler)
      expect(draws).toBe(0)
      expectObservable(schedule, '20ms ^').toBe('30ms (a|)', { a: { attempt: 0, delay: 10 } })
    })
  })

  it('cancels the pending wait on unsubscribe', () => {
    scheduler.run(({ expectObservable }) => {
      expectObservable(reconnectSchedule$(policy, noJitter, scheduler), '^ 14ms !').toBe('10ms a', { a: { attempt: 0, delay: 10 } })
    })
  })
})

describe('retryWithBackoff', () => {
  it('resubscribes after each backoff delay, and passes the last error on', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('--#')
      const three = { ...policy, maxAttempts: 3 }
      // fail at 2; retry at 12, fail at 14; retry at 34, fail at 36; retry at 76, fail at 78
      expectObservable(source.pipe(retryWithBackoff(three, noJitter, { scheduler }))).toBe('78ms #')
      expectSubscriptions(source.subscriptions).toBe([
        '^-!',
        '12ms ^-!',
        '34ms ^-!',
        '76ms ^-!'
      ])
    })
  })

  it('restarts the backoff once the source emits (resetOnSuccess)', () => {
    scheduler.run(({ cold, expectObservable }) => {
      let subscriptions = 0
      const flaky = cold('-#')
      const good = cold('-a-#')
      // 1st subscription: error; 2nd: a value, then an error; 3rd and later: error.
      const source = defer(() => ++subscriptions === 2 ? good : flaky)
      const two = { ...policy, maxAttempts: 2 }
      // sub 1 errors at 1 -> retry #1 at 11; emits a at 12, errors at 14 -> counter reset,
      // retry #1 again after 10 at 24; errors at 25 -> retry #2 after 20 at 45; errors at 46: out of attempts.
      expectObservable(source.pipe(retryWithBackoff(two, noJitter, { scheduler }))).toBe('12ms a 33ms #')
    })
  })

  it('never retries an abort or a permanent error', () => {
    for (const error of [
      new GlueberryError(ErrorCode.Aborted, 'aborted'),
      new GlueberryError(ErrorCode.PeerBlacklisted, 'banned')
    ]) {
      scheduler = new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })
      scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('--#', undefined, error)
        expectObservable(source.pipe(retryWithBackoff(policy, noJitter, { scheduler }))).toBe('--#', undefined, error)
        expectSubscriptions(source.subscriptions).toBe('^-!')
      })
    }
  })

  it('takes a custom retryIf', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('-#', undefined, new Error('fatal'))
      expectObservable(source.pipe(retryWithBackoff(policy, noJitter, { scheduler, retryIf: () => false }))).toBe('-#', undefined, new Error('fatal'))
    })
  })

  it('does not retry at all with maxAttempts 0', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-#').pipe(retryWithBackoff({ ...policy, maxAttempts: 0 }, noJitter, { scheduler }))).toBe('-#')
    })
  })
})
