/**
 * glueberry/testing: test utilities for applications built on glueberry.
 *
 * @module glueberry/testing
 */
import '../polyfill.js'

export { tamperNextRecords, keyMaterial, breakSealer, suppressAcks, forgeAck, outboxState, abortConnection } from './hooks.js'
export type { KeyMaterial, OutboxState } from './hooks.js'
export { MockNode, type MockNodeOptions, type MockNodeConfigOptions, type SentMessage, type HandshakeCall, type MockFailableMethod, type FailNextOptions, type MockIdentity } from './mock-node.js'
