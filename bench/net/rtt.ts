/**
 * 64 B request/response round trips, side by side: raw TCP, raw libp2p and
 * glueberry, with the echoing end in this process (in-proc) or in a child
 * process (2-proc).
 *
 *   node --import ./bench/register.js bench/net/rtt.ts [--quick] [--json]
 *
 * Method (after notes/libp2p-v3.md §3): one connected pair per (contender,
 * placement) and one stream; the pinger sends a 64 B message and waits for it
 * to come back before sending the next, timing each round trip. Each cell is
 * warmed up first; reps are then taken round-robin across cells, and each rep
 * gives the median and the 99th percentile of its round trips, in
 * microseconds.
 *
 * @module
 */
import { pathToFileURL } from 'node:url'
import { formatUs, median, table } from '../harness.js'
import { payloadOf } from './contenders/framing.js'
import { withPairs } from './contenders/pair.js'
import type { Pair } from './contenders/pair.js'
import { CONTENDERS, PLACEMENTS } from './types.js'
import type { Contender, NetBenchOptions, Placement, RttCell } from './types.js'

export const PING_SIZE = 64

/** Narrows a run, for tests and quick looks. Anything left out takes the full or quick default. */
export interface RttOverrides {
  contenders?: readonly Contender[]
  placements?: readonly Placement[]
  reps?: number
  /** Round trips per rep. */
  pings?: number
  /** Round trips before the first rep of each cell, not timed. */
  warmup?: number
}

interface Timing {
  reps: number
  pings: number
  warmup: number
}

const FULL: Timing = { reps: 5, pings: 2000, warmup: 500 }
const QUICK: Timing = { reps: 2, pings: 400, warmup: 100 }

/** No round trip completing for this long (checked at this interval) means a pong was lost. */
const STALL_MS = 10_000

export async function runRtt (options: NetBenchOptions, overrides: RttOverrides = {}): Promise<RttCell[]> {
  const defaults = options.quick ? QUICK : FULL
  const timing: Timing = {
    reps: overrides.reps ?? defaults.reps,
    pings: overrides.pings ?? defaults.pings,
    warmup: overrides.warmup ?? defaults.warmup
  }
  const contenders = overrides.contenders ?? CONTENDERS
  const placements = overrides.placements ?? PLACEMENTS
  const combos = placements.flatMap((placement) => contenders.map((contender) => ({ contender, placement })))

  options.log(`rtt: opening ${combos.length} pairs`)
  return await withPairs(combos, 'echo', async (pairs) => {
    const cells = pairs.map((pair) => ({ pair, medianUs: [] as number[], p99Us: [] as number[] }))
    for (const cell of cells) await roundTrips(cell.pair, timing.warmup)
    for (let r = 0; r < timing.reps; r++) {
      options.log(`rtt: rep ${r + 1}/${timing.reps}`)
      for (const cell of cells) {
        const times = await roundTrips(cell.pair, timing.pings)
        cell.medianUs.push(median(times))
        cell.p99Us.push(percentile(times, 0.99))
      }
    }
    return cells.map((cell) => ({
      contender: cell.pair.contender,
      placement: cell.pair.placement,
      pings: timing.pings,
      medianUs: cell.medianUs,
      p99Us: cell.p99Us
    }))
  })
}

/** `count` round trips, one after another; each one's time in microseconds. */
async function roundTrips (pair: Pair, count: number): Promise<number[]> {
  const ping = payloadOf(PING_SIZE)
  const times: number[] = new Array<number>(count)
  const watchdog = new Watchdog(`${pair.contender} ${pair.placement}: no pong within ${STALL_MS} ms`)
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now()
      const pong = await Promise.race([pair.sender.ping(ping), watchdog.stalled])
      times[i] = (performance.now() - start) * 1000
      watchdog.progress()
      if (!sameBytes(pong, ping)) throw new Error(`${pair.contender} ${pair.placement}: the pong is not the ping (${pong.byteLength} bytes)`)
    }
  } finally {
    watchdog.stop()
  }
  return times
}

/**
 * Fails a run of round trips that stops making progress (a lost pong would
 * otherwise hang the bench). One interval per run, not a timer per ping, so
 * the clock measures the round trip and not timer bookkeeping.
 */
class Watchdog {
  readonly stalled: Promise<never>
  private moved = true
  private readonly timer: NodeJS.Timeout

  constructor (message: string) {
    let fail: (err: Error) => void = () => {}
    this.stalled = new Promise<never>((_resolve, reject) => { fail = reject })
    this.stalled.catch(() => {})
    this.timer = setInterval(() => {
      if (!this.moved) fail(new Error(message))
      this.moved = false
    }, STALL_MS)
  }

  progress (): void {
    this.moved = true
  }

  stop (): void {
    clearInterval(this.timer)
  }
}

/** The `q` quantile (nearest rank). */
export function percentile (values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** The result as a Markdown table: median and p99 per contender, and glueberry minus raw libp2p. */
export function formatRtt (cells: readonly RttCell[]): string {
  const contenders = CONTENDERS.filter((c) => cells.some((cell) => cell.contender === c))
  const placements = PLACEMENTS.filter((p) => cells.some((cell) => cell.placement === p))
  const find = (contender: Contender, placement: Placement): RttCell | undefined =>
    cells.find((c) => c.contender === contender && c.placement === placement)
  const rows = placements.map((placement) => {
    const figures = contenders.map((contender) => {
      const cell = find(contender, placement)
      if (cell === undefined) return '-'
      return `${formatUs(median(cell.medianUs))} / ${formatUs(median(cell.p99Us))}`
    })
    const ours = find('glueberry', placement)
    const raw = find('libp2p', placement)
    const delta = ours === undefined || raw === undefined ? '-' : `${formatUs(median(ours.medianUs) - median(raw.medianUs))}`
    return [placement, ...figures, delta]
  })
  return table(['placement', ...contenders.map((c) => `${c} median / p99`), 'glueberry - libp2p (median)'], rows)
}

async function main (): Promise<void> {
  const args = new Set(process.argv.slice(2))
  const started = performance.now()
  const cells = await runRtt({
    quick: args.has('--quick'),
    log: (line) => { process.stderr.write(`  ${line}\n`) }
  })
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(cells, null, 2) + '\n')
    return
  }
  const pings = cells[0]?.pings ?? 0
  process.stdout.write(`64 B request/response round trip, us (${process.version}${args.has('--quick') ? ', quick' : ''}; ${pings} per rep, median of the reps' medians / of their p99s)\n\n`)
  process.stdout.write(formatRtt(cells) + '\n')
  process.stdout.write(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
