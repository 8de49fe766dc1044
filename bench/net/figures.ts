/**
 * The network figures: each measured cell (bench/net/types.ts) as median, min
 * and max of its reps, with the raw reps kept beside, in the units the report
 * and the targets speak (messages/s, MB/s, us, ms, KiB). Pure.
 *
 * @module
 */
import { scale, summarize } from '../harness.js'
import type { Summary } from '../harness.js'
import type { ConnectCell, Contender, MemoryCell, NetBenchResult, Placement, RttCell, ThroughputCell } from './types.js'

export interface ThroughputFigure {
  contender: Contender
  placement: Placement
  /** Payload bytes per message. */
  size: number
  /** Messages per rep. */
  messages: number
  messagesPerSec: Summary
  /** 10^6 payload bytes per second. */
  mbPerSec: Summary
  /** This cell's median messages/s over raw libp2p's, same placement and size (the MB/s ratio is the same); null without a libp2p cell. */
  vsLibp2p: number | null
  /** Messages/s of each rep. */
  reps: number[]
  /** CPU ms per 10^6 payload bytes, median of reps: this process (2-proc: the sender; in-proc: both ends together). */
  senderCpuMsPerMb?: number
  /** The same for the receiving child process (2-proc only). */
  receiverCpuMsPerMb?: number
}

export interface RttFigure {
  contender: Contender
  placement: Placement
  /** Round trips per rep. */
  pings: number
  /** Over the reps' medians. */
  medianUs: Summary
  /** Over the reps' 99th percentiles. */
  p99Us: Summary
  reps: { medianUs: number[], p99Us: number[] }
}

export interface ConnectFigure {
  contender: Contender
  what: string
  /** Connections timed per rep. */
  samples: number
  medianMs: Summary
  p90Ms: Summary
  reps: { medianMs: number[], p90Ms: number[] }
}

export interface MemoryFigure {
  contender: Contender
  what: string
  peers: number
  /** heapUsed growth per established peer. */
  heapKiB: Summary
  /** RSS growth per established peer. */
  rssKiB: Summary
  reps: { heapKiB: number[], rssKiB: number[] }
}

export interface NetFigures {
  throughput: ThroughputFigure[]
  rtt: RttFigure[]
  connect: ConnectFigure[]
  memory: MemoryFigure[]
}

function throughputFigures (cells: readonly ThroughputCell[]): ThroughputFigure[] {
  const rawMedian = (placement: Placement, size: number): number | undefined => {
    const raw = cells.find((c) => c.contender === 'libp2p' && c.placement === placement && c.size === size)
    return raw === undefined ? undefined : summarize(raw.reps).median
  }
  return cells.map((cell) => {
    const messagesPerSec = summarize(cell.reps)
    const raw = rawMedian(cell.placement, cell.size)
    return {
      contender: cell.contender,
      placement: cell.placement,
      size: cell.size,
      messages: cell.messages,
      messagesPerSec,
      mbPerSec: scale(messagesPerSec, cell.size / 1e6),
      vsLibp2p: raw === undefined || raw === 0 ? null : messagesPerSec.median / raw,
      reps: [...cell.reps],
      ...(cell.senderCpuMsPerMb !== undefined && cell.senderCpuMsPerMb.length > 0 ? { senderCpuMsPerMb: summarize(cell.senderCpuMsPerMb).median } : {}),
      ...(cell.receiverCpuMsPerMb !== undefined && cell.receiverCpuMsPerMb.length > 0 ? { receiverCpuMsPerMb: summarize(cell.receiverCpuMsPerMb).median } : {})
    }
  })
}

function rttFigure (cell: RttCell): RttFigure {
  return {
    contender: cell.contender,
    placement: cell.placement,
    pings: cell.pings,
    medianUs: summarize(cell.medianUs),
    p99Us: summarize(cell.p99Us),
    reps: { medianUs: [...cell.medianUs], p99Us: [...cell.p99Us] }
  }
}

function connectFigure (cell: ConnectCell): ConnectFigure {
  return {
    contender: cell.contender,
    what: cell.what,
    samples: cell.samples,
    medianMs: summarize(cell.medianMs),
    p90Ms: summarize(cell.p90Ms),
    reps: { medianMs: [...cell.medianMs], p90Ms: [...cell.p90Ms] }
  }
}

function memoryFigure (cell: MemoryCell): MemoryFigure {
  return {
    contender: cell.contender,
    what: cell.what,
    peers: cell.peers,
    heapKiB: summarize(cell.heapKiB),
    rssKiB: summarize(cell.rssKiB),
    reps: { heapKiB: [...cell.heapKiB], rssKiB: [...cell.rssKiB] }
  }
}

/** Every cell of a network run as figures; cells without reps are dropped (they carry no figure). */
export function netFigures (result: NetBenchResult): NetFigures {
  return {
    throughput: throughputFigures(result.throughput.filter((c) => c.reps.length > 0)),
    rtt: result.rtt.filter((c) => c.medianUs.length > 0).map(rttFigure),
    connect: result.connect.filter((c) => c.medianMs.length > 0).map(connectFigure),
    memory: result.memory.filter((c) => c.heapKiB.length > 0).map(memoryFigure)
  }
}
