/**
 * The Prometheus adapter on two real nodes: a session that exercises
 * everything the library measures (dial, handshake, messages both ways, a
 * tampered record, backpressure against a paused receiver, a disconnect),
 * then a scrape in which every metric family must have recorded something.
 *
 * encryptionError needs a record that cannot be sealed (nonce space
 * exhausted, keys destroyed): the breakSealer() test hook destroys a live
 * sealer. pending_messages is a gauge that ends at 0 once the queues drain:
 * it must have a series, not a non-zero value.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { Registry } from 'prom-client'
import { ConnectionState, ErrorCode, flowOf } from '../../lib/index.js'
import type { GlueberryNode } from '../../lib/index.js'
import { prometheusMetrics } from '../../lib/observability/prometheus.js'
import { breakSealer, tamperNextRecords } from '../../lib/testing/index.js'
import { autoHandshake, nextMessage, pair, stopAll, waitForState } from '../helpers/nodes.js'
import { familyTotal, parseExposition } from './exposition.js'

afterEach(async () => { await stopAll() })

/** Families a healthy session cannot move (none: the hooks reach every one). */
const UNREACHABLE: Record<string, string> = {}
const GAUGES = new Set(['glueberry_pending_messages'])

function isBlocked (node: GlueberryNode, stream: string): boolean {
  return node.dumpState().peers.some(p =>
    (p.streams as { outbound?: Array<{ name: string, blocked: boolean }> } | undefined)?.outbound?.some(o => o.name === stream && o.blocked) === true)
}

describe('prometheusMetrics on a real two-node session', () => {
  it('records into every metric family that lib/ reports to', async () => {
    const registry = new Registry()
    const flow = { high: 2, low: 1 }
    const { a, b } = await pair({ metrics: prometheusMetrics({ registry }), flow }, { metrics: prometheusMetrics({ registry }), flow })
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])

    // Dial and handshake.
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Established)
    await waitForState(b, a.peerId, ConnectionState.Established)

    // Messages both ways.
    const atB = nextMessage(b, m => m.stream === 'x' && m.data[0] === 3)
    for (const n of [1, 2, 3]) await a.send(b.peerId, 'x', Uint8Array.of(n))
    await atB
    const atA = nextMessage(a, m => m.stream === 'x')
    await b.send(a.peerId, 'x', Uint8Array.of(9))
    await atA

    // A tampered record: b fails to authenticate it (and goes on).
    const failure = firstValueFrom(b.decryptionErrors$.pipe(take(1), timeout(10_000)))
    expect(tamperNextRecords(a, b.peerId, 'x')).toBe(true)
    await a.send(b.peerId, 'x', Uint8Array.of(4))
    await failure

    // A record that cannot be sealed (keys destroyed under the stream): the
    // stream ends and is reported, encryption_errors moves, and the message
    // (still unacknowledged) goes out again on a new stream with fresh keys.
    await a.send(b.peerId, 'x', Uint8Array.of(5))
    await new Promise(resolve => setTimeout(resolve, 20))
    const failed = firstValueFrom(a.errors$.pipe(take(1), timeout(10_000)))
    const resent = nextMessage(b, m => m.stream === 'x' && m.data[0] === 6)
    expect(breakSealer(a, b.peerId, 'x')).toBe(true)
    await a.send(b.peerId, 'x', Uint8Array.of(6))
    expect(await failed).toMatchObject({ code: ErrorCode.SessionClosed, stream: 'x' })
    await resent

    // Backpressure: b stops reading; a fills its window, then its queue past
    // the high watermark (engaged); b reads again, the queue drains to the
    // low watermark and the waiting sends go through (waited).
    const paused: Array<{ resume: () => void }> = []
    const pauser = b.messages$.pipe(filter(m => m.stream === 'x')).subscribe((m) => {
      const handle = flowOf(m)
      if (handle !== undefined && paused.length === 0) {
        handle.pause()
        paused.push(handle)
      }
    })
    await a.send(b.peerId, 'x', Uint8Array.of(5))
    const big = new Uint8Array(256 * 1024)
    const sends: Array<Promise<void>> = []
    for (let i = 0; i < 200 && !isBlocked(a, 'x'); i++) {
      sends.push(a.send(b.peerId, 'x', big))
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    expect(isBlocked(a, 'x')).toBe(true)
    sends.push(a.send(b.peerId, 'x', big)) // waits in line for the low watermark
    pauser.unsubscribe()
    for (const handle of paused) handle.resume()
    await Promise.all(sends)

    // Disconnect: connections and streams close on both sides.
    const gone = waitForState(b, a.peerId, ConnectionState.Disconnected)
    await a.disconnect(b.peerId)
    await gone
    await new Promise(resolve => setTimeout(resolve, 100))

    const families = parseExposition(await registry.metrics())
    const unwired = new Set(Object.values(UNREACHABLE))
    const zero = [...families.values()].filter(f => !unwired.has(f.name) && !GAUGES.has(f.name) && familyTotal(f) === 0).map(f => f.name)
    expect(zero).toEqual([])
    for (const name of GAUGES) expect(families.get(name)?.samples.some(s => s.labels.stream === 'x')).toBe(true)
    for (const name of unwired) expect([name, familyTotal(families.get(name) as NonNullable<ReturnType<typeof families.get>>)]).toEqual([name, 0])
    // A few series that must be there, by label.
    const series = (name: string): string[] => (families.get(name.replace(/_count$/, ''))?.samples ?? []).filter(s => s.name === name && s.value > 0)
      .map(s => Object.entries(s.labels).filter(([k]) => k !== 'le').map(([k, v]) => `${k}=${v}`).join(','))
    expect(series('glueberry_connections_opened_total')).toEqual(expect.arrayContaining(['direction=outbound', 'direction=inbound']))
    expect(series('glueberry_connections_closed_total')).toEqual(expect.arrayContaining(['direction=outbound', 'direction=inbound']))
    expect(series('glueberry_connection_attempts_total')).toContain('result=success')
    expect(series('glueberry_handshake_results_total')).toContain('result=success')
    expect(series('glueberry_messages_sent_total')).toEqual(expect.arrayContaining(['stream=x', 'stream=handshake']))
    expect(series('glueberry_events_emitted_total')).toEqual(expect.arrayContaining(['state=Connected', 'state=Established', 'state=Disconnected']))
    expect(series('glueberry_backpressure_engaged_total')).toContain('stream=x')
    expect(series('glueberry_backpressure_wait_seconds_count')).toContain('stream=x')
  }, 60_000)
})
