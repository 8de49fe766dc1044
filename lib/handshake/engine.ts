/**
 * The handshake engine: the pure reducer of ./fsm.ts driven by a peer's
 * handshake messages, with the node calls and the step timer at the edge.
 * `standardHandshake` runs it; the public `handshakeFsm` operator
 * (glueberry/operators) is a thin wrapper over it, so the core never depends
 * on the operators subpath.
 *
 * @module
 */
import { Observable, asyncScheduler } from 'rxjs'
import type { SchedulerLike, Subscription } from 'rxjs'
import type { GlueberryNode } from '../api.js'
import { ErrorCode, GlueberryError } from '../errors.js'
import { HandshakePhase, initialModel, isFinal, reduce } from './fsm.js'
import type { FsmEffect, FsmEvent, FsmModel } from './fsm.js'
import { HANDSHAKE_STREAM } from '../types.js'
import type { IncomingMessage } from '../types.js'

export { HandshakePhase }

/** The node calls a handshake needs: the real node and the MockNode both fit. */
export type HandshakeIo = Pick<GlueberryNode, 'send' | 'prepareStreams' | 'finalizeHandshake'>

/** The three kinds of handshake message. */
export type HandshakeMessageKind = 'request' | 'response' | 'finalize'

/** One state of a peer's handshake, as `handshakeFsm` emits it. */
export type HandshakeState =
  | {
    /** The peer. */
    readonly peerId: string
    /** The phase reached. */
    readonly state: Exclude<HandshakePhase, 'Failed'>
  }
  | {
    /** The peer. */
    readonly peerId: string
    /** Failed: final. */
    readonly state: 'Failed'
    /** Why it failed. */
    readonly error: GlueberryError
  }

/** What the peer's response grants: its key (checked against its id by prepareStreams) and our streams to prepare. */
export interface AcceptedResponse {
  /** The peer's 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** The encrypted streams to prepare with the peer. */
  readonly streams: readonly string[]
}

/**
 * Everything protocol-specific about a handshake: the peer, the node, the
 * messages and the rules. `M` is the decoded message type.
 */
export interface HandshakeFsmSpec<M> {
  /** The peer this machine talks to; messages of other peers are ignored. */
  readonly peerId: string
  /** The node (or MockNode, or a fake): `send`, `prepareStreams`, `finalizeHandshake`. */
  readonly io: HandshakeIo
  /** Bytes to message. Throwing fails the handshake with that error (a non-GlueberryError becomes HandshakeFailed). */
  decode: (data: Uint8Array) => M
  /** Message to bytes. */
  encode: (message: M) => Uint8Array
  /** Which of the three a decoded message is. Throwing fails the handshake. */
  kind: (message: M) => HandshakeMessageKind
  /** Our request, sent on subscribe (and again on each retry). */
  request: () => M
  /**
   * Our answer to the peer's request. Throw to refuse the peer (e.g.
   * VersionMismatch, a wrong chain id): the handshake fails with that error.
   */
  response: (request: M) => M
  /** Our finalize, sent once our streams are prepared. */
  finalize: () => M
  /**
   * Turns the peer's response into the key and streams for prepareStreams,
   * or throws a GlueberryError (VersionMismatch, ...) to fail the handshake.
   */
  accept: (response: M) => AcceptedResponse
  /**
   * Ms a step (awaiting the peer's response, awaiting its finalize) may take
   * before its message is sent again.
   * @default 5000
   */
  readonly timeout?: number
  /**
   * Times a step is retried after its timeout before the handshake fails
   * with HandshakeTimeout; so a step waits at most `timeout * (retries + 1)`.
   * @default 2
   */
  readonly retries?: number
  /** Runs the step timers; pass a TestScheduler for virtual time. @default asyncScheduler */
  readonly scheduler?: SchedulerLike
  /** The stream the messages travel on. @default 'handshake' */
  readonly stream?: string
}

export const DEFAULT_STEP_TIMEOUT = 5000
export const DEFAULT_STEP_RETRIES = 2

/**
 * Validates `spec` (InvalidConfig for a bad timeout or retries count) and
 * returns the function that runs one handshake per subscription to its
 * output: the peer's handshake messages in, the handshake's states out.
 * Semantics are documented on `handshakeFsm` (operators/handshake-fsm.ts).
 */
export function handshakeEngine<M> (spec: HandshakeFsmSpec<M>): (source: Observable<IncomingMessage>) => Observable<HandshakeState> {
  const { peerId, io, scheduler = asyncScheduler, stream = HANDSHAKE_STREAM } = spec
  const timeout = spec.timeout ?? DEFAULT_STEP_TIMEOUT
  const retries = spec.retries ?? DEFAULT_STEP_RETRIES
  if (!Number.isFinite(timeout) || timeout < 0) throw new GlueberryError(ErrorCode.InvalidConfig, `handshake step timeout must be a non-negative number, got ${timeout}`)
  if (!Number.isInteger(retries) || retries < 0) throw new GlueberryError(ErrorCode.InvalidConfig, `handshake retries must be a non-negative integer, got ${retries}`)

  return (source) => new Observable<HandshakeState>((subscriber) => {
    // One machine per subscription: model, pending events, timer, pending calls.
    let model: FsmModel = initialModel(peerId, retries)
    let timer: Subscription | undefined
    let closed = false
    const abort = new AbortController()
    const queue: FsmEvent[] = []
    let draining = false

    const emit = (m: FsmModel): void => {
      subscriber.next(m.phase === HandshakePhase.Failed
        ? Object.freeze({ peerId, state: HandshakePhase.Failed, error: m.error ?? failure('handshake failed') })
        : Object.freeze({ peerId, state: m.phase }))
    }

    const failure = (message: string, cause?: unknown): GlueberryError =>
      new GlueberryError(ErrorCode.HandshakeFailed, message, cause === undefined ? { peer: peerId } : { peer: peerId, cause })

    const asError = (err: unknown): GlueberryError =>
      err instanceof GlueberryError ? err : failure(`handshake with ${peerId} failed: ${err instanceof Error ? err.message : String(err)}`, err)

    // Events are handled one at a time, in order, even when an effect reports back synchronously.
    const dispatch = (event: FsmEvent): void => {
      if (closed) return
      queue.push(event)
      if (draining) return
      draining = true
      try {
        while (queue.length > 0 && !closed) {
          const { model: next, effects } = reduce(model, queue.shift() as FsmEvent)
          const changed = next.phase !== model.phase
          model = next
          if (changed) emit(model)
          for (const effect of effects) run(effect)
          if (isFinal(model.phase)) {
            subscriber.complete()
            return
          }
        }
      } finally {
        draining = false
      }
    }

    /** Settles a node call into an event (or a failure); ignored after teardown. */
    const settle = (call: () => Promise<void>, done?: FsmEvent): void => {
      let promise: Promise<void>
      try {
        promise = call()
      } catch (err) {
        promise = Promise.reject(err)
      }
      promise.then(
        () => { if (done !== undefined) dispatch(done) },
        (err: unknown) => { dispatch({ type: 'fail', error: asError(err) }) }
      )
    }

    const encoded = (make: () => M): Uint8Array | undefined => {
      try {
        return spec.encode(make())
      } catch (err) {
        dispatch({ type: 'fail', error: asError(err) })
        return undefined
      }
    }

    // The edge: carry out what the reducer asked for.
    const run = (effect: FsmEffect): void => {
      const options = { signal: abort.signal }
      switch (effect.type) {
        case 'send': {
          const data = effect.what === 'response' ? effect.data : encoded(effect.what === 'request' ? spec.request : spec.finalize)
          if (data === undefined) return
          const done: FsmEvent | undefined = effect.what === 'request' ? { type: 'requestSent' } : effect.what === 'finalize' ? { type: 'finalizeSent' } : undefined
          settle(async () => { await io.send(peerId, stream, data, options) }, done)
          return
        }
        case 'prepare':
          settle(async () => { await io.prepareStreams(peerId, effect.publicKey, effect.streams, options) }, { type: 'prepared' })
          return
        case 'finalizeHandshake':
          settle(async () => { await io.finalizeHandshake(peerId, options) }, { type: 'finalized' })
          return
        case 'arm':
          timer?.unsubscribe()
          timer = scheduler.schedule(() => { timer = undefined; dispatch({ type: 'timeout' }) }, timeout)
          return
        case 'disarm':
          timer?.unsubscribe()
          timer = undefined
      }
    }

    /** A message from the peer becomes an event; whatever it throws fails the handshake. */
    const received = (message: IncomingMessage): void => {
      if (message.peerId !== peerId || message.stream !== stream) return
      let event: FsmEvent
      try {
        const decoded = spec.decode(message.data)
        const kind = spec.kind(decoded)
        if (kind === 'request') event = { type: 'request', reply: spec.encode(spec.response(decoded)) }
        else if (kind === 'response') {
          const { publicKey, streams } = spec.accept(decoded)
          event = { type: 'response', publicKey, streams }
        } else if (kind === 'finalize') event = { type: 'finalize' }
        else throw failure(`unknown handshake message kind ${JSON.stringify(kind)} from ${peerId}`)
      } catch (err) {
        event = { type: 'fail', error: asError(err) }
      }
      dispatch(event)
    }

    emit(model)
    const input = source.subscribe({
      next: received,
      error: (err: unknown) => { dispatch({ type: 'fail', error: asError(err) }) },
      complete: () => { dispatch({ type: 'fail', error: failure(`handshake stream of ${peerId} ended before the handshake completed`) }) }
    })
    dispatch({ type: 'start' })

    // Teardown: after Complete/Failed or on unsubscribe.
    return () => {
      closed = true
      timer?.unsubscribe()
      timer = undefined
      abort.abort()
      input.unsubscribe()
    }
  })
}
