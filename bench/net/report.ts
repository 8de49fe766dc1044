/**
 * The whole suite's report: a network run (bench/net/types.ts), the machine,
 * the run and optionally the foundation figures, turned into the
 * bench/results/latest.json document (schema `glueberry-bench/latest@1`:
 * every figure as median, min and max of its reps, with the reps) and the
 * latest.md report rendered from that document. Pure: no I/O.
 *
 * The Markdown sections are exported one by one so the README's generated
 * section (bench/net/readme.ts) shows the same tables as latest.md.
 *
 * @module
 */
import { formatMb, formatRate, formatSize, formatUs, spread, table } from '../harness.js'
import type { Summary } from '../harness.js'
import { machineTable } from '../machine.js'
import { NOISY_SPREAD } from '../report.js'
import type { Foundation, Machine } from '../report.js'
import type { Only, Suite } from '../suites.js'
import { netFigures } from './figures.js'
import type { ConnectFigure, MemoryFigure, NetFigures, RttFigure, ThroughputFigure } from './figures.js'
import { TARGETS, evaluateTargets } from './targets.js'
import type { TargetResult, TargetUnit } from './targets.js'
import { CONTENDERS, PLACEMENTS } from './types.js'
import type { Contender, NetBenchResult, Placement } from './types.js'

export const LATEST_SCHEMA = 'glueberry-bench/latest@1'

export interface LatestRun {
  quick: boolean
  only: Only | null
  /** The suites this run took, in order. */
  suites: Suite[]
  /** The command line that reproduces the run. */
  command: string
  durationSec: number
  /** Seconds each suite took, to keep an eye on the time budget. */
  suiteSec: Partial<Record<Suite, number>>
}

/** The foundation figures as they appear in foundation.json, without what latest.json already says (date, machine, run). */
export type FoundationFigures = Omit<Foundation, 'date' | 'machine' | 'run'>

export interface LatestDocument extends NetFigures {
  schema: typeof LATEST_SCHEMA
  /** ISO time the run started. */
  date: string
  machine: Machine
  run: LatestRun
  /** What the numbers are. */
  units: Readonly<Record<'throughput' | 'rtt' | 'connect' | 'memory', string>>
  /** The project's performance targets (bench/net/targets.ts), evaluated from the figures above. */
  targets: TargetResult[]
  /** The in-memory suites (crypto, paths), when the run took them. */
  foundation?: FoundationFigures
}

export interface LatestInput {
  result: NetBenchResult
  machine: Machine
  run: LatestRun
  date: string
  foundation?: Foundation
}

export const UNITS: LatestDocument['units'] = Object.freeze({
  throughput: 'messagesPerSec: messages/s; mbPerSec: 10^6 payload bytes/s (no framing, no tags); reps: messages/s of each rep',
  rtt: 'microseconds; medianUs and p99Us summarise the per-rep median and 99th percentile',
  connect: 'milliseconds; medianMs and p90Ms summarise the per-rep median and 90th percentile',
  memory: 'KiB per established peer on the listening side, after forced GC'
})

export const CONTENDER_LABELS: Readonly<Record<Contender, string>> = Object.freeze({
  tcp: 'node:net sockets on 127.0.0.1, one `write()` per length-prefixed message, no encryption: the floor under the others',
  libp2p: 'raw js-libp2p on glueberry\'s own host (TCP, Noise, yamux), one `stream.send()` per length-prefixed message',
  'secret-stream': '@hyperswarm/secret-stream over node:net: ONE encrypted pipe (Noise XX, then libsodium secretstream per message); no multiplexing, no peer management, no reconnects or acknowledgements. What a user wanting only an encrypted pipe might pick',
  glueberry: 'glueberry\'s encrypted stream on that same host, one `node.send()` per message (glueberry packs the messages of a tick into sealed records)'
})

export const PLACEMENT_LABELS: Readonly<Record<Placement, string>> = Object.freeze({
  'in-proc': 'both ends in one process, sharing one thread',
  '2-proc': 'the other end in a child process, so sender and receiver each have a core'
})

/** The latest.json document of one run. */
export function buildLatest (input: LatestInput): LatestDocument {
  const figures = netFigures(input.result)
  const doc: LatestDocument = {
    schema: LATEST_SCHEMA,
    date: input.date,
    machine: input.machine,
    run: input.run,
    units: UNITS,
    ...figures,
    targets: evaluateTargets(figures)
  }
  if (input.foundation !== undefined) {
    const { schema, method, crypto, paths, comparison } = input.foundation
    doc.foundation = { schema, method, comparison, ...(crypto !== undefined ? { crypto } : {}), ...(paths !== undefined ? { paths } : {}) }
  }
  return doc
}

/** Reads a latest.json text back, checking it is one (the README updater's input). */
export function parseLatest (text: string): LatestDocument {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new Error(`not JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
  if (typeof value !== 'object' || value === null) throw new Error('not a latest.json document: not an object')
  const record = value as Record<string, unknown>
  if (record.schema !== LATEST_SCHEMA) {
    throw new Error(`not a latest.json document: schema is ${JSON.stringify(record.schema)}, expected ${LATEST_SCHEMA}`)
  }
  for (const key of ['throughput', 'rtt', 'connect', 'memory', 'targets'] as const) {
    if (!Array.isArray(record[key])) throw new Error(`not a latest.json document: ${key} is not an array`)
  }
  if (typeof record.machine !== 'object' || record.machine === null || typeof record.run !== 'object' || record.run === null) {
    throw new Error('not a latest.json document: machine or run missing')
  }
  return value as LatestDocument
}

// ---------------------------------------------------------------- formatting

const known = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x)

/** ' *' when a figure's reps lie more than NOISY_SPREAD apart, as in foundation.md. */
function noisy (s: Summary): string {
  if (!known(s.median) || !known(s.min) || !known(s.max)) return ''
  // |median|: a heap that shrank has a negative median, and its spread is no smaller for that.
  return Math.abs(spread(s)) > NOISY_SPREAD ? ' *' : ''
}

/** `median (min–max)` with the given number format, `-` when there is no figure. */
function ranged (s: Summary, format: (x: number) => string): string {
  if (!known(s.median)) return '-'
  // An en dash after a minus sign (-1.0–-0.5) reads badly; negative figures (heap shrank) get "to".
  const dash = s.min < 0 ? ' to ' : '–'
  return `${format(s.median)} (${format(s.min)}${dash}${format(s.max)})${noisy(s)}`
}

/** 1.23M, 45.6k, 789: messages/s without the unit, which the header carries. */
function count (x: number): string {
  return formatRate(x).replace(/\/s$/, '')
}

/** What the raw libp2p row says in a "vs libp2p" column. */
const BASELINE = 'baseline'

const ms = (x: number): string => x.toFixed(2)
const kib = (x: number): string => x.toFixed(1)

/** A ratio of medians: two decimals below 10, so 9.96x never reads as 10x. */
export function formatRatio (x: number | null): string {
  if (!known(x)) return '-'
  return x >= 10 ? `${x.toFixed(1)}x` : `${x.toFixed(2)}x`
}

function signed (x: number, format: (x: number) => string): string {
  return x < 0 ? `-${format(-x)}` : `+${format(x)}`
}

function valueWithUnit (x: number | null, unit: TargetUnit): string {
  if (!known(x)) return '-'
  switch (unit) {
    case 'msg/s': return formatRate(x)
    case 'MB/s': return `${formatMb(x)} MB/s`
    case 'us': return `${formatUs(x)} us`
    case 'ms': return `${ms(x)} ms`
    case 'KiB': return `${kib(x)} KiB`
  }
}

function heading (level: number, text: string): string {
  return `${'#'.repeat(level)} ${text}`
}

function contendersOf (rows: ReadonlyArray<{ contender: Contender }>): Contender[] {
  return CONTENDERS.filter((c) => rows.some((r) => r.contender === c))
}

function placementsOf (rows: ReadonlyArray<{ placement: Placement }>): Placement[] {
  return PLACEMENTS.filter((p) => rows.some((r) => r.placement === p))
}

// ---------------------------------------------------------------- sections

export function targetsSection (targets: readonly TargetResult[], level = 2): string[] {
  if (targets.length === 0) return []
  const comparison = (t: TargetResult): string => {
    const rule = TARGETS.find((s) => s.id === t.id)?.rule
    if (!known(t.ratio)) return '-'
    if (rule?.kind === 'max-extra' && known(t.difference)) {
      return `${signed(t.difference, (x) => valueWithUnit(x, t.unit))} (${formatRatio(t.ratio)})`
    }
    return formatRatio(t.ratio)
  }
  const verdict = (t: TargetResult): string => t.status === 'met' ? 'met' : t.status === 'not met' ? '**NOT met**' : 'no data'
  const rows = targets.map((t) => [
    t.figure,
    t.placement ?? '-',
    t.target,
    valueWithUnit(t.glueberry, t.unit),
    valueWithUnit(t.libp2p, t.unit),
    comparison(t),
    verdict(t)
  ])
  const met = targets.filter((t) => t.status === 'met').length
  return [
    heading(level, 'Targets'),
    '',
    `The performance targets (bench/net/targets.ts), glueberry against raw libp2p measured in the same run (medians): ${met} of ${targets.length} met.`,
    'Throughput and round trips are judged per placement; connect and memory are measured once.',
    '',
    table(['figure', 'placement', 'target', 'glueberry', 'raw libp2p', 'glueberry vs libp2p', 'result'], rows),
    '',
    'The remaining target (a slow consumer loses nothing, stays bounded, and holds the sender back) is',
    'behaviour, checked by the integration tests (`test/node/flow-control.test.ts`), not timed here.',
    ''
  ]
}

function throughputTable (figures: readonly ThroughputFigure[], pick: (f: ThroughputFigure) => string): string {
  const contenders = contendersOf(figures)
  const sizes = [...new Set(figures.map((f) => f.size))].sort((a, b) => a - b)
  const rows = placementsOf(figures).flatMap((placement) => sizes.flatMap((size) => {
    const at = (c: Contender): ThroughputFigure | undefined =>
      figures.find((f) => f.contender === c && f.placement === placement && f.size === size)
    if (contenders.every((c) => at(c) === undefined)) return []
    const ours = at('glueberry')
    return [[formatSize(size), placement, ...contenders.map((c) => {
      const f = at(c)
      return f === undefined ? '-' : pick(f)
    }), formatRatio(ours?.vsLibp2p ?? null)]]
  }))
  return table(['message', 'placement', ...contenders, 'glueberry / libp2p'], rows)
}

export function throughputSection (figures: readonly ThroughputFigure[], level = 2): string[] {
  if (figures.length === 0) return []
  return [
    heading(level, 'Throughput, one stream'),
    '',
    'One-way, one message per send call, timed until the receiver has every byte. Median (min–max of reps);',
    `a * marks reps more than ${(NOISY_SPREAD * 100).toFixed(0)}% apart. "glueberry / libp2p" is the ratio of medians (the same for messages/s and MB/s).`,
    '',
    heading(level + 1, 'Messages per second'),
    '',
    throughputTable(figures, (f) => ranged(f.messagesPerSec, count)),
    '',
    heading(level + 1, 'MB/s of payload'),
    '',
    throughputTable(figures, (f) => ranged(f.mbPerSec, formatMb)),
    '',
    ...(figures.some((f) => f.senderCpuMsPerMb !== undefined)
      ? [
          heading(level + 1, 'CPU ms per MB of payload'),
          '',
          'User + system CPU time per 10^6 payload bytes, median of reps: `sender / receiver` across two processes;',
          'in one process the sum of both ends. Steady under load where MB/s is not; the ratio column is still MB/s.',
          '',
          throughputTable(figures, cpuCell),
          ''
        ]
      : [])
  ]
}

function cpuCell (f: ThroughputFigure): string {
  if (f.senderCpuMsPerMb === undefined) return '-'
  return f.receiverCpuMsPerMb === undefined
    ? f.senderCpuMsPerMb.toFixed(2)
    : `${f.senderCpuMsPerMb.toFixed(2)} / ${f.receiverCpuMsPerMb.toFixed(2)}`
}

export function rttSection (figures: readonly RttFigure[], level = 2): string[] {
  if (figures.length === 0) return []
  const raw = (placement: Placement): RttFigure | undefined => figures.find((f) => f.contender === 'libp2p' && f.placement === placement)
  const rows = placementsOf(figures).flatMap((placement) => contendersOf(figures).flatMap((contender) => {
    const f = figures.find((x) => x.contender === contender && x.placement === placement)
    if (f === undefined) return []
    const base = raw(placement)
    const vs = contender === 'libp2p'
      ? BASELINE
      : base === undefined || !known(f.medianUs.median) || !known(base.medianUs.median)
        ? '-'
        : signed(f.medianUs.median - base.medianUs.median, formatUs) + ' us'
    return [[contender, placement, ranged(f.medianUs, formatUs), ranged(f.p99Us, formatUs), vs, String(f.pings)]]
  }))
  return [
    heading(level, 'Round trip, 64 B request/response'),
    '',
    'One stream, the next request sent when the response arrives. Microseconds: the median and the 99th',
    'percentile of each rep, summarised as median (min–max of reps).',
    '',
    table(['contender', 'placement', 'median, us', 'p99, us', 'median vs libp2p', 'round trips/rep'], rows),
    ''
  ]
}

export function connectSection (figures: readonly ConnectFigure[], level = 2): string[] {
  if (figures.length === 0) return []
  const raw = figures.find((f) => f.contender === 'libp2p')
  const rows = contendersOf(figures).flatMap((contender) => {
    const f = figures.find((x) => x.contender === contender)
    if (f === undefined) return []
    const vs = contender === 'libp2p' ? BASELINE : raw === undefined ? '-' : formatRatio(f.medianMs.median / raw.medianMs.median)
    return [[contender, ranged(f.medianMs, ms), ranged(f.p90Ms, ms), vs, String(f.samples)]]
  })
  return [
    heading(level, 'Connect'),
    '',
    'From nothing to a usable session, milliseconds: the median and 90th percentile of each rep,',
    'summarised as median (min–max of reps).',
    '',
    table(['contender', 'median, ms', 'p90, ms', 'median vs libp2p', 'samples/rep'], rows),
    '',
    ...figures.map((f) => `- ${f.contender}: ${f.what}`),
    ''
  ]
}

export function memorySection (figures: readonly MemoryFigure[], level = 2): string[] {
  if (figures.length === 0) return []
  const raw = figures.find((f) => f.contender === 'libp2p')
  const rows = contendersOf(figures).flatMap((contender) => {
    const f = figures.find((x) => x.contender === contender)
    if (f === undefined) return []
    const vs = contender === 'libp2p'
      ? BASELINE
      : raw === undefined || !known(f.heapKiB.median) || !known(raw.heapKiB.median)
        ? '-'
        : signed(f.heapKiB.median - raw.heapKiB.median, kib) + ' KiB'
    return [[contender, ranged(f.heapKiB, kib), ranged(f.rssKiB, kib), vs, String(f.peers)]]
  })
  return [
    heading(level, 'Memory per established peer'),
    '',
    'Growth of the listening side per connected peer, KiB after forced GC, median (min–max of reps).',
    'Heap is what the target is about; RSS also holds pages the allocator has not given back.',
    '',
    table(['contender', 'heap, KiB', 'RSS, KiB', 'heap vs libp2p', 'peers'], rows),
    '',
    'What one peer holds:',
    '',
    ...figures.map((f) => `- ${f.contender}: ${f.what}`),
    ''
  ]
}

/** Who is measured and where, for the readers of latest.md. */
function contendersSection (doc: LatestDocument): string[] {
  const all = [...doc.throughput, ...doc.rtt, ...doc.connect, ...doc.memory]
  const placements = placementsOf([...doc.throughput, ...doc.rtt])
  return [
    'Contenders:',
    '',
    ...contendersOf(all).map((c) => `- **${c}**: ${CONTENDER_LABELS[c]}`),
    ...(placements.length > 0 ? ['', 'Placements:', '', ...placements.map((p) => `- **${p}**: ${PLACEMENT_LABELS[p]}`)] : []),
    ''
  ]
}

export interface MarkdownLinks {
  /** The chart, relative to the Markdown file. */
  chart?: string
  /** The raw figures (the JSON), relative to the Markdown file. */
  json?: string
  /** foundation.md, relative to the Markdown file. */
  foundation?: string
}

function loads (values: readonly number[]): string {
  return values.map((x) => x.toFixed(2)).join(' / ')
}

/** latest.md. */
export function renderLatestMarkdown (doc: LatestDocument, links: MarkdownLinks = {}): string {
  const pointers = [
    links.json !== undefined ? `Raw figures: [${links.json}](${links.json}).` : undefined,
    links.foundation !== undefined ? `In-memory crypto and send/receive paths: [${links.foundation}](${links.foundation}).` : undefined
  ].filter((x) => x !== undefined)
  const hasThroughput = doc.throughput.length > 0
  return [
    '# Glueberry benchmark',
    '',
    `Generated by \`${doc.run.command}\` on ${doc.date} in ${doc.run.durationSec.toFixed(0)} s` +
      `${doc.run.quick ? ' (**quick run: short timings, not for comparison**)' : ''}. Suites: ${doc.run.suites.join(', ')}.`,
    ...(pointers.length > 0 ? ['', pointers.join(' ')] : []),
    '',
    machineTable(doc.machine),
    '',
    ...contendersSection(doc),
    ...targetsSection(doc.targets),
    ...(hasThroughput && links.chart !== undefined ? [`![Throughput against message size](${links.chart})`, ''] : []),
    ...throughputSection(doc.throughput),
    ...rttSection(doc.rtt),
    ...connectSection(doc.connect),
    ...memorySection(doc.memory),
    '## Noise',
    '',
    `This is a shared ${doc.machine.cores}-vCPU VM (load average ${loads(doc.machine.loadAverage.start)} at start,` +
      ` ${loads(doc.machine.loadAverage.end)} at end). Reps are interleaved across cells and the median is reported;`,
    'compare runs made close together at a similar load, and trust only differences whose ranges do not overlap.',
    ''
  ].join('\n')
}
