/**
 * The project's performance targets (set in its design, listed here in full), evaluated from one run's
 * figures: glueberry against raw libp2p measured side by side, per placement
 * where the figure has one. Pure.
 *
 * The seventh target (a slow consumer loses nothing, the receiver stays
 * bounded, the sender waits) is behaviour, not speed: the integration tests
 * check it (test/node/flow-control.test.ts), so it is not evaluated here.
 *
 * @module
 */
import type { NetFigures } from './figures.js'
import { PLACEMENTS } from './types.js'
import type { Contender, Placement } from './types.js'

export type TargetId = 'msgs-64b' | 'msgs-1kib' | 'mbps-64kib' | 'mbps-1mib' | 'rtt' | 'connect' | 'memory'

export type TargetUnit = 'msg/s' | 'MB/s' | 'us' | 'ms' | 'KiB'

/**
 * How glueberry's figure must compare with raw libp2p's:
 * - `min-ratio`: ours >= factor x raw (speeds);
 * - `max-ratio`: ours <= factor x raw (times);
 * - `max-extra`: ours <= raw + allowance, in the figure's unit (times, memory).
 */
export type TargetRule =
  | { kind: 'min-ratio', factor: number }
  | { kind: 'max-ratio', factor: number }
  | { kind: 'max-extra', allowance: number }

export interface TargetSpec {
  id: TargetId
  /** The figure, as the target names it. */
  figure: string
  /** The target, in words. */
  target: string
  unit: TargetUnit
  rule: TargetRule
  /** Whether the figure is measured per placement (throughput, RTT) or once (connect, memory). */
  perPlacement: boolean
  /** The contender's median figure (placement null for figures without one); undefined when not measured. */
  pick: (figures: NetFigures, contender: Contender, placement: Placement | null) => number | undefined
}

export type TargetStatus = 'met' | 'not met' | 'no data'

export interface TargetResult {
  id: TargetId
  figure: string
  target: string
  unit: TargetUnit
  placement: Placement | null
  /** glueberry's median figure. */
  glueberry: number | null
  /** Raw libp2p's median figure. */
  libp2p: number | null
  /** The bound glueberry's figure must reach (min-ratio) or stay within (the others). */
  limit: number | null
  /** glueberry / libp2p. */
  ratio: number | null
  /** glueberry - libp2p, in the figure's unit. */
  difference: number | null
  status: TargetStatus
}

/**
 * Relative slack on the comparison. The figures are floating-point medians
 * (MB/s is messages/s x size / 1e6), so a figure exactly at its bound can land
 * a rounding error either side of it; the bound counts as met, as the targets'
 * ">=" and "<=" say.
 */
const TOLERANCE = 1e-9

export interface RuleOutcome {
  limit: number
  ratio: number
  difference: number
  met: boolean
}

/** Compares one glueberry figure with raw libp2p's under a rule. */
export function evaluateRule (rule: TargetRule, ours: number, raw: number): RuleOutcome {
  const ratio = ours / raw
  const difference = ours - raw
  switch (rule.kind) {
    case 'min-ratio': {
      const limit = rule.factor * raw
      return { limit, ratio, difference, met: ours >= limit - Math.abs(limit) * TOLERANCE }
    }
    case 'max-ratio': {
      const limit = rule.factor * raw
      return { limit, ratio, difference, met: ours <= limit + Math.abs(limit) * TOLERANCE }
    }
    case 'max-extra': {
      const limit = raw + rule.allowance
      return { limit, ratio, difference, met: ours <= limit + Math.abs(limit) * TOLERANCE }
    }
  }
}

const KiB = 1024
const MiB = 1024 * KiB

function throughputPick (size: number, what: 'messagesPerSec' | 'mbPerSec'): TargetSpec['pick'] {
  return (figures, contender, placement) =>
    figures.throughput.find((f) => f.contender === contender && f.placement === placement && f.size === size)?.[what].median
}

/** The targets, in the design's order. */
export const TARGETS: readonly TargetSpec[] = [
  {
    id: 'msgs-64b',
    figure: '64 B messages/s, one stream',
    target: '>= 10x raw libp2p',
    unit: 'msg/s',
    rule: { kind: 'min-ratio', factor: 10 },
    perPlacement: true,
    pick: throughputPick(64, 'messagesPerSec')
  },
  {
    id: 'msgs-1kib',
    figure: '1 KiB messages/s',
    target: '>= 4x raw libp2p',
    unit: 'msg/s',
    rule: { kind: 'min-ratio', factor: 4 },
    perPlacement: true,
    pick: throughputPick(KiB, 'messagesPerSec')
  },
  {
    id: 'mbps-64kib',
    figure: '64 KiB MB/s',
    target: '>= 75% of raw libp2p',
    unit: 'MB/s',
    rule: { kind: 'min-ratio', factor: 0.75 },
    perPlacement: true,
    pick: throughputPick(64 * KiB, 'mbPerSec')
  },
  {
    id: 'mbps-1mib',
    figure: '1 MiB MB/s',
    target: '>= 75% of raw libp2p',
    unit: 'MB/s',
    rule: { kind: 'min-ratio', factor: 0.75 },
    perPlacement: true,
    pick: throughputPick(MiB, 'mbPerSec')
  },
  {
    id: 'rtt',
    figure: '64 B request/response RTT, median',
    target: '<= raw libp2p + 30 us',
    unit: 'us',
    rule: { kind: 'max-extra', allowance: 30 },
    perPlacement: true,
    pick: (figures, contender, placement) =>
      figures.rtt.find((f) => f.contender === contender && f.placement === placement)?.medianUs.median
  },
  {
    id: 'connect',
    figure: 'connect + standard handshake to Established, median',
    target: '<= 2x raw libp2p dial+upgrade',
    unit: 'ms',
    rule: { kind: 'max-ratio', factor: 2 },
    perPlacement: false,
    pick: (figures, contender) => figures.connect.find((f) => f.contender === contender)?.medianMs.median
  },
  {
    id: 'memory',
    figure: 'heap per established peer',
    target: '<= raw libp2p connection + 20 KiB',
    unit: 'KiB',
    rule: { kind: 'max-extra', allowance: 20 },
    perPlacement: false,
    pick: (figures, contender) => figures.memory.find((f) => f.contender === contender)?.heapKiB.median
  }
]

const finite = (x: number | undefined): number | null => x !== undefined && Number.isFinite(x) ? x : null

function evaluateOne (spec: TargetSpec, figures: NetFigures, placement: Placement | null): TargetResult | undefined {
  const glueberry = finite(spec.pick(figures, 'glueberry', placement))
  const libp2p = finite(spec.pick(figures, 'libp2p', placement))
  // Neither side measured: the run did not cover this figure (an --only run), so there is no row.
  if (glueberry === null && libp2p === null) return undefined
  const base = { id: spec.id, figure: spec.figure, target: spec.target, unit: spec.unit, placement, glueberry, libp2p }
  if (glueberry === null || libp2p === null || libp2p <= 0) {
    return { ...base, limit: null, ratio: null, difference: null, status: 'no data' }
  }
  const outcome = evaluateRule(spec.rule, glueberry, libp2p)
  return {
    ...base,
    limit: outcome.limit,
    ratio: outcome.ratio,
    difference: outcome.difference,
    status: outcome.met ? 'met' : 'not met'
  }
}

/** Every target the figures cover, per placement where it has one (in PLACEMENTS order). */
export function evaluateTargets (figures: NetFigures, specs: readonly TargetSpec[] = TARGETS): TargetResult[] {
  const results: TargetResult[] = []
  for (const spec of specs) {
    const placements: ReadonlyArray<Placement | null> = spec.perPlacement ? PLACEMENTS : [null]
    for (const placement of placements) {
      const result = evaluateOne(spec, figures, placement)
      if (result !== undefined) results.push(result)
    }
  }
  return results
}
