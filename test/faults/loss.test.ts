/**
 * Fault scenario: 5% packet loss both ways (iptables statistic on each
 * namespace's veth OUTPUT, since this kernel has no netem), 5,000 x 1 KiB
 * messages each way as fast as send() accepts them. TCP recovers every
 * dropped segment, so everything must arrive: exactly once, in order, and
 * nothing reported.
 *
 * Needs root, `ip` and `iptables` (FAILS without them; .ci/run installs iptables).
 */
import { createPair, droppedPackets, requirePrerequisites } from './harness/netns.js'
import type { Pair } from './harness/netns.js'
import { killAllPeers } from './harness/peer-process.js'
import type { PeerProcess } from './harness/peer-process.js'
import { capped, printFigures, resentBy, settle, statesAbout, verdictOf } from './harness/observe.js'
import { STREAM, connectedPeers, sidesOf } from './harness/two-peers.js'

/** Drop probability per packet, each direction. */
const LOSS = 0.05
const MESSAGES = 5000
const SIZE = 1024
/** All sends accepted, each way; generous for a loaded 2-core machine (measured: well under 1 s). */
const SEND_MS = 120_000
/** After the last send, time for what was accepted to arrive. */
const SETTLE_MS = 60_000

let pair: Pair | undefined

afterAll(async () => {
  await killAllPeers()
  await pair?.destroy()
})

it(`${MESSAGES} x ${SIZE} B both ways under ${LOSS * 100}% packet loss: every accepted message once, in order`, async () => {
  requirePrerequisites('packet loss', { iptables: true })
  pair = await createPair()
  await pair.dropOutbound(LOSS)
  const started = Date.now()
  const [a, b] = await connectedPeers(sidesOf(pair))
  const establishedAt = Date.now()
  const idA = a.peerIds()[0]
  const idB = b.peerIds()[0]

  const transferFrom = Date.now()
  a.command({ cmd: 'send', id: 'a', node: 0, peer: idB, stream: STREAM, count: MESSAGES, size: SIZE, rate: 0 })
  b.command({ cmd: 'send', id: 'b', node: 0, peer: idA, stream: STREAM, count: MESSAGES, size: SIZE, rate: 0 })
  await Promise.all([a.waitFor('sendDone', () => true, SEND_MS), b.waitFor('sendDone', () => true, SEND_MS)])
  const settled = await settle([a, b], 2, SETTLE_MS)
  const transferMs = lastReceipt([a, b]) - transferFrom

  const verdict = verdictOf([a, b], { requireAllDelivered: true })
  const drops = (await droppedPackets(pair.nsA)) + (await droppedPackets(pair.nsB))
  const leftEstablished = [statesAbout(a, idB, establishedAt), statesAbout(b, idA, establishedAt)].flat().filter(s => s.previous === 'Established').length
  printFigures({
    scenario: 'loss',
    lossPerDirection: LOSS,
    packetsDropped: drops,
    connectMs: establishedAt - started,
    transferMs,
    ...verdict.totals,
    resent: (await resentBy([a, b])) ?? 'n/a (no resend counter in stats)',
    linkDrops: leftEstablished,
    lost: verdict.totals.silentlyLost,
    settled
  })
  expect(drops).toBeGreaterThan(0) // the fault really happened
  expect(capped(verdict.problems)).toEqual([])
  expect(verdict.totals.accepted).toBe(2 * MESSAGES)
}, 300_000)

function lastReceipt (peers: readonly PeerProcess[]): number {
  return Math.max(0, ...peers.flatMap(p => p.reports.filter(r => r.ev === 'recv').map(r => r.at)))
}
