/**
 * Fault scenario: SIGKILL of either side mid-transfer, then a restart of
 * the killed process with the same key at the same address. Both sides send
 * 200 msg/s to each other; the victim is killed, started again at once, and
 * sends from its new life. Asserted:
 * - the survivor notices the death and both sides are Established again
 *   (measured from the new process's "ready", since start-up alone costs
 *   1-3 s here);
 * - what the survivor accepted for the victim is delivered (to the old life
 *   or the new one) or reported on the survivor's errors$ with the messages
 *   it names: never silently lost;
 * - the victim's new life is a new sender: everything it accepts arrives,
 *   even though its sequence numbers start again;
 * - what the victim's old life accepted is gone with that process (the
 *   guarantee holds "for the life of both processes"), but what it did
 *   deliver is an in-order prefix without duplicates.
 * A message the old life received and the new life receives again (its
 * dedupe state died with it) is counted as a redelivery across lives, not a
 * duplicate.
 *
 * Needs root and `ip` (FAILS without them).
 */
import { createPair, requirePrerequisites } from './harness/netns.js'
import type { Pair } from './harness/netns.js'
import { killAllPeers } from './harness/peer-process.js'
import type { PeerProcess } from './harness/peer-process.js'
import { capped, detectionMs, isLossReport, printFigures, resentBy, settle, statesAbout, timeline, verdictOf } from './harness/observe.js'
import { STREAM, connectedPeers, introduce, sidesOf, startSide } from './harness/two-peers.js'

/** The survivor notices a killed peer (the kernel resets the socket): measured 20-76 ms; generous for load. */
const DETECTION_BOUND_MS = 5_000
/** Established again, both sides, measured from the restarted process's ready. */
const RECONNECT_BOUND_MS = 10_000
const RATE = 200
const SIZE = 512
const KILL_AFTER_MS = 3_000
/** Both sides keep sending this long once Established again (the survivor's loop runs throughout). */
const AFTER_RECONNECT_MS = 4_000
/** The longest a send loop may run (start-up under load included); it is halted well before. */
const MAX_SEND_MS = 180_000
const SETTLE_MS = 30_000

let pair: Pair | undefined

beforeAll(async () => {
  requirePrerequisites('SIGKILL and restart', { iptables: false })
  pair = await createPair()
})
afterEach(async () => { await killAllPeers() })
afterAll(async () => { await pair?.destroy() })

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

it.each(['A', 'B'] as const)('SIGKILL and restart of %s mid-transfer: detected, reconnected, nothing accepted lost silently', async (victimLabel) => {
  if (pair === undefined) throw new Error('no namespaces (see beforeAll)')
  const sides = sidesOf(pair)
  const [a, b] = await connectedPeers(sides)
  const victimIndex = victimLabel === 'A' ? 0 : 1
  const victim = victimIndex === 0 ? a : b
  const survivor = victimIndex === 0 ? b : a
  const victimSide = sides[victimIndex]
  const survivorSide = sides[1 - victimIndex]
  const victimId = victim.peerIds()[0]
  const survivorId = survivor.peerIds()[0]

  const count = RATE * MAX_SEND_MS / 1000
  survivor.command({ cmd: 'send', id: 'survivor', node: 0, peer: victimId, stream: STREAM, count, size: SIZE, rate: RATE })
  victim.command({ cmd: 'send', id: 'old-life', node: 0, peer: survivorId, stream: STREAM, count, size: SIZE, rate: RATE })
  await sleep(KILL_AFTER_MS)
  const killedAt = Date.now()
  await victim.kill('SIGKILL')

  const reborn = await startSide(victimSide, `${victimLabel}'`)
  const readyAt = reborn.readyAt()
  introduce(reborn, survivor, survivorSide)
  reborn.command({ cmd: 'send', id: 'new-life', node: 0, peer: survivorId, stream: STREAM, count, size: SIZE, rate: RATE })

  const backMs = await Promise.allSettled([
    survivor.waitFor('state', s => s.peer === victimId && s.state === 'Established' && s.at >= killedAt, RECONNECT_BOUND_MS + 50_000),
    reborn.waitFor('state', s => s.peer === survivorId && s.state === 'Established', RECONNECT_BOUND_MS + 50_000)
  ])
  await sleep(AFTER_RECONNECT_MS)
  survivor.command({ cmd: 'halt', id: 'survivor' })
  reborn.command({ cmd: 'halt', id: 'new-life' })
  const sendsDone = await Promise.allSettled([
    survivor.waitFor('sendDone', () => true, 60_000),
    reborn.waitFor('sendDone', () => true, 60_000)
  ])
  const rules = { deadSenders: new Set([victim.incarnation()]), allowRedeliveryAcrossLives: true, allowReportedButDelivered: true }
  const settled = await settle([survivor, victim, reborn], 2, SETTLE_MS, rules)
  const verdict = verdictOf([survivor, victim, reborn], rules)

  const reconnect = backMs.map(r => r.status === 'fulfilled' ? r.value.at - readyAt : undefined)
  const toVictim = verdict.flows.filter(f => f.flow.includes(`#${survivor.incarnation().toString(16)}->`))
  // why the survivor says messages for the killed process were not delivered: code, and reason when the error has one
  const reasons = countBy(survivor.reports.flatMap(r => r.ev === 'error' && isLossReport(r.error)
    ? [`${r.error.code}${typeof r.error.extra?.reason === 'string' ? `/${r.error.extra.reason}` : ''}`]
    : []))
  printFigures({
    scenario: `sigkill-restart-${victimLabel}`,
    detectionMs: detectionMs(survivor, victimId, killedAt),
    restartToReadyMs: readyAt - killedAt,
    reconnectMsFromReady: { survivor: reconnect[0], restarted: reconnect[1] },
    toVictim: toVictim.map(f => ({ accepted: f.accepted, rejected: f.rejected, delivered: f.delivered, reported: f.reported, redeliveredAcrossLives: f.redeliveredAcrossLives, silentlyLost: f.silentlyLost })),
    deliveredToOldLife: receivedFrom(victim, survivorId),
    deliveredToNewLife: receivedFrom(reborn, survivorId),
    reportReasons: reasons,
    ...verdict.totals,
    resent: (await resentBy([survivor, reborn])) ?? 'n/a (no resend counter in stats)',
    lost: verdict.totals.silentlyLost,
    settled,
    timelineSurvivor: timeline(survivor, victimId, killedAt),
    otherErrors: verdict.observed.otherErrors.map(e => e.error.code)
  })

  const problems = [...verdict.problems]
  const detected = detectionMs(survivor, victimId, killedAt)
  if (detected === undefined) problems.push('the survivor never noticed the kill')
  else if (detected > DETECTION_BOUND_MS) problems.push(`the survivor noticed the kill after ${detected} ms (bound ${DETECTION_BOUND_MS} ms)`)
  reconnect.forEach((ms, i) => {
    const who = i === 0 ? 'the survivor' : 'the restarted process'
    if (ms === undefined) problems.push(`${who} was not Established again`)
    else if (ms > RECONNECT_BOUND_MS) problems.push(`${who} was Established again ${ms} ms after the restart was ready (bound ${RECONNECT_BOUND_MS} ms)`)
  })
  sendsDone.forEach((s, i) => { if (s.status === 'rejected') problems.push(`${i === 0 ? 'survivor' : 'new life'} send loop did not finish: ${String(s.reason).split('\n')[0]}`) })
  if (statesAbout(survivor, victimId, killedAt).length === 0) problems.push('the survivor reported no state change at all')
  expect(capped(problems)).toEqual([])
}, 300_000)

function receivedFrom (p: PeerProcess, peer: string): number {
  return p.reports.filter(r => r.ev === 'recv' && r.peer === peer).length
}

function countBy (values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const v of values) out[v] = (out[v] ?? 0) + 1
  return out
}
