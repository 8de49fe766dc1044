/**
 * Wire protocol v2: protocol ids and stream names, varint framing, the
 * stream header, record bodies and record batching. Pure codecs: no I/O,
 * no crypto (the crypto code seals and opens what these produce and parse).
 * The bytes are specified in docs/PROTOCOL.md.
 *
 * @module
 */
export { PROTOCOL_VERSION, HANDSHAKE_PROTOCOL, protocolIdFor, streamNameFromProtocol } from './protocol.js'
export { DEFAULT_MAX_STREAM_NAME_BYTES, validateStreamName, validateEncryptedStreamName } from './stream-name.js'
export { MAX_LENGTH, MAX_VARINT_BYTES, varintLength } from './varint.js'
export { encodeFrame, encodeFrameList, framePrefix } from './frame.js'
export { FrameDecoder } from './frame-decoder.js'
export {
  STREAM_HEADER_LENGTH, STREAM_HEADER_VERSION, SALT_LENGTH, EPHEMERAL_KEY_LENGTH, INCARNATION_LENGTH,
  encodeStreamHeader, decodeStreamHeader
} from './header.js'
export { ACK_TYPE, ACK_BODY_LENGTH, ACK_FRAME_LIMIT, encodeAckBody, decodeAckBody } from './ack.js'
export type { StreamHeader, StreamHeaderFields } from './header.js'
export { encodeRecordBody, recordBodyLength, splitRecordBody } from './record.js'
export {
  RECORD_TARGET_BYTES, AEAD_TAG_LENGTH, RecordPacker, planRecords, encodeRecordBodies, maxRecordFrameLength
} from './batching.js'
export type { RecordBatch } from './batching.js'
