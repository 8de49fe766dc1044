/**
 * The cluster's accounts: what each node sent to and received from each
 * peer, the states it sees, its handshakes and the errors it reported.
 *
 * The pipelines (traffic.ts) turn everything that happens into
 * {@link ClusterEvent}s; `record` books them; `snapshotOf` copies the books
 * into plain data for the view and the summary. The per-link sequence
 * accounting (`acceptSequence`) is a pure reducer. The books themselves are
 * updated in place: one event per message, on every link, would otherwise
 * copy the whole cluster's books thousands of times a second.
 *
 * @module
 */
import type { ConnectionState, NodeStats } from '../../lib/index.js'

export interface Count {
  readonly messages: number
  readonly bytes: number
}

/** Where an error was seen. */
export type ErrorSource = 'errors$' | 'decryptionErrors$' | 'handshake' | 'send'

export interface ErrorRecord {
  readonly node: string
  readonly source: ErrorSource
  readonly code: string
  readonly peer?: string
  readonly message: string
}

export type StateCounts = Readonly<Partial<Record<ConnectionState, number>>>

/** Something that happened on node `node` (an index into the cluster). */
export type ClusterEvent =
  | { readonly kind: 'sent', readonly node: number, readonly peerId: string, readonly bytes: number }
  | { readonly kind: 'received', readonly node: number, readonly peerId: string, readonly seq: number | undefined, readonly bytes: number, readonly valid: boolean }
  | { readonly kind: 'established', readonly node: number, readonly peerId: string }
  | { readonly kind: 'states', readonly node: number, readonly states: readonly ConnectionState[] }
  | { readonly kind: 'stats', readonly node: number, readonly stats: NodeStats }
  | { readonly kind: 'error', readonly node: number, readonly source: ErrorSource, readonly code: string, readonly peerId?: string, readonly message: string }

/** One receiver's view of one sender's sequence. */
export interface Inbound {
  readonly received: number
  readonly bytes: number
  /** The sequence number expected next. */
  readonly next: number
  /** Sequence numbers skipped so far: messages lost in the middle of the stream. */
  readonly gaps: number
  readonly duplicates: number
  /** Wrong size or filler, or no sequence number at all. */
  readonly invalid: number
}

export const EMPTY_INBOUND: Inbound = Object.freeze({ received: 0, bytes: 0, next: 0, gaps: 0, duplicates: 0, invalid: 0 })

/**
 * Books one received message. Order per direction is guaranteed, so a
 * number above the expected one means the ones in between were lost, and a
 * number below it is a repeat.
 */
export function acceptSequence (link: Inbound, seq: number | undefined, bytes: number, valid: boolean): Inbound {
  const counted = { ...link, received: link.received + 1, bytes: link.bytes + bytes, invalid: link.invalid + (valid ? 0 : 1) }
  if (seq === undefined) return counted
  if (seq < link.next) return { ...counted, duplicates: link.duplicates + 1 }
  return { ...counted, next: seq + 1, gaps: link.gaps + (seq - link.next) }
}

/** Distinct messages delivered on a link: everything up to `next` but the gaps. */
export function delivered (link: Inbound): number {
  return link.next - link.gaps
}

interface NodeBooks {
  readonly name: string
  readonly peerId: string
  readonly sent: Map<string, Count>
  readonly inbound: Map<string, Inbound>
  readonly establishedWith: Set<string>
  handshakes: number
  states: readonly ConnectionState[]
  stats: NodeStats | undefined
  errors: number
}

export interface Ledger {
  readonly nodes: readonly NodeBooks[]
  readonly errors: ErrorRecord[]
}

/** Error records kept for the summary; the count goes on. */
export const KEPT_ERRORS = 20

export function createLedger (members: ReadonlyArray<{ readonly name: string, readonly peerId: string }>): Ledger {
  return {
    nodes: members.map(m => ({
      name: m.name,
      peerId: m.peerId,
      sent: new Map(),
      inbound: new Map(),
      establishedWith: new Set(),
      handshakes: 0,
      states: [],
      stats: undefined,
      errors: 0
    })),
    errors: []
  }
}

/** Books one event (in place) and returns the ledger. */
export function record (ledger: Ledger, event: ClusterEvent): Ledger {
  const books = ledger.nodes[event.node]
  if (books === undefined) return ledger
  switch (event.kind) {
    case 'sent': {
      const count = books.sent.get(event.peerId) ?? { messages: 0, bytes: 0 }
      books.sent.set(event.peerId, { messages: count.messages + 1, bytes: count.bytes + event.bytes })
      break
    }
    case 'received':
      books.inbound.set(event.peerId, acceptSequence(books.inbound.get(event.peerId) ?? EMPTY_INBOUND, event.seq, event.bytes, event.valid))
      break
    case 'established':
      books.handshakes++
      books.establishedWith.add(event.peerId)
      break
    case 'states':
      books.states = event.states
      break
    case 'stats':
      books.stats = event.stats
      break
    case 'error': {
      books.errors++
      if (ledger.errors.length < KEPT_ERRORS) {
        const peer = ledger.nodes.find(n => n.peerId === event.peerId)?.name ?? event.peerId
        ledger.errors.push({ node: books.name, source: event.source, code: event.code, ...(peer === undefined ? {} : { peer }), message: event.message })
      }
      break
    }
  }
  return ledger
}

/** One directed link, A to B: what A sent and what B made of it. */
export interface LinkSnapshot {
  readonly from: number
  readonly to: number
  readonly sent: Count
  readonly inbound: Inbound
}

/** The library's own counters (from `stats$`), all streams included. */
export interface LibraryCounts {
  /** When the node took these counts (`NodeStats.at`); 0 before the first. */
  readonly at: number
  readonly messagesSent: number
  readonly messagesReceived: number
  readonly bytesSent: number
  readonly bytesReceived: number
}

export interface NodeSnapshot {
  readonly name: string
  readonly peerId: string
  /** Peers in the address book, each with its current state. */
  readonly states: readonly ConnectionState[]
  /** Peers this node has been Established with at least once. */
  readonly establishedWith: number
  readonly handshakes: number
  readonly errors: number
  readonly library: LibraryCounts
}

export interface ClusterSnapshot {
  readonly at: number
  readonly nodes: readonly NodeSnapshot[]
  /** Every ordered pair of distinct nodes, sender-major. */
  readonly links: readonly LinkSnapshot[]
  readonly errors: readonly ErrorRecord[]
}

const NO_LIBRARY_COUNTS: LibraryCounts = Object.freeze({ at: 0, messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 })

/** Copies the books into plain data. */
export function snapshotOf (ledger: Ledger, at: number): ClusterSnapshot {
  const { nodes } = ledger
  const links: LinkSnapshot[] = []
  nodes.forEach((sender, from) => {
    nodes.forEach((receiver, to) => {
      if (from === to) return
      links.push({
        from,
        to,
        sent: sender.sent.get(receiver.peerId) ?? { messages: 0, bytes: 0 },
        inbound: receiver.inbound.get(sender.peerId) ?? EMPTY_INBOUND
      })
    })
  })
  return {
    at,
    nodes: nodes.map(n => ({
      name: n.name,
      peerId: n.peerId,
      states: [...n.states],
      establishedWith: n.establishedWith.size,
      handshakes: n.handshakes,
      errors: n.errors,
      library: n.stats === undefined
        ? NO_LIBRARY_COUNTS
        : { at: n.stats.at, messagesSent: n.stats.messagesSent, messagesReceived: n.stats.messagesReceived, bytesSent: n.stats.bytesSent, bytesReceived: n.stats.bytesReceived }
    })),
    links,
    errors: [...ledger.errors]
  }
}

/** True when every message sent so far has been delivered (or reported lost in a gap). */
export function isDrained (snapshot: ClusterSnapshot): boolean {
  return snapshot.links.every(l => l.inbound.next >= l.sent.messages)
}

/** Sums of a node's links: what it sent, what it received, what it lost (gaps so far). */
export function nodeTotals (snapshot: ClusterSnapshot, node: number): { sent: Count, received: Count, gaps: number, duplicates: number, invalid: number } {
  let sentMessages = 0
  let sentBytes = 0
  let receivedMessages = 0
  let receivedBytes = 0
  let gaps = 0
  let duplicates = 0
  let invalid = 0
  for (const link of snapshot.links) {
    if (link.from === node) {
      sentMessages += link.sent.messages
      sentBytes += link.sent.bytes
    }
    if (link.to === node) {
      receivedMessages += link.inbound.received
      receivedBytes += link.inbound.bytes
      gaps += link.inbound.gaps
      duplicates += link.inbound.duplicates
      invalid += link.inbound.invalid
    }
  }
  return { sent: { messages: sentMessages, bytes: sentBytes }, received: { messages: receivedMessages, bytes: receivedBytes }, gaps, duplicates, invalid }
}
