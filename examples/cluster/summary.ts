/**
 * The end of a run: what every node sent and received, what was lost, the
 * handshakes and errors, the checks that decide the exit code, and how that
 * reads as text. Pure: the caller gathers the inputs and prints the lines
 * (or the JSON).
 *
 * @module
 */
import type { ClusterOptions } from './options.js'
import type { MeshResult } from './mesh.js'
import { delivered, nodeTotals } from './ledger.js'
import type { ClusterSnapshot, Count, ErrorRecord } from './ledger.js'
import { formatBytes, formatCount, formatSeconds, shortPeerId } from './view.js'

/** The library's statistics for the cluster stream on one node (`peerStats(peer).streams`). */
export interface StreamCounts {
  readonly messagesSent: number
  readonly messagesReceived: number
  readonly bytesSent: number
  readonly bytesReceived: number
}

export interface SummaryInput {
  readonly options: ClusterOptions
  /** Taken after every node stopped. */
  readonly snapshot: ClusterSnapshot
  readonly elapsedMs: number
  readonly interrupted: boolean
  /** How the mesh set-up went (before the traffic and its duration). */
  readonly mesh: MeshResult
  /** Per node, in cluster order. */
  readonly library: readonly StreamCounts[]
  /** Every node reached status 'stopped'. */
  readonly stopped: boolean
  readonly addressBooks: { readonly dir: string, readonly removed: boolean }
  /** The sends in flight at the stop were accepted within the grace period. */
  readonly sendsSettled: boolean
  /** Everything accepted arrived within the drain period. */
  readonly drained: boolean
  /** Every node Observable completed after stop(), as the API promises. */
  readonly observablesCompleted: boolean
}

export interface NodeSummary {
  readonly name: string
  readonly peerId: string
  readonly sent: Count
  readonly received: Count
  /** Messages sent to this node that never arrived. */
  readonly lost: number
  readonly duplicates: number
  readonly invalid: number
  readonly handshakes: number
  /** Distinct peers this node reached Established with. */
  readonly establishedWith: number
  readonly errors: number
  /** The library's stream statistics count what the pipelines counted. */
  readonly statsAgree: boolean
}

export interface LinkSummary {
  readonly from: string
  readonly to: string
  readonly sent: number
  readonly received: number
  readonly lost: number
}

export interface ClusterSummary {
  readonly ok: boolean
  /** Why not ok, one sentence each. */
  readonly problems: readonly string[]
  readonly interrupted: boolean
  /** Seconds of traffic, after the mesh was set up. */
  readonly elapsedSeconds: number
  /** The mesh set-up: links asked for and Established, and how long it took. */
  readonly mesh: {
    readonly links: number
    readonly established: number
    readonly seconds: number
    readonly concurrency: number
  }
  readonly options: ClusterOptions
  readonly totals: {
    readonly sent: Count
    readonly received: Count
    readonly lost: number
    readonly handshakes: number
    readonly errors: number
    readonly links: number
  }
  readonly nodes: readonly NodeSummary[]
  readonly links: readonly LinkSummary[]
  /** The first errors seen (the count is in totals). */
  readonly errors: readonly ErrorRecord[]
  readonly stopped: boolean
  readonly addressBooks: { readonly dir: string, readonly removed: boolean }
}

export function buildSummary (input: SummaryInput): ClusterSummary {
  const { snapshot } = input
  const n = snapshot.nodes.length
  const name = (i: number): string => snapshot.nodes[i]?.name ?? `#${i}`
  const links: LinkSummary[] = snapshot.links.map(l => ({
    from: name(l.from),
    to: name(l.to),
    sent: l.sent.messages,
    received: l.inbound.received,
    lost: Math.max(0, l.sent.messages - delivered(l.inbound))
  }))
  const nodes = snapshot.nodes.map((node, i): NodeSummary => {
    const totals = nodeTotals(snapshot, i)
    const lib = input.library[i]
    return {
      name: node.name,
      peerId: node.peerId,
      sent: totals.sent,
      received: totals.received,
      lost: snapshot.links.reduce((sum, l, k) => l.to === i ? sum + (links[k]?.lost ?? 0) : sum, 0),
      duplicates: totals.duplicates,
      invalid: totals.invalid,
      handshakes: node.handshakes,
      establishedWith: node.establishedWith,
      errors: node.errors,
      statsAgree: lib !== undefined &&
        lib.messagesSent === totals.sent.messages && lib.bytesSent === totals.sent.bytes &&
        lib.messagesReceived === totals.received.messages && lib.bytesReceived === totals.received.bytes
    }
  })
  const sum = (pick: (node: NodeSummary) => number): number => nodes.reduce((s, node) => s + pick(node), 0)
  const totals = {
    sent: { messages: sum(x => x.sent.messages), bytes: sum(x => x.sent.bytes) },
    received: { messages: sum(x => x.received.messages), bytes: sum(x => x.received.bytes) },
    lost: sum(x => x.lost),
    handshakes: sum(x => x.handshakes),
    errors: sum(x => x.errors),
    links: links.length
  }
  const { ok, problems } = verdict(nodes, links, totals, n, input)
  return {
    ok,
    problems,
    interrupted: input.interrupted,
    elapsedSeconds: Math.round(input.elapsedMs) / 1000,
    mesh: {
      links: input.mesh.links,
      established: input.mesh.established,
      seconds: Math.round(input.mesh.ms) / 1000,
      concurrency: input.mesh.concurrency
    },
    options: input.options,
    totals,
    nodes,
    links,
    errors: snapshot.errors,
    stopped: input.stopped,
    addressBooks: input.addressBooks
  }
}

function verdict (
  nodes: readonly NodeSummary[], links: readonly LinkSummary[], totals: ClusterSummary['totals'], n: number, input: SummaryInput
): { ok: boolean, problems: string[] } {
  const problems: string[] = []
  const { mesh } = input
  if (mesh.established < mesh.links && !mesh.stopped) {
    problems.push(`the mesh set-up ended with ${mesh.established} of ${mesh.links} links Established after ${formatSeconds(mesh.ms)}`)
  }
  for (const node of nodes) {
    if (node.establishedWith < n - 1) problems.push(`${node.name} was Established with ${node.establishedWith} of ${n - 1} peers`)
  }
  const silent = links.filter(l => l.received === 0)
  if (silent.length > 0) problems.push(`${silent.length} of ${links.length} links carried no message (${silent.slice(0, 3).map(l => `${l.from}→${l.to}`).join(', ')}${silent.length > 3 ? ', …' : ''})`)
  if (totals.lost > 0) problems.push(`${totals.lost} messages lost on ${links.filter(l => l.lost > 0).length} links`)
  const duplicates = nodes.reduce((s, x) => s + x.duplicates, 0)
  if (duplicates > 0) problems.push(`${duplicates} messages arrived twice`)
  const invalid = nodes.reduce((s, x) => s + x.invalid, 0)
  if (invalid > 0) problems.push(`${invalid} messages arrived changed or cut`)
  if (totals.errors > 0) problems.push(`${totals.errors} errors reported`)
  const disagree = nodes.filter(x => !x.statsAgree).map(x => x.name)
  if (disagree.length > 0) problems.push(`the library's stream statistics disagree with the messages counted on ${disagree.join(', ')}`)
  if (!input.sendsSettled) problems.push('sends still waiting for the network after the stop were aborted')
  if (!input.drained) problems.push('messages still in flight after the drain period were counted as lost')
  if (!input.stopped) problems.push('not every node stopped')
  if (!input.observablesCompleted) problems.push('some node Observables did not complete after stop()')
  if (!input.addressBooks.removed) problems.push(`the address-book folder ${input.addressBooks.dir} is still there`)
  return { ok: problems.length === 0, problems }
}

/** The summary as text: a table per node, the errors, and a final line. */
export function renderSummary (summary: ClusterSummary): string[] {
  const { options, totals } = summary
  const header = ['node', 'peer id', 'sent', 'sent bytes', 'received', 'received bytes', 'lost', 'handshakes', 'errors']
  const row = (x: { name: string, peerId: string, sent: Count, received: Count, lost: number, handshakes: number, errors: number }): string[] => [
    x.name, x.peerId === '' ? '' : shortPeerId(x.peerId),
    formatCount(x.sent.messages), formatBytes(x.sent.bytes),
    formatCount(x.received.messages), formatBytes(x.received.bytes),
    formatCount(x.lost), formatCount(x.handshakes), formatCount(x.errors)
  ]
  const rows = [header, ...summary.nodes.map(row), row({ name: 'total', peerId: '', ...totals })]
  const widths = header.map((_, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string => cells
    .map((c, i) => i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)).join('  ').trimEnd()
  const rule = widths.map(w => '─'.repeat(w)).join('  ')
  const body = rows.map(line)

  const errors = summary.errors.length === 0
    ? ['errors: none']
    : [`errors (${totals.errors}, first ${summary.errors.length}):`,
        ...summary.errors.map(e => `  ${e.node} ${e.source} ${e.code}${e.peer === undefined ? '' : ` (${e.peer})`}: ${e.message}`)]
  const how = summary.interrupted ? 'interrupted after' : 'after'
  return [
    '',
    meshLine(summary),
    `Summary ${how} ${formatSeconds(summary.elapsedSeconds * 1000)}: ${summary.nodes.length} nodes, ${totals.links} links, ` +
      `${formatBytes(options.size)} messages at ${options.rate} msg/s per link`,
    body[0] ?? '', rule, ...body.slice(1, -1), rule, body.at(-1) ?? '',
    ...errors,
    finalLine(summary)
  ]
}

/** How long the mesh took to set up. */
export function meshLine (summary: ClusterSummary): string {
  const { mesh } = summary
  return `Mesh: ${mesh.established} of ${mesh.links} links Established in ${formatSeconds(mesh.seconds * 1000)} ` +
    `(${mesh.concurrency} links set up at a time)`
}

export function finalLine (summary: ClusterSummary): string {
  const { totals } = summary
  if (!summary.ok) return `FAILED: ${summary.problems.join('; ')}`
  return `OK: mesh of ${totals.links} links Established in ${formatSeconds(summary.mesh.seconds * 1000)}; ` +
    `${formatCount(totals.received.messages)} messages (${formatBytes(totals.received.bytes)}) delivered in ${formatSeconds(summary.elapsedSeconds * 1000)}, ` +
    `0 lost, 0 errors, ${totals.handshakes} handshakes; ${summary.nodes.length} nodes stopped, address books removed`
}
