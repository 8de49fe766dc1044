/**
 * The delivery verdict of a fault scenario, as pure logic: given what every
 * sender's send() accepted, what every receiver's application saw, and what
 * errors$ reported, it says for each flow (one sending process, one
 * receiving peer, one stream) whether the guarantee held:
 *
 *   every accepted message is received exactly once and in order, or is
 *   reported on errors$ (count, and first/last sequence when given).
 *
 * Sequence numbers in the payload are the sender's send order (0, 1, ...).
 * The library's own sequence numbers in a report are read as the position
 * among accepted sends (a rejected send takes no number) or as the payload's
 * sequence, from 0 or from 1: whichever reading fits the reports.
 *
 * Two process-life rules, from the guarantee ("for the life of both
 * processes"):
 * - a sender that was killed owes nothing more: what it accepted and never
 *   delivered is "lost with the sender", not a violation, but what it did
 *   deliver must be a gap-free prefix in order;
 * - a receiver that was restarted starts with no memory: a message its old
 *   life received and the new life receives again is a redelivery across
 *   lives (counted, allowed when the scenario says so), not a duplicate.
 */

export interface Send {
  readonly sender: string // peer id of the sending node
  readonly incarnation: number // the sending process's life
  readonly to: string
  readonly stream: string
  readonly seq: number
  readonly accepted: boolean
}

export interface Receipt {
  readonly receiver: string // peer id of the receiving node
  readonly receiverLife: number // the receiving process's incarnation
  readonly from: string
  readonly stream: string
  readonly incarnation: number // from the payload: the sending process's life
  readonly seq: number
}

export interface LossReport {
  readonly reporter: string
  readonly incarnation: number // the reporting process's life
  readonly peer?: string
  readonly stream?: string
  readonly code: string
  readonly count?: number
  readonly firstSeq?: number
  readonly lastSeq?: number
}

export interface LedgerRules {
  /** Process lives (incarnations) that were killed while sending. */
  readonly deadSenders?: ReadonlySet<number>
  /** A message received by a receiver's old life and again by its new life is allowed. */
  readonly allowRedeliveryAcrossLives?: boolean
  /** A report that also names messages the (since killed) receiver did receive is allowed. */
  readonly allowReportedButDelivered?: boolean
  /** Reports are violations too: everything must arrive (loss, partition, mesh). */
  readonly requireAllDelivered?: boolean
}

export interface FlowVerdict {
  readonly flow: string
  readonly accepted: number
  readonly rejected: number
  readonly delivered: number
  readonly duplicates: number
  readonly outOfOrder: number
  readonly reported: number
  readonly reportedButDelivered: number
  readonly silentlyLost: number
  readonly lostWithSender: number
  readonly redeliveredAcrossLives: number
  readonly rejectedButDelivered: number
  readonly problems: readonly string[]
}

export interface Verdict {
  readonly flows: readonly FlowVerdict[]
  readonly totals: Omit<FlowVerdict, 'flow' | 'problems'>
  /** Empty when the guarantee held. */
  readonly problems: readonly string[]
  /** Receipts of payloads no send produced, and unparseable ones. */
  readonly strays: number
}

const flowKey = (sender: string, incarnation: number, to: string, stream: string): string =>
  `${short(sender)}#${incarnation.toString(16)}->${short(to)}/${stream}`

/** Peer ids share their first 8 characters (12D3KooW); the tail tells them apart. */
export function short (peerId: string): string {
  return peerId.length > 12 ? `…${peerId.slice(-6)}` : peerId
}

/** Sorted integers as compact ranges for messages: [0-3, 7, 9-12]. */
export function ranges (values: Iterable<number>): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b)
  const parts: string[] = []
  let start: number | undefined
  let prev = -2
  for (const v of [...sorted, Number.NaN]) {
    if (v === prev + 1) { prev = v; continue }
    if (start !== undefined) parts.push(start === prev ? `${start}` : `${start}-${prev}`)
    start = v
    prev = v
  }
  return parts.length > 12 ? `[${parts.slice(0, 12).join(', ')}, … ${parts.length - 12} more]` : `[${parts.join(', ')}]`
}

interface FlowInput {
  readonly sends: Send[]
  readonly receipts: Receipt[]
  readonly reports: LossReport[]
}

export function judge (sends: readonly Send[], receipts: readonly Receipt[], reports: readonly LossReport[], rules: LedgerRules = {}): Verdict {
  const flows = new Map<string, FlowInput>()
  const flowOf = (key: string): FlowInput => {
    let flow = flows.get(key)
    if (flow === undefined) {
      flow = { sends: [], receipts: [], reports: [] }
      flows.set(key, flow)
    }
    return flow
  }
  for (const s of sends) flowOf(flowKey(s.sender, s.incarnation, s.to, s.stream)).sends.push(s)
  let strays = 0
  for (const r of receipts) {
    const key = flowKey(r.from, r.incarnation, r.receiver, r.stream)
    const flow = flows.get(key)
    if (flow === undefined) strays++
    else flow.receipts.push(r)
  }
  // a report names a peer and stream; it belongs to every flow of that reporter's life to that peer and stream
  for (const report of reports) {
    for (const [key, flow] of flows) {
      const first = flow.sends[0]
      if (first === undefined || first.sender !== report.reporter || first.incarnation !== report.incarnation) continue
      if (report.peer !== undefined && report.peer !== first.to) continue
      if (report.stream !== undefined && report.stream !== first.stream) continue
      flowOf(key).reports.push(report)
    }
  }
  const verdicts = [...flows].map(([key, flow]) => judgeFlow(key, flow, rules))
  const sum = (pick: (v: FlowVerdict) => number): number => verdicts.reduce((n, v) => n + pick(v), 0)
  const totals = {
    accepted: sum(v => v.accepted),
    rejected: sum(v => v.rejected),
    delivered: sum(v => v.delivered),
    duplicates: sum(v => v.duplicates),
    outOfOrder: sum(v => v.outOfOrder),
    reported: sum(v => v.reported),
    reportedButDelivered: sum(v => v.reportedButDelivered),
    silentlyLost: sum(v => v.silentlyLost),
    lostWithSender: sum(v => v.lostWithSender),
    redeliveredAcrossLives: sum(v => v.redeliveredAcrossLives),
    rejectedButDelivered: sum(v => v.rejectedButDelivered)
  }
  const problems = verdicts.flatMap(v => v.problems.map(p => `${v.flow}: ${p}`))
  if (strays > 0) problems.push(`${strays} message(s) received that no send produced`)
  return { flows: verdicts, totals, problems, strays }
}

function judgeFlow (key: string, flow: FlowInput, rules: LedgerRules): FlowVerdict {
  const problems: string[] = []
  const acceptedSeqs = flow.sends.filter(s => s.accepted).map(s => s.seq).sort((a, b) => a - b)
  const rejectedSeqs = new Set(flow.sends.filter(s => !s.accepted).map(s => s.seq))
  const rank = new Map(acceptedSeqs.map((seq, i) => [seq, i]))
  const senderDied = rules.deadSenders?.has(flow.sends[0]?.incarnation ?? -1) ?? false

  // per receiver life: duplicates and order
  const lives = new Map<number, number[]>()
  for (const r of flow.receipts) {
    const seqs = lives.get(r.receiverLife) ?? []
    seqs.push(r.seq)
    lives.set(r.receiverLife, seqs)
  }
  let duplicates = 0
  let outOfOrder = 0
  const seenIn = new Map<number, number>() // seq -> how many lives received it
  const delivered = new Set<number>()
  for (const seqs of lives.values()) {
    const here = new Set<number>()
    let last = -1
    for (const seq of seqs) {
      if (here.has(seq)) duplicates++
      else if (seq < last) outOfOrder++
      here.add(seq)
      last = Math.max(last, seq)
    }
    for (const seq of here) {
      seenIn.set(seq, (seenIn.get(seq) ?? 0) + 1)
      delivered.add(seq)
    }
  }
  const redeliveredAcrossLives = [...seenIn.values()].filter(n => n > 1).length
  const rejectedDelivered = [...delivered].filter(seq => rejectedSeqs.has(seq))
  const missing = acceptedSeqs.filter(seq => !delivered.has(seq))

  if (duplicates > 0) problems.push(`${duplicates} duplicate(s) within one receiving process`)
  if (outOfOrder > 0) problems.push(`${outOfOrder} message(s) out of order`)
  if (redeliveredAcrossLives > 0 && rules.allowRedeliveryAcrossLives !== true) problems.push(`${redeliveredAcrossLives} message(s) delivered to two lives of the receiver`)
  if (rejectedDelivered.length > 0) problems.push(`${rejectedDelivered.length} message(s) delivered although send() rejected them: ${ranges(rejectedDelivered)}`)

  // reports: which accepted messages (by rank) do they name?
  const { named, count: reportedCount, mismatch } = namedByReports(flow.reports, missing.map(seq => rank.get(seq) ?? -1), rank)
  if (mismatch !== undefined) problems.push(mismatch)
  const missingRanks = new Set(missing.map(seq => rank.get(seq) ?? -1))
  const reportedButDelivered = named === undefined ? 0 : [...named].filter(r => !missingRanks.has(r)).length
  let unreported: number[]
  if (named !== undefined) unreported = missing.filter(seq => !named.has(rank.get(seq) ?? -1))
  else unreported = missing.slice(Math.min(reportedCount, missing.length))
  if (reportedButDelivered > 0 && rules.allowReportedButDelivered !== true) {
    problems.push(`${reportedButDelivered} message(s) reported undelivered but delivered`)
  }

  let silentlyLost = 0
  let lostWithSender = 0
  if (senderDied) {
    lostWithSender = unreported.length
    // what a killed sender did deliver must be the start of what it sent, with no hole
    const deliveredRanks = [...delivered].map(seq => rank.get(seq) ?? -1).filter(r => r >= 0).sort((a, b) => a - b)
    const holes = deliveredRanks.length === 0 ? 0 : deliveredRanks[deliveredRanks.length - 1] + 1 - deliveredRanks.length
    if (holes > 0) problems.push(`the killed sender's delivered messages have ${holes} hole(s)`)
  } else {
    silentlyLost = unreported.length
    if (silentlyLost > 0) problems.push(`${silentlyLost} accepted message(s) neither delivered nor reported (silent loss): seq ${ranges(unreported)}`)
  }
  if (rules.requireAllDelivered === true && missing.length > 0 && silentlyLost === 0) {
    problems.push(`${missing.length} accepted message(s) not delivered (reported, but this scenario requires delivery): seq ${ranges(missing)}`)
  }
  return {
    flow: key,
    accepted: acceptedSeqs.length,
    rejected: rejectedSeqs.size,
    delivered: [...delivered].filter(seq => rank.has(seq)).length,
    duplicates,
    outOfOrder,
    reported: reportedCount,
    reportedButDelivered,
    silentlyLost,
    lostWithSender,
    redeliveredAcrossLives,
    rejectedButDelivered: rejectedDelivered.length,
    problems
  }
}

/**
 * The ranks (0-based positions among accepted sends) named by the reports,
 * when every report gives first/last sequence numbers; else only their count.
 * How the library numbers messages is its own business: by position among
 * accepted sends or in step with the payload's sequence, from 0 or from 1.
 * The reading under which the most named messages are really missing wins.
 */
function namedByReports (reports: readonly LossReport[], missingRanks: readonly number[], rank: ReadonlyMap<number, number>): { named?: Set<number>, count: number, mismatch?: string } {
  const counted = reports.reduce((n, r) => n + (r.count ?? (r.firstSeq !== undefined && r.lastSeq !== undefined ? r.lastSeq - r.firstSeq + 1 : 0)), 0)
  if (reports.length === 0) return { named: new Set(), count: 0 }
  const withRanges = reports.every(r => r.firstSeq !== undefined && r.lastSeq !== undefined)
  if (!withRanges) return { count: counted }
  const readings: Array<(libSeq: number) => number | undefined> = [
    n => n, n => n - 1, // position among accepted sends, from 0 or 1
    n => rank.get(n), n => rank.get(n - 1) // the payload's sequence, from 0 or 1
  ]
  const missing = new Set(missingRanks)
  let best: { named: Set<number>, unknown: number, hits: number } | undefined
  for (const read of readings) {
    const named = new Set<number>()
    let unknown = 0
    for (const r of reports) {
      for (let s = r.firstSeq!; s <= r.lastSeq!; s++) {
        const at = read(s)
        if (at === undefined || at < 0 || at >= rank.size) unknown++
        else named.add(at)
      }
    }
    const hits = [...named].filter(n => missing.has(n)).length
    if (best === undefined || hits > best.hits) best = { named, unknown, hits }
  }
  const { named, unknown } = best!
  const rangeTotal = reports.reduce((n, r) => n + r.lastSeq! - r.firstSeq! + 1, 0)
  const problems: string[] = []
  if (unknown > 0) problems.push(`reports name ${unknown} sequence number(s) that were never accepted`)
  if (reports.some(r => r.count !== undefined && r.count !== r.lastSeq! - r.firstSeq! + 1)) problems.push('a report\'s count disagrees with its first/last sequence')
  if (named.size + unknown !== rangeTotal) problems.push('reports overlap (a message reported twice)')
  return { named, count: named.size + unknown, ...(problems.length === 0 ? {} : { mismatch: problems.join('; ') }) }
}
