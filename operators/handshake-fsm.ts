import type { OperatorFunction } from 'rxjs'
import { handshakeEngine } from '../lib/handshake/engine.js'
import type { HandshakeFsmSpec, HandshakeState } from '../lib/handshake/engine.js'
import type { IncomingMessage } from '../lib/types.js'

// The engine and its types live in lib/handshake (the core uses them too); this is the public operator.
export { HandshakePhase, DEFAULT_STEP_RETRIES, DEFAULT_STEP_TIMEOUT } from '../lib/handshake/engine.js'
export type { AcceptedResponse, HandshakeFsmSpec, HandshakeIo, HandshakeMessageKind, HandshakeState } from '../lib/handshake/engine.js'

/**
 * Runs the handshake with one peer: the peer's handshake messages in, the
 * state of the handshake out.
 *
 * <span class="informal">A two-phase handshake (request/response, then
 * finalize) as a state machine: a pure reducer in the middle, the node calls
 * and the step timer at the edge.</span>
 *
 * On subscribe it sends our request. The peer's request is answered
 * whenever it comes; the peer's response is accepted (`spec.accept`) and our
 * streams prepared (`prepareStreams`), then our finalize is sent; once the
 * peer's finalize is in too (it may come first), `finalizeHandshake` makes
 * the peer Established and the output completes with `Complete`. A step that
 * gets no answer in `timeout` is retried (its message sent again) up to
 * `retries` times. Any error (a bad message, a refused request or response,
 * a failed call, the timeout) ends it with `Failed` carrying a
 * GlueberryError: failure is a value, the output never errors.
 *
 * ```text
 * (a MockNode peer answering; timeout 30, retries 1; I Init, R SentRequest,
 *  V ReceivedResponse, F SentFinalize, C Complete, X Failed)
 * peer:    ----q--r----f-----      q its request, r its response, f its finalize
 * result:  (IR)----(VF)(C|)        our response goes out at q, prepare+finalize at r
 *
 * peer:    ------------------      (silent)
 * result:  (IR)---------------X|   request resent at 30, HandshakeTimeout at 60
 * ```
 *
 * Messages of other peers or streams are ignored. If the input completes or
 * errors first, the handshake fails (HandshakeFailed). Unsubscribing stops
 * the timer, aborts the pending node calls (their AbortSignal) and
 * unsubscribes the input.
 *
 * ## Example
 * ```ts
 * node.messages$.pipe(
 *   filterPeers([peerId]), onStream('handshake'),
 *   handshakeFsm({ peerId, io: node, decode, encode, kind, request, response, finalize, accept })
 * ).subscribe(s => console.log(s.state))
 * ```
 *
 * @param spec The peer, the node and the protocol.
 * @return The handshake's states as they change, ending with Complete or Failed.
 */
export function handshakeFsm<M> (spec: HandshakeFsmSpec<M>): OperatorFunction<IncomingMessage, HandshakeState> {
  return handshakeEngine(spec)
}
