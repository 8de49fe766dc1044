/**
 * Dead links and outages between real nodes on 127.0.0.1, through a TCP relay
 * that can go silent (packets vanish, no RST: see black-hole-relay.ts).
 *
 * The figures each test prints are the ones the README quotes.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { ConnectionState, ErrorCode, standardHandshake } from '../../lib/index.js'
import type { ConnectionEvent, GlueberryNode, NodeOptions } from '../../lib/index.js'
import { DEFAULT_LIVENESS, detectionBound } from '../../lib/connections/liveness.js'
import { DEFAULT_RECONNECT_POLICY } from '../../lib/connections/reconnect-policy.js'
import { DEFAULTS } from '../../lib/config.js'
import { startNode, stopAll, waitForState } from '../helpers/nodes.js'
import { BlackHoleRelay } from './black-hole-relay.js'

const relays: BlackHoleRelay[] = []

afterEach(async () => {
  await stopAll()
  await Promise.all(relays.splice(0).map(async r => { await r.close() }))
})

/** Scheduling slack on a loaded 2-core machine: timers and I/O callbacks run late. */
const SLACK = 1500

/** `a` dials `b` through a relay; both run the standard handshake; resolves when both are Established. */
async function relayedPair (options: NodeOptions = {}): Promise<{ a: GlueberryNode, b: GlueberryNode, relay: BlackHoleRelay }> {
  const a = await startNode({ ...options, handshake: standardHandshake({ streams: ['x'] }) })
  const b = await startNode({ ...options, handshake: standardHandshake({ streams: ['x'] }) })
  const port = Number(/\/tcp\/(\d+)/.exec(b.multiaddrs[0] ?? '')?.[1])
  const relay = await BlackHoleRelay.start(port)
  relays.push(relay)
  await a.addPeer(b.peerId, [relay.multiaddr()])
  await Promise.all([waitForState(a, b.peerId, ConnectionState.Established), waitForState(b, a.peerId, ConnectionState.Established)])
  return { a, b, relay }
}

/** The next event of `node` about `peer` matching `predicate`, with its arrival time. */
async function nextOf (node: GlueberryNode, peer: string, predicate: (e: ConnectionEvent) => boolean, ms: number): Promise<{ event: ConnectionEvent, at: number }> {
  const event = await firstValueFrom(node.events$.pipe(filter(e => e.peerId === peer && predicate(e)), take(1), timeout(ms)))
  return { event, at: performance.now() }
}

const lostFrom = (state: ConnectionState) => (e: ConnectionEvent): boolean => e.state === ConnectionState.Disconnected && e.previous === state

describe('a link that goes silent', () => {
  it('is detected on both sides within the configured bound, traffic or not', async () => {
    const liveness = { interval: 250, timeout: 500 }
    const bound = detectionBound(liveness)
    const { a, b, relay } = await relayedPair({ liveness })
    const aLost = nextOf(a, b.peerId, lostFrom(ConnectionState.Established), bound + 10_000)
    const bLost = nextOf(b, a.peerId, lostFrom(ConnectionState.Established), bound + 10_000)
    // a keeps sending (its sends vanish into the dead link); b is idle.
    let sending = true
    const sender = (async () => {
      while (sending) {
        await a.send(b.peerId, 'x', Uint8Array.of(1)).catch(() => {})
        await new Promise(resolve => setTimeout(resolve, 20))
      }
    })()
    const t0 = performance.now()
    relay.blackHole()
    const [onA, onB] = await Promise.all([aLost, bLost])
    sending = false
    await sender
    const detectA = onA.at - t0
    const detectB = onB.at - t0
    console.log(`liveness ${liveness.interval}+${liveness.timeout} ms: detected in ${detectA.toFixed(0)} ms (sending side), ${detectB.toFixed(0)} ms (idle side), bound ${bound} ms`)
    for (const [event, detect] of [[onA.event, detectA], [onB.event, detectB]] as const) {
      expect(event.error?.code).toBe(ErrorCode.ConnectionFailed)
      expect(event.error?.message).toMatch(/liveness probe/)
      // Not before a probe could time out, not after the bound.
      expect(detect).toBeGreaterThanOrEqual(liveness.timeout - 50)
      expect(detect).toBeLessThanOrEqual(bound + SLACK)
    }
    // a redials b (it is in a's book); b only waits for a: its Disconnected is terminal.
    expect(onA.event.terminal).toBe(false)
    expect(onB.event.terminal).toBe(true)
  })

  it('with the defaults: detected within 5 s on both sides; after a 15 s outage the pair is Established within 10 s of the link healing', async () => {
    const bound = detectionBound(DEFAULT_LIVENESS)
    expect(bound).toBe(5000)
    // The heal bound, from the defaults: a dial that started into the dead link
    // just before it healed hangs until dialTimeout, then the next attempt waits
    // at most maxDelay * (1 + jitter), then one dial + handshake (~0.1 s here).
    const healBound = DEFAULTS.dialTimeout + DEFAULT_RECONNECT_POLICY.maxDelay * (1 + DEFAULT_RECONNECT_POLICY.jitter)
    expect(healBound).toBeLessThanOrEqual(8300)
    const { a, b, relay } = await relayedPair()
    const aLost = nextOf(a, b.peerId, lostFrom(ConnectionState.Established), bound + 10_000)
    const bLost = nextOf(b, a.peerId, lostFrom(ConnectionState.Established), bound + 10_000)
    const t0 = performance.now()
    // Dropped, not held: no dial started during the outage can complete after
    // it, the worst case the heal bound is computed for.
    relay.blackHole({ drop: true })
    const [onA, onB] = await Promise.all([aLost, bLost])
    const detectA = onA.at - t0
    const detectB = onB.at - t0
    expect(detectA).toBeLessThanOrEqual(bound + SLACK)
    expect(detectB).toBeLessThanOrEqual(bound + SLACK)

    // a keeps redialling through the outage: count the attempts.
    let attempts = 0
    const counting = a.events$.pipe(filter(e => e.peerId === b.peerId && e.state === ConnectionState.Connecting)).subscribe(() => { attempts++ })
    await new Promise(resolve => setTimeout(resolve, Math.max(0, 15_000 - (performance.now() - t0))))
    counting.unsubscribe()
    expect(a.state(b.peerId)).not.toBe(ConnectionState.Established)

    const healed = performance.now()
    const backOnA = waitForState(a, b.peerId, ConnectionState.Established, 30_000).then(() => performance.now())
    const backOnB = waitForState(b, a.peerId, ConnectionState.Established, 30_000).then(() => performance.now())
    relay.heal()
    const back = Math.max(await backOnA, await backOnB) - healed
    console.log(`defaults: detected in ${detectA.toFixed(0)} ms / ${detectB.toFixed(0)} ms (bound ${bound}); ` +
      `${attempts} redials during the 15 s outage; Established again ${back.toFixed(0)} ms after the heal (bound ${healBound} ms + one dial and handshake, required < 10000)`)
    expect(attempts).toBeGreaterThanOrEqual(2)
    expect(back).toBeLessThan(10_000)
    // And the new session carries messages.
    const got = firstValueFrom(b.messages$.pipe(filter(m => m.stream === 'x'), take(1), timeout(5000)))
    await a.send(b.peerId, 'x', Uint8Array.of(7))
    expect([...(await got).data]).toEqual([7])
  }, 60_000)

  it('is not watched when liveness is off: the connection stays up through a short silence', async () => {
    const { a, b, relay } = await relayedPair({ liveness: false })
    relay.blackHole()
    // Twice the bound of the first test's probes, which would have ended the connection.
    await new Promise(resolve => setTimeout(resolve, 1500))
    relay.heal()
    expect(a.state(b.peerId)).toBe(ConnectionState.Established)
    expect(b.state(a.peerId)).toBe(ConnectionState.Established)
    const got = firstValueFrom(b.messages$.pipe(filter(m => m.stream === 'x'), take(1), timeout(5000)))
    await a.send(b.peerId, 'x', Uint8Array.of(9))
    expect([...(await got).data]).toEqual([9])
  })
})
