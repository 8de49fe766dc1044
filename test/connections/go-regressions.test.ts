/**
 * One test per defect of the Go original (reference/glueberry-go-behaviour.md
 * §2.5, §11, §13) that the connection state machine is meant to fix.
 */
import { ErrorCode } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { validateReconnectPolicy } from '../../lib/connections/reconnect-policy.js'
import { reduce, toConnectionEvents } from '../../lib/connections/state-machine.js'
import type { Input, PeerRecord, Result } from '../../lib/connections/state-machine.js'
import { PendingWork, accepted, checkTransitions, context, current, last, path, run, types } from './helpers.js'

const { Disconnected, Connecting, Connected, Established, Reconnecting, Cooldown } = ConnectionState

const states = (results: Result[]): string[] => results.flatMap(path)

describe('Go defects, fixed', () => {
  it('C1: a reconnect goes Reconnecting -> Connecting -> Connected and the handshake can be finalized', () => {
    const results = run([
      { type: 'connect' },
      current.dialSucceeded(),
      { type: 'handshakeFinalized' },
      { type: 'connectionLost' },
      current.reconnectTimerFired(),
      current.dialSucceeded(),
      { type: 'handshakeFinalized' }
    ])
    expect(states(results)).toEqual([
      Connecting, Connected, Established, Disconnected, Reconnecting, Connecting, Connected, Established
    ])
    // The reconnected session has its own handshake timer (CR#16), in the right state.
    expect(types(accepted(results[5]).effects)).toContain('armHandshakeTimer')
  })

  it('C1: a reconnected peer that never finalizes times out into Cooldown (its timer is live)', () => {
    const results = run([
      { type: 'connect' }, current.dialFailed(), current.reconnectTimerFired(), current.dialSucceeded(), current.handshakeTimedOut()
    ])
    expect(last(results).record.state).toBe(Cooldown)
  })

  it('C2: a remote crash or network loss is a committed Disconnected, with cleanup and reconnection', () => {
    const results = run([{ type: 'connect' }, current.dialSucceeded(), { type: 'handshakeFinalized' }, { type: 'connectionLost', error: new Error('ECONNRESET') }])
    const lost = accepted(last(results))
    expect(lost.transitions.map(t => [t.previous, t.state, t.error?.code])).toEqual([
      [Established, Disconnected, ErrorCode.ConnectionFailed],
      [Disconnected, Reconnecting, undefined]
    ])
    expect(types(lost.effects)).toEqual(['releasePeerResources', 'scheduleReconnect'])
  })

  it('C3: an inbound connection arms the handshake timer at once, so a silent peer times out', () => {
    const results = run([{ type: 'inboundConnected' }, current.handshakeTimedOut()])
    expect(types(accepted(results[0]).effects)).toEqual(['armHandshakeTimer'])
    expect(last(results).record.state).toBe(Cooldown)
    expect(accepted(last(results)).transitions[0]?.error?.code).toBe(ErrorCode.HandshakeTimeout)
  })

  it('C12: maxAttempts 0 means never reconnect; the dial error is reported as it is', () => {
    const never = context({ policy: validateReconnectPolicy({ maxAttempts: 0 }) })
    const failed = accepted(last(run([{ type: 'connect' }, current.dialFailed(new Error('ECONNREFUSED'))], never)))
    expect(failed.transitions.map(t => t.state)).toEqual([Disconnected])
    expect(failed.transitions[0]?.error?.message).toBe('dial failed: ECONNREFUSED')
    expect(types(failed.effects)).not.toContain('scheduleReconnect')
  })

  it('C12: maxAttempts Infinity keeps trying (1000 failures later it is still reconnecting)', () => {
    const forever = context({ policy: validateReconnectPolicy({ baseDelay: 1000, maxDelay: 300_000, maxAttempts: Infinity, jitter: 0 }) })
    const inputs: Array<(r: PeerRecord) => Input> = []
    for (let i = 0; i < 1000; i++) inputs.push(current.dialFailed(), current.reconnectTimerFired())
    const results = run([{ type: 'connect' }, ...inputs, current.dialFailed()], forever)
    expect(last(results).record).toMatchObject({ state: Reconnecting, attempt: 1000 })
    expect(accepted(last(results)).effects.at(-1)).toMatchObject({ type: 'scheduleReconnect', ms: 300_000, attempt: 1000 })
  })

  it('C13: a dial aborted by the caller never starts reconnection', () => {
    const abort = new Error('The operation was aborted')
    const result = accepted(last(run([{ type: 'connect' }, current.dialFailed(abort, true)])))
    expect(result.transitions.map(t => [t.state, t.error?.code])).toEqual([[Disconnected, ErrorCode.Aborted]])
    expect(result.record.attempt).toBe(0)
    expect(types(result.effects)).toEqual(['cancelDial', 'releasePeerResources'])
  })

  it('C13: a dial timeout (not the caller) still leads to reconnection', () => {
    const result = accepted(last(run([{ type: 'connect' }, current.dialFailed(new Error('timed out'), false)])))
    expect(result.record.state).toBe(Reconnecting)
  })

  it('C16: a simultaneous dial is not an error on either side', () => {
    // Our dial is in flight when the remote's connection arrives.
    const results = run([{ type: 'connect' }, { type: 'inboundConnected' }])
    const afterInbound = last(results)
    expect(accepted(afterInbound).transitions.map(t => [t.previous, t.state, t.outbound])).toEqual([[Connecting, Connected, false]])
    expect(types(accepted(afterInbound).effects)).toEqual(['cancelDial', 'armHandshakeTimer'])
    // Our dial then resolves, either way, as a no-op; the handshake goes on.
    const dialGeneration = (results[0]).record.generation
    const succeeded = reduce(afterInbound.record, { type: 'dialSucceeded', generation: dialGeneration, outbound: true }, context())
    const failed = reduce(afterInbound.record, { type: 'dialFailed', generation: dialGeneration, error: new Error('dup'), aborted: false }, context())
    for (const outcome of [succeeded, failed]) {
      expect(accepted(outcome).transitions).toEqual([])
      expect(accepted(outcome).effects).toEqual([])
    }
    expect(accepted(reduce(afterInbound.record, { type: 'handshakeFinalized' }, context())).record.state).toBe(Established)
  })

  it('C16: an inbound connection during backoff is taken, not refused (Go only deduplicated Connecting)', () => {
    const results = run([{ type: 'connect' }, current.dialFailed(), { type: 'inboundConnected' }])
    expect(accepted(last(results)).transitions.map(t => [t.previous, t.state])).toEqual([[Reconnecting, Connected]])
    expect(types(accepted(last(results)).effects)).toEqual(['cancelReconnect', 'armHandshakeTimer'])
  })

  it('C18: cancelling a reconnection commits (and so reports) a transition', () => {
    const result = last(run([{ type: 'connect' }, current.dialFailed(), { type: 'cancelReconnection' }]))
    expect(toConnectionEvents('p', result, 1).map(e => [e.previous, e.state])).toEqual([[Reconnecting, Disconnected]])
    expect(types(accepted(result).effects)).toEqual(['cancelReconnect', 'releasePeerResources'])
  })

  it('C18: stop commits a transition for every active peer', () => {
    for (const inputs of [
      [{ type: 'connect' }],
      [{ type: 'connect' }, current.dialSucceeded()],
      [{ type: 'connect' }, current.dialFailed()],
      [{ type: 'inboundConnected' }, current.handshakeTimedOut()]
    ] satisfies Array<Array<Input | ((r: PeerRecord) => Input)>>) {
      const result = last(run([...inputs, { type: 'stop' }]))
      const events = toConnectionEvents('p', result, 1)
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({ state: Disconnected })
      expect(events[0]?.error?.code).toBe(ErrorCode.NodeStopped)
    }
  })

  it('W11: an inbound-only peer is not redialled after losing its connection or a cooldown', () => {
    const inboundOnly = context({ reconnectable: false })
    const lost = last(run([{ type: 'inboundConnected' }, { type: 'handshakeFinalized' }, { type: 'connectionLost' }], inboundOnly))
    expect(path(lost)).toEqual([Disconnected])
    const cooled = last(run([{ type: 'inboundConnected' }, current.handshakeTimedOut(), current.cooldownEnded()], inboundOnly))
    expect(path(cooled)).toEqual([Disconnected])
    for (const result of [lost, cooled]) expect(types(accepted(result).effects)).not.toContain('scheduleReconnect')
  })

  it('W11: a peer removed from the book during backoff is dropped at the next timer, not dialled', () => {
    const results = run([{ type: 'connect' }, current.dialFailed()])
    const fired = reduce(last(results).record, { type: 'reconnectTimerFired', generation: last(results).record.generation }, context({ reconnectable: false }))
    expect(accepted(fired).transitions.map(t => [t.state, t.error?.code])).toEqual([[Disconnected, ErrorCode.PeerNotFound]])
    expect(types(accepted(fired).effects)).not.toContain('dial')
  })

  it('W12: a rejected input changes nothing and emits nothing (no event/state mismatch)', () => {
    const results = run([{ type: 'connect' }, current.dialSucceeded(), current.handshakeTimedOut()])
    const cooling = last(results).record
    for (const input of [{ type: 'connect' }, { type: 'handshakeFinalized' }, { type: 'inboundConnected' }, { type: 'cancelReconnection' }] satisfies Input[]) {
      const result = reduce(cooling, input, context())
      expect(result.accepted).toBe(false)
      expect(result.record).toBe(cooling)
      expect(toConnectionEvents('p', result, 0)).toEqual([])
    }
  })

  it('266dde0: a handshake timer that fires after the handshake finished is stale and ignored', () => {
    const results = run([{ type: 'connect' }, current.dialSucceeded()])
    const timerGeneration = last(results).record.generation
    const established = accepted(reduce(last(results).record, { type: 'handshakeFinalized' }, context())).record
    const late = accepted(reduce(established, { type: 'handshakeTimedOut', generation: timerGeneration }, context()))
    expect(late.record).toBe(established)
    expect(late.transitions).toEqual([])
    expect(late.effects).toEqual([])
  })

  it('stale timers never act on a newer session of the same peer', () => {
    // Session 1 arms a handshake timer, loses its connection (a failed
    // handshake: cooldown, then a redial), session 2 connects.
    const results = run([
      { type: 'connect' }, current.dialSucceeded(), { type: 'connectionLost' }, current.cooldownEnded(),
      current.reconnectTimerFired(), current.dialSucceeded()
    ])
    const oldTimer = (results[1]).record.generation
    const session2 = last(results).record
    expect(session2.state).toBe(Connected)
    expect(accepted(reduce(session2, { type: 'handshakeTimedOut', generation: oldTimer }, context())).record).toBe(session2)
  })

  it('§2.5: disconnect during an in-flight dial; the late dial result is closed, not kept', () => {
    const results = run([{ type: 'connect' }, { type: 'disconnect' }])
    expect(types(accepted(last(results)).effects)).toEqual(['cancelDial', 'releasePeerResources'])
    const dialGeneration = (results[0]).record.generation
    const late = accepted(reduce(last(results).record, { type: 'dialSucceeded', generation: dialGeneration, outbound: true }, context()))
    expect(late.transitions).toEqual([])
    expect(late.effects).toEqual([{ type: 'closeConnection' }])
  })

  it('§2.5: disconnect then connect again; the first dial\'s failure does not fail the second', () => {
    const results = run([{ type: 'connect' }, { type: 'disconnect' }, { type: 'connect' }])
    const firstDial = (results[0]).record.generation
    const second = last(results).record
    const stale = accepted(reduce(second, { type: 'dialFailed', generation: firstDial, error: new Error('aborted'), aborted: true }, context()))
    expect(stale.record).toBe(second)
  })

  it('§2.4: a peer that never answers is given up after exactly maxAttempts reconnects, with the Go delays', () => {
    const ctx = context({ policy: validateReconnectPolicy({ baseDelay: 1000, maxDelay: 300_000, maxAttempts: 10, jitter: 0 }) })
    let r: PeerRecord | undefined
    const work = new PendingWork()
    const delays: number[] = []
    let dials = 0
    let input: Input = { type: 'connect' }
    for (let step = 0; step < 100; step++) {
      const before: PeerRecord = r ?? { state: Disconnected, outbound: false, attempt: 0, generation: 0 }
      const result = accepted(reduce(r, input, ctx))
      checkTransitions(before, result)
      work.apply(input, result)
      r = result.record
      work.check(r)
      for (const e of result.effects) {
        if (e.type === 'dial') dials++
        if (e.type === 'scheduleReconnect') delays.push(e.ms)
      }
      if (work.dial !== undefined) input = { type: 'dialFailed', generation: work.dial, error: new Error('timeout'), aborted: false }
      else if (work.reconnect !== undefined) input = { type: 'reconnectTimerFired', generation: work.reconnect }
      else break
    }
    expect(dials).toBe(11)
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000])
    expect(r).toMatchObject({ state: Disconnected, attempt: 0 })
    expect(work.idle).toBe(true)
  })

  it('a peer that keeps failing its handshake is given up too: cooldowns spend reconnection attempts', () => {
    const ctx = context({ policy: validateReconnectPolicy({ maxAttempts: 2, jitter: 0 }) })
    const cycle = [current.reconnectTimerFired(), current.dialSucceeded(), current.handshakeTimedOut(), current.cooldownEnded()]
    const results = run([{ type: 'inboundConnected' }, current.handshakeTimedOut(), current.cooldownEnded(), ...cycle, ...cycle], ctx)
    const final = accepted(last(results))
    expect(final.transitions.map(t => [t.previous, t.state])).toEqual([[Cooldown, Disconnected]])
    expect(final.transitions[0]?.error?.message).toBe('reconnection attempts exhausted (2 of 2)')
    expect(final.transitions[0]?.error?.code).toBe(ErrorCode.ConnectionFailed)
  })
})
