/**
 * Turns what the child processes reported into the ledger's inputs and the
 * scenario's figures (detection and reconnect times, messages resent), and
 * waits for a run to settle. Reads reports only: no effects but timers.
 */
import { judge } from './ledger.js'
import type { LedgerRules, LossReport, Receipt, Send, Verdict } from './ledger.js'
import type { PeerProcess, ReportOf } from './peer-process.js'
import type { ErrorInfo } from './protocol.js'

export interface Observed {
  readonly sends: Send[]
  readonly receipts: Receipt[]
  readonly reports: LossReport[]
  /** errors$ entries that are not loss reports (for the printout). */
  readonly otherErrors: Array<{ readonly reporter: string, readonly error: ErrorInfo }>
  garbled: number
  readonly faults: string[]
}

/** A loss report names how many messages, or which: anything else on errors$ is some other failure. */
export function isLossReport (error: ErrorInfo): boolean {
  return error.count !== undefined || error.firstSeq !== undefined
}

export function observe (peers: readonly PeerProcess[]): Observed {
  const out: Observed = { sends: [], receipts: [], reports: [], otherErrors: [], garbled: 0, faults: [] }
  for (const p of peers) {
    const life = p.incarnation()
    const ids = p.reports.some(r => r.ev === 'ready') ? p.peerIds() : []
    const id = (node: number): string => ids[node] ?? `${p.label}[${node}]`
    for (const r of p.reports) {
      switch (r.ev) {
        case 'sent': out.sends.push({ sender: id(r.node), incarnation: life, to: r.peer, stream: r.stream, seq: r.seq, accepted: true }); break
        case 'rejected': out.sends.push({ sender: id(r.node), incarnation: life, to: r.peer, stream: r.stream, seq: r.seq, accepted: false }); break
        case 'recv': out.receipts.push({ receiver: id(r.node), receiverLife: life, from: r.peer, stream: r.stream, incarnation: r.incarnation, seq: r.seq }); break
        case 'garbled': out.garbled++; break
        case 'fault': out.faults.push(`${p.label}: ${r.message}`); break
        case 'error':
          if (isLossReport(r.error)) {
            out.reports.push({
              reporter: id(r.node),
              incarnation: life,
              code: r.error.code,
              ...(r.error.peer === undefined ? {} : { peer: r.error.peer }),
              ...(r.error.stream === undefined ? {} : { stream: r.error.stream }),
              ...(r.error.count === undefined ? {} : { count: r.error.count }),
              ...(r.error.firstSeq === undefined ? {} : { firstSeq: r.error.firstSeq }),
              ...(r.error.lastSeq === undefined ? {} : { lastSeq: r.error.lastSeq })
            })
          } else {
            out.otherErrors.push({ reporter: id(r.node), error: r.error })
          }
          break
        default: break
      }
    }
  }
  return out
}

export function verdictOf (peers: readonly PeerProcess[], rules: LedgerRules = {}): Verdict & { observed: Observed } {
  const observed = observe(peers)
  const verdict = judge(observed.sends, observed.receipts, observed.reports, rules)
  const problems = [...verdict.problems]
  if (observed.garbled > 0) problems.push(`${observed.garbled} message(s) with a corrupt payload`)
  for (const f of observed.faults) problems.push(`child fault: ${f}`)
  return { ...verdict, problems, observed }
}

type State = ReportOf<'state'>

/** State reports of `p`'s node `node` about `peer`, at or after `since`. */
export function statesAbout (p: PeerProcess, peer: string, since = 0, node = 0): State[] {
  return p.reports.filter((r): r is State => r.ev === 'state' && r.node === node && r.peer === peer && r.at >= since)
}

/** Ms from `since` until the node first left Established (the link was found dead), or undefined. */
export function detectionMs (p: PeerProcess, peer: string, since: number, node = 0): number | undefined {
  const left = statesAbout(p, peer, since, node).find(s => s.previous === 'Established')
  return left === undefined ? undefined : left.at - since
}

/** Ms from `since` until the node was Established again, or undefined. */
export function establishedMs (p: PeerProcess, peer: string, since: number, node = 0): number | undefined {
  const back = statesAbout(p, peer, since, node).find(s => s.state === 'Established')
  return back === undefined ? undefined : back.at - since
}

/** The state transitions as `+ms State(ERROR)`, for the printout: the first and last few of a long retry series. */
export function timeline (p: PeerProcess, peer: string, since: number, node = 0): string {
  const steps = statesAbout(p, peer, since, node).map(s => `+${s.at - since}ms ${s.state}${s.error === undefined ? '' : `(${s.error})`}`)
  return (steps.length <= 16 ? steps : [...steps.slice(0, 8), `… ${steps.length - 16} more …`, ...steps.slice(-8)]).join(' ')
}

/** Resolves with the latest state of `p`'s node about `peer` once it is `state`; rejects after `ms`. */
export async function waitForState (p: PeerProcess, peer: string, state: string, ms: number, since = 0, node = 0): Promise<State> {
  const latest = (): State | undefined => statesAbout(p, peer, since, node).at(-1)
  if (latest()?.state === state) return latest()!
  return await p.waitFor('state', s => s.node === node && s.peer === peer && s.state === state && s.at >= since, ms)
}

/**
 * The messages the library says it sent again, from its statistics, if it
 * keeps such a counter (any numeric field whose name says resent or
 * retransmitted); undefined when it does not.
 */
export function resentFrom (stats: unknown): number | undefined {
  let total: number | undefined
  const walk = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'number' && /resen|retransmi/i.test(key)) total = (total ?? 0) + v
      // a peer's figure is the sum of its streams': count it once
      else if (key !== 'streams') walk(v)
    }
  }
  walk(stats)
  return total
}

/** Asks every node of `p` for its statistics and sums the resent counters. */
export async function resentBy (peers: readonly PeerProcess[], nodesPerPeer = 1): Promise<number | undefined> {
  let total: number | undefined
  for (const p of peers) {
    if (p.proc.exitCode !== null || p.proc.signalCode !== null) continue
    for (let node = 0; node < nodesPerPeer; node++) {
      const from = p.reports.length
      p.command({ cmd: 'stats', node })
      const stats = await p.waitFor('stats', r => r.node === node, 10_000, from)
      const resent = resentFrom(stats.stats)
      if (resent !== undefined) total = (total ?? 0) + resent
    }
  }
  return total
}

/**
 * Polls until every accepted message is delivered or reported (the ledger
 * finds no silent loss) and every send loop has finished; resolves false
 * after `ms`. Then the verdict is taken whatever happened.
 */
export async function settle (peers: readonly PeerProcess[], sendLoops: number, ms: number, rules: LedgerRules = {}): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    const done = peers.reduce((n, p) => n + p.reports.filter(r => r.ev === 'sendDone').length, 0)
    const verdict = verdictOf(peers, rules)
    if (done >= sendLoops && verdict.totals.silentlyLost === 0) return true
    if (Date.now() >= deadline) return false
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

/** The first `max` problems and how many more: a failing mesh has thousands of flows. */
export function capped (problems: readonly string[], max = 15): string[] {
  return problems.length <= max ? [...problems] : [...problems.slice(0, max), `… and ${problems.length - max} more problem(s)`]
}

/** One figure line per scenario, as JSON, easy to grep from CI output: `FAULT-FIGURES {...}`. */
export function printFigures (figures: Record<string, unknown>): void {
  console.log(`FAULT-FIGURES ${JSON.stringify(figures)}`)
}
