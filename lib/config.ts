/**
 * Node options: what can be set, the documented defaults, and validation.
 * `undefined` always means "use the default"; any value given is validated
 * and used as it is (0 is never silently replaced: `reconnect.maxAttempts: 0`
 * means "never reconnect", `Infinity` means "forever").
 *
 * @module
 */
import type { PrivateKey } from '@libp2p/interface'
import { ErrorCode, GlueberryError } from './errors.js'
import type { Logger } from './observability/logger.js'
import { noopLogger } from './observability/logger.js'
import type { Metrics } from './observability/metrics.js'
import { noopMetrics } from './observability/metrics.js'
import type { ReconnectPolicy } from './connections/reconnect-policy.js'
import { validateReconnectPolicy } from './connections/reconnect-policy.js'
import type { AddressBookStorage } from './peers/index.js'
import type { LivenessOptions } from './connections/liveness.js'
import { DEFAULT_LIVENESS, validateLiveness } from './connections/liveness.js'
import type { HandshakeDriver } from './handshake/driver.js'

/** What to do with an encrypted stream after a record fails to authenticate. */
export type DecryptionErrorPolicy = 'drop' | 'reset'

/**
 * Which peers may connect to us. `'known'`: only peers in the address book
 * (or being added to it); anyone else is refused by the connection gater as
 * soon as Noise has proven its key, before any stream, and the refusal is
 * reported on `errors$` (`PEER_NOT_FOUND`, rate-limited). `'any'`: every
 * peer that is not blacklisted (a server that learns its peers from who
 * dials it, such as `glueberry listen`).
 */
export type InboundPolicy = 'known' | 'any'

/** Send-side watermarks of each (peer, stream) writer: the `flow` option. */
export interface FlowOptions {
  /** Messages queued per (peer, stream) writer at which `send()` starts to wait. Default 1000. */
  high?: number
  /** Queue length at which waiting senders resume. Default 100; must be below `high`. */
  low?: number
  /**
   * Bytes queued per (peer, stream) writer at which `send()` starts to wait,
   * whatever the message count: 1000 queued 1 MiB messages would be 1 GiB.
   * Default 16 MiB. `low` scales with it (`low / high` of it resumes).
   */
  highBytes?: number
  /**
   * Bytes of messages accepted and not yet acknowledged that the node holds
   * across ALL peers and streams. Past it `send()` fails at once with a
   * retriable GlueberryError `BACKPRESSURE` (the message is not accepted).
   * Default 256 MiB. The bound per slow link: bench/README.md, "Memory bounds".
   */
  totalBytes?: number
}

/** Resource limits: the `limits` option. */
export interface LimitOptions {
  /** libp2p connection limit. Default 1000. */
  maxConnections?: number
  /** Inbound encrypted streams held per peer before its phase 1. Default 32. */
  maxHeldStreamsPerPeer?: number
  /** Inbound streams per protocol per connection. Default 64. */
  maxInboundStreams?: number
  /** Outbound streams per protocol per connection. Default 64. */
  maxOutboundStreams?: number
  /**
   * Dials this node runs at once; more wait their turn, and `dialTimeout`
   * starts when a dial does. Default 4. A node that adds many peers at once
   * (a 49-peer book at start) would otherwise start every Noise handshake
   * together: on a loaded machine all of them then miss `dialTimeout`, and
   * the redials collide again.
   */
  maxConcurrentDials?: number
}

/**
 * Options of `createNode`. Every one is optional; `undefined` means the
 * default given here. Invalid values throw `INVALID_CONFIG` from createNode.
 */
export interface NodeOptions {
  /** libp2p Ed25519 private key or a 32-byte Ed25519 seed. Default: a new key is generated (a new peer id per run). */
  privateKey?: PrivateKey | Uint8Array
  /** Listen multiaddrs. Default `['/ip4/127.0.0.1/tcp/0']`. */
  listen?: string[]
  /** A JSON file path ({@link JsonFileStorage}), a storage adapter, or omitted for an in-memory book (default, {@link MemoryStorage}). */
  addressBook?: string | AddressBookStorage
  /** Runs the handshake for every connected peer, e.g. `standardHandshake()`. Default: none, the application runs its own (application-controlled). */
  handshake?: HandshakeDriver
  /** Where the node logs. Default {@link noopLogger} (nothing). */
  logger?: Logger
  /** Where the node reports measurements. Default {@link noopMetrics} (nothing). */
  metrics?: Metrics
  /** Time from Connected to `finalizeHandshake` before the peer goes to Cooldown. Default 30 s. */
  handshakeTimeout?: number
  /**
   * Reconnection backoff. Defaults: baseDelay 500 ms, maxDelay 3 s,
   * maxAttempts Infinity, jitter 0.1 (see ReconnectPolicy for why).
   */
  reconnect?: Partial<ReconnectPolicy>
  /**
   * Time spent in Cooldown after a failed handshake (a timeout, a bad
   * message, the connection dropped mid-handshake), before the redial.
   * Default 10 s: a peer that keeps failing is tried ~6 times a minute, and
   * a handshake that failed under a transient overload heals within seconds.
   */
  cooldown?: number
  /**
   * Dead-link detection: every `interval` ms each connection of a Connected or
   * Established peer is probed (a yamux ping, ~0.2 ms of CPU per round trip);
   * no answer within `timeout` ms closes the connection and the peer goes
   * Disconnected (CONNECTION_FAILED, cause: the probe's timeout), then
   * reconnects. A silent link is noticed within `interval + timeout`, on both
   * sides, whether or not traffic flows. Default `{ interval: 2000, timeout: 3000 }`:
   * at most 5 s. `false` turns it off (then only TCP errors end a connection).
   */
  liveness?: Partial<LivenessOptions> | false
  /** Longest time `stop()` and `disconnect()` wait for accepted messages to be written before closing. Default 5 s. */
  drainTimeout?: number
  /**
   * Time allowed for one dial, the whole of it (TCP connect, Noise, yamux),
   * counted from when the dial leaves the queue (`limits.maxConcurrentDials`);
   * libp2p bounds its dial with the same value. Default 5 s: a dial on a LAN takes
   * milliseconds, and a dial into a dead link must not hold up the redial
   * that follows when the link heals.
   */
  dialTimeout?: number
  /** Largest message, in bytes, on send and on receive. Default 1 MiB. */
  maxMessageSize?: number
  /** Largest stream name in UTF-8 bytes. Default 64. */
  maxStreamNameLength?: number
  /** Largest address-book metadata (sum of key and value bytes). Default 4096. */
  maxMetadataSize?: number
  /** Send-side watermarks per (peer, stream). Defaults: high 1000 messages, low 100, highBytes 16 MiB. */
  flow?: FlowOptions
  /** Connection and stream limits; defaults in {@link LimitOptions}. */
  limits?: LimitOptions
  /** Default 'drop': report and keep reading. 'reset' resets the stream. */
  decryptionErrorPolicy?: DecryptionErrorPolicy
  /** Which peers may connect to us. Default 'known': only address-book peers. See {@link InboundPolicy}. */
  inbound?: InboundPolicy
  /** AEAD/KDF implementation. Default 'node' (node:crypto); 'noble' is the portable one. */
  crypto?: 'node' | 'noble'
}

/** Options after defaults and validation. */
export interface ResolvedConfig {
  privateKey?: PrivateKey | Uint8Array
  listen: string[]
  addressBook?: string | AddressBookStorage
  handshake?: HandshakeDriver
  logger: Logger
  metrics: Metrics
  handshakeTimeout: number
  reconnect: ReconnectPolicy
  cooldown: number
  /** `false` when switched off. */
  liveness: LivenessOptions | false
  drainTimeout: number
  dialTimeout: number
  maxMessageSize: number
  maxStreamNameLength: number
  maxMetadataSize: number
  flow: Required<FlowOptions>
  limits: Required<LimitOptions>
  decryptionErrorPolicy: DecryptionErrorPolicy
  inbound: InboundPolicy
  crypto: 'node' | 'noble'
}

export const DEFAULTS = Object.freeze({
  listen: ['/ip4/127.0.0.1/tcp/0'],
  handshakeTimeout: 30_000,
  cooldown: 10_000,
  liveness: DEFAULT_LIVENESS,
  drainTimeout: 5_000,
  dialTimeout: 5_000,
  maxMessageSize: 1024 * 1024,
  maxStreamNameLength: 64,
  maxMetadataSize: 4096,
  flow: Object.freeze({ high: 1000, low: 100, highBytes: 16 * 1024 * 1024, totalBytes: 256 * 1024 * 1024 }),
  limits: Object.freeze({ maxConnections: 1000, maxHeldStreamsPerPeer: 32, maxInboundStreams: 64, maxOutboundStreams: 64, maxConcurrentDials: 4 }),
  decryptionErrorPolicy: 'drop',
  inbound: 'known',
  crypto: 'node' as const
})

/** Frames above this are refused whatever maxMessageSize says: it bounds one allocation. */
export const MAX_MESSAGE_SIZE_CEILING = 256 * 1024 * 1024

function invalid (message: string): GlueberryError {
  return new GlueberryError(ErrorCode.InvalidConfig, message)
}

/** A refused option value in an error message: an object as JSON rather than `[object Object]`. */
function shown (value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value)
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value)
  } catch {
    return Object.prototype.toString.call(value)
  }
}

function positiveInt (name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > max) {
    throw invalid(`${name} must be a positive integer no larger than ${max}, got ${shown(value)}`)
  }
  return value
}

function duration (name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  // setTimeout clamps anything above 2^31-1 ms to 1 ms; refuse instead of firing at once.
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 2 ** 31 - 1) {
    throw invalid(`${name} must be a duration in milliseconds between 0 and 2^31-1, got ${shown(value)}`)
  }
  return value
}

/** Applies defaults and validates; throws InvalidConfig naming the bad option. */
export function resolveConfig (options: NodeOptions = {}): ResolvedConfig {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object')
  const { privateKey } = options
  if (privateKey !== undefined) {
    const isSeed = privateKey instanceof Uint8Array
    if (isSeed && privateKey.length !== 32) throw invalid(`privateKey seed must be 32 bytes, got ${privateKey.length}`)
    if (!isSeed && (typeof privateKey !== 'object' || privateKey.type !== 'Ed25519')) {
      throw invalid('privateKey must be a libp2p Ed25519 PrivateKey or a 32-byte seed')
    }
  }
  const listen = options.listen ?? [...DEFAULTS.listen]
  if (!Array.isArray(listen) || listen.some(a => typeof a !== 'string' || a.length === 0)) {
    throw invalid('listen must be an array of multiaddr strings')
  }
  const { addressBook } = options
  if (addressBook !== undefined && typeof addressBook !== 'string' &&
      (typeof addressBook !== 'object' || addressBook === null || typeof addressBook.update !== 'function')) {
    throw invalid('addressBook must be a file path or a storage adapter')
  }
  if (typeof addressBook === 'string' && addressBook.length === 0) throw invalid('addressBook path must not be empty')

  const maxMessageSize = positiveInt('maxMessageSize', options.maxMessageSize, DEFAULTS.maxMessageSize, MAX_MESSAGE_SIZE_CEILING)
  const high = positiveInt('flow.high', options.flow?.high, DEFAULTS.flow.high)
  const low = options.flow?.low === undefined
    ? Math.min(DEFAULTS.flow.low, Math.floor(high / 10))
    : nonNegativeInt('flow.low', options.flow.low)
  if (low >= high) throw invalid(`flow.low (${low}) must be below flow.high (${high})`)
  const highBytes = positiveInt('flow.highBytes', options.flow?.highBytes, DEFAULTS.flow.highBytes)
  const totalBytes = positiveInt('flow.totalBytes', options.flow?.totalBytes, DEFAULTS.flow.totalBytes) // perf (issue 13)

  let reconnect: ReconnectPolicy
  try {
    reconnect = validateReconnectPolicy(options.reconnect ?? {})
  } catch (err) {
    if (err instanceof GlueberryError) throw err
    throw invalid(`reconnect: ${(err as Error).message}`)
  }

  const policy = options.decryptionErrorPolicy ?? DEFAULTS.decryptionErrorPolicy
  if (policy !== 'drop' && policy !== 'reset') throw invalid(`decryptionErrorPolicy must be 'drop' or 'reset', got ${String(policy)}`)
  const inbound = options.inbound ?? DEFAULTS.inbound
  if (inbound !== 'known' && inbound !== 'any') throw invalid(`inbound must be 'known' or 'any', got ${String(inbound)}`)
  const crypto = options.crypto ?? DEFAULTS.crypto
  if (crypto !== 'node' && crypto !== 'noble') throw invalid(`crypto must be 'node' or 'noble', got ${String(crypto)}`)

  const limits = options.limits ?? {}
  const config: ResolvedConfig = {
    listen: [...listen],
    logger: options.logger ?? noopLogger,
    metrics: options.metrics ?? noopMetrics,
    handshakeTimeout: duration('handshakeTimeout', options.handshakeTimeout, DEFAULTS.handshakeTimeout),
    reconnect,
    cooldown: duration('cooldown', options.cooldown, DEFAULTS.cooldown),
    liveness: validateLiveness(options.liveness),
    drainTimeout: duration('drainTimeout', options.drainTimeout, DEFAULTS.drainTimeout),
    dialTimeout: duration('dialTimeout', options.dialTimeout, DEFAULTS.dialTimeout),
    maxMessageSize,
    maxStreamNameLength: positiveInt('maxStreamNameLength', options.maxStreamNameLength, DEFAULTS.maxStreamNameLength, 255),
    maxMetadataSize: positiveInt('maxMetadataSize', options.maxMetadataSize, DEFAULTS.maxMetadataSize),
    flow: { high, low, highBytes, totalBytes },
    limits: {
      maxConnections: positiveInt('limits.maxConnections', limits.maxConnections, DEFAULTS.limits.maxConnections),
      maxHeldStreamsPerPeer: positiveInt('limits.maxHeldStreamsPerPeer', limits.maxHeldStreamsPerPeer, DEFAULTS.limits.maxHeldStreamsPerPeer),
      maxInboundStreams: positiveInt('limits.maxInboundStreams', limits.maxInboundStreams, DEFAULTS.limits.maxInboundStreams),
      maxOutboundStreams: positiveInt('limits.maxOutboundStreams', limits.maxOutboundStreams, DEFAULTS.limits.maxOutboundStreams),
      maxConcurrentDials: positiveInt('limits.maxConcurrentDials', limits.maxConcurrentDials, DEFAULTS.limits.maxConcurrentDials)
    },
    decryptionErrorPolicy: policy,
    inbound,
    crypto
  }
  if (privateKey !== undefined) config.privateKey = privateKey
  if (addressBook !== undefined) config.addressBook = addressBook
  if (options.handshake !== undefined) config.handshake = options.handshake
  for (const [name, value] of [['logger', config.logger], ['metrics', config.metrics]] as const) {
    if (value === null || typeof value !== 'object') throw invalid(`${name} must be an object`)
  }
  return config
}

function nonNegativeInt (name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw invalid(`${name} must be a non-negative integer, got ${String(value)}`)
  }
  return value
}
