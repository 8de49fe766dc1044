/**
 * A simulated network between MockNodes, for the conformance suite: what one
 * MockNode does to a peer that is another MockNode of the network, the other
 * sees, as if a wire joined them. MockNode simulates one node and lets a
 * test play the remote side (`simulateConnect`, `simulateMessage`,
 * `simulateDisconnect`); this module plays it with the other node's actual
 * calls:
 *
 * - a dial that reaches Connected (outbound) is an inbound connection on the
 *   dialled node; if that node refuses it (gater: blacklist, unknown peer),
 *   the dialler's connection is lost;
 * - every message a node sends (`sent$`) arrives on the peer's `messages$`;
 * - a connection that ends on one side (disconnect, failed handshake,
 *   blacklist, stop) is lost on the other;
 * - a stopped node cannot be dialled (dials to it fail, as a closed port).
 *
 * Each action is a network hop: queued, in order, and carried out in a later
 * microtask, never inside the call that caused it (as on the wire, the
 * sender's call returns before the receiver sees anything).
 *
 * It adds no behaviour of its own to either node: every effect goes through
 * MockNode's public test API, so what the suite observes is MockNode's.
 *
 * @module
 */
import type { Subscription } from 'rxjs'
import { ConnectionState, ErrorCode, GlueberryError } from '../../../lib/index.js'
import type { MockNode } from '../../../lib/testing/index.js'

const connected = (state: ConnectionState): boolean =>
  state === ConnectionState.Connected || state === ConnectionState.Established

export class MockNetwork {
  private readonly nodes = new Map<string, MockNode>()
  private readonly subscriptions: Subscription[] = []
  private readonly hops: Array<() => void> = []
  private scheduled = false

  /** Puts a node on the network (before `start()`, so that no event is missed). */
  attach (node: MockNode): void {
    this.nodes.set(node.peerId, node)
    // Synchronous: the route must be known before addPeer() dials.
    this.subscriptions.push(node.peers$.subscribe(() => { this.reroute(node) }))
    this.subscriptions.push(node.events$.subscribe({
      complete: () => { this.stopped(node) },
      next: (event) => {
      const peer = this.nodes.get(event.peerId)
      if (peer === undefined) return
      if (event.state === ConnectionState.Connected && event.outbound && event.previous === ConnectionState.Connecting) {
        this.hop(() => { this.arrive(node, peer) })
      } else if (connected(event.previous) && !connected(event.state)) {
        this.hop(() => { if (peer.status === 'started' && connected(peer.state(node.peerId))) peer.simulateDisconnect(node.peerId) })
      }
    }}))
    this.subscriptions.push(node.sent$.subscribe((message) => {
      const peer = this.nodes.get(message.peerId)
      if (peer === undefined) return
      this.hop(() => {
        // Lost on the way when the connection is gone, as bytes in flight on a closed connection.
        if (peer.status !== 'started' || !connected(peer.state(node.peerId))) return
        peer.simulateMessage(node.peerId, message.stream, message.data)
      })
    }))
  }

  /** The node stopped: dials to it fail from now on (its connections are lost on the other side by its events). */
  private stopped (node: MockNode): void {
    for (const other of this.nodes.values()) {
      if (other !== node && other.status === 'started') other.failDials(node.peerId, Infinity, unreachable(node.peerId))
    }
  }

  /** Dials from `node` fail to every peer that stopped or that `node` has no address for. */
  private reroute (node: MockNode): void {
    if (node.status === 'stopped' || node.status === 'stopping') return
    node.clearFailures()
    for (const other of this.nodes.values()) {
      if (other === node) continue
      const entry = node.getPeer(other.peerId)
      const addressless = entry !== undefined && entry.multiaddrs.length === 0
      if (other.status === 'stopped' || other.status === 'stopping' || addressless) node.failDials(other.peerId, Infinity, unreachable(other.peerId))
    }
  }

  detachAll (): void {
    for (const s of this.subscriptions) s.unsubscribe()
    this.subscriptions.length = 0
    this.nodes.clear()
    this.hops.length = 0
  }

  /** The dialler's connection reaches the dialled node, which accepts it or refuses it. */
  private arrive (dialer: MockNode, target: MockNode): void {
    if (dialer.status !== 'started' || !connected(dialer.state(target.peerId))) return
    try {
      if (target.status !== 'started') throw unreachable(target.peerId)
      target.simulateConnect(dialer.peerId)
    } catch (err) {
      const error = err instanceof GlueberryError ? err : unreachable(target.peerId)
      dialer.simulateDisconnect(target.peerId, new GlueberryError(ErrorCode.ConnectionFailed, `connection refused by ${target.peerId}: ${error.code}`, { peer: target.peerId, cause: error }))
    }
  }

  private hop (action: () => void): void {
    this.hops.push(action)
    if (this.scheduled) return
    this.scheduled = true
    queueMicrotask(() => { this.drain() })
  }

  private drain (): void {
    this.scheduled = false
    while (this.hops.length > 0) {
      const action = this.hops.shift() as () => void
      try {
        action()
      } catch {
        // A hop that the receiving node refuses (stopped meanwhile) is lost, as on a wire.
      }
    }
  }
}

function unreachable (peer: string): GlueberryError {
  return new GlueberryError(ErrorCode.ConnectionFailed, `dial to ${peer} failed: not reachable on the simulated network`, { peer })
}
