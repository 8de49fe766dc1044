/**
 * The connection lifecycle of one peer, as a pure reducer.
 *
 * `reduce(record, input, context)` decides everything: which transitions are
 * committed (each becomes one `ConnectionEvent`, in order), and which effects
 * the connection manager must carry out (dial, arm or cancel a timer, close the
 * connection, release keys and streams). It does no I/O, reads no clock and
 * draws no random numbers: what it cannot compute comes in `context`. So every
 * race is a sequence of inputs that a test can replay.
 *
 * Lessons from the Go original built in here:
 * - one table of allowed transitions, and the reducer can only commit what the
 *   table allows (a forbidden transition is a bug and throws), so the state and
 *   the events can never disagree (W12, C1);
 * - every transition is committed and reported, including cancelled
 *   reconnections and stop (C18);
 * - timer and dial outcomes carry the `generation` of the record that started
 *   them, and an outcome from an older generation is ignored: a late timer can
 *   never act on a newer session (the "re-validate state atomically" lesson);
 * - reconnects go Reconnecting -> Connecting -> Connected like any dial, so a
 *   reconnected peer can finish its handshake (C1); lost connections are
 *   inputs (C2); inbound connections arm the handshake timer (C3); a caller's
 *   abort never starts reconnection (C13); a simultaneous dial is not an error
 *   (C16); peers that are not reconnectable settle in Disconnected at once
 *   instead of burning their attempts (W11).
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'
import type { ConnectionEvent } from '../types.js'
import { ConnectionState } from '../types.js'
import type { ReconnectPolicy } from './reconnect-policy.js'
import { reconnectDelay, shouldRetry } from './reconnect-policy.js'

const {
  Disconnected, Connecting, Connected, Established, Reconnecting, Cooldown
} = ConnectionState

/** All states, in declaration order. */
export const CONNECTION_STATES: readonly ConnectionState[] = Object.freeze(Object.values(ConnectionState))

/**
 * Every transition the reducer can commit, and no other. Differences from the
 * Go table: Disconnected -> Connected and Reconnecting -> Connected (an
 * inbound connection; Go faked a Connecting step or refused), and no
 * Cooldown -> Reconnecting (the end of a cooldown is reported as Disconnected,
 * then Reconnecting).
 */
export const ALLOWED_TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = Object.freeze({
  [Disconnected]: Object.freeze([Connecting, Connected, Reconnecting]),
  [Connecting]: Object.freeze([Connected, Disconnected]),
  [Connected]: Object.freeze([Established, Cooldown, Disconnected]),
  [Established]: Object.freeze([Disconnected]),
  [Reconnecting]: Object.freeze([Connecting, Connected, Disconnected]),
  [Cooldown]: Object.freeze([Disconnected])
})

/** True when the table allows `from -> to`. No state may transition to itself. */
export function canTransition (from: ConnectionState, to: ConnectionState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to)
}

/** What the reducer remembers about one peer. Plain immutable data. */
export interface PeerRecord {
  readonly state: ConnectionState
  /**
   * Direction of the connection that last brought the peer to Connected
   * (true while dialling). Kept after the connection ends, for the events.
   */
  readonly outbound: boolean
  /**
   * Reconnection attempts used in the current series: the 0-based number of the
   * next attempt. Back to 0 when a handshake completes or the peer settles in
   * Disconnected with nothing scheduled.
   */
  readonly attempt: number
  /**
   * Incremented by every committed transition. Dials and timers are tagged with
   * the generation that started them; their outcomes must quote it back.
   */
  readonly generation: number
}

/**
 * A fresh record. A manager that forgets records of settled peers must start
 * their next record above every generation it ever handed out for that peer
 * (a node-wide high-water mark is enough), or a late outcome of an old dial
 * could be taken for the new one's.
 */
export function initialRecord (generation = 0): PeerRecord {
  return Object.freeze({ state: Disconnected, outbound: false, attempt: 0, generation })
}

/**
 * What happened. Inputs that answer an effect (`dialSucceeded`, `dialFailed`,
 * `handshakeTimedOut`, `cooldownEnded`, `reconnectTimerFired`) carry the
 * `generation` of that effect.
 */
export type Input =
  /** The application (or auto-connect) asks for a connection. */
  | { readonly type: 'connect' }
  /** The dial started by a `dial` effect returned a connection. `outbound` is that connection's direction. */
  | { readonly type: 'dialSucceeded', readonly generation: number, readonly outbound: boolean }
  /**
   * The dial failed. `aborted` is true only when the caller's AbortSignal ended
   * it; a dial timeout is a failure like any other.
   */
  | { readonly type: 'dialFailed', readonly generation: number, readonly error: unknown, readonly aborted: boolean }
  /**
   * A connection the record did not dial came up (libp2p `connection:open`):
   * usually the remote dialled us. `outbound` is its direction, default false.
   */
  | { readonly type: 'inboundConnected', readonly outbound?: boolean }
  /** The application finished the handshake (`finalizeHandshake`). */
  | { readonly type: 'handshakeFinalized' }
  /**
   * The handshake failed (a bad message, a refused key, a step timeout: the
   * application or `standardHandshake` says so through `failHandshake`).
   * A VersionMismatch halts: the peer is dropped from any state and no
   * redial follows until the application calls `connect()` (or `addPeer()`).
   * Any other error sends a Connected peer to Cooldown, then to a redial.
   */
  | { readonly type: 'handshakeFailed', readonly error: unknown }
  | { readonly type: 'handshakeTimedOut', readonly generation: number }
  | { readonly type: 'cooldownEnded', readonly generation: number }
  /**
   * The last connection to the peer closed (libp2p `peer:disconnect`, not
   * `connection:close`), or the liveness probe found it dead. From Connected
   * (the handshake never completed) a reconnectable peer goes to Cooldown:
   * a peer that drops us during every handshake (e.g. it refuses our
   * version) is retried after the cooldown, not hammered at the backoff rate.
   */
  | { readonly type: 'connectionLost', readonly error?: unknown }
  | { readonly type: 'reconnectTimerFired', readonly generation: number }
  /** The application disconnects: no reconnection follows. */
  | { readonly type: 'disconnect' }
  /** The application stops a pending reconnection. */
  | { readonly type: 'cancelReconnection' }
  /** The peer was blacklisted: drop everything, never reconnect. */
  | { readonly type: 'blacklisted' }
  /** The node is stopping. */
  | { readonly type: 'stop' }

export type InputType = Input['type']

/**
 * What the manager must do, in order. Every `cancel*` effect is emitted when
 * the record leaves the state that owns that pending operation, even when the
 * operation is the one that just completed: cancelling a finished dial or a
 * fired timer is a no-op, and it gives the manager one place to drop handles.
 */
export type Effect =
  /** Dial the peer; report `dialSucceeded`/`dialFailed` with this generation. */
  | { readonly type: 'dial', readonly generation: number }
  /** Abort the dial in flight, if any; its outcome will be stale anyway. */
  | { readonly type: 'cancelDial' }
  | { readonly type: 'armHandshakeTimer', readonly ms: number, readonly generation: number }
  | { readonly type: 'cancelHandshakeTimer' }
  /** Wait `ms`, then report `reconnectTimerFired`; `attempt` is the 0-based attempt it leads to. */
  | { readonly type: 'scheduleReconnect', readonly ms: number, readonly attempt: number, readonly generation: number }
  | { readonly type: 'cancelReconnect' }
  | { readonly type: 'scheduleCooldownEnd', readonly ms: number, readonly generation: number }
  | { readonly type: 'cancelCooldownEnd' }
  /** Close every libp2p connection to the peer. */
  | { readonly type: 'closeConnection' }
  /** Zero the peer's keys, close its streams, drop held inbound streams. Idempotent. */
  | { readonly type: 'releasePeerResources' }

export type EffectType = Effect['type']

/** One committed transition; becomes one ConnectionEvent. */
export interface Transition {
  readonly previous: ConnectionState
  readonly state: ConnectionState
  readonly outbound: boolean
  readonly error?: GlueberryError
}

export interface Accepted {
  readonly accepted: true
  readonly record: PeerRecord
  /** In commit order; empty when the input changed nothing. */
  readonly transitions: readonly Transition[]
  readonly effects: readonly Effect[]
}

export interface Rejected {
  readonly accepted: false
  /** The record as it was: a rejection changes nothing and emits nothing. */
  readonly record: PeerRecord
  readonly error: GlueberryError
}

export type Result = Accepted | Rejected

/** What the reducer needs to know but cannot compute. */
export interface ReduceContext {
  /**
   * May the peer be redialled automatically: it is in the address book, not
   * blacklisted, and the node is running. Inbound-only peers are not.
   */
  readonly reconnectable: boolean
  /** The peer is blacklisted: connections are refused. Default false. */
  readonly blacklisted?: boolean
  /** The node is stopped or stopping: nothing new starts. Default false. */
  readonly stopped?: boolean
  readonly policy: ReconnectPolicy
  /** One uniform draw in [0, 1) for the jitter of a reconnect delay (e.g. `Math.random()`). */
  readonly random: number
  readonly cooldownMs: number
  readonly handshakeTimeoutMs: number
  /** The peer id, only to label the errors the reducer creates. */
  readonly peer?: string
}

interface Move {
  error?: GlueberryError
  /** Record fields that change with this transition. */
  patch?: Partial<Pick<PeerRecord, 'outbound' | 'attempt'>>
  /** A libp2p connection to the peer is open and must be closed. */
  close?: boolean
}

/** Accumulates the transitions and effects of one input. */
class Step {
  record: PeerRecord
  readonly transitions: Transition[] = []
  readonly effects: Effect[] = []
  private released = false

  constructor (record: PeerRecord) {
    this.record = record
  }

  /** Commits one transition, with the effects of leaving the old state, in the order cancel, close, release. */
  go (state: ConnectionState, { error, patch, close = false }: Move = {}): this {
    const previous = this.record.state
    // Unreachable unless the reducer has a bug; the tests prove it is unreachable.
    if (!canTransition(previous, state)) throw new Error(`state machine bug: ${previous} -> ${state} is not allowed`)
    const cancel = CANCEL_ON_EXIT[previous]
    if (cancel !== undefined) this.effects.push({ type: cancel })
    if (close) this.effects.push({ type: 'closeConnection' })
    this.record = Object.freeze({ ...this.record, ...patch, state, generation: this.record.generation + 1 })
    this.transitions.push(error === undefined
      ? { previous, state, outbound: this.record.outbound }
      : { previous, state, outbound: this.record.outbound, error })
    // Keys and streams belong to a connection; whenever the peer falls back to
    // a state without one they are released (once per input: it is idempotent).
    if ((state === Disconnected || state === Cooldown) && !this.released) {
      this.released = true
      this.effects.push({ type: 'releasePeerResources' })
    }
    return this
  }

  effect (effect: Effect): Accepted {
    this.effects.push(effect)
    return this.accept()
  }

  accept (): Accepted {
    return { accepted: true, record: this.record, transitions: this.transitions, effects: this.effects }
  }
}

const CANCEL_ON_EXIT: Partial<Record<ConnectionState, 'cancelDial' | 'cancelHandshakeTimer' | 'cancelReconnect' | 'cancelCooldownEnd'>> = {
  [Connecting]: 'cancelDial',
  [Connected]: 'cancelHandshakeTimer',
  [Reconnecting]: 'cancelReconnect',
  [Cooldown]: 'cancelCooldownEnd'
}

const NOTHING: readonly never[] = Object.freeze([])

function unchanged (record: PeerRecord, effects: readonly Effect[] = NOTHING): Accepted {
  return { accepted: true, record, transitions: NOTHING, effects }
}

function reject (record: PeerRecord, code: ErrorCode, message: string, context: ReduceContext): Rejected {
  return { accepted: false, record, error: failure(code, message, context) }
}

function failure (code: ErrorCode, message: string, context: ReduceContext, cause?: unknown): GlueberryError {
  return new GlueberryError(code, message, {
    ...(context.peer === undefined ? {} : { peer: context.peer }),
    ...(cause === undefined ? {} : { cause })
  })
}

/** A GlueberryError as it is; anything else wrapped, keeping it as the cause. */
function asGlueberryError (error: unknown, code: ErrorCode, message: string, context: ReduceContext): GlueberryError {
  if (error instanceof GlueberryError) return error
  const detail = error instanceof Error ? `: ${error.message}` : ''
  return failure(code, `${message}${detail}`, context, error)
}

/** Why a new connection may not start, if it may not. */
function admissionError (context: ReduceContext): GlueberryError | undefined {
  if (context.stopped === true) return failure(ErrorCode.NodeStopped, 'the node is stopped', context)
  if (context.blacklisted === true) return failure(ErrorCode.PeerBlacklisted, 'the peer is blacklisted', context)
  return undefined
}

function canReconnect (context: ReduceContext): boolean {
  return context.reconnectable && context.stopped !== true && context.blacklisted !== true
}

function hasConnection (state: ConnectionState): boolean {
  return state === Connected || state === Established
}

/**
 * Falls back to Disconnected after a failure, then to Reconnecting when the
 * peer is reconnectable and attempts remain. `cause` goes on the Disconnected
 * transition, unless the attempts just ran out: then that is the reason given.
 */
function fallBack (record: PeerRecord, cause: GlueberryError | undefined, context: ReduceContext, reconnect: boolean): Accepted {
  const step = new Step(record)
  const { attempt } = record
  const { policy } = context
  if (!reconnect || !canReconnect(context)) {
    return step.go(Disconnected, { error: cause, patch: { attempt: 0 } }).accept()
  }
  if (shouldRetry(attempt, policy)) {
    step.go(Disconnected, { error: cause }).go(Reconnecting)
    return step.effect({
      type: 'scheduleReconnect',
      ms: reconnectDelay(attempt, policy, context.random),
      attempt,
      generation: step.record.generation
    })
  }
  // With reconnection switched off nothing ran out: the cause is the news.
  const error = policy.maxAttempts === 0
    ? cause
    : failure(ErrorCode.ConnectionFailed, `reconnection attempts exhausted (${attempt} of ${policy.maxAttempts})`, context, cause)
  return step.go(Disconnected, { error, patch: { attempt: 0 } }).accept()
}

/** The user, a blacklisting or stop takes the peer down from any state. */
function takeDown (record: PeerRecord, error: GlueberryError | undefined): Accepted {
  if (record.state === Disconnected) return unchanged(record)
  return new Step(record)
    .go(Disconnected, { error, patch: { attempt: 0 }, close: hasConnection(record.state) })
    .accept()
}

/** Connected -> Cooldown after a failed handshake; `close` when the connection is still open. */
function coolDown (record: PeerRecord, error: GlueberryError, context: ReduceContext, close: boolean): Accepted {
  const step = new Step(record).go(Cooldown, { error, close })
  return step.effect({ type: 'scheduleCooldownEnd', ms: context.cooldownMs, generation: step.record.generation })
}

function connected (record: PeerRecord, outbound: boolean, context: ReduceContext): Accepted {
  const step = new Step(record).go(Connected, { patch: { outbound } })
  return step.effect({ type: 'armHandshakeTimer', ms: context.handshakeTimeoutMs, generation: step.record.generation })
}

function dialling (record: PeerRecord, attempt: number): Accepted {
  const step = new Step(record).go(Connecting, { patch: { outbound: true, attempt } })
  return step.effect({ type: 'dial', generation: step.record.generation })
}

/**
 * Applies one input to a peer's record. Never throws for any input in any
 * state (only for a malformed context: a `random` outside [0, 1) is a
 * RangeError when a reconnect delay is drawn). The answer is either a rejection (record unchanged, nothing to emit or
 * do, with a typed error for the caller) or the committed transitions and the
 * effects to run, in order. An input that arrives too late to matter (a stale
 * timer, a duplicate disconnect notification) is accepted with no transitions.
 */
export function reduce (current: PeerRecord | undefined, input: Input, context: ReduceContext): Result {
  const record = current ?? initialRecord()
  const { state } = record
  switch (input.type) {
    case 'connect': {
      const refused = admissionError(context)
      if (refused !== undefined) return { accepted: false, record, error: refused }
      if (state === Disconnected) return dialling(record, 0)
      // During backoff: dial now, but keep the series' attempt count so that
      // impatience does not reset the backoff.
      if (state === Reconnecting) return dialling(record, record.attempt)
      if (state === Cooldown) {
        return reject(record, ErrorCode.InCooldown, 'the peer is cooling down after a failed handshake', context)
      }
      // Connecting, Connected, Established: under way or done; the caller waits for the state.
      return unchanged(record)
    }

    case 'dialSucceeded': {
      if (state === Connecting && input.generation === record.generation) {
        const refused = admissionError(context)
        // Stopped or blacklisted while the dial was in flight: do not keep the connection.
        if (refused !== undefined) {
          return new Step(record).go(Disconnected, { error: refused, patch: { attempt: 0 }, close: true }).accept()
        }
        return connected(record, input.outbound, context)
      }
      // An inbound connection won the race, or a newer dial is running and
      // will return the same libp2p connection: nothing to do.
      if (state === Connecting || hasConnection(state)) return unchanged(record)
      // A dial the record no longer wants (disconnected, blacklisted, in
      // backoff or cooldown) came back with a connection: close it rather than
      // leave an untracked connection open.
      return unchanged(record, [{ type: 'closeConnection' }])
    }

    case 'dialFailed': {
      if (state !== Connecting || input.generation !== record.generation) return unchanged(record)
      const cause = input.aborted
        ? asGlueberryError(input.error, ErrorCode.Aborted, 'dial aborted', context)
        : asGlueberryError(input.error, ErrorCode.ConnectionFailed, 'dial failed', context)
      return fallBack(record, cause, context, !input.aborted)
    }

    case 'inboundConnected': {
      const refused = admissionError(context)
      if (refused !== undefined) return { accepted: false, record, error: refused }
      // From Connecting this is a simultaneous dial: the inbound connection wins,
      // our dial is cancelled (or comes back as a no-op). Nobody is refused.
      if (state === Disconnected || state === Connecting || state === Reconnecting) {
        return connected(record, input.outbound ?? false, context)
      }
      if (state === Cooldown) {
        // The manager closes the refused connection; the peer may come back after the cooldown.
        return reject(record, ErrorCode.InCooldown, 'inbound connection refused: the peer is cooling down after a failed handshake', context)
      }
      // Connected or Established: a second libp2p connection to the same peer changes nothing.
      return unchanged(record)
    }

    case 'handshakeFinalized': {
      if (state === Connected) return new Step(record).go(Established, { patch: { attempt: 0 } }).accept()
      if (state === Established) {
        return reject(record, ErrorCode.InvalidTransition, 'the handshake is already finalized', context)
      }
      if (state === Cooldown) {
        return reject(record, ErrorCode.HandshakeTimeout, 'the handshake timed out before it was finalized', context)
      }
      return reject(record, ErrorCode.NotConnected, `cannot finalize a handshake while ${state}`, context)
    }

    case 'handshakeTimedOut': {
      // Only the timer of the current Connected session counts; an older one is stale.
      if (state !== Connected || input.generation !== record.generation) return unchanged(record)
      const error = failure(ErrorCode.HandshakeTimeout, `handshake not finalized within ${context.handshakeTimeoutMs} ms`, context)
      return coolDown(record, error, context, true)
    }

    case 'handshakeFailed': {
      const error = asGlueberryError(input.error, ErrorCode.HandshakeFailed, 'handshake failed', context)
      // Talking longer will not change the peer's version: stop redialling,
      // whatever the state (the connection may already be gone and a redial
      // scheduled when the report comes in), and say why on the event.
      if (error.code === ErrorCode.VersionMismatch) return takeDown(record, error)
      // A late report (the session already ended or moved on) changes nothing.
      if (state !== Connected) return unchanged(record)
      return coolDown(record, error, context, true)
    }

    case 'cooldownEnded': {
      if (state !== Cooldown || input.generation !== record.generation) return unchanged(record)
      return fallBack(record, undefined, context, true)
    }

    case 'connectionLost': {
      // Elsewhere there is no connection of ours to lose: a duplicate or late
      // notification (e.g. for the connection we closed entering Cooldown).
      if (!hasConnection(state)) return unchanged(record)
      const cause = asGlueberryError(input.error, ErrorCode.ConnectionFailed, 'connection lost', context)
      // Lost before the handshake completed: a failed handshake, so a cooldown
      // before the redial. A peer we would not redial settles at once.
      if (state === Connected && canReconnect(context)) return coolDown(record, cause, context, false)
      return fallBack(record, cause, context, true)
    }

    case 'reconnectTimerFired': {
      if (state !== Reconnecting || input.generation !== record.generation) return unchanged(record)
      if (!canReconnect(context)) {
        // Blacklisted, stopped or removed from the address book during the backoff.
        const error = admissionError(context) ??
          failure(ErrorCode.PeerNotFound, 'reconnection abandoned: the peer is no longer reconnectable', context)
        return new Step(record).go(Disconnected, { error, patch: { attempt: 0 } }).accept()
      }
      return dialling(record, record.attempt + 1)
    }

    case 'disconnect':
      return takeDown(record, undefined)

    case 'cancelReconnection': {
      if (state !== Reconnecting) {
        return reject(record, ErrorCode.InvalidTransition, `no reconnection to cancel while ${state}`, context)
      }
      return new Step(record).go(Disconnected, { patch: { attempt: 0 } }).accept()
    }

    case 'blacklisted':
      return takeDown(record, failure(ErrorCode.PeerBlacklisted, 'the peer was blacklisted', context))

    case 'stop':
      return takeDown(record, failure(ErrorCode.NodeStopped, 'the node stopped', context))
  }
}

/**
 * The ConnectionEvents of an accepted result, one per committed transition in
 * commit order; none for a rejection.
 */
export function toConnectionEvents (peerId: string, result: Result, at: number): ConnectionEvent[] {
  if (!result.accepted) return []
  const lastIndex = result.transitions.length - 1
  return result.transitions.map(({ previous, state, outbound, error }, index) => {
    const event: ConnectionEvent = error === undefined
      ? { peerId, state, previous, outbound, at }
      : { peerId, state, previous, outbound, error, at }
    if (state !== Disconnected) return event
    return { ...event, terminal: isTerminal(result, index === lastIndex) }
  })
}

/**
 * A Disconnected transition is terminal when the peer settles there: it is
 * the input's last transition and nothing is scheduled (no Reconnecting
 * follows, no timer is armed). Then this node will not dial the peer again
 * on its own; only the application (connect, addPeer) or the peer dialling
 * in can bring it back.
 */
function isTerminal (result: Accepted, isLast: boolean): boolean {
  return isLast && result.record.state === Disconnected
}
