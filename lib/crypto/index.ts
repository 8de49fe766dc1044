/**
 * The crypto layer of Glueberry: primitive backends (node:crypto and noble,
 * byte-identical), identity keys, the v2 stream key schedule, record
 * ciphers with counter nonces and deterministic rekey, and key zeroing.
 *
 * @module
 */
export type { CryptoBackend, SealedRecord, X25519KeyPair } from './backend.js'
export {
  HKDF_SHA256_MAX_LENGTH,
  KEY_LENGTH,
  NONCE_LENGTH,
  TAG_LENGTH,
  X25519_LENGTH
} from './backend.js'
export { nodeBackend } from './node-backend.js'
export { nobleBackend } from './noble-backend.js'
export { backendFor, defaultBackend } from './default-backend.js'
export type { BackendName } from './default-backend.js'
export type { Identity } from './keys.js'
export {
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SEED_LENGTH,
  assertPublicKeyMatchesPeerId,
  createIdentity,
  peerIdBytes,
  peerIdFromEd25519PublicKey,
  publicKeyMatchesPeerId,
  toPeerId,
  x25519PrivateFromEd25519Seed,
  x25519PublicFromEd25519
} from './keys.js'
export type { KeyScheduleParty, StreamKeyInput, StreamKeys, StreamSecrets } from './key-schedule.js'
export {
  MAX_INFO_FIELD_LENGTH,
  SALT_LENGTH,
  STREAM_KEYS_LABEL,
  STREAM_KEYS_OKM_LENGTH,
  deriveStreamKeys,
  encodeStreamKeysInfo,
  generateStreamSecrets
} from './key-schedule.js'
export type { RecordCipherOptions } from './record-cipher.js'
export {
  MAX_RECORD_COUNTER,
  REKEY_INTERVAL,
  REKEY_LABEL,
  RecordOpener,
  RecordSealer,
  nextEpochKey,
  recordNonce
} from './record-cipher.js'
export { createPeerKeys } from './peer-keys.js'
export { zeroize } from './zero.js'
