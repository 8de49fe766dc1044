/**
 * The handshake state machine of one peer, as a pure reducer: `(model,
 * event) => { model, effects }`. No I/O, no timers, no clock: the
 * handshake engine (./engine.ts, behind the `handshakeFsm` operator) feeds it events
 * (messages from the peer, settled calls, timer expiry) and carries out the
 * effects it returns (send, prepareStreams, finalizeHandshake, arm/disarm
 * the step timer).
 *
 * The protocol is symmetric: both peers run the same machine.
 *
 * ```text
 * Init --request sent--> SentRequest --peer's response, prepareStreams ok--> ReceivedResponse
 *   --finalize sent--> SentFinalize --peer's finalize (any time before), finalizeHandshake ok--> Complete
 * any state --error / step timed out `retries + 1` times--> Failed
 * ```
 *
 * - The peer's request is answered whenever it arrives (also before our own
 *   request went out, and again when the peer retries).
 * - The peer's finalize may arrive before our own prepareStreams: it is
 *   remembered, and finalizeHandshake runs once our finalize is sent (so a
 *   peer only finalizes after both sides prepared: the Go invariant).
 * - Steps with a timeout: awaiting the peer's response (from the start) and
 *   awaiting the peer's finalize (from SentFinalize). On expiry the step's
 *   message is sent again (request, or finalize) and the timer re-armed, up
 *   to `retries` times per step; then Failed with HandshakeTimeout.
 * - A duplicate response is ignored; anything after Complete or Failed too.
 *
 * @module
 */
import { ErrorCode, GlueberryError } from '../errors.js'

/** The phases of a handshake, in order; `Complete` and `Failed` are final. */
export const HandshakePhase = {
  /** Nothing sent yet. */
  Init: 'Init',
  /** Our request is sent; waiting for the peer's response. */
  SentRequest: 'SentRequest',
  /** The peer's response was accepted and our streams are prepared (phase 1). */
  ReceivedResponse: 'ReceivedResponse',
  /** Our finalize is sent; waiting for the peer's. */
  SentFinalize: 'SentFinalize',
  /** Both sides finalized: the peer is Established. Final. */
  Complete: 'Complete',
  /** The handshake failed (see the state's `error`). Final. */
  Failed: 'Failed'
} as const

/** One of the values of {@link HandshakePhase}. */
export type HandshakePhase = typeof HandshakePhase[keyof typeof HandshakePhase]

/** Everything the machine knows about one peer's handshake. */
export interface FsmModel {
  readonly peerId: string
  readonly phase: HandshakePhase
  /** Retries allowed per step. */
  readonly retries: number
  /** Retries used in the current step. */
  readonly attempts: number
  readonly gotResponse: boolean
  readonly prepared: boolean
  readonly finalizeSent: boolean
  readonly gotFinalize: boolean
  /** finalizeHandshake has been called (once). */
  readonly finalizing: boolean
  /** Set in `Failed`. */
  readonly error?: GlueberryError
}

/** What happened: a message from the peer, a settled effect, or the step timer. */
export type FsmEvent =
  | { readonly type: 'start' }
  | { readonly type: 'requestSent' }
  /** The peer's request, with our encoded answer to it. */
  | { readonly type: 'request', readonly reply: Uint8Array }
  /** The peer's response, already accepted (version, key, streams). */
  | { readonly type: 'response', readonly publicKey: Uint8Array, readonly streams: readonly string[] }
  | { readonly type: 'prepared' }
  | { readonly type: 'finalizeSent' }
  | { readonly type: 'finalize' }
  | { readonly type: 'finalized' }
  | { readonly type: 'timeout' }
  | { readonly type: 'fail', readonly error: GlueberryError }

/** What to do. Sends of 'request' and 'finalize' report back with requestSent / finalizeSent. */
export type FsmEffect =
  | { readonly type: 'send', readonly what: 'request' | 'finalize' }
  | { readonly type: 'send', readonly what: 'response', readonly data: Uint8Array }
  | { readonly type: 'prepare', readonly publicKey: Uint8Array, readonly streams: readonly string[] }
  | { readonly type: 'finalizeHandshake' }
  /** (Re)start the step timer: cancels the one running. */
  | { readonly type: 'arm' }
  | { readonly type: 'disarm' }

export interface FsmStep {
  readonly model: FsmModel
  readonly effects: readonly FsmEffect[]
}

/** The model before `start`. */
export function initialModel (peerId: string, retries: number): FsmModel {
  return {
    peerId,
    phase: HandshakePhase.Init,
    retries,
    attempts: 0,
    gotResponse: false,
    prepared: false,
    finalizeSent: false,
    gotFinalize: false,
    finalizing: false
  }
}

/** True in `Complete` and `Failed`. */
export function isFinal (phase: HandshakePhase): boolean {
  return phase === HandshakePhase.Complete || phase === HandshakePhase.Failed
}

const NOTHING: readonly FsmEffect[] = []

/** The transition function. Pure: same input, same output; never throws. */
export function reduce (model: FsmModel, event: FsmEvent): FsmStep {
  if (isFinal(model.phase)) return { model, effects: NOTHING }
  switch (event.type) {
    case 'start':
      return { model, effects: [{ type: 'send', what: 'request' }, { type: 'arm' }] }
    case 'requestSent':
      return model.phase === HandshakePhase.Init
        ? { model: { ...model, phase: HandshakePhase.SentRequest }, effects: NOTHING }
        : { model, effects: NOTHING }
    case 'request':
      return { model, effects: [{ type: 'send', what: 'response', data: event.reply }] }
    case 'response':
      if (model.gotResponse) return { model, effects: NOTHING }
      return {
        model: { ...model, gotResponse: true, attempts: 0 },
        effects: [{ type: 'prepare', publicKey: event.publicKey, streams: event.streams }, { type: 'arm' }]
      }
    case 'prepared':
      return {
        model: { ...model, prepared: true, phase: HandshakePhase.ReceivedResponse },
        effects: [{ type: 'send', what: 'finalize' }]
      }
    case 'finalizeSent': {
      if (model.finalizeSent) return { model, effects: NOTHING }
      const next: FsmModel = { ...model, finalizeSent: true, phase: HandshakePhase.SentFinalize, attempts: 0 }
      return model.gotFinalize
        ? { model: { ...next, finalizing: true }, effects: [{ type: 'arm' }, { type: 'finalizeHandshake' }] }
        : { model: next, effects: [{ type: 'arm' }] }
    }
    case 'finalize': {
      const next: FsmModel = { ...model, gotFinalize: true }
      return next.finalizeSent && !next.finalizing
        ? { model: { ...next, finalizing: true }, effects: [{ type: 'finalizeHandshake' }] }
        : { model: next, effects: NOTHING }
    }
    case 'finalized':
      return { model: { ...model, phase: HandshakePhase.Complete }, effects: [{ type: 'disarm' }] }
    case 'timeout':
      return timedOut(model)
    case 'fail':
      return failed(model, event.error)
  }
}

function timedOut (model: FsmModel): FsmStep {
  const awaiting = model.gotResponse ? 'finalize' : 'response'
  if (model.attempts >= model.retries) {
    return failed(model, new GlueberryError(ErrorCode.HandshakeTimeout,
      `no handshake ${awaiting} from ${model.peerId} after ${model.attempts + 1} attempt(s)`, { peer: model.peerId }))
  }
  const next: FsmModel = { ...model, attempts: model.attempts + 1 }
  // Resend what the peer has not answered; while our own calls run, just wait longer.
  if (!model.gotResponse) return { model: next, effects: [{ type: 'send', what: 'request' }, { type: 'arm' }] }
  if (model.finalizeSent && !model.gotFinalize) return { model: next, effects: [{ type: 'send', what: 'finalize' }, { type: 'arm' }] }
  return { model: next, effects: [{ type: 'arm' }] }
}

function failed (model: FsmModel, error: GlueberryError): FsmStep {
  return { model: { ...model, phase: HandshakePhase.Failed, error }, effects: [{ type: 'disarm' }] }
}
