import { filter } from 'rxjs'
import { ConnectionState, ErrorCode } from '../../lib/index.js'
import type { ConnectionEvent, GlueberryNode } from '../../lib/index.js'
import { autoHandshake, nextEvent, nextMessage, startNode, stopAll, waitForState } from '../helpers/nodes.js'
import { STARTUP_MS, killAll, spawnFixture } from './fixtures/child.js'
import type { Child } from './fixtures/child.js'

// A fixed identity, so the restarted child is the same peer.
const SEED = Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => 0xc0 + i)).toString('hex')
// maxAttempts: the child takes seconds to come back (ts-node start-up), longer
// than 10 attempts at <= 500 ms; the survivor must still be trying then.
const RECONNECT = { baseDelay: 100, maxDelay: 500, jitter: 0, maxAttempts: Infinity }

interface PeerInfo {
  peerId: string
  multiaddrs: string[]
}

const cleanups: Array<() => void> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup()
  await stopAll()
  await killAll()
})

/** The echo peer in its own process; resolves once it listens. */
async function startEchoPeer (port: number): Promise<{ child: Child, info: PeerInfo }> {
  const child = spawnFixture('echo-peer.ts', [SEED, String(port)])
  const info = await child.json<PeerInfo>(v => typeof v.peerId === 'string')
  return { child, info }
}

/** Sends `text` on 'echo' and waits for the child to send it back. */
async function roundTrip (node: GlueberryNode, peer: string, text: string): Promise<void> {
  const echoed = nextMessage(node, m => m.peerId === peer && m.stream === 'echo' && Buffer.from(m.data).toString() === text)
  await node.send(peer, 'echo', Buffer.from(text))
  await echoed
}

const step = (e: ConnectionEvent): string => `${e.previous}>${e.state}`

describe('a remote crash', () => {
  it('is seen as Disconnected, then Reconnecting, and the peer is reconnected when it comes back', async () => {
    const first = await startEchoPeer(0)
    const peer = first.info.peerId
    const port = Number(/\/tcp\/(\d+)/.exec(first.info.multiaddrs[0] ?? '')?.[1])
    expect(port).toBeGreaterThan(0)

    const survivor = await startNode({ reconnect: RECONNECT })
    cleanups.push(autoHandshake(survivor, ['echo']))
    const seen: ConnectionEvent[] = []
    const watching = survivor.events$.pipe(filter(e => e.peerId === peer)).subscribe(e => seen.push(e))
    cleanups.push(() => { watching.unsubscribe() })

    await survivor.addPeer(peer, first.info.multiaddrs)
    await waitForState(survivor, peer, ConnectionState.Established)
    await roundTrip(survivor, peer, 'before the crash')
    await roundTrip(survivor, peer, 'and once more')

    // SIGKILL: no goodbye, the kernel closes the sockets.
    const lost = nextEvent(survivor, e => e.peerId === peer && e.state === ConnectionState.Disconnected)
    const reconnecting = nextEvent(survivor, e => e.peerId === peer && e.state === ConnectionState.Reconnecting)
    expect(await first.child.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' })
    const disconnected = await lost
    expect(disconnected.previous).toBe(ConnectionState.Established)
    expect(disconnected.error?.code).toBe(ErrorCode.ConnectionFailed)
    await reconnecting
    // The peer is known and being reconnected: a send is accepted and waits
    // in the outbox (bounded by the watermarks) for the next session, where
    // the restarted process gets it (it was never transmitted to the old one).
    const afterRestart = nextMessage(survivor, m => m.peerId === peer && m.stream === 'echo' && Buffer.from(m.data).toString() === 'while it was down', STARTUP_MS)
    await survivor.send(peer, 'echo', Buffer.from('while it was down'))

    // Same identity, same port.
    const second = await startEchoPeer(port)
    expect(second.info.peerId).toBe(peer)
    expect(second.info.multiaddrs).toEqual(first.info.multiaddrs)
    await waitForState(survivor, peer, ConnectionState.Established, STARTUP_MS)
    await afterRestart
    await roundTrip(survivor, peer, 'after the restart')
    await roundTrip(survivor, peer, 'still there')

    // What the survivor saw: the first session, the loss, any number of
    // failed redials while the child was down, the second session.
    const steps = seen.map(step)
    const firstSession = ['Disconnected>Connecting', 'Connecting>Connected', 'Connected>Established']
    const loss = ['Established>Disconnected', 'Disconnected>Reconnecting']
    const failedRedial = ['Reconnecting>Connecting', 'Connecting>Disconnected', 'Disconnected>Reconnecting']
    const secondSession = ['Reconnecting>Connecting', 'Connecting>Connected', 'Connected>Established']
    expect(steps.slice(0, 5)).toEqual([...firstSession, ...loss])
    expect(steps.slice(-3)).toEqual(secondSession)
    const outage = steps.slice(5, -3)
    expect(outage.length % 3).toBe(0)
    for (let i = 0; i < outage.length; i += 3) expect(outage.slice(i, i + 3)).toEqual(failedRedial)
    // the failed redials carry the dial error
    for (const e of seen.slice(5, -3)) {
      if (e.state === ConnectionState.Disconnected) expect(e.error?.code).toBe(ErrorCode.ConnectionFailed)
    }
    expect(survivor.peerStats(peer)?.connectionCount).toBe(2)
  }, 3 * STARTUP_MS)
})
