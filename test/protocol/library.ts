/**
 * The document's labels computed by the project's own code, on the paths a
 * running node takes: identities from seeds (createIdentity), the per-peer
 * keys and stream openings of lib/crypto/peer-keys.ts with their salt and
 * ephemeral key pinned by a wrapping backend, headers framed by the stream
 * layer's wire binding, and records cut, sealed and framed by the
 * RecordFrameEncoder a writer uses.
 */
import { Uint8ArrayList } from 'uint8arraylist'
import {
  createIdentity,
  createPeerKeys,
  deriveStreamKeys,
  encodeStreamKeysInfo,
  nextEpochKey,
  recordNonce,
  x25519PublicFromEd25519
} from '../../lib/crypto/index.js'
import type { CryptoBackend, Identity } from '../../lib/crypto/index.js'
import { recordSealerAt } from '../../lib/crypto/record-cipher.js'
import { PlainFrameEncoder, RecordFrameEncoder } from '../../lib/streams/frame-encoders.js'
import { streamWire } from '../../lib/streams/wire-adapter.js'
import { FrameDecoder, decodeAckBody, encodeRecordBody } from '../../lib/wire/index.js'
import { encodeVarint } from '../../lib/wire/varint.js'
import { MessageType, encodeHandshakeMessage } from '../../lib/handshake/codec.js'
import { CURRENT_VERSION } from '../../lib/version.js'
import type { DocValue } from './doc.js'
import { FIXED, VARINT_SAMPLES } from './fixed.js'
import { toHex } from './reference.js'

const utf8 = new TextEncoder()

/**
 * `base` with its randomness pinned: the salt and ephemeral key pair that
 * generateStreamSecrets draws for one stream opening.
 */
export function pinnedBackend (base: CryptoBackend, salt: Uint8Array, ephemeralPrivate: Uint8Array): CryptoBackend {
  return {
    ...base,
    randomBytes (n: number): Uint8Array {
      if (n !== salt.byteLength) throw new Error(`pinned backend: unexpected randomBytes(${n})`)
      return salt.slice()
    },
    x25519GenerateKeyPair () {
      return { privateKey: ephemeralPrivate.slice(), publicKey: base.x25519PublicKey(ephemeralPrivate) }
    }
  }
}

interface HkdfCall {
  ikm: Uint8Array
  salt: Uint8Array
  info: Uint8Array
  length: number
}

/** `base` recording a copy of every HKDF input (the library zeroes its IKM right after). */
function recordingHkdf (base: CryptoBackend, calls: HkdfCall[]): CryptoBackend {
  return {
    ...base,
    hkdfSha256 (ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
      calls.push({ ikm: ikm.slice(), salt: salt.slice(), info: info.slice(), length })
      return base.hkdfSha256(ikm, salt, info, length)
    }
  }
}

/** Frames of everything an encoder has queued. */
function drain (encoder: PlainFrameEncoder | RecordFrameEncoder): Uint8Array {
  const out = new Uint8ArrayList()
  encoder.take(out)
  return out.subarray()
}

export interface LibraryRun {
  readonly vectors: Map<string, DocValue>
  readonly identities: { A: Identity, B: Identity }
  /** The responder's opener for the stream, before it has opened anything. */
  readonly responderOpener: { open (record: Uint8Array): Uint8Array }
}

/** Every label of the document, computed with the project's code and `backend`. */
export async function libraryVectors (backend: CryptoBackend): Promise<LibraryRun> {
  const out = new Map<string, DocValue>()
  const put = (label: string, bytes: Uint8Array): void => { out.set(label, { kind: 'hex', hex: toHex(bytes) }) }
  const text = (label: string, value: string): void => { out.set(label, { kind: 'text', text: value }) }

  text('input.protocol-id', FIXED.protocolId)
  put('input.seed.A', FIXED.seedA)
  put('input.seed.B', FIXED.seedB)
  put('input.salt.opener', FIXED.openerSalt)
  put('input.salt.responder', FIXED.responderSalt)
  put('input.ephemeral-private.opener', FIXED.openerEphemeralPrivate)
  put('input.ephemeral-private.responder', FIXED.responderEphemeralPrivate)
  FIXED.messages.forEach((m, i) => { text(`input.message.${i}`, m) })
  text('input.handshake-message', FIXED.handshakeMessage)
  put('input.incarnation.opener', FIXED.openerIncarnation)
  put('input.incarnation.responder', FIXED.responderIncarnation)
  text('input.seq.opener', String(FIXED.openerSeq))
  text('input.seq.responder', String(FIXED.responderSeq))
  text('input.max-message-size.opener', String(FIXED.openerMaxMessageSize))
  text('input.max-message-size.responder', String(FIXED.responderMaxMessageSize))
  text('input.ack', String(FIXED.ackNext))

  const A = await createIdentity(FIXED.seedA.slice(), backend)
  const B = await createIdentity(FIXED.seedB.slice(), backend)
  for (const [name, id] of [['A', A], ['B', B]] as const) {
    put(`ed25519.public.${name}`, id.edPublicKey)
    put(`peer-id.bytes.${name}`, id.peerId.toMultihash().bytes)
    text(`peer-id.${name}`, id.peerIdString)
    put(`x25519.private.${name}`, id.xPrivateKey)
    // The key the remote side computes from the Ed25519 public key.
    put(`x25519.public.${name}`, x25519PublicFromEd25519(id.edPublicKey))
  }
  put('static-shared', backend.x25519(A.xPrivateKey, B.xPublicKey))

  const ephO = backend.x25519PublicKey(FIXED.openerEphemeralPrivate)
  const ephR = backend.x25519PublicKey(FIXED.responderEphemeralPrivate)
  put('ephemeral-public.opener', ephO)
  put('ephemeral-public.responder', ephR)
  put('ephemeral-shared', backend.x25519(FIXED.openerEphemeralPrivate, ephR))

  // The stream opening as the stream manager runs it: A opens, B answers.
  const openerCalls: HkdfCall[] = []
  const responderCalls: HkdfCall[] = []
  const openerBackend = recordingHkdf(pinnedBackend(backend, FIXED.openerSalt, FIXED.openerEphemeralPrivate), openerCalls)
  const responderBackend = recordingHkdf(pinnedBackend(backend, FIXED.responderSalt, FIXED.responderEphemeralPrivate), responderCalls)
  const openerKeys = createPeerKeys(openerBackend, A, B.peerIdString, B.edPublicKey)
  const responderKeys = createPeerKeys(responderBackend, B, A.peerIdString, A.edPublicKey)
  const opening = openerKeys.opener({ protocolId: FIXED.protocolId, peer: B.peerIdString },
    { incarnation: FIXED.openerIncarnation, seq: FIXED.openerSeq, maxMessageSize: FIXED.openerMaxMessageSize })
  const openerHeaderFrame = streamWire.frame(opening.header)
  const answer = responderKeys.responder({ protocolId: FIXED.protocolId, peer: A.peerIdString }, opening.header,
    () => ({ incarnation: FIXED.responderIncarnation, seq: FIXED.responderSeq, maxMessageSize: FIXED.responderMaxMessageSize }))
  const responderHeaderFrame = streamWire.frame(answer.header)
  const { sealer, acks, remote } = opening.complete(answer.header)
  if (remote.seq !== FIXED.responderSeq || answer.remote.seq !== FIXED.openerSeq) throw new Error('the headers did not carry the sequence numbers')
  put('header-frame.opener', openerHeaderFrame)
  put('header-frame.responder', responderHeaderFrame)

  // The HKDF inputs both sides actually used in that opening: one call each, identical.
  if (openerCalls.length !== 1 || responderCalls.length !== 1) throw new Error('expected one HKDF call per side of the opening')
  const [used] = openerCalls
  for (const field of ['ikm', 'salt', 'info'] as const) {
    if (toHex(used[field]) !== toHex(responderCalls[0][field])) throw new Error(`opener and responder used different HKDF ${field}`)
  }
  if (used.length !== 64) throw new Error(`HKDF output length ${used.length}, expected 64`)
  if (toHex(used.info) !== toHex(encodeStreamKeysInfo(FIXED.protocolId, A.peerId, B.peerIdString, ephO, ephR))) {
    throw new Error('the opening used another info than encodeStreamKeysInfo gives')
  }
  put('hkdf.ikm', used.ikm)
  put('hkdf.salt', used.salt)
  put('hkdf.info', used.info)

  // The key schedule through its explicit-input entry (the record ciphers keep their keys to themselves).
  const keys = deriveStreamKeys({
    backend,
    protocolId: FIXED.protocolId,
    isOpener: true,
    localStaticPrivateKey: A.xPrivateKey,
    remoteStaticPublicKey: B.xPublicKey,
    localEphemeralPrivateKey: FIXED.openerEphemeralPrivate.slice(),
    opener: { peerId: A.peerId, salt: FIXED.openerSalt, ephemeralPublicKey: ephO },
    responder: { peerId: B.peerIdString, salt: FIXED.responderSalt, ephemeralPublicKey: ephR }
  })
  put('key.opener-to-responder', keys.sendKey)
  put('key.responder-to-opener', keys.receiveKey)

  const messages = FIXED.messages.map(m => utf8.encode(m))
  put('record-body', encodeRecordBody(messages))
  put('nonce.0', recordNonce(0n))
  put('nonce.1', recordNonce(1n))
  put('nonce.1048576', recordNonce(1048576n))

  // Records 0 and 1, as the writer of the stream produces them.
  const encoder = new RecordFrameEncoder(sealer, streamWire.recordTarget)
  for (const m of messages) encoder.add(m)
  put('record-frame.0', drain(encoder))
  for (const m of messages) encoder.add(m)
  put('record-frame.1', drain(encoder))

  // Epoch 1: a sealer positioned on the last record of epoch 0 rekeys by itself.
  put('key.opener-to-responder.epoch-1', nextEpochKey(keys.sendKey, backend))
  const late = new RecordFrameEncoder(recordSealerAt(keys.sendKey.slice(), 2n ** 20n - 1n, { backend }), streamWire.recordTarget)
  late.add(utf8.encode('last record of epoch 0'))
  drain(late)
  for (const m of messages) late.add(m)
  put('record-frame.1048576', drain(late))

  // The responder's first acknowledgement, as its stream manager seals and frames it.
  const ackBody = streamWire.ackBody(FIXED.ackNext)
  put('ack-body', ackBody)
  const sealedAck = answer.acks.seal(ackBody)
  const ackFrame = streamWire.frame(new Uint8Array([...sealedAck.ciphertext, ...sealedAck.tag]))
  put('ack-frame.0', ackFrame)
  // ... and the opener's transport opens it.
  const [ackRecord] = new FrameDecoder(streamWire.ackFrameLimit).push(ackFrame)
  if (ackRecord === undefined || decodeAckBody(acks.open(ackRecord)) !== FIXED.ackNext) throw new Error('the opener did not read the ack back')

  const plain = new PlainFrameEncoder()
  plain.add(utf8.encode(FIXED.handshakeMessage))
  put('handshake-frame', drain(plain))
  put('standard-handshake.request', encodeHandshakeMessage({
    type: MessageType.Request, version: CURRENT_VERSION, publicKey: A.edPublicKey, streams: FIXED.standardStreams
  }))
  for (const n of VARINT_SAMPLES) put(`varint.${n}`, encodeVarint(n))

  return { vectors: out, identities: { A, B }, responderOpener: answer.opener }
}
