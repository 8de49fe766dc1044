/**
 * Invariants of the connection state machine over random input sequences:
 * whatever happens, in whatever order, with stale or current outcomes, the
 * reducer only commits allowed transitions, its events chain, and its effects
 * keep the manager's pending work exactly in step with the state.
 */
import fc from 'fast-check'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { reconnectDelay, validateReconnectPolicy } from '../../lib/connections/reconnect-policy.js'
import { initialRecord, reduce, toConnectionEvents } from '../../lib/connections/state-machine.js'
import type { Input, InputType, PeerRecord, ReduceContext, Result } from '../../lib/connections/state-machine.js'
import { PendingWork, checkTransitions } from './helpers.js'

const { Disconnected, Connected, Established, Cooldown } = ConnectionState

/** An input whose effect-answering generation is picked against the record when it is applied. */
interface Command {
  type: InputType
  /** 0 = quote the current generation; n > 0 = quote one n older (stale). */
  age: number
  outbound: boolean
  aborted: boolean
  reconnectable: boolean
  blacklisted: boolean
  stopped: boolean
  random: number
}

const typeArb = fc.constantFrom<InputType>(
  'connect', 'dialSucceeded', 'dialFailed', 'inboundConnected', 'handshakeFinalized', 'handshakeFailed', 'handshakeTimedOut',
  'cooldownEnded', 'connectionLost', 'reconnectTimerFired', 'disconnect', 'cancelReconnection', 'blacklisted', 'stop'
)

const commandArb: fc.Arbitrary<Command> = fc.record({
  type: typeArb,
  age: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }) }),
  outbound: fc.boolean(),
  aborted: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  reconnectable: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  blacklisted: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  stopped: fc.oneof({ weight: 15, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
})

const policyArb = fc.record({
  baseDelay: fc.integer({ min: 0, max: 5000 }),
  extra: fc.integer({ min: 0, max: 100_000 }),
  maxAttempts: fc.constantFrom(0, 1, 2, 3, 5, Infinity),
  jitter: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })
}).map(({ baseDelay, extra, maxAttempts, jitter }) => validateReconnectPolicy({ baseDelay, maxDelay: baseDelay + extra, maxAttempts, jitter }))

/** Inputs that answer an effect and quote its generation. */
const ANSWERS: ReadonlySet<InputType> = new Set(['dialSucceeded', 'dialFailed', 'handshakeTimedOut', 'cooldownEnded', 'reconnectTimerFired'])

function inputFor (command: Command, r: PeerRecord): Input {
  const generation = r.generation - command.age
  switch (command.type) {
    case 'dialSucceeded': return { type: 'dialSucceeded', generation, outbound: command.outbound }
    case 'dialFailed': return { type: 'dialFailed', generation, error: new Error('boom'), aborted: command.aborted }
    case 'handshakeTimedOut':
    case 'cooldownEnded':
    case 'reconnectTimerFired': return { type: command.type, generation }
    case 'connectionLost': return { type: 'connectionLost', error: command.outbound ? new Error('reset') : undefined }
    case 'inboundConnected': return { type: 'inboundConnected' }
    // `outbound` doubles as the coin for which failure: a version mismatch (halts) or a bad message (cooldown).
    case 'handshakeFailed': return {
      type: 'handshakeFailed',
      error: command.outbound ? new GlueberryError(ErrorCode.VersionMismatch, 'v3') : new GlueberryError(ErrorCode.HandshakeFailed, 'garbage')
    }
    default: return { type: command.type }
  }
}

function contextFor (command: Command, policy: ReduceContext['policy']): ReduceContext {
  return {
    // The manager never calls a blacklisted peer or a stopped node reconnectable.
    reconnectable: command.reconnectable && !command.blacklisted && !command.stopped,
    blacklisted: command.blacklisted,
    stopped: command.stopped,
    policy,
    random: command.random,
    cooldownMs: 60_000,
    handshakeTimeoutMs: 30_000
  }
}

/** A plain assertion: `expect` is too slow for the 10,000-run hot loop. */
function check (condition: boolean, message: string): void {
  if (!condition) throw new Error(message)
}

/** A context with nothing unusual about the peer. */
function plainContext (policy: ReduceContext['policy']): ReduceContext {
  return { reconnectable: true, policy, random: 0.5, cooldownMs: 60_000, handshakeTimeoutMs: 30_000 }
}

/** Applies the commands, checking every invariant after every step. */
function simulate (policy: ReduceContext['policy'], commands: Command[]): { record: PeerRecord, work: PendingWork, results: Result[] } {
  let r = initialRecord()
  const work = new PendingWork()
  const results: Result[] = []
  for (const command of commands) {
    const input = inputFor(command, r)
    const ctx = contextFor(command, policy)
    const result = reduce(r, input, ctx)
    results.push(result)
    if (!result.accepted) {
      check(result.error instanceof GlueberryError, 'a rejection carries a GlueberryError')
      check(result.record === r, 'a rejection leaves the record as it was')
      continue
    }
    checkTransitions(r, result)
    work.apply(input, result)
    work.check(result.record)

    const entersEmptyState = result.transitions.some(t => t.state === Disconnected || t.state === Cooldown)
    const releases = result.effects.filter(e => e.type === 'releasePeerResources').length
    check(releases === (entersEmptyState ? 1 : 0), `${releases} releasePeerResources for ${input.type}`)
    if (result.transitions.length === 0) check(result.record === r, 'a no-op returns the same record')
    for (const t of result.transitions) check(t.error === undefined || t.error instanceof GlueberryError, 'transition errors are GlueberryErrors')

    // An outcome quoting an older generation is stale: at most a stray connection gets closed.
    if (command.age > 0 && ANSWERS.has(command.type)) {
      check(result.transitions.length === 0, `stale ${input.type} committed a transition`)
      check(result.effects.every(e => e.type === 'closeConnection'), `stale ${input.type} had effects`)
    }

    const next = result.record
    // The attempt counter only runs within a reconnection series.
    if (next.state === Disconnected || next.state === Established) check(next.attempt === 0, `attempt ${next.attempt} in ${next.state}`)
    check(next.attempt <= policy.maxAttempts, `attempt ${next.attempt} beyond ${policy.maxAttempts}`)
    if (next.state === ConnectionState.Connecting) check(next.outbound, 'dialling is outbound')
    for (const effect of result.effects) {
      if (effect.type === 'scheduleReconnect') {
        check(effect.attempt === next.attempt && effect.attempt < policy.maxAttempts, 'reconnect scheduled for an attempt within budget')
        check(effect.ms === reconnectDelay(effect.attempt, policy, command.random), 'reconnect delay follows the policy')
      }
    }
    // Nothing new starts for a blacklisted peer or on a stopped node.
    if (command.blacklisted || command.stopped) {
      check(!result.effects.some(e => e.type === 'dial' || e.type === 'armHandshakeTimer' || e.type === 'scheduleReconnect'),
        `${input.type} started work for a blacklisted peer or a stopped node`)
    }
    const events = toConnectionEvents('peer', result, 42)
    check(events.length === result.transitions.length, 'one event per transition')
    // "No further retry will happen" is said exactly when the peer settles in Disconnected.
    events.forEach((e, i) => {
      const settles = i === events.length - 1 && next.state === Disconnected
      check(e.state === Disconnected ? e.terminal === settles : !('terminal' in e), `terminal flag wrong on ${e.previous}->${e.state}`)
      if (e.terminal === true) check(work.idle, 'a terminal Disconnected leaves nothing pending')
    })
    if (input.type === 'handshakeFailed' && command.outbound && r.state !== Disconnected) {
      check(next.state === Disconnected && work.idle, 'a version mismatch halts the peer')
    }
    events.forEach((e, i) => {
      const t = result.transitions[i]
      check(t !== undefined && e.previous === t.previous && e.state === t.state && e.outbound === t.outbound && e.error === t.error, 'event mirrors its transition')
    })
    r = next
  }
  return { record: r, work, results }
}

const RUNS = 10_000

describe('state machine invariants (fast-check)', () => {
  it('commits only allowed, chained transitions; effects keep pending work in step with the state', () => {
    fc.assert(fc.property(policyArb, fc.array(commandArb, { maxLength: 40 }), (policy, commands) => {
      simulate(policy, commands)
    }), { numRuns: RUNS })
  })

  it('reaches every state under random inputs (the generator is not stuck in a corner)', () => {
    const seen = new Set<ConnectionState>()
    fc.assert(fc.property(policyArb, fc.array(commandArb, { maxLength: 40 }), (policy, commands) => {
      for (const result of simulate(policy, commands).results) seen.add(result.record.state)
    }), { numRuns: 500 })
    expect([...seen].sort()).toEqual(Object.values(ConnectionState).sort())
  })

  it('is deterministic: the same inputs give the same records, transitions and effects', () => {
    fc.assert(fc.property(policyArb, fc.array(commandArb, { maxLength: 30 }), (policy, commands) => {
      const strip = (results: Result[]): unknown => results.map(r => r.accepted
        ? { record: r.record, transitions: r.transitions.map(t => [t.previous, t.state, t.outbound, t.error?.code, t.error?.message]), effects: r.effects }
        : { record: r.record, error: [r.error.code, r.error.message] })
      expect(strip(simulate(policy, commands).results)).toEqual(strip(simulate(policy, commands).results))
    }), { numRuns: 1000 })
  })

  it('disconnect, blacklisted and stop always leave the peer Disconnected with nothing pending', () => {
    fc.assert(fc.property(policyArb, fc.array(commandArb, { maxLength: 40 }), fc.constantFrom<InputType>('disconnect', 'blacklisted', 'stop'),
      (policy, commands, finalType) => {
        const { record, work } = simulate(policy, commands)
        const final = { type: finalType } as Input
        const result = reduce(record, final, plainContext(policy))
        expect(result.accepted).toBe(true)
        if (!result.accepted) return
        checkTransitions(record, result)
        work.apply(final, result)
        expect(result.record.state).toBe(Disconnected)
        expect(work.idle).toBe(true)
        expect(result.transitions.length).toBe(record.state === Disconnected ? 0 : 1)
        // And nothing that is still in flight can revive it.
        for (const late of [
          { type: 'handshakeTimedOut', generation: record.generation },
          { type: 'cooldownEnded', generation: record.generation },
          { type: 'reconnectTimerFired', generation: record.generation },
          { type: 'dialFailed', generation: record.generation, error: new Error('late'), aborted: false },
          { type: 'connectionLost' }
        ] satisfies Input[]) {
          const after = reduce(result.record, late, plainContext(policy))
          expect(after.accepted && after.transitions.length === 0).toBe(true)
        }
      }), { numRuns: 2000 })
  })

  it('left to the network and its timers, a peer is always given up in the end (no endless loop)', () => {
    // The network answers each dial at random and the application never finalizes:
    // every run must terminate in Disconnected with nothing pending.
    fc.assert(fc.property(policyArb.filter(p => p.maxAttempts !== Infinity), fc.infiniteStream(fc.boolean()), (policy, answers) => {
      const ctx = plainContext(policy)
      const work = new PendingWork()
      let r = initialRecord()
      let input: Input = { type: 'connect' }
      const coin = answers[Symbol.iterator]()
      let steps = 0
      for (; steps < 1000; steps++) {
        const result = reduce(r, input, ctx)
        if (!result.accepted) throw result.error
        checkTransitions(r, result)
        work.apply(input, result)
        r = result.record
        work.check(r)
        if (work.dial !== undefined) {
          input = coin.next().value === true
            ? { type: 'dialSucceeded', generation: work.dial, outbound: true }
            : { type: 'dialFailed', generation: work.dial, error: new Error('no'), aborted: false }
        } else if (work.handshake !== undefined) input = { type: 'handshakeTimedOut', generation: work.handshake }
        else if (work.cooldown !== undefined) input = { type: 'cooldownEnded', generation: work.cooldown }
        else if (work.reconnect !== undefined) input = { type: 'reconnectTimerFired', generation: work.reconnect }
        else break
      }
      expect(r.state).toBe(Disconnected)
      expect(work.idle).toBe(true)
      // One initial dial, then at most maxAttempts reconnections, each at most 4 inputs.
      expect(steps).toBeLessThanOrEqual(2 + 4 * (policy.maxAttempts + 1))
    }), { numRuns: 2000 })
  })

  it('marks the direction: Connected via our dial is outbound, via an inbound connection is not', () => {
    fc.assert(fc.property(policyArb, fc.array(commandArb, { maxLength: 40 }), (policy, commands) => {
      const { results } = simulate(policy, commands)
      results.forEach((result, i) => {
        const command = commands[i]
        if (result.accepted && result.transitions.some(t => t.state === Connected)) {
          expect(result.record.outbound).toBe(command.type === 'dialSucceeded' ? command.outbound : false)
        }
      })
    }), { numRuns: 1000 })
  })
})
