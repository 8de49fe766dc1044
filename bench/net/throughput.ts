/**
 * One-way throughput, side by side: raw TCP, raw libp2p and glueberry, at
 * each message size, with the receiver in this process (in-proc) or in a
 * child process (2-proc).
 *
 *   node --import ./bench/register.js bench/net/throughput.ts [--quick] [--json]
 *
 * Method (after notes/libp2p-v3.md §3):
 * - one connected pair per (contender, placement), opened once and reused
 *   for every size and rep; the sender sends one message per API call;
 * - a rep times from the first send until the receiver reports that every
 *   message and every payload byte of the rep has arrived. The receiver
 *   checks both: lost or extra data throws, it never yields a figure. In the
 *   2-proc placement that report crosses the IPC channel (tens of us, next to
 *   reps of 0.1 s and more);
 * - the messages per rep are calibrated per cell (which also warms it up), so
 *   that a rep lasts about `repSeconds`;
 * - reps are taken round-robin across all cells, so a burst of noise from
 *   another process hits one rep of several cells, not every rep of one.
 *
 * @module
 */
import { pathToFileURL } from 'node:url'
import { formatMb, formatRate, formatSize, median, spread, summarize, table } from '../harness.js'
import { withPairs } from './contenders/pair.js'
import type { Pair } from './contenders/pair.js'
import { CONTENDERS, MESSAGE_SIZES, PLACEMENTS } from './types.js'
import type { Contender, NetBenchOptions, Placement, ThroughputCell } from './types.js'

/** Narrows a run, for tests and quick looks. Anything left out takes the full or quick default. */
export interface ThroughputOverrides {
  contenders?: readonly Contender[]
  placements?: readonly Placement[]
  sizes?: readonly number[]
  reps?: number
  /** Messages per rep for every cell, instead of calibrating (a warm-up run of as many still comes first). */
  messages?: number
  /** Calibration target: how long one rep should last, in seconds. */
  repSeconds?: number
}

interface Timing {
  reps: number
  repSeconds: number
  /** A calibration run must last at least this long before its rate is trusted. */
  calibrateMs: number
}

const FULL: Timing = { reps: 5, repSeconds: 0.7, calibrateMs: 150 }
const QUICK: Timing = { reps: 2, repSeconds: 0.12, calibrateMs: 30 }

/** The first calibration run sends about this many payload bytes. */
const CALIBRATION_START_BYTES = 256 * 1024
/** A rep may take this many times its expected duration before the bench calls the data lost. */
const TIMEOUT_FACTOR = 20
const MIN_TIMEOUT_MS = 15_000

interface Running {
  readonly pair: Pair
  readonly size: number
  messages: number
  /** Messages per second while calibrating: sets the rep timeout. */
  rate: number
  readonly reps: number[]
  /** CPU ms per MB of payload of each rep: this process (2-proc: the sender; in-proc: both ends), and the child (2-proc). */
  readonly senderCpu: number[]
  readonly receiverCpu: number[]
}

/** What a pair's listener has been sent in all (its targets are cumulative). */
const totals = new WeakMap<Pair, { messages: number, bytes: number }>()

export async function runThroughput (options: NetBenchOptions, overrides: ThroughputOverrides = {}): Promise<ThroughputCell[]> {
  const defaults = options.quick ? QUICK : FULL
  const timing: Timing = {
    reps: overrides.reps ?? defaults.reps,
    repSeconds: overrides.repSeconds ?? defaults.repSeconds,
    calibrateMs: defaults.calibrateMs
  }
  const contenders = overrides.contenders ?? CONTENDERS
  const placements = overrides.placements ?? PLACEMENTS
  const sizes = overrides.sizes ?? MESSAGE_SIZES
  const combos = placements.flatMap((placement) => contenders.map((contender) => ({ contender, placement })))

  options.log(`throughput: opening ${combos.length} pairs`)
  return await withPairs(combos, 'sink', async (pairs) => {
    const cells: Running[] = pairs.flatMap((pair) => sizes.map((size) => ({ pair, size, messages: 0, rate: 0, reps: [], senderCpu: [], receiverCpu: [] })))
    for (const cell of cells) {
      if (overrides.messages !== undefined) {
        cell.messages = overrides.messages
        cell.rate = cell.messages / (await rep(cell, cell.messages, MIN_TIMEOUT_MS) / 1000)
      } else {
        await calibrate(cell, timing)
      }
      options.log(`throughput: ${label(cell)}: ${cell.messages} messages per rep`)
    }
    for (let r = 0; r < timing.reps; r++) {
      options.log(`throughput: rep ${r + 1}/${timing.reps}`)
      for (const cell of cells) {
        const expectedMs = cell.messages / cell.rate * 1000
        const receiverBefore = await cell.pair.receiverCpuUs?.()
        const senderBefore = cpuUs()
        const ms = await rep(cell, cell.messages, Math.max(MIN_TIMEOUT_MS, TIMEOUT_FACTOR * expectedMs))
        const senderAfter = cpuUs()
        const receiverAfter = await cell.pair.receiverCpuUs?.()
        cell.reps.push(cell.messages / (ms / 1000))
        const mb = cell.messages * cell.size / 1e6
        cell.senderCpu.push((senderAfter - senderBefore) / 1000 / mb)
        if (receiverBefore !== undefined && receiverAfter !== undefined) cell.receiverCpu.push((receiverAfter - receiverBefore) / 1000 / mb)
      }
    }
    return cells.map((cell) => ({
      contender: cell.pair.contender,
      placement: cell.pair.placement,
      size: cell.size,
      messages: cell.messages,
      reps: cell.reps,
      senderCpuMsPerMb: cell.senderCpu,
      ...(cell.receiverCpu.length > 0 ? { receiverCpuMsPerMb: cell.receiverCpu } : {})
    }))
  })
}

/** CPU time this process has used so far (user + system), microseconds. */
function cpuUs (): number {
  const { user, system } = process.cpuUsage()
  return user + system
}

/** Sends `count` messages and waits until the receiver has them all; returns the milliseconds it took. */
async function rep (cell: Running, count: number, timeoutMs: number): Promise<number> {
  const total = totals.get(cell.pair) ?? { messages: 0, bytes: 0 }
  total.messages += count
  total.bytes += count * cell.size
  totals.set(cell.pair, total)
  const start = performance.now()
  // Both are awaited together: a failed send must not leave the receipt's rejection unhandled.
  await Promise.all([
    cell.pair.expect(total.messages, total.bytes, timeoutMs),
    cell.pair.sender.send(cell.size, count)
  ])
  return performance.now() - start
}

/**
 * Sizes the rep of a cell; the runs also warm it up. A run is grown until it
 * lasts `calibrateMs`; its rate is still a cold one (the JIT has just begun:
 * raw libp2p at 64 B measured about a third of its warm rate), so a second
 * run of half a rep, at that rate, gives the rate the rep is sized from.
 */
async function calibrate (cell: Running, timing: Timing): Promise<void> {
  let count = Math.max(4, Math.ceil(CALIBRATION_START_BYTES / cell.size))
  for (;;) {
    const ms = await rep(cell, count, MIN_TIMEOUT_MS + TIMEOUT_FACTOR * timing.calibrateMs)
    if (ms >= timing.calibrateMs) {
      cell.rate = count / (ms / 1000)
      break
    }
    // Jump most of the way at once, never more than 8x (the first run also pays for stream set-up).
    count = Math.ceil(count * Math.min(8, Math.max(2, 1.5 * timing.calibrateMs / Math.max(ms, 0.1))))
  }
  const warm = Math.max(1, Math.round(cell.rate * timing.repSeconds / 2))
  const ms = await rep(cell, warm, Math.max(MIN_TIMEOUT_MS, TIMEOUT_FACTOR * timing.repSeconds * 1000))
  cell.rate = warm / (ms / 1000)
  cell.messages = Math.max(1, Math.round(cell.rate * timing.repSeconds))
}

function label (cell: Running): string {
  return `${cell.pair.contender} ${cell.pair.placement} ${formatSize(cell.size)}`
}

/** The result as a Markdown table: msg/s and MB/s per contender, and glueberry against raw libp2p. */
export function formatThroughput (cells: readonly ThroughputCell[]): string {
  const contenders = CONTENDERS.filter((c) => cells.some((cell) => cell.contender === c))
  const keys = [...new Set(cells.map((cell) => `${cell.placement}\u0000${cell.size}`))]
  const find = (contender: Contender, placement: string, size: number): ThroughputCell | undefined =>
    cells.find((c) => c.contender === contender && c.placement === placement && c.size === size)
  const rows = keys.map((key) => {
    const [placement, sizeText] = key.split('\u0000') as [string, string]
    const size = Number(sizeText)
    const figures = contenders.map((contender) => {
      const cell = find(contender, placement, size)
      if (cell === undefined) return '-'
      const rate = summarize(cell.reps)
      return `${formatRate(rate.median)} · ${formatMb(rate.median * size / 1e6)} MB/s${spread(rate) > 0.25 ? ' *' : ''} · ${formatCpu(cell)}`
    })
    const ours = find('glueberry', placement, size)
    const raw = find('libp2p', placement, size)
    const ratio = ours === undefined || raw === undefined ? '-' : `${(median(ours.reps) / median(raw.reps)).toFixed(2)}x`
    return [formatSize(size), placement, ...figures, ratio]
  })
  return table(['size', 'placement', ...contenders, 'glueberry / libp2p'], rows)
}

/** CPU ms per MB: `sender / receiver` (2-proc) or `both` (in-proc, one process). */
export function formatCpu (cell: ThroughputCell): string {
  const sender = cell.senderCpuMsPerMb ?? []
  const receiver = cell.receiverCpuMsPerMb ?? []
  if (sender.length === 0) return '-'
  const s = median(sender).toFixed(2)
  return receiver.length > 0 ? `cpu ${s} / ${median(receiver).toFixed(2)} ms/MB` : `cpu ${s} ms/MB (both ends)`
}

async function main (): Promise<void> {
  const argv = process.argv.slice(2)
  const args = new Set(argv)
  // `--contenders a,b --placements 2-proc --sizes 65536,1048576 --reps 3`: a narrow look while profiling.
  const list = (flag: string): string[] | undefined => {
    const i = argv.indexOf(flag)
    return i < 0 || argv[i + 1] === undefined ? undefined : (argv[i + 1]).split(',')
  }
  const reps = list('--reps')
  const started = performance.now()
  const cells = await runThroughput({
    quick: args.has('--quick'),
    log: (line) => { process.stderr.write(`  ${line}\n`) }
  }, {
    contenders: list('--contenders') as Contender[] | undefined,
    placements: list('--placements') as Placement[] | undefined,
    sizes: list('--sizes')?.map(Number),
    reps: reps === undefined ? undefined : Number(reps[0])
  })
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(cells, null, 2) + '\n')
    return
  }
  process.stdout.write(`One-way throughput (${process.version}${args.has('--quick') ? ', quick' : ''}; median of reps, msg/s · MB/s of payload; * = reps more than 25% apart)\n\n`)
  process.stdout.write(formatThroughput(cells) + '\n')
  process.stdout.write(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
