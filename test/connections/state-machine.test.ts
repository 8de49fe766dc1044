import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import {
  ALLOWED_TRANSITIONS, CONNECTION_STATES, canTransition, initialRecord, reduce, toConnectionEvents
} from '../../lib/connections/state-machine.js'
import type { EffectType, Input, InputType, PeerRecord, ReduceContext, Result } from '../../lib/connections/state-machine.js'
import { accepted, checkTransitions, context, record, types } from './helpers.js'

const { Disconnected, Connecting, Connected, Established, Reconnecting, Cooldown } = ConnectionState

const INPUT_TYPES: readonly InputType[] = [
  'connect', 'dialSucceeded', 'dialFailed', 'inboundConnected', 'handshakeFinalized', 'handshakeFailed', 'handshakeTimedOut',
  'cooldownEnded', 'connectionLost', 'reconnectTimerFired', 'disconnect', 'cancelReconnection', 'blacklisted', 'stop'
]

/** One input of each type; those answering an effect quote `generation`. */
function inputOf (type: InputType, generation: number, aborted = false): Input {
  switch (type) {
    case 'dialSucceeded': return { type, generation, outbound: true }
    case 'dialFailed': return { type, generation, error: new Error('ECONNREFUSED'), aborted }
    case 'handshakeTimedOut':
    case 'cooldownEnded':
    case 'reconnectTimerFired': return { type, generation }
    case 'connectionLost': return { type, error: new Error('ECONNRESET') }
    // A retriable failure (a bad message); VersionMismatch has its own tests below.
    case 'handshakeFailed': return { type, error: new GlueberryError(ErrorCode.HandshakeFailed, 'malformed handshake message') }
    default: return { type }
  }
}

interface Outcome {
  /** States entered, in order; [] for a no-op. */
  to?: ConnectionState[]
  effects?: EffectType[]
  /** Error code on each transition (undefined = no error). */
  errors?: Array<ErrorCode | undefined>
  reject?: ErrorCode
}

const NOOP: Outcome = { to: [], effects: [] }
const CLOSE_STRAY: Outcome = { to: [], effects: ['closeConnection'] }
const rejected = (code: ErrorCode): Outcome => ({ reject: code })
const F = ErrorCode.ConnectionFailed

/** What to expect with a reconnectable peer and current generations. */
const TABLE: Record<ConnectionState, Record<InputType, Outcome>> = {
  [Disconnected]: {
    connect: { to: [Connecting], effects: ['dial'] },
    dialSucceeded: CLOSE_STRAY,
    dialFailed: NOOP,
    inboundConnected: { to: [Connected], effects: ['armHandshakeTimer'] },
    handshakeFinalized: rejected(ErrorCode.NotConnected),
    handshakeFailed: NOOP,
    handshakeTimedOut: NOOP,
    cooldownEnded: NOOP,
    connectionLost: NOOP,
    reconnectTimerFired: NOOP,
    disconnect: NOOP,
    cancelReconnection: rejected(ErrorCode.InvalidTransition),
    blacklisted: NOOP,
    stop: NOOP
  },
  [Connecting]: {
    connect: NOOP,
    dialSucceeded: { to: [Connected], effects: ['cancelDial', 'armHandshakeTimer'] },
    dialFailed: { to: [Disconnected, Reconnecting], effects: ['cancelDial', 'releasePeerResources', 'scheduleReconnect'], errors: [F, undefined] },
    inboundConnected: { to: [Connected], effects: ['cancelDial', 'armHandshakeTimer'] },
    handshakeFinalized: rejected(ErrorCode.NotConnected),
    handshakeFailed: NOOP,
    handshakeTimedOut: NOOP,
    cooldownEnded: NOOP,
    connectionLost: NOOP,
    reconnectTimerFired: NOOP,
    disconnect: { to: [Disconnected], effects: ['cancelDial', 'releasePeerResources'] },
    cancelReconnection: rejected(ErrorCode.InvalidTransition),
    blacklisted: { to: [Disconnected], effects: ['cancelDial', 'releasePeerResources'], errors: [ErrorCode.PeerBlacklisted] },
    stop: { to: [Disconnected], effects: ['cancelDial', 'releasePeerResources'], errors: [ErrorCode.NodeStopped] }
  },
  [Connected]: {
    connect: NOOP,
    dialSucceeded: NOOP,
    dialFailed: NOOP,
    inboundConnected: NOOP,
    handshakeFinalized: { to: [Established], effects: ['cancelHandshakeTimer'] },
    handshakeFailed: {
      to: [Cooldown],
      effects: ['cancelHandshakeTimer', 'closeConnection', 'releasePeerResources', 'scheduleCooldownEnd'],
      errors: [ErrorCode.HandshakeFailed]
    },
    handshakeTimedOut: {
      to: [Cooldown],
      effects: ['cancelHandshakeTimer', 'closeConnection', 'releasePeerResources', 'scheduleCooldownEnd'],
      errors: [ErrorCode.HandshakeTimeout]
    },
    cooldownEnded: NOOP,
    // Lost before the handshake completed: a failed handshake, so a cooldown first.
    connectionLost: { to: [Cooldown], effects: ['cancelHandshakeTimer', 'releasePeerResources', 'scheduleCooldownEnd'], errors: [F] },
    reconnectTimerFired: NOOP,
    disconnect: { to: [Disconnected], effects: ['cancelHandshakeTimer', 'closeConnection', 'releasePeerResources'] },
    cancelReconnection: rejected(ErrorCode.InvalidTransition),
    blacklisted: { to: [Disconnected], effects: ['cancelHandshakeTimer', 'closeConnection', 'releasePeerResources'], errors: [ErrorCode.PeerBlacklisted] },
    stop: { to: [Disconnected], effects: ['cancelHandshakeTimer', 'closeConnection', 'releasePeerResources'], errors: [ErrorCode.NodeStopped] }
  },
  [Established]: {
    connect: NOOP,
    dialSucceeded: NOOP,
    dialFailed: NOOP,
    inboundConnected: NOOP,
    handshakeFinalized: rejected(ErrorCode.InvalidTransition),
    handshakeFailed: NOOP,
    handshakeTimedOut: NOOP,
    cooldownEnded: NOOP,
    connectionLost: { to: [Disconnected, Reconnecting], effects: ['releasePeerResources', 'scheduleReconnect'], errors: [F, undefined] },
    reconnectTimerFired: NOOP,
    disconnect: { to: [Disconnected], effects: ['closeConnection', 'releasePeerResources'] },
    cancelReconnection: rejected(ErrorCode.InvalidTransition),
    blacklisted: { to: [Disconnected], effects: ['closeConnection', 'releasePeerResources'], errors: [ErrorCode.PeerBlacklisted] },
    stop: { to: [Disconnected], effects: ['closeConnection', 'releasePeerResources'], errors: [ErrorCode.NodeStopped] }
  },
  [Reconnecting]: {
    connect: { to: [Connecting], effects: ['cancelReconnect', 'dial'] },
    dialSucceeded: CLOSE_STRAY,
    dialFailed: NOOP,
    inboundConnected: { to: [Connected], effects: ['cancelReconnect', 'armHandshakeTimer'] },
    handshakeFinalized: rejected(ErrorCode.NotConnected),
    handshakeFailed: NOOP,
    handshakeTimedOut: NOOP,
    cooldownEnded: NOOP,
    connectionLost: NOOP,
    reconnectTimerFired: { to: [Connecting], effects: ['cancelReconnect', 'dial'] },
    disconnect: { to: [Disconnected], effects: ['cancelReconnect', 'releasePeerResources'] },
    cancelReconnection: { to: [Disconnected], effects: ['cancelReconnect', 'releasePeerResources'] },
    blacklisted: { to: [Disconnected], effects: ['cancelReconnect', 'releasePeerResources'], errors: [ErrorCode.PeerBlacklisted] },
    stop: { to: [Disconnected], effects: ['cancelReconnect', 'releasePeerResources'], errors: [ErrorCode.NodeStopped] }
  },
  [Cooldown]: {
    connect: rejected(ErrorCode.InCooldown),
    dialSucceeded: CLOSE_STRAY,
    dialFailed: NOOP,
    inboundConnected: rejected(ErrorCode.InCooldown),
    handshakeFinalized: rejected(ErrorCode.HandshakeTimeout),
    handshakeFailed: NOOP,
    handshakeTimedOut: NOOP,
    cooldownEnded: { to: [Disconnected, Reconnecting], effects: ['cancelCooldownEnd', 'releasePeerResources', 'scheduleReconnect'] },
    connectionLost: NOOP,
    reconnectTimerFired: NOOP,
    disconnect: { to: [Disconnected], effects: ['cancelCooldownEnd', 'releasePeerResources'] },
    cancelReconnection: rejected(ErrorCode.InvalidTransition),
    blacklisted: { to: [Disconnected], effects: ['cancelCooldownEnd', 'releasePeerResources'], errors: [ErrorCode.PeerBlacklisted] },
    stop: { to: [Disconnected], effects: ['cancelCooldownEnd', 'releasePeerResources'], errors: [ErrorCode.NodeStopped] }
  }
}

type Overrides = Partial<Record<ConnectionState, Partial<Record<InputType, Outcome>>>>

/** The peer may not be redialled (not in the address book): failures settle in Disconnected. */
const NOT_RECONNECTABLE: Overrides = {
  [Connecting]: { dialFailed: { to: [Disconnected], effects: ['cancelDial', 'releasePeerResources'], errors: [F] } },
  [Connected]: { connectionLost: { to: [Disconnected], effects: ['cancelHandshakeTimer', 'releasePeerResources'], errors: [F] } },
  [Established]: { connectionLost: { to: [Disconnected], effects: ['releasePeerResources'], errors: [F] } },
  [Cooldown]: { cooldownEnded: { to: [Disconnected], effects: ['cancelCooldownEnd', 'releasePeerResources'], errors: [undefined] } },
  [Reconnecting]: { reconnectTimerFired: { to: [Disconnected], effects: ['cancelReconnect', 'releasePeerResources'], errors: [ErrorCode.PeerNotFound] } }
}

function refusedBy (code: ErrorCode): Overrides {
  const table: Overrides = {}
  for (const state of CONNECTION_STATES) {
    table[state] = { ...NOT_RECONNECTABLE[state], connect: rejected(code), inboundConnected: rejected(code) }
  }
  table[Connecting] = {
    ...table[Connecting],
    dialSucceeded: { to: [Disconnected], effects: ['cancelDial', 'closeConnection', 'releasePeerResources'], errors: [code] }
  }
  table[Reconnecting] = {
    ...table[Reconnecting],
    reconnectTimerFired: { to: [Disconnected], effects: ['cancelReconnect', 'releasePeerResources'], errors: [code] }
  }
  return table
}

/** Outcomes of an older generation than the record's: all stale. */
const STALE: Overrides = {}
for (const state of CONNECTION_STATES) {
  STALE[state] = { dialFailed: NOOP, handshakeTimedOut: NOOP, cooldownEnded: NOOP, reconnectTimerFired: NOOP }
}
STALE[Connecting] = { ...STALE[Connecting], dialSucceeded: NOOP }

/** The attempts are used up: failures settle in Disconnected with the reason. */
const EXHAUSTED: Overrides = {
  [Connecting]: { dialFailed: { to: [Disconnected], effects: ['cancelDial', 'releasePeerResources'], errors: [F] } },
  // Connected + connectionLost still cools down first; the budget is checked when the cooldown ends.
  [Cooldown]: { cooldownEnded: { to: [Disconnected], effects: ['cancelCooldownEnd', 'releasePeerResources'], errors: [F] } }
}

const ABORTED: Overrides = {
  [Connecting]: { dialFailed: { to: [Disconnected], effects: ['cancelDial', 'releasePeerResources'], errors: [ErrorCode.Aborted] } }
}

interface Variant {
  name: string
  overrides: Overrides
  ctx: ReduceContext
  record: (state: ConnectionState) => PeerRecord
  generation: (r: PeerRecord) => number
  aborted?: boolean
}

const VARIANTS: Variant[] = [
  { name: 'reconnectable peer', overrides: {}, ctx: context(), record, generation: r => r.generation },
  { name: 'peer not in the address book', overrides: NOT_RECONNECTABLE, ctx: context({ reconnectable: false }), record, generation: r => r.generation },
  { name: 'blacklisted peer', overrides: refusedBy(ErrorCode.PeerBlacklisted), ctx: context({ reconnectable: false, blacklisted: true }), record, generation: r => r.generation },
  { name: 'stopped node', overrides: refusedBy(ErrorCode.NodeStopped), ctx: context({ reconnectable: false, stopped: true }), record, generation: r => r.generation },
  { name: 'stale outcomes', overrides: STALE, ctx: context(), record, generation: r => r.generation - 1 },
  {
    name: 'attempts exhausted',
    overrides: EXHAUSTED,
    ctx: context(),
    // A Reconnecting record always has an attempt left: it is only scheduled when one is.
    record: state => record(state, state === Disconnected || state === Established ? {} : { attempt: state === Reconnecting ? 2 : 3 }),
    generation: r => r.generation
  },
  { name: 'user-aborted dial', overrides: ABORTED, ctx: context(), record, generation: r => r.generation, aborted: true }
]

function assertOutcome (before: PeerRecord, result: Result, expected: Outcome): void {
  if (expected.reject !== undefined) {
    expect(result.accepted).toBe(false)
    if (result.accepted) return
    expect(result.error).toBeInstanceOf(GlueberryError)
    expect(result.error.code).toBe(expected.reject)
    expect(result.record).toBe(before)
    return
  }
  const ok = accepted(result)
  expect(ok.transitions.map(t => t.state)).toEqual(expected.to)
  expect(types(ok.effects)).toEqual(expected.effects)
  const errors = expected.errors ?? ok.transitions.map(() => undefined)
  expect(ok.transitions.map(t => t.error?.code)).toEqual(errors)
  if (ok.transitions.length === 0) expect(ok.record).toBe(before)
  checkTransitions(before, ok)
}

describe('reduce: every input in every state', () => {
  for (const variant of VARIANTS) {
    describe(variant.name, () => {
      const cases = CONNECTION_STATES.flatMap(state => INPUT_TYPES.map(type => [state, type] as const))
      it.each(cases)('%s + %s', (state, type) => {
        const expected = variant.overrides[state]?.[type] ?? TABLE[state][type]
        const before = variant.record(state)
        const result = reduce(before, inputOf(type, variant.generation(before), variant.aborted), variant.ctx)
        assertOutcome(before, result, expected)
      })
    })
  }

  it('covers the whole cross product in the expectation table', () => {
    for (const state of CONNECTION_STATES) {
      expect(Object.keys(TABLE[state]).sort()).toEqual([...INPUT_TYPES].sort())
    }
  })

  it('produces every allowed transition somewhere, and only those', () => {
    const observed = new Set<string>()
    for (const variant of VARIANTS) {
      for (const state of CONNECTION_STATES) {
        for (const type of INPUT_TYPES) {
          const before = variant.record(state)
          const result = reduce(before, inputOf(type, variant.generation(before), variant.aborted), variant.ctx)
          if (!result.accepted) continue
          for (const t of result.transitions) observed.add(`${t.previous}->${t.state}`)
        }
      }
    }
    const allowed = CONNECTION_STATES.flatMap(from => ALLOWED_TRANSITIONS[from].map(to => `${from}->${to}`))
    expect([...observed].sort()).toEqual(allowed.sort())
  })
})

describe('the transition table', () => {
  const ALLOWED = new Set([
    'Disconnected->Connecting', 'Disconnected->Connected', 'Disconnected->Reconnecting',
    'Connecting->Connected', 'Connecting->Disconnected',
    'Connected->Established', 'Connected->Cooldown', 'Connected->Disconnected',
    'Established->Disconnected',
    'Reconnecting->Connecting', 'Reconnecting->Connected', 'Reconnecting->Disconnected',
    'Cooldown->Disconnected'
  ])
  const pairs = CONNECTION_STATES.flatMap(from => CONNECTION_STATES.map(to => [from, to] as const))

  it.each(pairs)('%s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.has(`${from}->${to}`))
  })

  it('lists every state and no self-transition', () => {
    expect(Object.keys(ALLOWED_TRANSITIONS).sort()).toEqual([...CONNECTION_STATES].sort())
    for (const state of CONNECTION_STATES) expect(canTransition(state, state)).toBe(false)
    expect(Object.isFrozen(ALLOWED_TRANSITIONS)).toBe(true)
    expect(Object.isFrozen(ALLOWED_TRANSITIONS.Connected)).toBe(true)
  })
})

describe('reduce: details', () => {
  it('starts an unknown peer as a fresh Disconnected record', () => {
    expect(initialRecord()).toEqual({ state: Disconnected, outbound: false, attempt: 0, generation: 0 })
    expect(initialRecord(41).generation).toBe(41)
    const result = accepted(reduce(undefined, { type: 'connect' }, context()))
    expect(result.record).toEqual({ state: Connecting, outbound: true, attempt: 0, generation: 1 })
    expect(result.effects).toEqual([{ type: 'dial', generation: 1 }])
  })

  it('tags timers and dials with the generation the outcome must quote', () => {
    const result = accepted(reduce(record(Connecting), { type: 'dialSucceeded', generation: 7, outbound: false }, context()))
    expect(result.record).toMatchObject({ state: Connected, outbound: false, generation: 8 })
    expect(result.effects).toContainEqual({ type: 'armHandshakeTimer', ms: 30_000, generation: 8 })
    const timeout = accepted(reduce(result.record, { type: 'handshakeTimedOut', generation: 8 }, context({ cooldownMs: 5000 })))
    expect(timeout.effects).toContainEqual({ type: 'scheduleCooldownEnd', ms: 5000, generation: 9 })
  })

  it('schedules the reconnect with the policy delay of the current attempt and the given draw', () => {
    const ctx = context({ random: 0, policy: { baseDelay: 1000, maxDelay: 300_000, maxAttempts: 10, jitter: 0.1 } })
    const result = accepted(reduce(record(Connecting, { attempt: 2 }), { type: 'dialFailed', generation: 7, error: new Error('x'), aborted: false }, ctx))
    expect(result.effects.at(-1)).toEqual({ type: 'scheduleReconnect', ms: 3600, attempt: 2, generation: 9 })
    expect(result.record).toMatchObject({ state: Reconnecting, attempt: 2 })
    const fired = accepted(reduce(result.record, { type: 'reconnectTimerFired', generation: 9 }, ctx))
    expect(fired.record).toMatchObject({ state: Connecting, attempt: 3, outbound: true })
  })

  it('counts attempts across a series and resets them on Established', () => {
    const finalized = accepted(reduce(record(Connected, { attempt: 3 }), { type: 'handshakeFinalized' }, context()))
    expect(finalized.record.attempt).toBe(0)
  })

  it('keeps the attempt count when the user connects during backoff, and resets it from Disconnected', () => {
    expect(accepted(reduce(record(Reconnecting, { attempt: 2 }), { type: 'connect' }, context())).record.attempt).toBe(2)
    expect(accepted(reduce(record(Disconnected, { attempt: 0 }), { type: 'connect' }, context())).record.attempt).toBe(0)
  })

  it('keeps GlueberryErrors it is given and wraps anything else with the cause', () => {
    const own = new GlueberryError(ErrorCode.ConnectionFailed, 'dial timed out')
    const kept = accepted(reduce(record(Connecting), { type: 'dialFailed', generation: 7, error: own, aborted: false }, context()))
    expect(kept.transitions[0]?.error).toBe(own)
    const cause = new Error('ECONNREFUSED')
    const wrapped = accepted(reduce(record(Connecting), { type: 'dialFailed', generation: 7, error: cause, aborted: false }, context({ peer: 'p1' })))
    expect(wrapped.transitions[0]?.error).toMatchObject({ code: F, peer: 'p1', message: 'dial failed: ECONNREFUSED' })
    expect(wrapped.transitions[0]?.error?.cause).toBe(cause)
    const lost = accepted(reduce(record(Established), { type: 'connectionLost' }, context()))
    expect(lost.transitions[0]?.error).toMatchObject({ code: F, message: 'connection lost' })
  })

  it('labels rejections with the peer when it is known', () => {
    const result = reduce(record(Cooldown), { type: 'connect' }, context({ peer: 'p2' }))
    expect(result.accepted ? undefined : result.error).toMatchObject({ code: ErrorCode.InCooldown, peer: 'p2', retriable: true })
  })

  it('keeps the direction of an inbound connection, and takes it from a libp2p connection we did not dial', () => {
    expect(accepted(reduce(record(Disconnected), { type: 'inboundConnected' }, context())).record.outbound).toBe(false)
    expect(accepted(reduce(record(Disconnected), { type: 'inboundConnected', outbound: true }, context())).record.outbound).toBe(true)
  })

  it('throws only for a malformed context: a random draw outside [0, 1)', () => {
    expect(() => reduce(record(Connecting), { type: 'dialFailed', generation: 7, error: new Error('x'), aborted: false }, context({ random: 1 })))
      .toThrow(RangeError)
  })

  it('freezes the records it produces', () => {
    const result = accepted(reduce(undefined, { type: 'connect' }, context()))
    expect(Object.isFrozen(result.record)).toBe(true)
  })
})

describe('toConnectionEvents', () => {
  it('turns each committed transition into one event, in order', () => {
    const result = reduce(record(Connecting, { outbound: true }), { type: 'dialFailed', generation: 7, error: new Error('no route'), aborted: false }, context())
    const events = toConnectionEvents('peer-a', result, 1234)
    expect(events).toHaveLength(2)
    expect(events[0]).toMatchObject({ peerId: 'peer-a', previous: Connecting, state: Disconnected, outbound: true, at: 1234 })
    expect(events[0]?.error?.code).toBe(F)
    expect(events[1]).toEqual({ peerId: 'peer-a', previous: Disconnected, state: Reconnecting, outbound: true, at: 1234 })
    expect('error' in (events[1] ?? {})).toBe(false)
  })

  it('gives nothing for a rejection or a no-op', () => {
    expect(toConnectionEvents('p', reduce(record(Cooldown), { type: 'connect' }, context()), 0)).toEqual([])
    expect(toConnectionEvents('p', reduce(record(Established), { type: 'connect' }, context()), 0)).toEqual([])
  })
})

describe('a failed handshake', () => {
  const mismatch = new GlueberryError(ErrorCode.VersionMismatch, 'peer speaks 3.0.0')

  it.each([Connecting, Connected, Established, Reconnecting, Cooldown])('a VersionMismatch takes the peer from %s to a terminal Disconnected', (state) => {
    const before = record(state)
    const result = accepted(reduce(before, { type: 'handshakeFailed', error: mismatch }, context()))
    expect(result.transitions.map(t => t.state)).toEqual([Disconnected])
    expect(result.transitions[0]?.error).toBe(mismatch)
    // Nothing is scheduled: no dial, no timer.
    expect(types(result.effects).filter(t => t === 'dial' || t.startsWith('schedule') || t.startsWith('arm'))).toEqual([])
    expect(toConnectionEvents('p', result, 0)).toEqual([expect.objectContaining({ state: Disconnected, terminal: true, error: mismatch })])
    checkTransitions(before, result)
  })

  it('a VersionMismatch on a Disconnected peer changes nothing', () => {
    const before = record(Disconnected)
    expect(accepted(reduce(before, { type: 'handshakeFailed', error: mismatch }, context())).record).toBe(before)
  })

  it('anything else sends a Connected peer to Cooldown and, after it, to a redial', () => {
    const ctx = context()
    const failed = accepted(reduce(record(Connected), { type: 'handshakeFailed', error: new Error('bad bytes') }, ctx))
    expect(failed.transitions[0]).toMatchObject({ state: Cooldown })
    expect(failed.transitions[0]?.error).toMatchObject({ code: ErrorCode.HandshakeFailed, message: 'handshake failed: bad bytes' })
    const ended = accepted(reduce(failed.record, { type: 'cooldownEnded', generation: failed.record.generation }, ctx))
    expect(ended.transitions.map(t => t.state)).toEqual([Disconnected, Reconnecting])
    expect(toConnectionEvents('p', ended, 0)[0]).toMatchObject({ state: Disconnected, terminal: false })
  })
})

describe('the terminal flag of Disconnected events', () => {
  const disconnectedOf = (result: Result): Array<boolean | undefined> =>
    toConnectionEvents('p', result, 0).filter(e => e.state === Disconnected).map(e => e.terminal)

  it('is false when a redial is scheduled, true when the peer settles', () => {
    const lost = reduce(record(Established), { type: 'connectionLost' }, context())
    expect(disconnectedOf(lost)).toEqual([false])
    expect(disconnectedOf(reduce(record(Established), { type: 'connectionLost' }, context({ reconnectable: false })))).toEqual([true])
    expect(disconnectedOf(reduce(record(Established), { type: 'disconnect' }, context()))).toEqual([true])
    expect(disconnectedOf(reduce(record(Reconnecting), { type: 'cancelReconnection' }, context()))).toEqual([true])
    expect(disconnectedOf(reduce(record(Established), { type: 'stop' }, context({ stopped: true })))).toEqual([true])
  })

  it('marks reconnection given up: the last attempt failed, with the reason', () => {
    const policy = { baseDelay: 10, maxDelay: 10, maxAttempts: 2, jitter: 0 }
    const result = reduce(record(Connecting, { attempt: 2 }), { type: 'dialFailed', generation: 7, error: new Error('refused'), aborted: false }, context({ policy }))
    const [event] = toConnectionEvents('p', result, 0)
    expect(event).toMatchObject({ state: Disconnected, terminal: true })
    expect(event?.error?.code).toBe(F)
    expect(event?.error?.message).toMatch(/reconnection attempts exhausted \(2 of 2\)/)
  })

  it('is absent from every other state', () => {
    const events = toConnectionEvents('p', reduce(record(Connecting), { type: 'dialSucceeded', generation: 7, outbound: true }, context()), 0)
    expect(events.map(e => 'terminal' in e)).toEqual([false])
  })
})
