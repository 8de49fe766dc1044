import { expect } from '@jest/globals'
import { Counter, Registry } from 'prom-client'
import { ErrorCode } from '../../lib/errors.js'
import type { Metrics } from '../../lib/observability/metrics.js'
import { noopMetrics } from '../../lib/observability/metrics.js'
import { OTHER_STREAMS, prometheusMetrics } from '../../lib/observability/prometheus.js'
import { familyTotal, parseExposition, valueOf } from './exposition.js'

/** Every family the adapter registers, without the prefix. */
const FAMILIES = [
  'connections_opened_total', 'connections_closed_total', 'connection_attempts_total', 'handshake_duration_seconds',
  'handshake_results_total', 'messages_sent_total', 'messages_received_total', 'bytes_sent_total', 'bytes_received_total',
  'streams_opened_total', 'streams_closed_total', 'encryption_errors_total', 'decryption_errors_total', 'key_derivations_total',
  'events_emitted_total', 'backpressure_engaged_total', 'backpressure_wait_seconds', 'pending_messages'
]

async function scrape (metrics: { registry: Registry }): Promise<ReturnType<typeof parseExposition>> {
  return parseExposition(await metrics.registry.metrics())
}

describe('prometheusMetrics', () => {
  it('implements every method of the Metrics interface', () => {
    const metrics = prometheusMetrics()
    for (const method of Object.keys(noopMetrics) as Array<keyof Metrics>) expect(typeof metrics[method]).toBe('function')
  })

  it('registers every family with its type, help and the default prefix, in its own registry', async () => {
    const metrics = prometheusMetrics()
    const families = await scrape(metrics)
    expect([...families.keys()].sort()).toEqual(FAMILIES.map(f => `glueberry_${f}`).sort())
    expect(families.get('glueberry_handshake_duration_seconds')?.type).toBe('histogram')
    expect(families.get('glueberry_backpressure_wait_seconds')?.type).toBe('histogram')
    expect(families.get('glueberry_pending_messages')?.type).toBe('gauge')
    expect(families.get('glueberry_messages_sent_total')?.type).toBe('counter')
    for (const family of families.values()) expect(family.help).not.toBe('')
    // Label-less counters start at 0; labelled series appear with their first use.
    expect(valueOf(families, 'glueberry_decryption_errors_total')).toBe(0)
    expect(families.get('glueberry_messages_sent_total')?.samples).toEqual([])
  })

  it('moves exactly the right series for each method', async () => {
    const m = prometheusMetrics()
    const cases: Array<[() => void, string, Record<string, string>, number]> = [
      [() => { m.connectionOpened('inbound') }, 'connections_opened_total', { direction: 'inbound' }, 1],
      [() => { m.connectionOpened('outbound') }, 'connections_opened_total', { direction: 'outbound' }, 1],
      [() => { m.connectionClosed('outbound') }, 'connections_closed_total', { direction: 'outbound' }, 1],
      [() => { m.connectionAttempt('success') }, 'connection_attempts_total', { result: 'success' }, 1],
      [() => { m.connectionAttempt('aborted') }, 'connection_attempts_total', { result: 'aborted' }, 1],
      [() => { m.handshakeResult('timeout') }, 'handshake_results_total', { result: 'timeout' }, 1],
      [() => { m.messageSent('blocks', 100) }, 'messages_sent_total', { stream: 'blocks' }, 1],
      [() => { m.messageSent('blocks', 20) }, 'bytes_sent_total', { stream: 'blocks' }, 120],
      [() => { m.messageReceived('votes', 7) }, 'messages_received_total', { stream: 'votes' }, 1],
      [() => {}, 'bytes_received_total', { stream: 'votes' }, 7],
      [() => { m.streamOpened('votes') }, 'streams_opened_total', { stream: 'votes' }, 1],
      [() => { m.streamClosed('votes') }, 'streams_closed_total', { stream: 'votes' }, 1],
      [() => { m.encryptionError() }, 'encryption_errors_total', {}, 1],
      [() => { m.decryptionError(); m.decryptionError() }, 'decryption_errors_total', {}, 2],
      [() => { m.keyDerivation() }, 'key_derivations_total', {}, 1],
      [() => { m.eventEmitted('Established') }, 'events_emitted_total', { state: 'Established' }, 1],
      [() => { m.backpressureEngaged('blocks') }, 'backpressure_engaged_total', { stream: 'blocks' }, 1],
      [() => { m.pendingMessages('blocks', 12); m.pendingMessages('blocks', 5) }, 'pending_messages', { stream: 'blocks' }, 5]
    ]
    for (const [act, name, labels, expected] of cases) {
      act()
      const families = await scrape(m)
      expect([name, labels, valueOf(families, `glueberry_${name}`, labels)]).toEqual([name, labels, expected])
    }
    // messages_sent moved twice (two calls above), nothing else moved on its own.
    const families = await scrape(m)
    expect(valueOf(families, 'glueberry_messages_sent_total', { stream: 'blocks' })).toBe(2)
    expect(valueOf(families, 'glueberry_connections_closed_total', { direction: 'inbound' })).toBeUndefined()
  })

  it('observes the histograms with the Go buckets for handshakes', async () => {
    const m = prometheusMetrics()
    m.handshakeDuration(0.03)
    m.handshakeDuration(3)
    m.backpressureWait('blocks', 0.002)
    const families = await scrape(m)
    expect(valueOf(families, 'glueberry_handshake_duration_seconds_count')).toBe(2)
    expect(valueOf(families, 'glueberry_handshake_duration_seconds_sum')).toBeCloseTo(3.03)
    expect(valueOf(families, 'glueberry_handshake_duration_seconds_bucket', { le: '0.01' })).toBe(0)
    expect(valueOf(families, 'glueberry_handshake_duration_seconds_bucket', { le: '0.05' })).toBe(1)
    expect(valueOf(families, 'glueberry_handshake_duration_seconds_bucket', { le: '5' })).toBe(2)
    expect(families.get('glueberry_handshake_duration_seconds')?.samples.filter(s => s.name.endsWith('_bucket')).map(s => s.labels.le))
      .toEqual(['0.01', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'])
    expect(valueOf(families, 'glueberry_backpressure_wait_seconds_count', { stream: 'blocks' })).toBe(1)
    expect(valueOf(families, 'glueberry_backpressure_wait_seconds_bucket', { stream: 'blocks', le: '0.005' })).toBe(1)
  })

  it('caps stream label cardinality: names past maxStreamLabels are counted under (other)', async () => {
    const m = prometheusMetrics({ maxStreamLabels: 2 })
    for (const name of ['a', 'b', 'c', 'd', 'a']) m.messageSent(name, 1)
    m.backpressureEngaged('e')
    m.streamOpened('b')
    const families = await scrape(m)
    const streams = families.get('glueberry_messages_sent_total')?.samples.map(s => [s.labels.stream, s.value])
    expect(streams).toEqual([['a', 2], ['b', 1], [OTHER_STREAMS, 2]])
    expect(valueOf(families, 'glueberry_backpressure_engaged_total', { stream: OTHER_STREAMS })).toBe(1)
    expect(valueOf(families, 'glueberry_streams_opened_total', { stream: 'b' })).toBe(1)
    const none = prometheusMetrics({ maxStreamLabels: 0 })
    none.messageReceived('x', 1)
    expect(valueOf(await scrape(none), 'glueberry_messages_received_total', { stream: OTHER_STREAMS })).toBe(1)
    const unlimited = prometheusMetrics({ maxStreamLabels: Infinity })
    for (let i = 0; i < 100; i++) unlimited.messageSent(`s${i}`, 1)
    expect((await scrape(unlimited)).get('glueberry_messages_sent_total')?.samples).toHaveLength(100)
  })

  it('uses the given prefix and registry; adapters sharing a registry add up', async () => {
    const registry = new Registry()
    const a = prometheusMetrics({ registry, prefix: 'app_p2p_' })
    const b = prometheusMetrics({ registry, prefix: 'app_p2p_' })
    expect(a.registry).toBe(registry)
    a.keyDerivation()
    b.keyDerivation()
    const families = parseExposition(await registry.metrics())
    expect(valueOf(families, 'app_p2p_key_derivations_total')).toBe(2)
    expect([...families.keys()].every(name => name.startsWith('app_p2p_'))).toBe(true)
  })

  it('drops values prom-client would throw for, instead of failing the caller', async () => {
    const m = prometheusMetrics()
    expect(() => {
      m.messageSent('x', -1)
      m.handshakeDuration(Number.NaN)
      m.backpressureWait('x', -2)
      m.pendingMessages('x', Number.POSITIVE_INFINITY)
    }).not.toThrow()
    const families = await scrape(m)
    expect(valueOf(families, 'glueberry_messages_sent_total', { stream: 'x' })).toBe(1)
    expect(valueOf(families, 'glueberry_handshake_duration_seconds_count')).toBe(0)
  })

  it.each([
    ['a prefix that makes invalid names', { prefix: '1bad-' }],
    ['a negative maxStreamLabels', { maxStreamLabels: -1 }],
    ['a fractional maxStreamLabels', { maxStreamLabels: 1.5 }],
    ['unsorted buckets', { handshakeBuckets: [1, 0.5] }],
    ['empty buckets', { backpressureBuckets: [] }],
    ['a registry that is not one', { registry: {} as Registry }]
  ])('refuses %s with InvalidConfig', (_what, options) => {
    expect(() => prometheusMetrics(options)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })

  it('refuses a registry holding another kind of metric under one of its names', () => {
    const registry = new Registry()
    registry.registerMetric(new Counter({ name: 'glueberry_pending_messages', help: 'not a gauge', registers: [] }))
    expect(() => prometheusMetrics({ registry })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})

describe('the exposition reader used above', () => {
  it('refuses what is not exposition format, so "parses" means something', () => {
    expect(() => parseExposition('orphan_total 1\n')).toThrow(/without a TYPE/)
    expect(() => parseExposition('# TYPE a counter\na{x="1" 2\n')).toThrow()
    expect(() => parseExposition('# TYPE a counter\na one\n')).toThrow(/bad value/)
    expect(() => parseExposition('# TYPE a counter\n# TYPE a counter\n')).toThrow(/second TYPE/)
    const families = parseExposition('# HELP a_total help "q"\n# TYPE a_total counter\na_total{x="a\\"b"} 3\n')
    expect(valueOf(families, 'a_total', { x: 'a"b' })).toBe(3)
    expect(familyTotal(families.get('a_total') as NonNullable<ReturnType<typeof families.get>>)).toBe(3)
  })
})
