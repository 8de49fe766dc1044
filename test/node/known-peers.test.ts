import { expect } from '@jest/globals'
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs'
import { ConnectionState, ErrorCode, GlueberryError } from '../../lib/index.js'
import { resolveConfig } from '../../lib/config.js'
import { RefusalReports } from '../../lib/host/refusal-reports.js'
import { inboundAdmission } from '../../lib/host/inbound-policy.js'
import { autoHandshake, startNode, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe("inbound policy: 'known' by default", () => {
  it('refuses an inbound peer that is not in the address book, before any stream, and reports it on errors$', async () => {
    const strict = await startNode({ inbound: undefined }) // undefined: the library's default
    const stranger = await startNode()
    autoHandshake(strict, ['chat'])
    autoHandshake(stranger, ['chat'])
    const refused = firstValueFrom(strict.errors$.pipe(take(1), timeout(10_000)))
    const connectedOnStrict = firstValueFrom(strict.events$.pipe(filter(e => e.peerId === stranger.peerId), toArray()))

    // The stranger dials; the strict node's gater refuses it once Noise has proven its key.
    await stranger.addPeer(strict.peerId, strict.multiaddrs)
    const error = await refused
    expect(error).toBeInstanceOf(GlueberryError)
    expect(error).toMatchObject({ code: ErrorCode.PeerNotFound, peer: stranger.peerId })
    expect(error.message).toContain("not in the address book (inbound: 'known')")
    await firstValueFrom(stranger.events$.pipe(
      filter(e => e.peerId === strict.peerId && e.state !== ConnectionState.Connecting), take(1), timeout(10_000)))
    expect(stranger.state(strict.peerId)).not.toBe(ConnectionState.Established)
    expect(strict.state(stranger.peerId)).toBe(ConnectionState.Disconnected)
    expect(strict.dumpState().peers.map(p => p.peerId)).not.toContain(stranger.peerId)

    // The strict node never saw the stranger as a peer: no event, no message.
    await strict.stop()
    expect(await connectedOnStrict).toEqual([])
  }, 30_000)

  it('admits a peer that is in the address book, and one being added at the same moment', async () => {
    const a = await startNode({ inbound: 'known' })
    const b = await startNode({ inbound: 'known' })
    autoHandshake(a, ['chat'])
    autoHandshake(b, ['chat'])
    const errors = firstValueFrom(a.errors$.pipe(toArray()))
    // Both add each other at once: each dials while the other may still be writing its book.
    await Promise.all([a.addPeer(b.peerId, b.multiaddrs), b.addPeer(a.peerId, a.multiaddrs)])
    await waitForState(a, b.peerId, ConnectionState.Established, 20_000)
    await waitForState(b, a.peerId, ConnectionState.Established, 20_000)
    await a.stop()
    expect(await errors).toEqual([])
  }, 30_000)

  it('a peer added with no address is admitted inbound, never dialled, and not redialled once it leaves', async () => {
    const listener = await startNode({ inbound: 'known' })
    const dialer = await startNode({ inbound: 'known' })
    autoHandshake(listener, ['chat'])
    autoHandshake(dialer, ['chat'])
    const listenerSaw = firstValueFrom(listener.events$.pipe(filter(e => e.peerId === dialer.peerId), toArray()))
    await listener.addPeer(dialer.peerId, [])
    expect(listener.state(dialer.peerId)).toBe(ConnectionState.Disconnected)
    await dialer.addPeer(listener.peerId, listener.multiaddrs)
    await waitForState(listener, dialer.peerId, ConnectionState.Established, 20_000)
    expect(listener.isOutbound(dialer.peerId)).toBe(false)
    await dialer.stop()
    await waitForState(listener, dialer.peerId, ConnectionState.Disconnected, 20_000)
    await listener.stop()
    // Nothing to dial: no Connecting, no Reconnecting, before or after.
    expect((await listenerSaw).map(e => e.state)).toEqual([
      ConnectionState.Connected, ConnectionState.Established, ConnectionState.Disconnected
    ])
  }, 30_000)

  it("inbound: 'any' admits a peer it has never heard of", async () => {
    const open = await startNode({ inbound: 'any' })
    const dialer = await startNode()
    autoHandshake(open, ['chat'])
    autoHandshake(dialer, ['chat'])
    await dialer.addPeer(open.peerId, open.multiaddrs)
    await waitForState(open, dialer.peerId, ConnectionState.Established, 20_000)
  }, 30_000)

  it('a bad policy is INVALID_CONFIG; the default is known', () => {
    expect(resolveConfig({}).inbound).toBe('known')
    expect(() => resolveConfig({ inbound: 'everyone' as never })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})

describe('refusal reports are rate-limited', () => {
  it('one report per peer per window, at most maxPerWindow per window; the next report counts what was held back', () => {
    const reports = new RefusalReports({ windowMs: 1000, maxPerWindow: 2 })
    expect(reports.refused('a', 0)).toEqual({ report: true, suppressed: 0 })
    expect(reports.refused('a', 10)).toEqual({ report: false })
    expect(reports.refused('b', 20)).toEqual({ report: true, suppressed: 1 })
    expect(reports.refused('c', 30)).toEqual({ report: false })
    expect(reports.refused('a', 999)).toEqual({ report: false })
    expect(reports.refused('a', 1000)).toEqual({ report: true, suppressed: 2 })
  })

  it('a flood of 10,000 fresh peers in a minute gives 10 errors', () => {
    const reported: GlueberryError[] = []
    let now = 0
    const admission = inboundAdmission('known', () => false, (e) => { reported.push(e) }, { now: () => now })
    expect(admission.admitsInbound?.('x')).toBe(false)
    for (let i = 0; i < 10_000; i++) {
      now = i * 5
      admission.onRefused?.(`peer-${i}`)
    }
    // 50 s of refusals: one window, 10 reports.
    expect(reported).toHaveLength(10)
    expect(reported.every(e => e.code === ErrorCode.PeerNotFound)).toBe(true)
    now = 60_000
    admission.onRefused?.('late')
    expect(reported.at(-1)?.message).toContain('9990 more refusals since the last report were not reported')
    expect(inboundAdmission('any', () => false, () => {})).toEqual({})
  })
})
