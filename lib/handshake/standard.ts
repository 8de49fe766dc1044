/**
 * The standard handshake: a {@link HandshakeDriver} that runs the handshake engine (./engine.ts)
 * with every peer that reaches Connected, with versioned binary messages
 * (see ./codec.ts for the bytes) carrying the protocol version, the
 * sender's Ed25519 public key and its stream names.
 *
 * Rules:
 * - Version: the peer's version is checked on its request and on its
 *   response with {@link isCompatible} (same major, the peer's minor not
 *   above ours). A 2.0 node refuses a 2.1 peer; the 2.1 node accepts the
 *   2.0 one, so only the 2.0 side fails. Different majors fail on both sides
 *   (whichever sees the other's request first). Failure: VersionMismatch.
 * - Key: the public key in the response is given to `prepareStreams`, which
 *   refuses a key that does not belong to the peer id (PublicKeyMismatch).
 * - Streams: each side prepares its OWN `streams`; the peer's list is
 *   informational (each side reads what the other opens, so a name only one
 *   side knows is simply never used). Keep the lists equal on both sides.
 * - On Failed: the error goes to `failures$` and to `node.failHandshake`.
 *   Any bad input from the peer (garbage bytes, a malformed message, a key
 *   that is not its own) and a step timeout are typed failures
 *   (HandshakeFailed, UnsupportedVersion, PublicKeyMismatch, HandshakeTimeout,
 *   ...), never exceptions in user code; the peer goes to Cooldown and is
 *   redialled after it, and the next connection starts a fresh handshake.
 *   A VersionMismatch will not heal by talking longer: the peer goes
 *   Disconnected (`terminal: true`) and is not redialled until the
 *   application calls `connect()` or `addPeer()` again. The compatibility
 *   rule is asymmetric, so only the side that refuses sees the mismatch; the
 *   other sees its connection closed mid-handshake, which is a failed
 *   handshake too: it retries at the cooldown rate, not in a tight loop.
 *
 * One driver per node: `failures$` and `states$` complete when the node
 * stops (detach).
 *
 * @module
 */
import { Subject, asyncScheduler, filter, mergeMap, takeUntil } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import type { GlueberryNode } from '../api.js'
import { ErrorCode, GlueberryError } from '../errors.js'
import { ConnectionState, HANDSHAKE_STREAM } from '../types.js'
import { CURRENT_VERSION, assertCompatible } from '../version.js'
import type { ProtocolVersion } from '../version.js'
import { handshakeEngine } from './engine.js'
import type { HandshakeFsmSpec, HandshakeState } from './engine.js'
import type { HandshakeDriver } from './driver.js'
import { MessageType, decodeHandshakeMessage, encodeHandshakeMessage } from './codec.js'
import type { HandshakeMessage } from './codec.js'

/** Options of {@link standardHandshake}. */
export interface StandardHandshakeOptions {
  /** The encrypted streams to prepare with every peer (registered by the node at start). */
  streams: readonly string[]
  /** The protocol version we speak and check the peer's against. @default CURRENT_VERSION */
  version?: ProtocolVersion
  /** Ms per handshake step before it is retried. @default 5000 */
  timeout?: number
  /** Retries per step before HandshakeTimeout. @default 2 */
  retries?: number
  /** Runs the step timers (a TestScheduler for virtual time). @default asyncScheduler */
  scheduler?: SchedulerLike
}

/** The driver `standardHandshake()` returns: pass it as the `handshake` option, and watch its failures. */
export interface StandardHandshake extends HandshakeDriver {
  /** Hot: every failed handshake, with `peer` set. Completes when the node stops. */
  readonly failures$: Observable<GlueberryError>
  /** Hot: every handshake state of every peer. Completes when the node stops. */
  readonly states$: Observable<HandshakeState>
}

/**
 * @throws {GlueberryError} InvalidConfig without streams.
 *
 * ## Example
 * ```ts
 * const handshake = standardHandshake({ streams: ['messages'] })
 * const node = await createNode({ handshake })
 * handshake.failures$.subscribe(e => console.warn(e.code, e.peer))
 * ```
 */
export function standardHandshake (options: StandardHandshakeOptions): StandardHandshake {
  // Checked as `unknown` (JavaScript callers): Array.isArray would narrow a readonly array to any[].
  const given: unknown = options.streams
  if (!Array.isArray(given) || given.length === 0) {
    throw new GlueberryError(ErrorCode.InvalidConfig, 'standardHandshake needs at least one stream name')
  }
  const streams = Object.freeze([...options.streams])
  const version = options.version ?? CURRENT_VERSION
  const failures = new Subject<GlueberryError>()
  const states = new Subject<HandshakeState>()

  const spec = (node: GlueberryNode, peerId: string): HandshakeFsmSpec<HandshakeMessage> => {
    const message = (type: MessageType): HandshakeMessage => ({ type, version, publicKey: node.publicKey, streams })
    return {
      peerId,
      io: node,
      decode: decodeHandshakeMessage,
      encode: encodeHandshakeMessage,
      kind: m => m.type === MessageType.Request ? 'request' : m.type === MessageType.Response ? 'response' : 'finalize',
      request: () => message(MessageType.Request),
      response: (request) => {
        assertCompatible(version, request.version, peerId)
        return message(MessageType.Response)
      },
      finalize: () => message(MessageType.Finalize),
      accept: (response) => {
        assertCompatible(version, response.version, peerId)
        return { publicKey: response.publicKey, streams }
      },
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.retries === undefined ? {} : { retries: options.retries }),
      scheduler: options.scheduler ?? asyncScheduler
    }
  }

  return {
    streams,
    failures$: failures.asObservable(),
    states$: states.asObservable(),
    attach (node: GlueberryNode): () => void {
      // Per peer: a Connected event starts a handshake; the peer's next event
      // other than Established (which the handshake itself causes) ends it.
      // Nothing is kept per peer once its handshake is over (a groupBy would
      // hold a group for every peer id ever seen, for the node's lifetime).
      const run = node.events$.pipe(
        filter(e => e.state === ConnectionState.Connected),
        mergeMap(e => node.messages$.pipe(
          filter(m => m.peerId === e.peerId && m.stream === HANDSHAKE_STREAM),
          handshakeEngine(spec(node, e.peerId)),
          takeUntil(node.events$.pipe(filter(next => next.peerId === e.peerId && next.state !== ConnectionState.Established)))
        ))
      ).subscribe((state) => {
        states.next(state)
        if (state.state !== 'Failed') return
        const error = state.error.peer === undefined
          ? new GlueberryError(state.error.code, state.error.message, { peer: state.peerId, cause: state.error })
          : state.error
        failures.next(error)
        try {
          node.failHandshake(state.peerId, error)
        } catch {
          // The node is stopping: there is no session left to end.
        }
      })
      return () => {
        run.unsubscribe()
        failures.complete()
        states.complete()
      }
    }
  }
}
