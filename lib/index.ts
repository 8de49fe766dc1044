/**
 * Glueberry: secure messaging between known peers on js-libp2p, with
 * connections, messages, events and statistics as RxJS Observables.
 *
 * ```ts
 * import { createNode } from 'glueberry'
 * const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'] })
 * await node.start()
 * node.messages$.subscribe(m => console.log(m.peerId, m.stream, m.data))
 * ```
 *
 * @module glueberry
 */
// Must run before any libp2p code runs: Node 20 lacks Promise.withResolvers.
import './polyfill.js'

export { createNode } from './node.js'
export type { GlueberryNode, HealthCheck, HealthStatus, NodeDump, NodeStatus, SendOptions, DecryptionFailure, FailHandshakeOptions } from './api.js'
export type { NodeOptions, FlowOptions, LimitOptions, DecryptionErrorPolicy, InboundPolicy } from './config.js'
export type { ReconnectPolicy } from './connections/reconnect-policy.js'
export type { LivenessOptions } from './connections/liveness.js'
export { ErrorCode, GlueberryError, UndeliveredError, isGlueberryError, isRetriable, isPermanent } from './errors.js'
export type { GlueberryErrorOptions, UndeliveredDetails, UndeliveredReason } from './errors.js'
export { ConnectionState, HANDSHAKE_STREAM } from './types.js'
export type { ConnectionEvent, IncomingMessage, AbortOptions } from './types.js'
export { CURRENT_VERSION, parseVersion, formatVersion, isCompatible, isNewer, assertCompatible } from './version.js'
export type { ProtocolVersion } from './version.js'
export type { PeerStats, StreamStats, NodeStats } from './stats/tracker.js'
export type { PeerEntry, BlacklistEntry, AddressBookStorage, Mutation, Snapshot, StorageResult } from './peers/index.js'
export { AddressBook, JsonFileStorage, MemoryStorage, AddressBookCorruptError } from './peers/index.js'
export type { AddressBookOptions, LoadReport, JsonFileStorageOptions, CorruptPolicy, AddressBookCorruptErrorOptions } from './peers/index.js'
export type { HandshakeDriver } from './handshake/driver.js'
export { noopLogger, consoleLogger } from './observability/logger.js'
export { pinoLogger } from './observability/pino.js'
export type { PinoLike, PinoLogFn } from './observability/pino.js'
export type { Logger, LogFields, LogLevel, ConsoleLike } from './observability/logger.js'
export { noopMetrics } from './observability/metrics.js'
export type { Metrics, Direction, AttemptResult, HandshakeResult } from './observability/metrics.js'
export { flowOf } from './flow.js'
export type { FlowHandle } from './flow.js'
export { publicKeyMatchesPeerId } from './crypto/index.js'
// Records an application carries itself, for encryptWith / decryptWith (glueberry/operators).
export { createRecordSealer, createRecordOpener } from './crypto/app-records.js'
export type { RecordKeyOptions } from './crypto/app-records.js'
export type { RecordSealer, RecordOpener, RecordCipherOptions } from './crypto/record-cipher.js'
export type { CryptoBackend, SealedParts, SealedRecord, X25519KeyPair } from './crypto/backend.js'
export type { BackendName } from './crypto/default-backend.js'
export { FrameDecoder } from './wire/frame-decoder.js'
export { maxRecordFrameLength } from './wire/batching.js'
export { standardHandshake, type StandardHandshake, type StandardHandshakeOptions } from './handshake/standard.js'
