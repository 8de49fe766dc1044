/**
 * The live view, as pure functions: two snapshots in, lines out. Rates come
 * from the nodes' own `stats$` counters (every stream, the handshake's
 * included); sent, received and lost from the cluster's sequence accounting.
 * Nothing here writes to a terminal: screen.ts does.
 *
 * @module
 */
import { ConnectionState } from '../../lib/index.js'
import { nodeTotals } from './ledger.js'
import type { ClusterSnapshot } from './ledger.js'

export type Phase = 'starting' | 'connecting' | 'running' | 'draining' | 'stopping'

/** What the snapshots do not say. */
export interface ViewMeta {
  readonly phase: Phase
  /** Time of traffic so far (the duration counts from the end of the mesh set-up). */
  readonly elapsedMs: number
  /** Time spent connecting the mesh so far (all of it once running). */
  readonly connectingMs?: number
  readonly durationMs: number
  readonly size: number
  readonly rate: number
}

export interface Row {
  readonly name: string
  readonly peerId: string
  readonly known: number
  readonly established: number
  readonly states: string
  readonly outMessages: number
  readonly inMessages: number
  readonly outBytes: number
  readonly inBytes: number
  readonly sent: number
  readonly received: number
  readonly lost: number
  readonly errors: number
}

export interface View {
  readonly meta: ViewMeta
  readonly nodes: number
  readonly links: number
  readonly rows: readonly Row[]
  readonly total: Row
  readonly lastError?: string
}

/**
 * Builds the view of `current`; rates are per second since `previous`.
 * `stats$` is throttled, so a node's counts may be a little older than the
 * snapshot: rates divide by the time between the counts (`NodeStats.at`),
 * not between the snapshots, or they would jitter.
 */
export function viewOf (previous: ClusterSnapshot, current: ClusterSnapshot, meta: ViewMeta): View {
  const rows = current.nodes.map((node, i): Row => {
    const before = previous.nodes[i]?.library
    const seconds = (node.library.at - (before?.at ?? node.library.at)) / 1000
    const perSecond = (now: number, then: number | undefined): number =>
      seconds > 0 && then !== undefined ? Math.max(0, now - then) / seconds : 0
    const totals = nodeTotals(current, i)
    return {
      name: node.name,
      peerId: node.peerId,
      known: node.states.length,
      established: node.states.filter(s => s === ConnectionState.Established).length,
      states: describeStates(node.states),
      outMessages: perSecond(node.library.messagesSent, before?.messagesSent),
      inMessages: perSecond(node.library.messagesReceived, before?.messagesReceived),
      outBytes: perSecond(node.library.bytesSent, before?.bytesSent),
      inBytes: perSecond(node.library.bytesReceived, before?.bytesReceived),
      sent: totals.sent.messages,
      received: totals.received.messages,
      lost: totals.gaps,
      errors: node.errors
    }
  })
  const sum = (pick: (row: Row) => number): number => rows.reduce((n, row) => n + pick(row), 0)
  const total: Row = {
    name: 'total',
    peerId: '',
    known: sum(r => r.known),
    established: sum(r => r.established),
    states: describeStates(current.nodes.flatMap(n => n.states)),
    outMessages: sum(r => r.outMessages),
    inMessages: sum(r => r.inMessages),
    outBytes: sum(r => r.outBytes),
    inBytes: sum(r => r.inBytes),
    sent: sum(r => r.sent),
    received: sum(r => r.received),
    lost: sum(r => r.lost),
    errors: sum(r => r.errors)
  }
  const error = current.errors.at(-1)
  const n = current.nodes.length
  return {
    meta,
    nodes: n,
    links: n * (n - 1),
    rows,
    total,
    ...(error === undefined ? {} : { lastError: `${error.node} ${error.source} ${error.code}${error.peer === undefined ? '' : ` (${error.peer})`}: ${error.message}` })
  }
}

/** The redrawn table of a terminal. */
export function renderTable (view: View): string[] {
  const { meta } = view
  const columns: Array<Column<Row>> = [
    { title: 'node', value: r => r.name },
    { title: 'peer id', value: r => r.peerId === '' ? '' : shortPeerId(r.peerId) },
    { title: 'peers', value: r => `${r.established}/${r.known}`, right: true },
    { title: 'states', value: r => r.states },
    { title: 'out msg/s', value: r => formatCount(r.outMessages), right: true },
    { title: 'in msg/s', value: r => formatCount(r.inMessages), right: true },
    { title: 'out/s', value: r => formatBytes(r.outBytes), right: true },
    { title: 'in/s', value: r => formatBytes(r.inBytes), right: true },
    { title: 'sent', value: r => formatCount(r.sent), right: true },
    { title: 'received', value: r => formatCount(r.received), right: true },
    { title: 'lost', value: r => formatCount(r.lost), right: true },
    { title: 'errors', value: r => formatCount(r.errors), right: true }
  ]
  return [
    `glueberry cluster · ${view.nodes} nodes · ${view.links} links · ${formatBytes(meta.size)} messages · ${meta.rate} msg/s per link`,
    meta.phase === 'connecting'
      ? `connecting the mesh · ${view.total.established}/${view.links} links established · ${formatSeconds(meta.connectingMs ?? 0)}`
      : `${meta.phase.padEnd(8)} ${progressBar(meta.elapsedMs / meta.durationMs, 30)} ${formatSeconds(meta.elapsedMs)} / ${formatSeconds(meta.durationMs)}`,
    '',
    ...table(columns, view.rows, view.total),
    '',
    view.lastError === undefined ? 'errors: none' : `last error: ${view.lastError}`,
    'Ctrl-C stops early'
  ]
}

/** One line a second when the output is not a terminal (CI logs, pipes). */
export function statusLine (view: View): string {
  const { meta, total } = view
  return [
    meta.phase === 'connecting'
      ? `[connecting ${formatSeconds(meta.connectingMs ?? 0).padStart(7)}] ${meta.phase}`
      : `[${formatSeconds(meta.elapsedMs).padStart(7)} / ${formatSeconds(meta.durationMs)}] ${meta.phase}`,
    `links ${total.established}/${view.links} established`,
    `out ${formatCount(total.outMessages)} msg/s ${formatBytes(total.outBytes)}/s`,
    `in ${formatCount(total.inMessages)} msg/s ${formatBytes(total.inBytes)}/s`,
    `sent ${formatCount(total.sent)}`,
    `received ${formatCount(total.received)}`,
    `lost ${formatCount(total.lost)}`,
    `errors ${formatCount(total.errors)}`
  ].join(' · ')
}

const STATE_LABELS: ReadonlyArray<readonly [ConnectionState, string]> = [
  [ConnectionState.Established, 'est'],
  [ConnectionState.Connected, 'conn'],
  [ConnectionState.Connecting, 'dial'],
  [ConnectionState.Reconnecting, 'redial'],
  [ConnectionState.Cooldown, 'cool'],
  [ConnectionState.Disconnected, 'down']
]

/** `[Established, Established, Connecting]` -> `est 2 dial 1`. */
export function describeStates (states: readonly ConnectionState[]): string {
  if (states.length === 0) return '-'
  return STATE_LABELS
    .map(([state, label]) => [label, states.filter(s => s === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([label, n]) => `${label} ${n}`)
    .join(' ')
}

export function shortPeerId (peerId: string): string {
  return peerId.length <= 14 ? peerId : `${peerId.slice(0, 8)}…${peerId.slice(-4)}`
}

/** Binary units, as the message size is given: 1.0 KiB, 2.5 MiB. */
export function formatBytes (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`
}

export function formatCount (n: number): string {
  return Math.round(n).toString()
}

export function formatSeconds (ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`
}

export function progressBar (fraction: number, width: number): string {
  const done = Math.round(Math.min(1, Math.max(0, fraction)) * width)
  return `[${'█'.repeat(done)}${'░'.repeat(width - done)}]`
}

interface Column<T> {
  readonly title: string
  readonly value: (row: T) => string
  readonly right?: boolean
}

/** Aligned columns, a rule under the header, and a rule above the footer. */
function table<T> (columns: ReadonlyArray<Column<T>>, rows: readonly T[], footer: T): string[] {
  const cells = [...rows, footer].map(row => columns.map(c => c.value(row)))
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map(r => (r[i] ?? '').length)))
  const line = (values: readonly string[]): string => values
    .map((v, i) => columns[i]?.right === true ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))
    .join('  ')
    .trimEnd()
  const rule = widths.map(w => '─'.repeat(w)).join('  ')
  const body = cells.map(line)
  return [line(columns.map(c => c.title)), rule, ...body.slice(0, -1), rule, body.at(-1) ?? '']
}
