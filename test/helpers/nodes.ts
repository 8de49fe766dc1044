/**
 * Real nodes on 127.0.0.1 for integration tests: every node a test creates
 * is stopped by `stopAll()` (call it in afterEach), whatever the test did.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { createNode, ConnectionState } from '../../lib/index.js'
import type { GlueberryNode, NodeOptions, ConnectionEvent, IncomingMessage } from '../../lib/index.js'

const live = new Set<GlueberryNode>()

/**
 * A started node. `inbound: 'any'` unless the test says otherwise: most tests
 * add a peer on one side only (test/node/known-peers.test.ts covers the
 * default, which refuses peers that are not in the address book).
 */
export async function startNode (options: NodeOptions = {}): Promise<GlueberryNode> {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0'], inbound: 'any', ...options })
  live.add(node)
  await node.start()
  return node
}

export async function stopAll (): Promise<void> {
  const nodes = [...live]
  live.clear()
  await Promise.all(nodes.map(async n => { await n.stop() }))
}

/** Waits for the first event matching `predicate` (with a timeout so a failure cannot hang). */
export async function nextEvent (node: GlueberryNode, predicate: (e: ConnectionEvent) => boolean, ms = 10_000): Promise<ConnectionEvent> {
  return await firstValueFrom(node.events$.pipe(filter(predicate), take(1), timeout(ms)))
}

export async function waitForState (node: GlueberryNode, peerId: string, state: ConnectionState, ms = 10_000): Promise<void> {
  await firstValueFrom(node.state$(peerId).pipe(filter(s => s === state), take(1), timeout(ms)))
}

export async function nextMessage (node: GlueberryNode, predicate: (m: IncomingMessage) => boolean = () => true, ms = 10_000): Promise<IncomingMessage> {
  return await firstValueFrom(node.messages$.pipe(filter(predicate), take(1), timeout(ms)))
}

/**
 * The simplest application handshake: both sides send their public key on
 * the handshake stream as soon as the peer is Connected; on receipt they
 * prepare the streams and send "ready"; on "ready" (after their own prepare)
 * they finalize. Returns a stop function.
 */
export function autoHandshake (node: GlueberryNode, streams: string[]): () => void {
  const prepared = new Set<string>()
  const ready = new Set<string>()
  const finalize = (peer: string): void => {
    if (prepared.has(peer) && ready.has(peer)) {
      node.finalizeHandshake(peer).catch(() => {})
    }
  }
  const events = node.events$.pipe(filter(e => e.state === ConnectionState.Connected)).subscribe((e) => {
    prepared.delete(e.peerId)
    ready.delete(e.peerId)
    node.send(e.peerId, 'handshake', concat(KEY, node.publicKey)).catch(() => {})
  })
  const messages = node.messages$.pipe(filter(m => m.stream === 'handshake')).subscribe((m) => {
    const kind = m.data[0]
    if (kind === KEY[0]) {
      node.prepareStreams(m.peerId, m.data.subarray(1), streams).then(async () => {
        prepared.add(m.peerId)
        await node.send(m.peerId, 'handshake', READY)
        finalize(m.peerId)
      }).catch(() => {})
    } else if (kind === READY[0]) {
      ready.add(m.peerId)
      finalize(m.peerId)
    }
  })
  return () => { events.unsubscribe(); messages.unsubscribe() }
}

const KEY = Uint8Array.of(1)
const READY = Uint8Array.of(2)

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** Two started nodes; `b` is in `a`'s address book. */
export async function pair (options: NodeOptions = {}, optionsB: NodeOptions = options): Promise<{ a: GlueberryNode, b: GlueberryNode }> {
  const a = await startNode(options)
  const b = await startNode(optionsB)
  return { a, b }
}

/** Two started nodes, both running autoHandshake on `streams`, Established with each other. */
export async function establishedPair (streams: string[], options: NodeOptions = {}, optionsB: NodeOptions = options): Promise<{ a: GlueberryNode, b: GlueberryNode }> {
  const { a, b } = await pair(options, optionsB)
  autoHandshake(a, streams)
  autoHandshake(b, streams)
  await a.addPeer(b.peerId, b.multiaddrs)
  await waitForState(a, b.peerId, ConnectionState.Established)
  await waitForState(b, a.peerId, ConnectionState.Established)
  return { a, b }
}
