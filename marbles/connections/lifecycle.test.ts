/**
 * Whole connection lifecycles under virtual time. `lifecycle$` is a minimal,
 * test-only executor of the reducer's effects (what the connection manager
 * does with real timers and libp2p): timers run on the TestScheduler and the
 * network answers each dial from a script. So a flow such as "dial fails twice,
 * backs off, connects, handshakes" is a marble diagram of committed states.
 */
import fc from 'fast-check'
import { Observable } from 'rxjs'
import type { SchedulerLike, Subscription } from 'rxjs'
import { map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ConnectionState } from '../../lib/types.js'
import type { ConnectionEvent } from '../../lib/types.js'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { DEFAULTS } from '../../lib/config.js'
import { DEFAULT_RECONNECT_POLICY, validateReconnectPolicy } from '../../lib/connections/reconnect-policy.js'
import { reduce, toConnectionEvents } from '../../lib/connections/state-machine.js'
import type { Effect, Input, PeerRecord, ReduceContext } from '../../lib/connections/state-machine.js'

/** How the network answers the n-th dial: after `after` ms, with a connection or a failure. */
interface DialAnswer { after: number, ok: boolean }

/** A script of answers in dial order, or the network as a function of the time the dial starts. */
type Network = DialAnswer[] | ((now: number) => DialAnswer)

function lifecycle$ (inputs$: Observable<Input>, ctx: ReduceContext | (() => ReduceContext), answers: Network, scheduler: SchedulerLike): Observable<ConnectionEvent> {
  return new Observable<ConnectionEvent>(subscriber => {
    let record: PeerRecord | undefined
    const pending = new Map<string, Subscription>()
    const script = typeof answers === 'function' ? [] : [...answers]
    const answer = (): DialAnswer => typeof answers === 'function' ? answers(scheduler.now()) : script.shift() ?? { after: 1, ok: false }

    const later = (key: string, ms: number, input: Input): void => {
      pending.set(key, scheduler.schedule(() => { pending.delete(key); dispatch(input) }, ms))
    }
    const cancel = (key: string): void => {
      pending.get(key)?.unsubscribe()
      pending.delete(key)
    }
    const run = (effect: Effect): void => {
      switch (effect.type) {
        case 'dial': {
          const { after, ok } = answer()
          later('dial', after, ok
            ? { type: 'dialSucceeded', generation: effect.generation, outbound: true }
            : { type: 'dialFailed', generation: effect.generation, error: new Error('ECONNREFUSED'), aborted: false })
          break
        }
        case 'armHandshakeTimer': later('handshake', effect.ms, { type: 'handshakeTimedOut', generation: effect.generation }); break
        case 'scheduleReconnect': later('reconnect', effect.ms, { type: 'reconnectTimerFired', generation: effect.generation }); break
        case 'scheduleCooldownEnd': later('cooldown', effect.ms, { type: 'cooldownEnded', generation: effect.generation }); break
        case 'cancelDial': cancel('dial'); break
        case 'cancelHandshakeTimer': cancel('handshake'); break
        case 'cancelReconnect': cancel('reconnect'); break
        case 'cancelCooldownEnd': cancel('cooldown'); break
        case 'closeConnection':
        case 'releasePeerResources': break
      }
    }
    const dispatch = (input: Input): void => {
      const result = reduce(record, input, typeof ctx === 'function' ? ctx() : ctx)
      if (!result.accepted) return
      record = result.record
      for (const event of toConnectionEvents('peer', result, scheduler.now())) subscriber.next(event)
      for (const effect of result.effects) run(effect)
    }

    const subscription = inputs$.subscribe({ next: dispatch, error: (err: unknown) => { subscriber.error(err) } })
    return () => {
      subscription.unsubscribe()
      for (const timer of pending.values()) timer.unsubscribe()
    }
  })
}

const LETTER: Record<ConnectionState, string> = {
  Disconnected: 'd',
  Connecting: 'c',
  Connected: 'C',
  Established: 'E',
  Reconnecting: 'r',
  Cooldown: 'o'
}

const INPUTS: Record<string, Input> = {
  c: { type: 'connect' },
  i: { type: 'inboundConnected' },
  f: { type: 'handshakeFinalized' },
  l: { type: 'connectionLost' },
  x: { type: 'disconnect' },
  k: { type: 'cancelReconnection' },
  s: { type: 'stop' },
  h: { type: 'handshakeFailed', error: new GlueberryError(ErrorCode.HandshakeFailed, 'malformed handshake message') },
  v: { type: 'handshakeFailed', error: new GlueberryError(ErrorCode.VersionMismatch, 'peer speaks 3.0.0') }
}

// Backoff 10, 20, 40 ms; handshake timeout 30 ms; cooldown 100 ms.
const ctx: ReduceContext = {
  reconnectable: true,
  policy: validateReconnectPolicy({ baseDelay: 10, maxDelay: 40, maxAttempts: 3, jitter: 0 }),
  random: 0.5,
  cooldownMs: 100,
  handshakeTimeoutMs: 30
}

let scheduler: TestScheduler

beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })
})

function expectStates (inputs: string, answers: DialAnswer[], expected: string, options: { context?: ReduceContext, until?: string } = {}): void {
  scheduler.run(({ hot, expectObservable }) => {
    const states$ = lifecycle$(hot(inputs, INPUTS), options.context ?? ctx, answers, scheduler).pipe(map(e => LETTER[e.state]))
    expectObservable(states$, options.until).toBe(expected)
  })
}

describe('connection lifecycle under virtual time', () => {
  it('dial fails twice, backs off 10 then 20 ms, connects and finishes the handshake', () => {
    // dials at 0, 15, 40 answer after 5 ms; the handshake is finalized at 50
    expectStates(
      'c 49ms f',
      [{ after: 5, ok: false }, { after: 5, ok: false }, { after: 5, ok: true }],
      'c 4ms (dr) 6ms c 4ms (dr) 16ms c 4ms C 4ms E'
    )
  })

  it('gives up after maxAttempts reconnections', () => {
    // dials at 0, 11, 32, 73 each fail after 1 ms; the last failure at 74 ends it
    expectStates('c', [], 'c (dr) 6ms c (dr) 16ms c (dr) 36ms c d')
  })

  it('a silent inbound peer times out, cools down, then is redialled', () => {
    // inbound at 0, timeout at 30, cooldown ends at 130, redial at 140, connected at 145, finalized at 150
    expectStates('i 149ms f', [{ after: 5, ok: true }], 'C 29ms o 99ms (dr) 6ms c 4ms C 4ms E')
  })

  it('a lost connection is reconnected, and the new session handshakes again', () => {
    // established at 6; lost at 20; redial at 30; connected at 35; finalized again at 40
    expectStates('c 5ms f 13ms l 19ms f', [{ after: 5, ok: true }, { after: 5, ok: true }], 'c 4ms C E 13ms (dr) 6ms c 4ms C 4ms E')
  })

  it('a lost connection whose new session never handshakes goes to Cooldown', () => {
    // as above, but nobody finalizes the second session: timeout at 35 + 30 = 65
    expectStates('c 5ms f 13ms l', [{ after: 5, ok: true }, { after: 5, ok: true }], 'c 4ms C E 13ms (dr) 6ms c 4ms C 29ms o', { until: '^ 99ms !' })
  })

  it('a user connect during backoff dials at once and the old reconnect timer never fires', () => {
    // the dial fails at 5; the backoff would redial at 15, the user connects at 10
    expectStates('c 9ms c', [{ after: 5, ok: false }, { after: 20, ok: true }], 'c 4ms (dr) 1ms c 19ms C', { until: '^ 50ms !' })
  })

  it('cancelling the reconnection during backoff is reported and ends the story', () => {
    expectStates('c 9ms k', [{ after: 5, ok: false }], 'c 4ms (dr) 1ms d')
  })

  it('stop during a handshake is reported and nothing fires afterwards', () => {
    expectStates('c 9ms s', [{ after: 5, ok: true }], 'c 4ms C 4ms d')
  })

  it('a peer that is not reconnectable settles in Disconnected after a failure', () => {
    expectStates('c', [{ after: 5, ok: false }], 'c 4ms d', { context: { ...ctx, reconnectable: false } })
  })

  it('a connection lost mid-handshake is a failed handshake: cooldown, then a redial', () => {
    // connected at 5, lost at 10, cooldown until 110, redial 10 ms later, connected at 125
    expectStates('c 9ms l', [{ after: 5, ok: true }, { after: 5, ok: true }], 'c 4ms C 4ms o 99ms (dr) 6ms c 4ms C', { until: '^ 130ms !' })
  })

  it('a failed handshake (a bad message) cools down, then is redialled', () => {
    expectStates('c 9ms h', [{ after: 5, ok: true }, { after: 5, ok: true }], 'c 4ms C 4ms o 99ms (dr) 6ms c 4ms C', { until: '^ 130ms !' })
  })

  it('a version mismatch halts: Disconnected, and nothing is ever scheduled again', () => {
    expectStates('c 9ms v', [{ after: 5, ok: true }, { after: 5, ok: true }], 'c 4ms C 4ms d', { until: '^ 1000ms !' })
  })
})

describe('the default reconnection comes back', () => {
  // Virtual ms. The network is a dead link until `heal`: a dial started then
  // hangs until the dial timeout (and a dial that started before the heal
  // never completes, the worst case); after it, a dial connects in 50 ms.
  const DIAL = DEFAULTS.dialTimeout

  it('after an outage of any length, Connected within 10 s of the link healing, whatever the jitter draws', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1000, max: 600_000 }),
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 50 }),
      (heal, draws) => {
        const testScheduler = new TestScheduler((a, b) => { expect(a).toEqual(b) })
        let n = 0
        const context = (): ReduceContext => ({
          reconnectable: true,
          policy: DEFAULT_RECONNECT_POLICY,
          random: draws[n++ % draws.length],
          cooldownMs: DEFAULTS.cooldown,
          handshakeTimeoutMs: DEFAULTS.handshakeTimeout
        })
        let connectedAt: number | undefined
        testScheduler.run(({ cold }) => {
          // Established at 0; the link dies at once and the loss is noticed at 4.
          const inputs$ = cold<Input>('(if) l', { i: { type: 'inboundConnected' }, f: { type: 'handshakeFinalized' }, l: { type: 'connectionLost' } })
          const network = (now: number): DialAnswer => now >= heal ? { after: 50, ok: true } : { after: DIAL, ok: false }
          const sub = lifecycle$(inputs$, context, network, testScheduler)
            .subscribe(e => { if (e.state === ConnectionState.Connected && testScheduler.now() > 0) connectedAt ??= testScheduler.now() })
          testScheduler.schedule(() => { sub.unsubscribe() }, heal + 60_000)
        })
        expect(connectedAt).toBeDefined()
        const after = (connectedAt as number) - heal
        // dialTimeout + maxDelay * (1 + jitter) + one dial: 5000 + 3300 + 50.
        expect(after).toBeLessThanOrEqual(DIAL + DEFAULT_RECONNECT_POLICY.maxDelay * (1 + DEFAULT_RECONNECT_POLICY.jitter) + 50)
        expect(after).toBeLessThan(10_000)
      }), { numRuns: 300 })
  })
})
