/**
 * glueberry/prometheus: the {@link Metrics} interface on prom-client
 * counters, histograms and a gauge, named like the Go original's adapter
 * (`glueberry_connections_opened_total{direction}` and so on).
 *
 * ```ts
 * import { createNode } from 'glueberry'
 * import { prometheusMetrics } from 'glueberry/prometheus'
 *
 * const metrics = prometheusMetrics()
 * const node = await createNode({ metrics })
 * // in the HTTP handler of /metrics:
 * res.setHeader('Content-Type', metrics.registry.contentType)
 * res.end(await metrics.registry.metrics())
 * ```
 *
 * prom-client is an optional peer dependency: only this module imports it.
 *
 * ## Label cardinality
 *
 * Every metric with a `stream` label gets one series per stream name, and
 * stream names come from the application (and, on the receive side, from
 * what remote peers open). The adapter gives at most `maxStreamLabels`
 * distinct names (64 by default, first come first served) their own label
 * value and counts every later name under {@link OTHER_STREAMS}, so a peer
 * that opens streams with random names cannot grow the registry without
 * bound. `(other)` cannot collide with a real stream: parentheses are not
 * allowed in stream names. The limit is per adapter: adapters sharing one
 * registry share its series but each keeps its own set of names. The
 * `pending_messages` gauge is a level, not a count: its `(other)` series
 * holds the last value set for any of the overflowed streams.
 *
 * @module glueberry/prometheus
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { ErrorCode, GlueberryError } from '../errors.js'
import type { AttemptResult, Direction, HandshakeResult, Metrics } from './metrics.js'

/** The `stream` label value of every stream name beyond `maxStreamLabels`. */
export const OTHER_STREAMS = '(other)'

/** Buckets of `handshake_duration_seconds`, as in the Go adapter. */
export const HANDSHAKE_BUCKETS: readonly number[] = Object.freeze([0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])

/** Buckets of `backpressure_wait_seconds`: from a millisecond to half a minute. */
export const BACKPRESSURE_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30])

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /**
   * Where the metrics are registered. Pass prom-client's global `register`
   * to expose them next to the default process metrics. Metrics already
   * registered there under the same names (by another adapter) are reused,
   * so several nodes can report into one registry.
   * @default a new Registry
   */
  registry?: Registry
  /**
   * Prepended to every metric name; must keep names valid Prometheus names.
   * @default 'glueberry_'
   */
  prefix?: string
  /**
   * Distinct stream names that get their own `stream` label value; later
   * names are counted under {@link OTHER_STREAMS}. A non-negative integer, or
   * Infinity for no limit (only for applications whose stream names are fixed).
   * @default 64
   */
  maxStreamLabels?: number
  /** Buckets of `handshake_duration_seconds`. @default {@link HANDSHAKE_BUCKETS} */
  handshakeBuckets?: readonly number[]
  /** Buckets of `backpressure_wait_seconds`. @default {@link BACKPRESSURE_BUCKETS} */
  backpressureBuckets?: readonly number[]
}

/** A {@link Metrics} that records into a prom-client registry. */
export interface PrometheusMetrics extends Metrics {
  /** The registry the metrics live in: serve `await registry.metrics()` on /metrics. */
  readonly registry: Registry
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

function invalid (message: string, cause?: unknown): GlueberryError {
  return new GlueberryError(ErrorCode.InvalidConfig, message, cause === undefined ? {} : { cause })
}

function checkBuckets (name: string, buckets: readonly number[]): number[] {
  // Checked as `unknown`: Array.isArray would narrow a readonly array to any[].
  const given: unknown = buckets
  if (!Array.isArray(given) || buckets.length === 0 || buckets.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]))) {
    throw invalid(`${name} must be a non-empty array of increasing finite numbers`)
  }
  return [...buckets]
}

/**
 * Creates the Prometheus adapter. Every method of {@link Metrics} moves one
 * series family:
 *
 * | method | metric (after the prefix) |
 * |---|---|
 * | connectionOpened(direction) | `connections_opened_total{direction}` |
 * | connectionClosed(direction) | `connections_closed_total{direction}` |
 * | connectionAttempt(result) | `connection_attempts_total{result}` |
 * | handshakeDuration(seconds) | `handshake_duration_seconds` (histogram) |
 * | handshakeResult(result) | `handshake_results_total{result}` |
 * | messageSent(stream, bytes) | `messages_sent_total{stream}`, `bytes_sent_total{stream}` |
 * | messageReceived(stream, bytes) | `messages_received_total{stream}`, `bytes_received_total{stream}` |
 * | streamOpened(stream) | `streams_opened_total{stream}` |
 * | streamClosed(stream) | `streams_closed_total{stream}` |
 * | encryptionError() | `encryption_errors_total` |
 * | decryptionError() | `decryption_errors_total` |
 * | keyDerivation() | `key_derivations_total` |
 * | eventEmitted(state) | `events_emitted_total{state}` |
 * | backpressureEngaged(stream) | `backpressure_engaged_total{stream}` |
 * | backpressureWait(stream, seconds) | `backpressure_wait_seconds{stream}` (histogram) |
 * | pendingMessages(stream, count) | `pending_messages{stream}` (gauge) |
 *
 * @throws {GlueberryError} `InvalidConfig` for a bad option, or when a metric
 * of the same name but another type is already in the registry.
 */
export function prometheusMetrics (options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const { registry = new Registry(), prefix = 'glueberry_', maxStreamLabels = 64 } = options
  if (!(registry instanceof Registry)) throw invalid('registry must be a prom-client Registry')
  if (typeof prefix !== 'string' || (prefix !== '' && !NAME.test(prefix))) {
    throw invalid(`prefix must be a valid start of a Prometheus metric name, got ${JSON.stringify(prefix)}`)
  }
  if (!(maxStreamLabels === Infinity || (Number.isInteger(maxStreamLabels) && maxStreamLabels >= 0))) {
    throw invalid(`maxStreamLabels must be a non-negative integer or Infinity, got ${String(maxStreamLabels)}`)
  }
  const handshakeBuckets = checkBuckets('handshakeBuckets', options.handshakeBuckets ?? HANDSHAKE_BUCKETS)
  const backpressureBuckets = checkBuckets('backpressureBuckets', options.backpressureBuckets ?? BACKPRESSURE_BUCKETS)

  /** The registered metric of that name and type, created when missing. */
  function reuse<M> (name: string, type: abstract new (...args: never[]) => M, create: (name: string) => M): M {
    const full = `${prefix}${name}`
    if (!NAME.test(full)) throw invalid(`invalid metric name ${full}`)
    const existing = registry.getSingleMetric(full)
    if (existing === undefined) {
      try {
        return create(full)
      } catch (err) {
        throw invalid(`cannot register ${full}: ${(err as Error).message}`, err)
      }
    }
    if (!(existing instanceof type)) throw invalid(`${full} is already registered as another kind of metric`)
    return existing
  }
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    reuse<Counter<L>>(name, Counter, full => new Counter<L>({ name: full, help, labelNames, registers: [registry] }))
  const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> =>
    reuse<Histogram<L>>(name, Histogram, full => new Histogram<L>({ name: full, help, buckets, labelNames, registers: [registry] }))

  const connectionsOpened = counter('connections_opened_total', 'libp2p connections opened, by direction', ['direction'])
  const connectionsClosed = counter('connections_closed_total', 'libp2p connections closed, by direction', ['direction'])
  const connectionAttempts = counter('connection_attempts_total', 'Dials, by result (success, failure, aborted)', ['result'])
  const handshakeDuration = histogram('handshake_duration_seconds', 'Time from Connected to Established', handshakeBuckets)
  const handshakeResults = counter('handshake_results_total', 'Handshakes, by result (success, timeout, failure)', ['result'])
  const messagesSent = counter('messages_sent_total', 'Messages sent, by stream', ['stream'])
  const messagesReceived = counter('messages_received_total', 'Messages received, by stream', ['stream'])
  const bytesSent = counter('bytes_sent_total', 'Message payload bytes sent, by stream', ['stream'])
  const bytesReceived = counter('bytes_received_total', 'Message payload bytes received, by stream', ['stream'])
  const streamsOpened = counter('streams_opened_total', 'libp2p streams opened, by stream name', ['stream'])
  const streamsClosed = counter('streams_closed_total', 'libp2p streams closed, by stream name', ['stream'])
  const encryptionErrors = counter('encryption_errors_total', 'Records that could not be sealed')
  const decryptionErrors = counter('decryption_errors_total', 'Records that failed to authenticate')
  const keyDerivations = counter('key_derivations_total', 'Peer key derivations (prepareStreams)')
  const eventsEmitted = counter('events_emitted_total', 'Connection events, by state entered', ['state'])
  const backpressureEngaged = counter('backpressure_engaged_total', 'Times a writer queue reached the high watermark, by stream', ['stream'])
  const backpressureWait = histogram('backpressure_wait_seconds', 'Time send() waited for the low watermark, by stream', backpressureBuckets, ['stream'])
  const pendingMessages = reuse<Gauge<'stream'>>('pending_messages', Gauge, full => new Gauge<'stream'>({
    name: full, help: 'Messages queued for sending, by stream', labelNames: ['stream'], registers: [registry]
  }))

  const named = new Set<string>()
  /** The label value of a stream name: itself while under the limit, OTHER_STREAMS beyond it. */
  const stream = (name: string): { stream: string } => {
    if (named.has(name)) return { stream: name }
    if (named.size < maxStreamLabels) {
      named.add(name)
      return { stream: name }
    }
    return { stream: OTHER_STREAMS }
  }

  // The node calls these on its hot paths: a value prom-client would throw
  // for (NaN, a negative increment) is dropped rather than fail a send().
  const amount = (n: number): boolean => typeof n === 'number' && Number.isFinite(n) && n >= 0

  return {
    registry,
    connectionOpened (direction: Direction) { connectionsOpened.inc({ direction }) },
    connectionClosed (direction: Direction) { connectionsClosed.inc({ direction }) },
    connectionAttempt (result: AttemptResult) { connectionAttempts.inc({ result }) },
    handshakeDuration (seconds: number) { if (amount(seconds)) handshakeDuration.observe(seconds) },
    handshakeResult (result: HandshakeResult) { handshakeResults.inc({ result }) },
    messageSent (name: string, bytes: number) {
      const labels = stream(name)
      messagesSent.inc(labels)
      if (amount(bytes)) bytesSent.inc(labels, bytes)
    },
    messageReceived (name: string, bytes: number) {
      const labels = stream(name)
      messagesReceived.inc(labels)
      if (amount(bytes)) bytesReceived.inc(labels, bytes)
    },
    streamOpened (name: string) { streamsOpened.inc(stream(name)) },
    streamClosed (name: string) { streamsClosed.inc(stream(name)) },
    encryptionError () { encryptionErrors.inc() },
    decryptionError () { decryptionErrors.inc() },
    keyDerivation () { keyDerivations.inc() },
    eventEmitted (state: string) { eventsEmitted.inc({ state }) },
    backpressureEngaged (name: string) { backpressureEngaged.inc(stream(name)) },
    backpressureWait (name: string, seconds: number) { if (amount(seconds)) backpressureWait.observe(stream(name), seconds) },
    pendingMessages (name: string, count: number) { if (amount(count)) pendingMessages.set(stream(name), count) }
  }
}
