/**
 * Shared pieces of the handshake marble tests: a one-letter protocol, a fake
 * node that records its calls with the virtual time, and a readable view of
 * the FSM's states.
 *
 * The one-letter protocol: 'q' request, 'r' response, 'f' finalize, 'v' a
 * response in a version we refuse; anything else does not decode.
 */
import { map } from 'rxjs'
import type { Observable, OperatorFunction, SchedulerLike } from 'rxjs'
import { handshakeFsm } from '../../operators/index.js'
import type { HandshakeFsmSpec, HandshakeIo, HandshakeState } from '../../operators/index.js'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { createMessage } from '../../lib/flow.js'
import type { IncomingMessage } from '../../lib/types.js'

/** The remote peer (the fake node checks nothing, so any id will do). */
export const PEER = { peerId: '12D3KooWPeerUnderTest', publicKey: new Uint8Array(32).fill(7) }

export const bytes = (c: string): Uint8Array => Uint8Array.of(c.charCodeAt(0))
export const letter = (data: Uint8Array): string => String.fromCharCode(data[0] ?? 63)

/** A message from `peerId` on the handshake stream carrying one letter. */
export function from (c: string, peerId = PEER.peerId, stream = 'handshake'): IncomingMessage {
  return createMessage(peerId, stream, bytes(c), 0)
}

/** Marble values for the peer's messages. */
export const peerSays = { q: from('q'), r: from('r'), f: from('f'), v: from('v'), z: from('z') }

/** The one-letter protocol as a handshakeFsm spec. */
export function letterSpec (peerId: string, io: HandshakeIo, extra: Partial<HandshakeFsmSpec<string>> = {}): HandshakeFsmSpec<string> {
  return {
    peerId,
    io,
    decode: (data) => {
      const c = letter(data)
      if (!'qrfv'.includes(c)) throw new GlueberryError(ErrorCode.HandshakeFailed, `cannot decode '${c}'`)
      return c
    },
    encode: bytes,
    kind: c => c === 'q' ? 'request' : c === 'f' ? 'finalize' : 'response',
    request: () => 'q',
    response: () => 'r',
    finalize: () => 'f',
    accept: (c) => {
      if (c === 'v') throw new GlueberryError(ErrorCode.VersionMismatch, 'peer speaks 3.0.0', { peer: peerId })
      return { publicKey: PEER.publicKey, streams: ['blocks'] }
    },
    ...extra
  }
}

/** Letters for states in expected marbles. */
export const S = {
  I: 'Init',
  R: 'SentRequest',
  V: 'ReceivedResponse',
  F: 'SentFinalize',
  C: 'Complete',
  T: `Failed:${ErrorCode.HandshakeTimeout}`,
  M: `Failed:${ErrorCode.VersionMismatch}`,
  H: `Failed:${ErrorCode.HandshakeFailed}`,
  K: `Failed:${ErrorCode.PublicKeyMismatch}`
}

/** States as strings: the phase, with the error code when Failed. */
export function readable (): OperatorFunction<HandshakeState, string> {
  return map(s => s.state === 'Failed' ? `Failed:${s.error.code}` : s.state)
}

/** handshakeFsm with the letter protocol, viewed as strings. */
export function letterFsm (source: Observable<IncomingMessage>, io: HandshakeIo, extra: Partial<HandshakeFsmSpec<string>> = {}): Observable<string> {
  return source.pipe(handshakeFsm(letterSpec(PEER.peerId, io, extra)), readable())
}

/**
 * A fake node: every call is recorded as `<what>@<frame>` and resolves at
 * once, unless the test holds or fails it. Signals of held calls are kept so
 * a test can see them aborted.
 */
export class FakeIo implements HandshakeIo {
  readonly calls: string[] = []
  readonly signals: AbortSignal[] = []
  holdPrepare = false
  failPrepare?: GlueberryError

  constructor (private readonly scheduler: SchedulerLike) {}

  async send (_peerId: string, _stream: string, data: Uint8Array): Promise<void> {
    this.calls.push(`send ${letter(data)}@${this.scheduler.now()}`)
  }

  async prepareStreams (_peerId: string, _publicKey: Uint8Array, streams: readonly string[], options: { signal?: AbortSignal } = {}): Promise<void> {
    this.calls.push(`prepare ${streams.join(',')}@${this.scheduler.now()}`)
    if (this.failPrepare !== undefined) throw this.failPrepare
    if (this.holdPrepare) {
      if (options.signal !== undefined) this.signals.push(options.signal)
      await new Promise<never>(() => {})
    }
  }

  async finalizeHandshake (): Promise<void> {
    this.calls.push(`finalize@${this.scheduler.now()}`)
  }
}
