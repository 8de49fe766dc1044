/**
 * glueberry/operators: RxJS operators for glueberry pipelines, one per module.
 *
 * @packageDocumentation
 */
export { onStream } from './on-stream.js'
export { filterPeers } from './filter-peers.js'
export { filterStates } from './filter-states.js'
export { backpressure } from './backpressure.js'
export type { BackpressureOptions, OverflowPolicy } from './backpressure.js'
export { sendTo } from './send-to.js'
export { handshakeFsm, HandshakePhase, type HandshakeFsmSpec, type HandshakeIo, type HandshakeState, type HandshakeMessageKind, type AcceptedResponse } from './handshake-fsm.js'
export { encryptWith } from './encrypt-with.js'
export { decryptWith, DEFAULT_DECRYPT_MAX_MESSAGE_SIZE, type DecryptWithOptions, type DecryptFailurePolicy } from './decrypt-with.js'
// The types encryptWith / decryptWith take; make them with createRecordSealer / createRecordOpener from 'glueberry'.
export type { RecordSealer, RecordOpener } from '../lib/crypto/record-cipher.js'
