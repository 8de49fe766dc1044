/**
 * The measurement method shared by the benchmarks (bench/crypto.ts, bench/paths.ts,
 * after notes/crypto-speed.md):
 *
 * - each cell is warmed up, then its batch size is doubled until one batch
 *   takes at least `minBatchMs` (so the clock is read rarely);
 * - a rep runs whole batches for at least `repMs` and yields ops/s;
 * - reps are taken round-robin across all cells, so a burst of noise on a
 *   shared host hits one rep of several cells instead of every rep of one;
 * - the figure is the median of a cell's reps; min and max give the spread.
 *
 * @module
 */

export interface Timing {
  warmupMs: number
  minBatchMs: number
  repMs: number
  reps: number
}

export const FULL_TIMING: Timing = Object.freeze({ warmupMs: 200, minBatchMs: 20, repMs: 300, reps: 5 })
export const QUICK_TIMING: Timing = Object.freeze({ warmupMs: 30, minBatchMs: 5, repMs: 70, reps: 3 })

/** A measured operation: `run(n)` performs n operations. */
export interface Cell {
  readonly run: (n: number) => void
  readonly repMs: number
  readonly batch: number
  /** ops/s of each rep, in the order taken. */
  readonly reps: number[]
  readonly done: () => void
}

/** Median, smallest and largest of a set of reps. */
export interface Summary {
  median: number
  min: number
  max: number
}

export function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export function summarize (values: readonly number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) }
}

/** Multiplies every figure of a summary (ops/s to messages/s, to MB/s ...). */
export function scale (summary: Summary, factor: number): Summary {
  return { median: summary.median * factor, min: summary.min * factor, max: summary.max * factor }
}

/** The time per op (in `unit` per second) of an ops/s summary: min and max swap. */
export function perOp (opsPerSec: Summary, unit = 1e6): Summary {
  return { median: unit / opsPerSec.median, min: unit / opsPerSec.max, max: unit / opsPerSec.min }
}

/** (max - min) / median, as a fraction: how far apart the reps were. */
export function spread (summary: Summary): number {
  return (summary.max - summary.min) / summary.median
}

/** Warms `run` up and calibrates its batch; the cell is then measured by {@link measureAll}. */
export function prepare (run: (n: number) => void, timing: Timing, repMs: number = timing.repMs, done: () => void = () => {}): Cell {
  const warmEnd = performance.now() + timing.warmupMs
  while (performance.now() < warmEnd) run(1)
  let batch = 1
  for (;;) {
    const start = performance.now()
    run(batch)
    if (performance.now() - start >= timing.minBatchMs) break
    batch *= 2
  }
  return { run, repMs, batch, reps: [], done }
}

function rep (cell: Cell): void {
  let ops = 0
  const start = performance.now()
  let elapsed: number
  do {
    cell.run(cell.batch)
    ops += cell.batch
    elapsed = performance.now() - start
  } while (elapsed < cell.repMs)
  cell.reps.push(ops / (elapsed / 1000))
}

/** Runs every cell's reps round-robin, then releases the cells; returns the ops/s medians in cell order. */
export function measureAll (cells: readonly Cell[], timing: Timing): number[] {
  for (let r = 0; r < timing.reps; r++) {
    for (const cell of cells) rep(cell)
  }
  for (const cell of cells) cell.done()
  return cells.map((cell) => median(cell.reps))
}

export function formatSize (size: number): string {
  if (size >= 1024 * 1024) return `${size / (1024 * 1024)} MiB`
  if (size >= 1024) return `${size / 1024} KiB`
  return `${size} B`
}

export function formatRate (ops: number): string {
  if (ops >= 1e6) return `${(ops / 1e6).toFixed(2)}M/s`
  if (ops >= 1e3) return `${(ops / 1e3).toFixed(1)}k/s`
  return `${ops.toFixed(0)}/s`
}

export function formatMb (mbPerSec: number): string {
  return mbPerSec >= 100 ? mbPerSec.toFixed(0) : mbPerSec.toFixed(1)
}

export function formatUs (us: number): string {
  if (us >= 100) return us.toFixed(0)
  if (us >= 10) return us.toFixed(1)
  return us.toFixed(2)
}

/** A Markdown table with padded columns. */
export function table (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: readonly string[]): string => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |'
  return [line(header), '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|', ...rows.map(line)].join('\n')
}
