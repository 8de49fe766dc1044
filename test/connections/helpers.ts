/**
 * Shared fixtures for the connection state machine tests: contexts, records in
 * any state, a driver that replays inputs, and a model of the manager's
 * pending work that checks every effect against the state it leads to.
 */
import { ConnectionState } from '../../lib/types.js'
import type { ReconnectPolicy } from '../../lib/connections/reconnect-policy.js'
import { validateReconnectPolicy } from '../../lib/connections/reconnect-policy.js'
import { canTransition, initialRecord, reduce } from '../../lib/connections/state-machine.js'
import type { Accepted, Effect, Input, PeerRecord, ReduceContext, Result } from '../../lib/connections/state-machine.js'

export const POLICY: ReconnectPolicy = validateReconnectPolicy({ baseDelay: 1000, maxDelay: 300_000, maxAttempts: 3, jitter: 0 })

export function context (overrides: Partial<ReduceContext> = {}): ReduceContext {
  return {
    reconnectable: true,
    policy: POLICY,
    random: 0.5,
    cooldownMs: 60_000,
    handshakeTimeoutMs: 30_000,
    ...overrides
  }
}

export function record (state: ConnectionState, overrides: Partial<PeerRecord> = {}): PeerRecord {
  const settled = state === ConnectionState.Disconnected || state === ConnectionState.Established
  return { state, outbound: true, attempt: settled ? 0 : 1, generation: 7, ...overrides }
}

export function accepted (result: Result): Accepted {
  if (!result.accepted) throw new Error(`expected acceptance, got ${result.error.code}: ${result.error.message}`)
  return result
}

/** Feeds inputs one after another, from a fresh record; returns every result. */
export function run (inputs: ReadonlyArray<Input | ((r: PeerRecord) => Input)>, ctx: ReduceContext = context(), start?: PeerRecord): Result[] {
  let current = start
  const results: Result[] = []
  for (const item of inputs) {
    const input = typeof item === 'function' ? item(current ?? initialRecord()) : item
    const result = reduce(current, input, ctx)
    results.push(result)
    current = result.record
  }
  return results
}

export function last (results: Result[]): Result {
  const result = results.at(-1)
  if (result === undefined) throw new Error('no results')
  return result
}

export const types = (effects: readonly Effect[]): string[] => effects.map(e => e.type)
export const path = (result: Result): string[] => result.accepted ? result.transitions.map(t => t.state) : []

/** Inputs that answer an effect, quoting the record's current generation. */
export const current = {
  dialSucceeded: (outbound = true) => (r: PeerRecord): Input => ({ type: 'dialSucceeded', generation: r.generation, outbound }),
  dialFailed: (error: unknown = new Error('refused'), aborted = false) => (r: PeerRecord): Input => ({ type: 'dialFailed', generation: r.generation, error, aborted }),
  handshakeTimedOut: () => (r: PeerRecord): Input => ({ type: 'handshakeTimedOut', generation: r.generation }),
  cooldownEnded: () => (r: PeerRecord): Input => ({ type: 'cooldownEnded', generation: r.generation }),
  reconnectTimerFired: () => (r: PeerRecord): Input => ({ type: 'reconnectTimerFired', generation: r.generation })
}

/**
 * The manager's pending work as the effects describe it. `apply` throws when
 * an effect is inconsistent (arming what is armed, cancelling what is not).
 */
export class PendingWork {
  dial: number | undefined
  handshake: number | undefined
  reconnect: number | undefined
  cooldown: number | undefined
  connection = false

  apply (input: Input, result: Accepted): void {
    for (const t of result.transitions) {
      if (t.state === ConnectionState.Connected) this.connection = true
    }
    if (input.type === 'connectionLost' && result.transitions.length > 0) this.connection = false
    for (const effect of result.effects) {
      switch (effect.type) {
        case 'dial': this.dial = this.arm('dial', this.dial, effect.generation); break
        case 'armHandshakeTimer': this.handshake = this.arm('handshake timer', this.handshake, effect.generation); break
        case 'scheduleReconnect': this.reconnect = this.arm('reconnect timer', this.reconnect, effect.generation); break
        case 'scheduleCooldownEnd': this.cooldown = this.arm('cooldown timer', this.cooldown, effect.generation); break
        case 'cancelDial': this.dial = this.cancel('dial', this.dial); break
        case 'cancelHandshakeTimer': this.handshake = this.cancel('handshake timer', this.handshake); break
        case 'cancelReconnect': this.reconnect = this.cancel('reconnect timer', this.reconnect); break
        case 'cancelCooldownEnd': this.cooldown = this.cancel('cooldown timer', this.cooldown); break
        case 'closeConnection': this.connection = false; break
        case 'releasePeerResources': break
      }
    }
  }

  /** Pending work matches the state exactly, and belongs to the current generation. */
  check (r: PeerRecord): void {
    const expect = (what: string, pending: number | undefined, owner: ConnectionState): void => {
      if ((pending !== undefined) !== (r.state === owner)) {
        throw new Error(`${what} ${pending === undefined ? 'not pending' : 'pending'} in ${r.state}`)
      }
      if (pending !== undefined && pending !== r.generation) throw new Error(`${what} of generation ${pending}, record at ${r.generation}`)
    }
    expect('dial', this.dial, ConnectionState.Connecting)
    expect('handshake timer', this.handshake, ConnectionState.Connected)
    expect('reconnect timer', this.reconnect, ConnectionState.Reconnecting)
    expect('cooldown timer', this.cooldown, ConnectionState.Cooldown)
    const owns = r.state === ConnectionState.Connected || r.state === ConnectionState.Established
    if (this.connection !== owns) throw new Error(`connection ${this.connection ? 'open' : 'closed'} in ${r.state}`)
  }

  get idle (): boolean {
    return this.dial === undefined && this.handshake === undefined && this.reconnect === undefined &&
      this.cooldown === undefined && !this.connection
  }

  private arm (what: string, pending: number | undefined, generation: number): number {
    if (pending !== undefined) throw new Error(`${what} armed twice`)
    return generation
  }

  private cancel (what: string, pending: number | undefined): undefined {
    if (pending === undefined) throw new Error(`${what} cancelled but not pending`)
    return undefined
  }
}

/** Checks one step's transitions against the table and the records around it. */
export function checkTransitions (before: PeerRecord, result: Accepted): void {
  let state = before.state
  for (const t of result.transitions) {
    if (t.previous !== state) throw new Error(`transition from ${t.previous}, but the state was ${state}`)
    if (!canTransition(t.previous, t.state)) throw new Error(`forbidden transition ${t.previous} -> ${t.state}`)
    state = t.state
  }
  if (state !== result.record.state) throw new Error(`transitions end in ${state}, record is ${result.record.state}`)
  if (result.record.generation !== before.generation + result.transitions.length) throw new Error('generation is not counting transitions')
}
