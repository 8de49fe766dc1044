/**
 * Binds the stream layer to wire protocol v2 (lib/wire).
 *
 * @module
 */
import { HANDSHAKE_STREAM } from '../types.js'
import {
  ACK_FRAME_LIMIT,
  FrameDecoder,
  encodeAckBody,
  RECORD_TARGET_BYTES,
  STREAM_HEADER_LENGTH,
  encodeFrame,
  maxRecordFrameLength,
  protocolIdFor,
  splitRecordBody,
  validateEncryptedStreamName,
  validateStreamName
} from '../wire/index.js'
import type { StreamWire } from './stream-manager.js'

export const streamWire: StreamWire = Object.freeze({
  // Names are validated against the node's configured limit before they get
  // here; protocol ids are built with the widest limit so they never re-reject.
  protocolId: (name: string) => protocolIdFor(name, 255),
  deframer: (maxFrameLength: number) => new FrameDecoder(maxFrameLength),
  split: (body: Uint8Array, maxMessageSize: number) => splitRecordBody(body, maxMessageSize),
  frame: (payload: Uint8Array) => encodeFrame(payload),
  maxRecordFrame: (maxMessageSize: number) => maxRecordFrameLength(maxMessageSize),
  headerFrameLength: STREAM_HEADER_LENGTH,
  recordTarget: RECORD_TARGET_BYTES,
  ackBody: (next: number) => encodeAckBody(next),
  ackFrameLimit: ACK_FRAME_LIMIT
})

/** `send()` accepts the handshake stream and any valid encrypted name. */
export function validateSendStreamName (name: unknown, maxBytes: number): asserts name is string {
  if (name === HANDSHAKE_STREAM) return
  validateStreamName(name, maxBytes)
}

/** `prepareStreams()` refuses the reserved handshake name. */
export function validatePreparedStreamName (name: unknown, maxBytes: number): asserts name is string {
  validateEncryptedStreamName(name, maxBytes)
}
