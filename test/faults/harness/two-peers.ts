/**
 * The two-process set-up shared by the namespace scenarios: peer A in
 * namespace A, peer B in namespace B, each listening on a fixed port of its
 * namespace's veth address (namespaces have ports of their own, so a fixed
 * port cannot collide, and a restarted process comes back at the address
 * its peer already knows), each knowing the other, both Established.
 */
import { randomBytes } from 'node:crypto'
import type { Pair } from './netns.js'
import { STARTUP_MS, startPeer } from './peer-process.js'
import type { PeerProcess } from './peer-process.js'
import { waitForState } from './observe.js'
import type { NodeSpec } from './protocol.js'

export const STREAM = 'faults'
export const PORT = 4100
/** First connection: dial plus standard handshake, on a loaded machine. */
export const FIRST_ESTABLISH_MS = 60_000

export interface Side {
  readonly label: 'A' | 'B'
  readonly netns: string
  readonly spec: NodeSpec
  /** The address the other side dials. */
  readonly multiaddr: string
}

export function sidesOf (pair: Pair): [Side, Side] {
  const side = (label: 'A' | 'B', netns: string, addr: string): Side => ({
    label,
    netns,
    spec: { seedHex: randomBytes(32).toString('hex'), listen: [`/ip4/${addr}/tcp/${PORT}`] },
    multiaddr: `/ip4/${addr}/tcp/${PORT}`
  })
  return [side('A', pair.nsA, pair.addrA), side('B', pair.nsB, pair.addrB)]
}

export async function startSide (side: Side, label: string = side.label): Promise<PeerProcess> {
  return await startPeer({ netns: side.netns, label, nodes: [side.spec], streams: [STREAM] })
}

/** `from` learns `to`'s id and address (its node dials). */
export function introduce (from: PeerProcess, to: PeerProcess, toSide: Side): void {
  from.command({ cmd: 'addPeer', node: 0, peerId: to.peerIds()[0], addrs: [toSide.multiaddr] })
}

export async function bothEstablished (a: PeerProcess, b: PeerProcess, ms = FIRST_ESTABLISH_MS, since = 0): Promise<void> {
  await Promise.all([
    waitForState(a, b.peerIds()[0], 'Established', ms, since),
    waitForState(b, a.peerIds()[0], 'Established', ms, since)
  ])
}

/** Starts both sides in parallel, introduces them both ways, waits for Established on both. */
export async function connectedPeers (sides: [Side, Side]): Promise<[PeerProcess, PeerProcess]> {
  const [a, b] = await Promise.all(sides.map(async s => await startSide(s)))
  introduce(a, b, sides[1])
  introduce(b, a, sides[0])
  await bothEstablished(a, b)
  return [a, b]
}

export { STARTUP_MS }
