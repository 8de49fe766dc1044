/**
 * The network benchmark's report, chart and README section, from a
 * hand-built result: no network, no timing, nothing measured.
 */
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { netFigures } from '../../bench/net/figures.js'
import { README_END, README_START, renderReadmeSection, replaceBetweenMarkers } from '../../bench/net/readme.js'
import { LATEST_SCHEMA, buildLatest, parseLatest, renderLatestMarkdown } from '../../bench/net/report.js'
import type { LatestDocument, LatestInput } from '../../bench/net/report.js'
import { escapeXml, logScale, renderThroughputSvg } from '../../bench/net/svg.js'
import { evaluateRule, evaluateTargets } from '../../bench/net/targets.js'
import type { TargetId, TargetResult } from '../../bench/net/targets.js'
import { CONTENDERS, MESSAGE_SIZES, PLACEMENTS } from '../../bench/net/types.js'
import type { ConnectCell, Contender, MemoryCell, NetBenchResult, Placement, RttCell, ThroughputCell } from '../../bench/net/types.js'
import type { Foundation, Machine } from '../../bench/report.js'
import { updateReadme } from '../../bench/update-readme.js'

const KiB = 1024
const MiB = 1024 * KiB

/** MB/s per size (64 B .. 1 MiB), in-proc; 2-proc is 1.2x. Rising with size, as real runs do. */
const MBPS: Readonly<Record<Contender, readonly number[]>> = {
  tcp: [40, 500, 1500, 2000, 2200],
  libp2p: [2, 30, 300, 500, 600],
  glueberry: [25, 200, 280, 420, 480],
  'secret-stream': [20, 150, 700, 800, 850]
}

function throughputCells (): ThroughputCell[] {
  return PLACEMENTS.flatMap((placement) => CONTENDERS.flatMap((contender) => MESSAGE_SIZES.map((size, i) => {
    const rate = MBPS[contender][i] * (placement === '2-proc' ? 1.2 : 1) * 1e6 / size
    // One noisy cell: reps 50% either side of the median.
    const spreadBy = contender === 'tcp' && size === 64 && placement === 'in-proc' ? 0.5 : 0.1
    return { contender, placement, size, messages: 1000, reps: [rate * (1 + spreadBy), rate, rate * (1 - spreadBy)] }
  })))
}

function rttCells (): RttCell[] {
  const base: Record<Contender, number> = { tcp: 40, libp2p: 120, glueberry: 140, 'secret-stream': 50 }
  return PLACEMENTS.flatMap((placement) => CONTENDERS.map((contender) => {
    const us = base[contender] + (placement === '2-proc' ? 20 : 0)
    return { contender, placement, pings: 2000, medianUs: [us + 5, us, us - 5, us + 1], p99Us: [3 * us, 4 * us] }
  }))
}

const CONNECT_MS: Record<Contender, number> = { tcp: 0.3, libp2p: 6, glueberry: 11, 'secret-stream': 1 }
const HEAP_KIB: Record<Contender, number> = { tcp: 2, libp2p: 60, glueberry: 75, 'secret-stream': 3 }

function fixture (): NetBenchResult {
  return {
    throughput: throughputCells(),
    rtt: rttCells(),
    connect: CONTENDERS.map((contender): ConnectCell => ({
      contender, what: `${contender} dial`, samples: 50, medianMs: [CONNECT_MS[contender], CONNECT_MS[contender] * 1.1, CONNECT_MS[contender] * 0.9], p90Ms: [2 * CONNECT_MS[contender]]
    })),
    memory: CONTENDERS.map((contender): MemoryCell => ({
      contender, what: `${contender} holds <1 connection> & "state"`, peers: 200, heapKiB: [HEAP_KIB[contender] + 1, HEAP_KIB[contender] - 1, HEAP_KIB[contender]], rssKiB: [100, 120]
    }))
  }
}

const MACHINE: Machine = {
  node: 'v20.19.0',
  v8: '11.3',
  openssl: '3.0.15',
  platform: 'linux',
  release: '6.1',
  arch: 'x64',
  cpuModel: 'Test CPU @ 2.0GHz',
  cores: 2,
  memoryGiB: 8,
  loadAverage: { start: [0.5, 0.4, 0.3], end: [0.9, 0.6, 0.4] }
}

function input (result: NetBenchResult = fixture(), extra: Partial<LatestInput> = {}): LatestInput {
  return {
    result,
    machine: MACHINE,
    date: '2025-11-24T12:00:00.000Z',
    run: { quick: false, only: null, suites: ['throughput', 'rtt', 'connect', 'memory'], command: 'npm run bench', durationSec: 321, suiteSec: { throughput: 100 } },
    ...extra
  }
}

describe('latest.json', () => {
  const doc = buildLatest(input())

  it('carries the schema tag, the machine and the run', () => {
    expect(doc.schema).toBe(LATEST_SCHEMA)
    expect(doc.schema).toBe('glueberry-bench/latest@1')
    expect(doc.machine).toEqual(MACHINE)
    expect(doc.run.command).toBe('npm run bench')
    expect(doc.foundation).toBeUndefined()
  })

  it('summarises every throughput cell as median, min and max of its reps, in messages/s and MB/s, with the reps', () => {
    const cell = doc.throughput.find((f) => f.contender === 'glueberry' && f.placement === 'in-proc' && f.size === 1024)
    const rate = 200e6 / 1024
    expect(cell?.reps).toEqual([rate * 1.1, rate, rate * 0.9])
    expect(cell?.messagesPerSec.median).toBeCloseTo(rate, 6)
    expect(cell?.messagesPerSec.min).toBeCloseTo(rate * 0.9, 6)
    expect(cell?.messagesPerSec.max).toBeCloseTo(rate * 1.1, 6)
    expect(cell?.mbPerSec.median).toBeCloseTo(200, 9)
    expect(cell?.mbPerSec.min).toBeCloseTo(180, 9)
    expect(cell?.mbPerSec.max).toBeCloseTo(220, 9)
    expect(cell?.messages).toBe(1000)
    expect(doc.throughput).toHaveLength(CONTENDERS.length * PLACEMENTS.length * MESSAGE_SIZES.length)
  })

  it('gives every throughput figure its ratio to raw libp2p at the same size and placement', () => {
    const at = (c: Contender, p: Placement, size: number): number | null | undefined =>
      doc.throughput.find((f) => f.contender === c && f.placement === p && f.size === size)?.vsLibp2p
    expect(at('glueberry', 'in-proc', 64)).toBeCloseTo(25 / 2, 9)
    expect(at('glueberry', '2-proc', MiB)).toBeCloseTo(480 / 600, 9)
    expect(at('libp2p', 'in-proc', 64)).toBeCloseTo(1, 12)
    const noRaw = buildLatest(input({ ...fixture(), throughput: throughputCells().filter((c) => c.contender !== 'libp2p') }))
    expect(noRaw.throughput.every((f) => f.vsLibp2p === null)).toBe(true)
  })

  it('takes the median of an even number of reps as the mean of the middle two', () => {
    const rtt = doc.rtt.find((f) => f.contender === 'libp2p' && f.placement === 'in-proc')
    expect(rtt?.medianUs).toEqual({ median: 120.5, min: 115, max: 125 })
    expect(rtt?.p99Us).toEqual({ median: 420, min: 360, max: 480 })
    expect(rtt?.reps).toEqual({ medianUs: [125, 120, 115, 121], p99Us: [360, 480] })
    expect(rtt?.pings).toBe(2000)
  })

  it('summarises connect and memory figures, keeping what was timed and what one peer holds', () => {
    const connect = doc.connect.find((f) => f.contender === 'glueberry')
    expect(connect?.medianMs.median).toBe(11)
    expect(connect?.medianMs.min).toBeCloseTo(9.9, 12)
    expect(connect?.medianMs.max).toBeCloseTo(12.1, 12)
    expect(connect?.what).toBe('glueberry dial')
    const memory = doc.memory.find((f) => f.contender === 'libp2p')
    expect(memory?.heapKiB).toEqual({ median: 60, min: 59, max: 61 })
    expect(memory?.rssKiB).toEqual({ median: 110, min: 100, max: 120 })
    expect(memory?.reps.heapKiB).toEqual([61, 59, 60])
    expect(memory?.peers).toBe(200)
  })

  it('drops cells without reps rather than writing NaN figures', () => {
    const result = fixture()
    result.rtt[0] = { ...result.rtt[0], medianUs: [], p99Us: [] }
    expect(netFigures(result).rtt).toHaveLength(result.rtt.length - 1)
  })

  it('embeds the foundation figures without repeating date, machine and run', () => {
    const foundation: Foundation = {
      schema: 'glueberry-bench/foundation@1',
      date: 'x',
      machine: MACHINE,
      run: { quick: false, only: null, command: 'npm run bench', durationSec: 1 },
      method: 'method',
      comparison: []
    }
    const withFoundation = buildLatest(input(fixture(), { foundation }))
    expect(withFoundation.foundation).toEqual({ schema: 'glueberry-bench/foundation@1', method: 'method', comparison: [] })
  })

  it('survives JSON and reads back; parseLatest refuses anything else, saying why', () => {
    const text = JSON.stringify(doc)
    expect(parseLatest(text)).toEqual(JSON.parse(text))
    expect(() => parseLatest('{')).toThrow(/not JSON/)
    expect(() => parseLatest(JSON.stringify({ ...doc, schema: 'glueberry-bench/foundation@1' }))).toThrow(/schema is "glueberry-bench\/foundation@1", expected glueberry-bench\/latest@1/)
    expect(() => parseLatest(JSON.stringify({ ...doc, rtt: 1 }))).toThrow(/rtt is not an array/)
  })
})

describe('targets', () => {
  /** A result with one figure of glueberry and raw libp2p per placement (in-proc, 2-proc). */
  function targetsOf (id: TargetId, glueberry: [number, number], libp2p: [number, number]): TargetResult[] {
    const result: NetBenchResult = { throughput: [], rtt: [], connect: [], memory: [] }
    const both = [['glueberry', glueberry], ['libp2p', libp2p]] as const
    const sizes: Partial<Record<TargetId, number>> = { 'msgs-64b': 64, 'msgs-1kib': KiB, 'mbps-64kib': 64 * KiB, 'mbps-1mib': MiB }
    const size = sizes[id]
    for (const [contender, values] of both) {
      PLACEMENTS.forEach((placement, i) => {
        if (size !== undefined) {
          // MB/s targets are given in MB/s; the cells hold messages/s.
          const rate = id.startsWith('mbps') ? values[i] * 1e6 / size : values[i]
          result.throughput.push({ contender, placement, size, messages: 10, reps: [rate] })
        }
        if (id === 'rtt') result.rtt.push({ contender, placement, pings: 10, medianUs: [values[i]], p99Us: [values[i]] })
      })
      if (id === 'connect') result.connect.push({ contender, what: '', samples: 10, medianMs: [values[0]], p90Ms: [values[0]] })
      if (id === 'memory') result.memory.push({ contender, what: '', peers: 10, heapKiB: [values[0]], rssKiB: [values[0]] })
    }
    return evaluateTargets(netFigures(result)).filter((t) => t.id === id)
  }
  const statuses = (results: readonly TargetResult[]): string[] => results.map((r) => `${r.placement ?? '-'} ${r.status}`)

  it('64 B messages/s: met at exactly 10x raw libp2p and above, not met just below', () => {
    expect(statuses(targetsOf('msgs-64b', [100_000, 99_999], [10_000, 10_000]))).toEqual(['in-proc met', '2-proc not met'])
    expect(statuses(targetsOf('msgs-64b', [100_001, 50_000], [10_000, 10_000]))).toEqual(['in-proc met', '2-proc not met'])
    const [first] = targetsOf('msgs-64b', [120_000, 1], [10_000, 1])
    expect(first).toMatchObject({ glueberry: 120_000, libp2p: 10_000, limit: 100_000, ratio: 12, difference: 110_000, unit: 'msg/s' })
  })

  it('1 KiB messages/s: met at 4x, not met below', () => {
    expect(statuses(targetsOf('msgs-1kib', [20_000, 19_999], [5_000, 5_000]))).toEqual(['in-proc met', '2-proc not met'])
  })

  it('64 KiB and 1 MiB MB/s: met at 75% of raw libp2p, not met below (floating MB/s at the bound counts as met)', () => {
    expect(statuses(targetsOf('mbps-64kib', [0.75 * 65.536, 0.7499 * 65.536], [65.536, 65.536]))).toEqual(['in-proc met', '2-proc not met'])
    expect(statuses(targetsOf('mbps-1mib', [300, 299.9], [400, 400]))).toEqual(['in-proc met', '2-proc not met'])
    expect(statuses(targetsOf('mbps-1mib', [0.3 * 3, 500], [3 * 0.4, 400]))).toEqual(['in-proc met', '2-proc met'])
  })

  it('RTT: met at raw libp2p + 30 us and below, not met above, per placement', () => {
    expect(statuses(targetsOf('rtt', [130, 130.01], [100, 100]))).toEqual(['in-proc met', '2-proc not met'])
    expect(statuses(targetsOf('rtt', [90, 200], [100, 169]))).toEqual(['in-proc met', '2-proc not met'])
    expect(targetsOf('rtt', [125, 1], [100, 1])[0]).toMatchObject({ limit: 130, difference: 25, ratio: 1.25, unit: 'us' })
  })

  it('connect: met at 2x raw libp2p, not met above; measured once, so no placement', () => {
    expect(statuses(targetsOf('connect', [10, 0], [5, 0]))).toEqual(['- met'])
    expect(statuses(targetsOf('connect', [10.01, 0], [5, 0]))).toEqual(['- not met'])
    expect(statuses(targetsOf('connect', [0.1 * 3, 0], [0.15, 0]))).toEqual(['- met'])
  })

  it('heap per peer: met at raw libp2p + 20 KiB, not met above', () => {
    expect(statuses(targetsOf('memory', [60, 0], [40, 0]))).toEqual(['- met'])
    expect(statuses(targetsOf('memory', [60.1, 0], [40, 0]))).toEqual(['- not met'])
    expect(targetsOf('memory', [50, 0], [40, 0])[0]).toMatchObject({ limit: 60, difference: 10, unit: 'KiB' })
  })

  it('reports "no data" when only one side was measured, and no row when neither was', () => {
    const result: NetBenchResult = { throughput: [], rtt: [], connect: [{ contender: 'libp2p', what: '', samples: 1, medianMs: [5], p90Ms: [5] }], memory: [] }
    const targets = evaluateTargets(netFigures(result))
    expect(targets).toEqual([expect.objectContaining({ id: 'connect', status: 'no data', glueberry: null, libp2p: 5, ratio: null })])
  })

  it('evaluates the whole fixture: every target, per placement where it has one', () => {
    const doc = buildLatest(input())
    expect(doc.targets.map((t) => `${t.id} ${t.placement ?? '-'} ${t.status}`)).toEqual([
      'msgs-64b in-proc met', // 25 vs 2 MB/s: 12.5x
      'msgs-64b 2-proc met',
      'msgs-1kib in-proc met', // 200 vs 30: 6.7x
      'msgs-1kib 2-proc met',
      'mbps-64kib in-proc met', // 420 vs 500: 84%
      'mbps-64kib 2-proc met',
      'mbps-1mib in-proc met', // 480 vs 600: 80%
      'mbps-1mib 2-proc met',
      'rtt in-proc met', // 140.5 vs 120.5
      'rtt 2-proc met',
      'connect - met', // 11 vs 6
      'memory - met' // 75 vs 60
    ])
  })

  it('evaluateRule: the three rule kinds at their bounds', () => {
    expect(evaluateRule({ kind: 'min-ratio', factor: 10 }, 10, 1).met).toBe(true)
    expect(evaluateRule({ kind: 'min-ratio', factor: 10 }, 9.9999, 1).met).toBe(false)
    expect(evaluateRule({ kind: 'max-ratio', factor: 2 }, 2, 1).met).toBe(true)
    expect(evaluateRule({ kind: 'max-ratio', factor: 2 }, 2.0001, 1).met).toBe(false)
    expect(evaluateRule({ kind: 'max-extra', allowance: 30 }, 130, 100).met).toBe(true)
    expect(evaluateRule({ kind: 'max-extra', allowance: 30 }, 130.001, 100).met).toBe(false)
  })
})

describe('latest.md', () => {
  const doc = buildLatest(input())
  const md = renderLatestMarkdown(doc, { json: 'latest.json', chart: 'latest.svg', foundation: 'foundation.md' })

  it('has the throughput tables in messages/s and MB/s with median (min–max), noisy cells marked, and the ratio to libp2p', () => {
    expect(md).toContain('### Messages per second')
    expect(md).toContain('### MB/s of payload')
    // glueberry 1 KiB in-proc: 200 MB/s (180–220), ratio 200/30.
    expect(md).toMatch(/\| 1 KiB +\| in-proc +\|[^\n]*\| 200 \(180–220\) +\| 6\.67x +\|/)
    // tcp 64 B in-proc has reps 50% either side: marked noisy.
    expect(md).toMatch(/\| 64 B +\| in-proc +\| 40\.0 \(20\.0–60\.0\) \* +\|/)
    expect(md).toMatch(/\| 64 B +\| in-proc +\| 625\.0k \(312\.5k–937\.5k\) \* +\|/)
    expect(md).toContain('| message | placement | tcp')
  })

  it('has the RTT (median and p99), connect and memory tables', () => {
    expect(md).toMatch(/\| glueberry +\| in-proc +\| 141 \(135–145\) +\| 490 \(420–560\) \* +\| \+20\.0 us +\| 2000 +\|/)
    expect(md).toMatch(/\| glueberry +\| 11\.00 \(9\.90–12\.10\) +\| 22\.00 \(22\.00–22\.00\) +\| 1\.83x +\|/)
    expect(md).toMatch(/\| glueberry +\| 75\.0 \(74\.0–76\.0\) +\| 110\.0 \(100\.0–120\.0\) +\| \+15\.0 KiB +\| 200 +\|/)
    expect(md).toContain('- glueberry: glueberry holds <1 connection> & "state"')
    // Raw libp2p is what the others are set against.
    expect(md).toMatch(/\| libp2p +\| in-proc +\| 121 \(115–125\) +\| 420 \(360–480\) \* +\| baseline +\|/)
    expect(md).toMatch(/\| libp2p +\| 60\.0 \(59\.0–61\.0\) +\| 110\.0 \(100\.0–120\.0\) +\| baseline +\|/)
  })

  it('writes a range with negative ends with "to", not a dash after a minus', () => {
    const shrank = buildLatest(input({ ...fixture(), memory: [{ contender: 'tcp', what: '', peers: 1, heapKiB: [-2, -1, 0.5], rssKiB: [0] }] }))
    expect(renderLatestMarkdown(shrank)).toContain('| -1.0 (-2.0 to 0.5) *')
  })

  it('has the targets table with the measured value, the comparison and the verdict per placement', () => {
    expect(md).toContain('## Targets')
    expect(md).toContain('12 of 12 met')
    expect(md).toMatch(/\| 64 B messages\/s, one stream +\| in-proc +\| >= 10x raw libp2p +\| 390\.6k\/s +\| 31\.3k\/s +\| 12\.5x +\| met +\|/)
    expect(md).toMatch(/\| 64 B request\/response RTT, median +\| 2-proc +\| <= raw libp2p \+ 30 us +\| 161 us +\| 141 us +\| \+20\.0 us \(1\.14x\) +\| met +\|/)
    expect(md).toMatch(/\| heap per established peer +\| - +\| <= raw libp2p connection \+ 20 KiB +\| 75\.0 KiB +\| 60\.0 KiB +\| \+15\.0 KiB \(1\.25x\) +\| met +\|/)
    const failing = buildLatest(input({ ...fixture(), memory: fixture().memory.map((m) => m.contender === 'glueberry' ? { ...m, heapKiB: [100] } : m) }))
    expect(renderLatestMarkdown(failing)).toMatch(/\| heap per established peer .*\| \*\*NOT met\*\* \|/)
  })

  it('links the JSON, the chart and the foundation report, and flags a quick run', () => {
    expect(md).toContain('[latest.json](latest.json)')
    expect(md).toContain('![Throughput against message size](latest.svg)')
    expect(md).toContain('[foundation.md](foundation.md)')
    expect(md).not.toContain('quick run')
    const quick = buildLatest(input(fixture(), { run: { ...input().run, quick: true, command: 'npm run bench -- --quick' } }))
    expect(renderLatestMarkdown(quick)).toContain('**quick run: short timings, not for comparison**')
  })

  it('leaves out the sections of suites that did not run', () => {
    const rttOnly = buildLatest(input({ throughput: [], rtt: rttCells(), connect: [], memory: [] }))
    const text = renderLatestMarkdown(rttOnly)
    expect(text).toContain('## Round trip')
    expect(text).not.toContain('## Throughput')
    expect(text).not.toContain('## Connect')
    expect(text).not.toContain('## Memory')
    expect(rttOnly.targets.map((t) => t.id)).toEqual(['rtt', 'rtt'])
  })
})

/** Checks the SVG is well-formed as XML goes: tags balanced, no stray '<', '>' or '&' in text or attributes. */
function expectWellFormed (svg: string): void {
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g
  const stack: string[] = []
  for (const m of svg.matchAll(tag)) {
    const [, closing, name, , selfClosing] = m
    if (selfClosing === '/') continue
    if (closing === '/') expect(stack.pop()).toBe(name)
    else stack.push(name)
  }
  expect(stack).toEqual([])
  const outside = svg.replace(tag, '')
  expect(outside).not.toMatch(/[<>]/)
  expect(svg.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toContain('&')
}

function seriesPoints (svg: string): Map<string, Array<[number, number]>> {
  const series = new Map<string, Array<[number, number]>>()
  for (const m of svg.matchAll(/<polyline data-series="([^"]+)" points="([^"]+)"/g)) {
    series.set(m[1], m[2].split(' ').map((p) => p.split(',').map(Number) as [number, number]))
  }
  return series
}

describe('latest.svg', () => {
  const doc = buildLatest(input())
  const svg = renderThroughputSvg(doc.throughput, { subtitle: 'Node <20> & "friends"' })

  it('is a well-formed SVG with a white background, a title and axis labels', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true)
    expectWellFormed(svg)
    expect(svg).toMatch(/<rect x="0" y="0" width="\d+" height="\d+" fill="#ffffff"\/>/)
    expect(svg).toContain('Throughput against message size, one stream')
    expect(svg).toContain('message size (log scale)')
    expect(svg).toContain('MB/s of payload (log scale)')
    for (const size of ['64 B', '1 KiB', '16 KiB', '64 KiB', '1 MiB']) expect(svg).toContain(`>${size}</text>`)
  })

  it('draws one line per contender and placement, and a legend entry per contender', () => {
    const series = seriesPoints(svg)
    expect([...series.keys()].sort()).toEqual(PLACEMENTS.flatMap((p) => CONTENDERS.map((c) => `${c} ${p}`)).sort())
    expect(svg.match(/<polyline /g)).toHaveLength(CONTENDERS.length * PLACEMENTS.length)
    for (const label of ['tcp (node:net)', 'raw libp2p', '>glueberry<']) expect(svg).toContain(label)
  })

  it('escapes text', () => {
    expect(svg).toContain('Node &lt;20&gt; &amp; &quot;friends&quot;')
    expect(escapeXml('<a href="x">\'&\'</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;')
    const odd = renderThroughputSvg(doc.throughput, { title: '</svg><script>&' })
    expectWellFormed(odd)
    expect(odd).not.toContain('<script>')
  })

  it('places points on log scales: x grows with size, y rises with MB/s, equal ratios give equal steps', () => {
    for (const [name, points] of seriesPoints(svg)) {
      expect(points).toHaveLength(MESSAGE_SIZES.length)
      for (let i = 1; i < points.length; i++) {
        expect(points[i][0]).toBeGreaterThan(points[i - 1][0])
        // Every fixture series rises in MB/s with size; SVG y grows downwards.
        expect(points[i][1]).toBeLessThan(points[i - 1][1])
      }
      // 64 B -> 1 KiB and 1 KiB -> 16 KiB are both 16x: equal steps on a log axis.
      expect(points[1][0] - points[0][0]).toBeCloseTo(points[2][0] - points[1][0], 0)
      expect(name).toMatch(/^(tcp|libp2p|glueberry|secret-stream) (in-proc|2-proc)$/)
    }
    const x = logScale([1, 1000], [0, 300])
    expect([x(1), x(10), x(100), x(1000)]).toEqual([0, 100, 200, 300])
    const y = logScale([1, 100], [200, 0])
    expect(y(1)).toBe(200)
    expect(y(10)).toBe(100)
    expect(y(100)).toBe(0)
    expect(y(50)).toBeLessThan(y(20))
  })

  it('puts in-proc and 2-proc on the same y scale, so the panels compare', () => {
    const series = seriesPoints(svg)
    const inProc = series.get('glueberry in-proc') ?? []
    const twoProc = series.get('glueberry 2-proc') ?? []
    // 2-proc is 1.2x in-proc at every size: a constant upward shift.
    const shifts = inProc.map((p, i) => p[1] - twoProc[i][1])
    for (const s of shifts) expect(s).toBeCloseTo(shifts[0], 0)
    expect(shifts[0]).toBeGreaterThan(0)
  })

  it('is deterministic, skips missing cells, and stays well-formed without data', () => {
    expect(renderThroughputSvg(doc.throughput, { subtitle: 'Node <20> & "friends"' })).toBe(svg)
    const partial = doc.throughput.filter((f) => !(f.contender === 'libp2p' && f.size === MiB) && f.placement === 'in-proc')
    const partialSvg = renderThroughputSvg(partial)
    expectWellFormed(partialSvg)
    expect(seriesPoints(partialSvg).get('libp2p in-proc')).toHaveLength(MESSAGE_SIZES.length - 1)
    expect(partialSvg).not.toContain('2-proc')
    const empty = renderThroughputSvg([])
    expectWellFormed(empty)
    expect(empty).toContain('no throughput figures')
    expect(empty).not.toContain('<polyline')
  })
})

describe('README section', () => {
  const doc: LatestDocument = buildLatest(input())
  const readme = ['# Title', '', 'Intro.', '', README_START, 'old section', 'more old', README_END, '', '## After', 'tail'].join('\n')

  it('replaces only what lies between the markers', () => {
    const out = replaceBetweenMarkers(readme, 'NEW\n')
    expect(out).toBe(['# Title', '', 'Intro.', '', README_START, 'NEW', README_END, '', '## After', 'tail'].join('\n'))
    expect(replaceBetweenMarkers(out, 'NEW')).toBe(out)
  })

  it('fails clearly when a marker is missing, repeated or out of order', () => {
    expect(() => replaceBetweenMarkers('# no markers', 'x')).toThrow('README has no <!-- bench:start --> and no <!-- bench:end --> marker')
    expect(() => replaceBetweenMarkers(`a\n${README_START}\nb`, 'x')).toThrow(/README has no <!-- bench:end --> marker\. Put <!-- bench:start --> and <!-- bench:end --> on lines of their own/)
    expect(() => replaceBetweenMarkers(`${README_START}\n${README_END}\n${README_START}`, 'x')).toThrow(/more than one <!-- bench:start -->/)
    expect(() => replaceBetweenMarkers(`${README_END}\n${README_START}`, 'x')).toThrow(/<!-- bench:end --> before <!-- bench:start -->/)
  })

  it('shows the chart, the targets and the throughput tables, and links the full report', () => {
    const section = renderReadmeSection(doc, { chart: 'bench/results/latest.svg', report: 'bench/results/latest.md' })
    expect(section).toContain('![Throughput against message size](bench/results/latest.svg)')
    expect(section).toContain('[bench/results/latest.md](bench/results/latest.md)')
    expect(section).toContain('### Targets')
    expect(section).toContain('#### Messages per second')
    expect(section).not.toContain('Round trip')
    expect(section).not.toContain(README_START)
    expect(renderReadmeSection(doc, { report: 'r.md' }, { details: true, level: 2 })).toContain('## Round trip')
  })

  describe('bench/update-readme.ts on a temp copy', () => {
    let dir: string
    beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'glueberry-readme-')) })
    afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

    async function setUp (readmeText: string): Promise<{ readme: string, results: string }> {
      const results = join(dir, 'bench', 'results')
      await mkdir(results, { recursive: true })
      await writeFile(join(results, 'latest.json'), JSON.stringify(doc))
      await writeFile(join(results, 'latest.svg'), renderThroughputSvg(doc.throughput))
      const readme = join(dir, 'README.md')
      await writeFile(readme, readmeText)
      return { readme, results }
    }

    it('rewrites the section of a copy of the real README and nothing else', async () => {
      // The real README carries the markers (the generated section lives there); give it a stale section.
      const real = await readFile(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8')
      const start = real.indexOf(README_START)
      const end = real.indexOf(README_END)
      expect(start).toBeGreaterThan(0)
      expect(end).toBeGreaterThan(start)
      const before = `${real.slice(0, start + README_START.length)}\nstale\n${real.slice(end)}`
      const paths = await setUp(before)
      await expect(updateReadme(paths)).resolves.toEqual({ changed: true, quick: false })
      const after = await readFile(paths.readme, 'utf8')
      expect(after.startsWith(real.slice(0, start + README_START.length))).toBe(true)
      expect(after.endsWith(real.slice(end))).toBe(true)
      expect(after).not.toContain('stale')
      expect(after).toContain('![Throughput against message size](bench/results/latest.svg)')
      expect(after).toContain('[bench/results/latest.md](bench/results/latest.md)')
      // A second run finds it up to date and leaves the file alone.
      await expect(updateReadme(paths)).resolves.toEqual({ changed: false, quick: false })
      expect(await readFile(paths.readme, 'utf8')).toBe(after)
    })

    it('fails clearly, and writes nothing, when the markers are missing', async () => {
      const paths = await setUp('# README without markers\n')
      await expect(updateReadme(paths)).rejects.toThrow(/README\.md: README has no <!-- bench:start --> and no <!-- bench:end --> marker/)
      expect(await readFile(paths.readme, 'utf8')).toBe('# README without markers\n')
    })

    it('fails clearly when latest.json is missing or is not one', async () => {
      const paths = await setUp(`${README_START}\n${README_END}\n`)
      await writeFile(join(paths.results, 'latest.json'), JSON.stringify({ schema: 'something else' }))
      await expect(updateReadme(paths)).rejects.toThrow(/latest\.json: not a latest\.json document: schema is "something else"/)
      await rm(join(paths.results, 'latest.json'))
      await expect(updateReadme(paths)).rejects.toThrow(/cannot read .*latest\.json \(run `npm run bench` first\)/)
    })
  })
})
