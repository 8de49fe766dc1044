import { expect } from '@jest/globals'
import { existsSync } from 'node:fs'
import { Subject } from 'rxjs'
import { ConnectionState } from '../../lib/index.js'
import { MockNode } from '../../lib/testing/index.js'
import { EMPTY_INBOUND, acceptSequence, delivered, isDrained, nodeTotals } from '../../examples/cluster/ledger.js'
import type { ClusterSnapshot, Inbound, LibraryCounts, NodeSnapshot } from '../../examples/cluster/ledger.js'
import { DEFAULT_OPTIONS, DEFAULT_TOTAL_RATE, USAGE_ERROR, defaultRate, parseOptions } from '../../examples/cluster/options.js'
import type { ClusterOptions, ParseResult } from '../../examples/cluster/options.js'
import { pairsOf } from '../../examples/cluster/mesh.js'
import { HEADER_BYTES, encodePayload, inspectPayload } from '../../examples/cluster/payload.js'
import { buildSummary, finalLine, renderSummary } from '../../examples/cluster/summary.js'
import type { ClusterSummary, StreamCounts, SummaryInput } from '../../examples/cluster/summary.js'
import { STREAM, clock$, dueAfter, outbound$, paceFor } from '../../examples/cluster/traffic.js'
import { describeStates, formatBytes, renderTable, statusLine, viewOf } from '../../examples/cluster/view.js'
import type { ViewMeta } from '../../examples/cluster/view.js'
import { REPO, STARTUP_MS, killAll, spawnNode } from '../node/fixtures/child.js'
import { VirtualClock, record, settle } from '../testing/helpers.js'

// The documented command: npm start = node examples/cluster/run.mjs
const CLUSTER = `${REPO}examples/cluster/run.mjs`

afterEach(async () => { await killAll() })

describe('examples/cluster, run for real', () => {
  it('3 nodes for 3 s: a full mesh, traffic both ways on every link, nothing lost, everything cleaned up', async () => {
    const cluster = spawnNode([CLUSTER, '--nodes', '3', '--duration', '3', '--json'])
    const exit = await cluster.exited
    const stdout = cluster.stdout()
    const stderr = cluster.stderr()
    expect({ exit, stderr }).toEqual({ exit: { code: 0, signal: null }, stderr: expect.stringContaining('OK: ') })

    // stdout is the summary and nothing else; the live view went to stderr as
    // plain status lines (not a terminal: no escape codes).
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(1)
    const summary = JSON.parse(lines[0] ?? '') as ClusterSummary
    expect(stderr).not.toContain('\u001b')
    expect(stderr).toMatch(/^\[ +\d+\.\d s \/ 3\.0 s\] running · links \d+\/6 established · /m)

    expect(summary).toMatchObject({ ok: true, problems: [], interrupted: false, stopped: true, errors: [] })
    // The traffic and its duration start once the mesh is complete.
    expect(summary.mesh).toMatchObject({ links: 6, established: 6 })
    expect(summary.mesh.seconds).toBeGreaterThan(0)
    expect(stderr).toContain('OK: mesh of 6 links Established in ')
    expect(summary.totals).toMatchObject({ lost: 0, errors: 0, links: 6 })
    expect(summary.nodes).toHaveLength(3)
    for (const node of summary.nodes) {
      expect(node).toMatchObject({ establishedWith: 2, lost: 0, duplicates: 0, invalid: 0, errors: 0, statsAgree: true })
      expect(node.handshakes).toBeGreaterThanOrEqual(2)
      expect(node.peerId).toMatch(/^12D3KooW/)
    }
    const names = summary.nodes.map(n => n.name)
    for (const from of names) {
      for (const to of names.filter(n => n !== from)) {
        const link = summary.links.find(l => l.from === from && l.to === to)
        expect(link).toBeDefined()
        expect(link?.received).toBeGreaterThan(0)
        expect(link).toMatchObject({ lost: 0, received: link?.sent })
      }
    }
    expect(summary.totals.received.bytes).toBe(summary.totals.received.messages * DEFAULT_OPTIONS.size)
    expect(summary.addressBooks.removed).toBe(true)
    expect(summary.addressBooks.dir).toMatch(/glueberry-cluster-/)
    expect(existsSync(summary.addressBooks.dir)).toBe(false)
  }, STARTUP_MS)

  it('a bad flag: a clear message on stderr, exit code 2, nothing started', async () => {
    const cluster = spawnNode([CLUSTER, '--nodes', '51'])
    expect(await cluster.exited).toEqual({ code: USAGE_ERROR, signal: null })
    expect(cluster.stdout()).toBe('')
    expect(cluster.stderr()).toContain("error: option '--nodes <n>' argument '51' is invalid. Expected an integer from 2 to 50.")
  }, STARTUP_MS)
})

describe('cluster mesh', () => {
  it('every unordered pair once, in a fixed order', () => {
    expect(pairsOf(['a', 'b', 'c', 'd'])).toEqual([['a', 'b'], ['a', 'c'], ['a', 'd'], ['b', 'c'], ['b', 'd'], ['c', 'd']])
    expect(pairsOf(Array.from({ length: 50 }, (_, i) => i))).toHaveLength(1225)
  })
})

describe('cluster options', () => {
  const run = (argv: string[]): ClusterOptions => {
    const result = parseOptions(argv)
    if (result.kind !== 'run') throw new Error(`expected options, got ${result.text}`)
    return result.options
  }
  const refused = (argv: string[]): Extract<ParseResult, { kind: 'exit' }> => {
    const result = parseOptions(argv)
    if (result.kind !== 'exit') throw new Error(`expected a refusal of ${argv.join(' ')}`)
    return result
  }

  it('defaults: 5 nodes, 10 s, 1 KiB messages, 100 msg/s per link, no JSON', () => {
    expect(run([])).toEqual({ nodes: 5, duration: 10, size: 1024, rate: 100, json: false })
    expect(run([])).toEqual(DEFAULT_OPTIONS)
  })

  it('the default rate keeps the whole cluster at DEFAULT_TOTAL_RATE msg/s at most', () => {
    expect(run(['--nodes', '5']).rate).toBe(100)
    expect(run(['--nodes', '8']).rate).toBe(89.28)
    expect(run(['--nodes', '50']).rate).toBe(2.04)
    expect(run(['--nodes', '50', '--rate', '100']).rate).toBe(100)
    for (const nodes of [2, 10, 30, 50]) {
      expect(defaultRate(nodes) * nodes * (nodes - 1)).toBeLessThanOrEqual(DEFAULT_TOTAL_RATE)
    }
  })

  it('takes every flag, sizes with k and m suffixes, decimal durations and rates', () => {
    expect(run(['--nodes', '50', '--duration', '0.5', '--size', '64k', '--rate', '2.5', '--json']))
      .toEqual({ nodes: 50, duration: 0.5, size: 65536, rate: 2.5, json: true })
    expect(run(['--nodes=2', '--size=1m']).size).toBe(1024 * 1024)
    expect(run(['--size', '8']).size).toBe(8)
    expect(run(['--size', '3KiB']).size).toBe(3072)
  })

  it.each([
    [['--nodes', '1'], "option '--nodes <n>' argument '1' is invalid. Expected an integer from 2 to 50."],
    [['--nodes', '51'], 'Expected an integer from 2 to 50.'],
    [['--nodes', '2.5'], 'Expected an integer from 2 to 50.'],
    [['--nodes', 'five'], 'Expected an integer from 2 to 50.'],
    [['--duration', '0'], "option '--duration <seconds>' argument '0' is invalid. Expected a number above 0"],
    [['--duration', '-3'], 'Expected a number above 0'],
    [['--duration', '1e3'], 'Expected a number above 0'],
    [['--size', '7'], "option '--size <bytes>' argument '7' is invalid. Expected a size from 8 bytes to 1048576 bytes"],
    [['--size', '1048577'], 'Expected a size from 8 bytes'],
    [['--size', '2m'], 'Expected a size from 8 bytes'],
    [['--size', '1g'], 'Expected a size from 8 bytes'],
    [['--rate', '0'], "option '--rate <msgs>' argument '0' is invalid. Expected a number above 0, at most 10000."],
    [['--rate', '10001'], 'at most 10000'],
    [['--rate', ''], 'Expected a number above 0'],
    [['--nodes'], "option '--nodes <n>' argument missing"],
    [['--verbose'], "unknown option '--verbose'"],
    [['7'], 'too many arguments']
  ])('refuses %j with code 2 and a clear message', (argv, message) => {
    const result = refused(argv)
    expect(result).toMatchObject({ code: USAGE_ERROR, stream: 'stderr' })
    expect(result.text).toContain(message)
    expect(result.text).toContain('--help')
  })

  it('--help: the usage on stdout, exit code 0', () => {
    const result = refused(['--help'])
    expect(result).toMatchObject({ code: 0, stream: 'stdout' })
    for (const flag of ['--nodes <n>', '--duration <seconds>', '--size <bytes>', '--rate <msgs>', '--json']) {
      expect(result.text).toContain(flag)
    }
  })
})

describe('cluster payloads and accounting', () => {
  it('a payload carries its sequence number and a checkable filler, at every size', () => {
    for (const size of [8, 9, 264, 1024, 70_000]) {
      for (const seq of [0, 1, 255, 2 ** 32 + 7]) {
        const data = encodePayload(seq, size)
        expect(data.byteLength).toBe(size)
        expect(inspectPayload(data, size)).toEqual({ seq, valid: true })
      }
    }
  })

  it('a changed byte, a wrong size or a cut header make a payload invalid', () => {
    const data = encodePayload(42, 1024)
    data[1000] = (data[1000] ?? 0) ^ 1
    expect(inspectPayload(data, 1024)).toEqual({ seq: 42, valid: false })
    expect(inspectPayload(encodePayload(42, 1024), 2048)).toEqual({ seq: 42, valid: false })
    expect(inspectPayload(new Uint8Array(HEADER_BYTES - 1), 1024)).toEqual({ seq: undefined, valid: false })
  })

  it('sequence numbers: a gap counts lost messages, a repeat counts a duplicate', () => {
    const after = (seqs: number[]): Inbound => seqs.reduce((link, seq) => acceptSequence(link, seq, 10, true), EMPTY_INBOUND)
    expect(after([0, 1, 2])).toEqual({ received: 3, bytes: 30, next: 3, gaps: 0, duplicates: 0, invalid: 0 })
    expect(after([0, 3, 4])).toMatchObject({ received: 3, next: 5, gaps: 2 })
    expect(after([0, 1, 1])).toMatchObject({ received: 3, next: 2, duplicates: 1 })
    expect(delivered(after([0, 3, 4]))).toBe(3)
    expect(acceptSequence(EMPTY_INBOUND, undefined, 3, false)).toMatchObject({ received: 1, invalid: 1, next: 0 })
  })

  it('pace: messages due over time, a tick between 20 and 250 ms', () => {
    expect(dueAfter(1000, 100)).toBe(100)
    expect(dueAfter(1499, 2)).toBe(2)
    expect(dueAfter(0, 100)).toBe(0)
    expect(paceFor(100, 1024)).toMatchObject({ tickMs: 20, maxBatch: 8 })
    expect(paceFor(1, 1024)).toMatchObject({ tickMs: 250, maxBatch: 4 })
    expect(paceFor(10_000, 8)).toMatchObject({ tickMs: 20, maxBatch: 800 })
  })
})

describe('cluster sender, on a MockNode in virtual time', () => {
  it('paces numbered messages while Established, keeps the sequence across a reconnection, completes at stop$', async () => {
    const clock = new VirtualClock()
    const node = new MockNode({ scheduler: clock.scheduler, autoConnect: false })
    const peer = MockNode.identity()
    await node.start()
    await node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/4001'])
    const stop$ = new Subject<void>()
    const pace = paceFor(100, 16)
    const out = record(outbound$({ node, index: 0 }, pace, clock$(pace.tickMs, clock.scheduler), stop$))
    // Sends resolve in promise callbacks: let them run after every tick.
    const run = async (ms: number): Promise<void> => {
      for (let t = 0; t < ms; t += pace.tickMs) {
        clock.advance(pace.tickMs)
        await settle()
      }
    }
    const sequence = (): Array<number | undefined> => node.sentTo(peer.peerId, STREAM).map(m => inspectPayload(m.data, 16).seq)

    await run(200)
    expect(sequence()).toEqual([])                        // Disconnected: nothing to send
    node.simulateConnect(peer.peerId)
    await run(200)
    expect(sequence()).toEqual([])                        // Connected is not enough
    await node.completeHandshake(peer.peerId, peer.publicKey, [STREAM])
    await run(1000)
    const first = sequence()
    // 100 msg/s from the session's first tick: 98 or 99 due after 1 s of ticks
    expect(first.length).toBeGreaterThanOrEqual(97)
    expect(first.length).toBeLessThanOrEqual(100)
    expect(first).toEqual(first.map((_, i) => i))
    expect(node.sentTo(peer.peerId, STREAM).every(m => inspectPayload(m.data, 16).valid)).toBe(true)

    node.simulateDisconnect(peer.peerId)
    await run(300)
    expect(sequence()).toHaveLength(first.length)        // nothing while away
    node.simulateConnect(peer.peerId)
    await node.completeHandshake(peer.peerId, peer.publicKey, [STREAM])
    await run(500)
    const all = sequence()
    expect(all.length).toBeGreaterThan(first.length + 40)
    expect(all).toEqual(all.map((_, i) => i))             // no restart, no hole

    stop$.next()
    await run(100)
    expect(out.completed()).toBe(true)
    expect(sequence()).toHaveLength(all.length)
    expect(out.values.filter(e => e.kind === 'sent')).toHaveLength(all.length)
    expect(out.values.filter(e => e.kind !== 'sent')).toEqual([])
    await node.stop()
  })
})

// A two-node snapshot: node-1 sent `sent` messages of 100 bytes to node-2 and
// node-2 `back` to node-1; each link's receiver saw the given sequence.
function snapshot (at: number, links: { sent: number, back: number, inbound?: Inbound, inboundBack?: Inbound }, library: [LibraryCounts, LibraryCounts], extra: Partial<NodeSnapshot> = {}): ClusterSnapshot {
  const inbound = (n: number): Inbound => ({ ...EMPTY_INBOUND, received: n, bytes: n * 100, next: n })
  const node = (i: number): NodeSnapshot => ({
    name: `node-${i + 1}`,
    peerId: `12D3KooWPeer${i + 1}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx${i + 1}`,
    states: [ConnectionState.Established],
    establishedWith: 1,
    handshakes: 1,
    errors: 0,
    library: library[i],
    ...extra
  })
  return {
    at,
    nodes: [node(0), node(1)],
    links: [
      { from: 0, to: 1, sent: { messages: links.sent, bytes: links.sent * 100 }, inbound: links.inbound ?? inbound(links.sent) },
      { from: 1, to: 0, sent: { messages: links.back, bytes: links.back * 100 }, inbound: links.inboundBack ?? inbound(links.back) }
    ],
    errors: []
  }
}

const counts = (at: number, sent: number, received: number): LibraryCounts =>
  ({ at, messagesSent: sent, messagesReceived: received, bytesSent: sent * 100, bytesReceived: received * 100 })

describe('cluster view', () => {
  const meta: ViewMeta = { phase: 'running', elapsedMs: 2500, durationMs: 10_000, size: 1024, rate: 100 }
  const before = snapshot(1000, { sent: 10, back: 10 }, [counts(900, 10, 10), counts(950, 10, 10)])
  const now = snapshot(2000, { sent: 110, back: 60 }, [counts(1900, 110, 60), counts(1950, 60, 110)])

  it('rates per node come from the stats$ counts and the time between them', () => {
    const view = viewOf(before, now, meta)
    expect(view.rows.map(r => [r.name, r.outMessages, r.inMessages, r.outBytes, r.inBytes])).toEqual([
      ['node-1', 100, 50, 10_000, 5000],
      ['node-2', 50, 100, 5000, 10_000]
    ])
    expect(view.total).toMatchObject({ established: 2, known: 2, outMessages: 150, sent: 170, received: 170, lost: 0, errors: 0 })
    expect(view.links).toBe(2)
  })

  it('no rate without two stats$ counts to compare', () => {
    const first = snapshot(0, { sent: 0, back: 0 }, [counts(0, 0, 0), counts(0, 0, 0)])
    expect(viewOf(first, first, meta).total.outMessages).toBe(0)
  })

  it('the table: a header, aligned columns, a total row, the last error', () => {
    const lines = renderTable(viewOf(before, now, meta))
    expect(lines[0]).toBe('glueberry cluster · 2 nodes · 2 links · 1.0 KiB messages · 100 msg/s per link')
    expect(lines[1]).toMatch(/^running +\[█{8}░{22}\] 2\.5 s \/ 10\.0 s$/)
    const header = lines[3] ?? ''
    expect(header).toMatch(/^node +peer id +peers +states +out msg\/s +in msg\/s +out\/s +in\/s +sent +received +lost +errors$/)
    const row = lines.find(l => l.startsWith('node-1')) ?? ''
    expect(row).toMatch(/^node-1 +12D3KooW…xxx1 +1\/1 +est 1 +100 +50 +9\.8 KiB +4\.9 KiB +110 +60 +0 +0$/)
    // numbers are right-aligned: every row ends in the same column
    const table = lines.slice(3, 9)
    expect(new Set(table.map(l => l.length)).size).toBe(1)
    expect(lines[8]).toMatch(/^total +2\/2 +est 2 +150 +150 /)
    expect(lines.at(-1)).toBe('Ctrl-C stops early')
    expect(lines).toContain('errors: none')
    const failing = { ...now, errors: [{ node: 'node-2', source: 'errors$' as const, code: 'STREAM_CLOSED', peer: 'node-1', message: 'reset' }] }
    expect(renderTable(viewOf(before, failing, meta))).toContain('last error: node-2 errors$ STREAM_CLOSED (node-1): reset')
  })

  it('the status line for logs: one line, no escape codes', () => {
    const line = statusLine(viewOf(before, now, meta))
    expect(line).toBe('[  2.5 s / 10.0 s] running · links 2/2 established · out 150 msg/s 14.6 KiB/s · in 150 msg/s 14.6 KiB/s · sent 170 · received 170 · lost 0 · errors 0')
    expect(line).not.toContain('\n')
    expect(line).not.toContain('\u001b')
  })

  it('states and sizes read short', () => {
    const { Established: E, Connecting: C, Cooldown: D } = ConnectionState
    expect(describeStates([E, C, E, D])).toBe('est 2 dial 1 cool 1')
    expect(describeStates([])).toBe('-')
    expect([0, 1023, 1024, 1536, 1024 ** 2, 5 * 1024 ** 3].map(formatBytes)).toEqual(['0 B', '1023 B', '1.0 KiB', '1.5 KiB', '1.0 MiB', '5.0 GiB'])
  })
})

describe('cluster summary', () => {
  const options: ClusterOptions = { nodes: 2, duration: 3, size: 100, rate: 10, json: false }
  const agreeing = (sent: number, received: number): StreamCounts =>
    ({ messagesSent: sent, messagesReceived: received, bytesSent: sent * 100, bytesReceived: received * 100 })
  const input = (overrides: Partial<SummaryInput> = {}): SummaryInput => ({
    options,
    snapshot: snapshot(3000, { sent: 30, back: 20 }, [counts(0, 0, 0), counts(0, 0, 0)], { handshakes: 1 }),
    elapsedMs: 3004,
    interrupted: false,
    mesh: { links: 2, established: 2, ms: 412, concurrency: 16, stopped: false },
    library: [agreeing(30, 20), agreeing(20, 30)],
    stopped: true,
    addressBooks: { dir: '/tmp/glueberry-cluster-x', removed: true },
    sendsSettled: true,
    drained: true,
    observablesCompleted: true,
    ...overrides
  })

  it('a clean run: totals per node and link, ok, an OK final line', () => {
    const summary = buildSummary(input())
    expect(summary).toMatchObject({ ok: true, problems: [], elapsedSeconds: 3.004 })
    expect(summary.totals).toEqual({ sent: { messages: 50, bytes: 5000 }, received: { messages: 50, bytes: 5000 }, lost: 0, handshakes: 2, errors: 0, links: 2 })
    expect(summary.nodes[0]).toMatchObject({ name: 'node-1', sent: { messages: 30, bytes: 3000 }, received: { messages: 20, bytes: 2000 }, lost: 0, statsAgree: true })
    expect(summary.links).toEqual([
      { from: 'node-1', to: 'node-2', sent: 30, received: 30, lost: 0 },
      { from: 'node-2', to: 'node-1', sent: 20, received: 20, lost: 0 }
    ])
    expect(summary.mesh).toEqual({ links: 2, established: 2, seconds: 0.412, concurrency: 16 })
    const lines = renderSummary(summary)
    expect(lines[1]).toBe('Mesh: 2 of 2 links Established in 0.4 s (16 links set up at a time)')
    expect(lines[2]).toBe('Summary after 3.0 s: 2 nodes, 2 links, 100 B messages at 10 msg/s per link')
    expect(lines.find(l => l.startsWith('node-1'))).toMatch(/^node-1 +12D3KooW…xxx1 +30 +2\.9 KiB +20 +2\.0 KiB +0 +1 +0$/)
    expect(lines.find(l => l.startsWith('total'))).toMatch(/^total +50 +4\.9 KiB +50 +4\.9 KiB +0 +2 +0$/)
    expect(lines).toContain('errors: none')
    expect(lines.at(-1)).toBe('OK: mesh of 2 links Established in 0.4 s; 50 messages (4.9 KiB) delivered in 3.0 s, 0 lost, 0 errors, 2 handshakes; 2 nodes stopped, address books removed')
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary)
  })

  it('lost messages: a gap and a tail that never came, counted at the receiver', () => {
    // node-2 saw 0..9, then 15..27 (5 missing), and 28, 29 never arrived
    const inbound: Inbound = { received: 23, bytes: 2300, next: 28, gaps: 5, duplicates: 0, invalid: 0 }
    const summary = buildSummary(input({
      snapshot: snapshot(3000, { sent: 30, back: 20, inbound }, [counts(0, 0, 0), counts(0, 0, 0)]),
      library: [agreeing(30, 20), agreeing(20, 23)],
      drained: false
    }))
    expect(summary.ok).toBe(false)
    expect(summary.links[0]).toEqual({ from: 'node-1', to: 'node-2', sent: 30, received: 23, lost: 7 })
    expect(summary.nodes.map(n => n.lost)).toEqual([0, 7])
    expect(summary.totals.lost).toBe(7)
    expect(summary.problems).toEqual([
      '7 messages lost on 1 links',
      'messages still in flight after the drain period were counted as lost'
    ])
    expect(finalLine(summary)).toBe('FAILED: 7 messages lost on 1 links; messages still in flight after the drain period were counted as lost')
  })

  it('every other check: mesh, silent links, errors, statistics, stop, clean-up', () => {
    const silent = snapshot(3000, { sent: 0, back: 20 }, [counts(0, 0, 0), counts(0, 0, 0)], { establishedWith: 0, errors: 1 })
    const summary = buildSummary(input({
      snapshot: { ...silent, errors: [{ node: 'node-1', source: 'handshake', code: 'HANDSHAKE_TIMEOUT', peer: 'node-2', message: 'timed out' }] },
      library: [agreeing(0, 20), agreeing(21, 0)],
      stopped: false,
      addressBooks: { dir: '/tmp/glueberry-cluster-x', removed: false },
      sendsSettled: false,
      observablesCompleted: false,
      interrupted: true,
      mesh: { links: 2, established: 0, ms: 30_000, concurrency: 16, stopped: false }
    }))
    expect(summary.ok).toBe(false)
    expect(summary.problems).toEqual([
      'the mesh set-up ended with 0 of 2 links Established after 30.0 s',
      'node-1 was Established with 0 of 1 peers',
      'node-2 was Established with 0 of 1 peers',
      '1 of 2 links carried no message (node-1→node-2)',
      '2 errors reported',
      "the library's stream statistics disagree with the messages counted on node-2",
      'sends still waiting for the network after the stop were aborted',
      'not every node stopped',
      'some node Observables did not complete after stop()',
      'the address-book folder /tmp/glueberry-cluster-x is still there'
    ])
    const lines = renderSummary(summary)
    expect(lines[2]).toMatch(/^Summary interrupted after 3\.0 s/)
    expect(lines).toContain('errors (2, first 1):')
    expect(lines).toContain('  node-1 handshake HANDSHAKE_TIMEOUT (node-2): timed out')
    expect(lines.at(-1)).toMatch(/^FAILED: the mesh set-up ended with 0 of 2 links/)
  })

  it('duplicates and changed messages fail the run', () => {
    const inbound: Inbound = { received: 31, bytes: 3100, next: 30, gaps: 0, duplicates: 1, invalid: 2 }
    const summary = buildSummary(input({
      snapshot: snapshot(3000, { sent: 30, back: 20, inbound }, [counts(0, 0, 0), counts(0, 0, 0)]),
      library: [agreeing(30, 20), agreeing(20, 31)]
    }))
    expect(summary.problems).toEqual(['1 messages arrived twice', '2 messages arrived changed or cut'])
  })

  it('the drain check: every message sent has arrived or is known lost', () => {
    expect(isDrained(snapshot(0, { sent: 3, back: 2 }, [counts(0, 0, 0), counts(0, 0, 0)]))).toBe(true)
    const behind = snapshot(0, { sent: 3, back: 2, inbound: { ...EMPTY_INBOUND, received: 2, bytes: 200, next: 2 } }, [counts(0, 0, 0), counts(0, 0, 0)])
    expect(isDrained(behind)).toBe(false)
    expect(nodeTotals(behind, 1)).toMatchObject({ received: { messages: 2, bytes: 200 }, gaps: 0 })
  })
})
