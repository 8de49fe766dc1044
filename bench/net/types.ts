/**
 * The network benchmark's result shapes: what each measurement module
 * (throughput, rtt, connect, memory) returns, and what the report turns into
 * bench/results/latest.{json,md,svg}. Values are raw reps; the report makes
 * the medians and spreads.
 *
 * @module
 */

/** Who is measured: node:net sockets, raw js-libp2p streams, glueberry encrypted streams. */
export type Contender = 'tcp' | 'libp2p' | 'glueberry' | 'secret-stream'
export const CONTENDERS: readonly Contender[] = ['tcp', 'libp2p', 'secret-stream', 'glueberry']
/** The contenders of the connect and memory runs: secret-stream is one pipe, measured for throughput and round trip only. */
export type SessionContender = Exclude<Contender, 'secret-stream'>
export const SESSION_CONTENDERS: readonly SessionContender[] = ['tcp', 'libp2p', 'glueberry']

/** Both ends in this process (one thread), or the other end in a child process. */
export type Placement = 'in-proc' | '2-proc'
export const PLACEMENTS: readonly Placement[] = ['in-proc', '2-proc']

/** Message sizes of the throughput runs, in bytes. */
export const MESSAGE_SIZES: readonly number[] = [64, 1024, 16 * 1024, 64 * 1024, 1024 * 1024]

export interface NetBenchOptions {
  quick: boolean
  /** Progress lines (to stderr); never figures the report needs. */
  log: (line: string) => void
}

/** One-way throughput of one (contender, placement, size) cell. */
export interface ThroughputCell {
  contender: Contender
  placement: Placement
  size: number
  /** Messages sent per rep. */
  messages: number
  /** Messages per second of each rep (payload only: MB/s = messages/s x size / 1e6). */
  reps: number[]
  /**
   * CPU time (user + system) per 10^6 payload bytes of each rep, in ms, of
   * the bench's own process: the sender in 2-proc, both ends together in-proc.
   * CPU time is steady under load where wall-clock rates are not.
   */
  senderCpuMsPerMb?: number[]
  /** The same for the receiving child process (2-proc only). */
  receiverCpuMsPerMb?: number[]
}

/** 64 B request/response round trips on one stream; one entry per rep. */
export interface RttCell {
  contender: Contender
  placement: Placement
  /** Round trips per rep. */
  pings: number
  /** Median round trip of each rep, in microseconds. */
  medianUs: number[]
  /** 99th percentile round trip of each rep, in microseconds. */
  p99Us: number[]
}

/** Time from nothing to a usable session: raw TCP connect, libp2p dial + upgrade, glueberry connect + standard handshake to Established. */
export interface ConnectCell {
  contender: Contender
  /** What was timed, in words, for the report. */
  what: string
  /** Connections timed per rep. */
  samples: number
  /** Median of each rep, in milliseconds. */
  medianMs: number[]
  /** 90th percentile of each rep, in milliseconds. */
  p90Ms: number[]
}

/** Memory held per established peer on the listening side, after forced GC. */
export interface MemoryCell {
  contender: Contender
  /** Peers connected (200 in a full run). */
  peers: number
  /** What one peer holds, in words (e.g. "1 connection + 1 idle stream"). */
  what: string
  /** heapUsed growth per peer of each rep, KiB. */
  heapKiB: number[]
  /** RSS growth per peer of each rep, KiB. */
  rssKiB: number[]
}

export interface NetBenchResult {
  throughput: ThroughputCell[]
  rtt: RttCell[]
  connect: ConnectCell[]
  memory: MemoryCell[]
}
