/**
 * Node nodes that browsers can reach: listening on WebSockets besides TCP
 * (a `/ws` address in `listen`), and Node-to-Node over `/ws` on Node 20 (no
 * global WebSocket there: lib/host/transports.ts installs `ws`'s). The
 * gater (blacklist, inbound policy) and the limits do the same over /ws as
 * over TCP.
 */
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { ConnectionState, ErrorCode, GlueberryError } from '../../lib/index.js'
import type { GlueberryNode, NodeOptions } from '../../lib/index.js'
import { autoHandshake, nextMessage, startNode, stopAll, waitForState } from '../helpers/nodes.js'

const BOTH = ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']

afterEach(async () => { await stopAll() })

function wsAddresses (node: GlueberryNode): string[] {
  return node.multiaddrs.filter(a => /\/tcp\/\d+\/ws(\/|$)/.test(a))
}

async function wsNode (options: NodeOptions = {}): Promise<GlueberryNode> {
  return await startNode({ listen: BOTH, ...options })
}

describe('listening on WebSockets besides TCP', () => {
  it('a node listens on both and reports both addresses', async () => {
    const node = await wsNode()
    expect(node.multiaddrs.some(a => /\/tcp\/\d+\/p2p\//.test(a) && !a.includes('/ws'))).toBe(true)
    expect(wsAddresses(node)).toHaveLength(1)
  })

  it('two Node nodes complete the handshake and exchange ordered messages over /ws only', async () => {
    const a = await wsNode()
    const b = await wsNode()
    autoHandshake(a, ['chat'])
    autoHandshake(b, ['chat'])
    await a.addPeer(b.peerId, wsAddresses(b))
    await waitForState(a, b.peerId, ConnectionState.Established, 20_000)
    await waitForState(b, a.peerId, ConnectionState.Established, 20_000)

    const received: string[] = []
    const all = firstValueFrom(b.messages$.pipe(filter(m => m.stream === 'chat'), take(200), timeout(20_000)))
    const sub = b.messages$.pipe(filter(m => m.stream === 'chat')).subscribe(m => { received.push(new TextDecoder().decode(m.data)) })
    for (let i = 0; i < 200; i++) await a.send(b.peerId, 'chat', new TextEncoder().encode(`m${i}`))
    await all
    sub.unsubscribe()
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`))

    const back = nextMessage(a, m => m.stream === 'chat')
    await b.send(a.peerId, 'chat', new TextEncoder().encode('back'))
    expect(new TextDecoder().decode((await back).data)).toBe('back')
  }, 40_000)
})

describe('gater and limits over /ws', () => {
  it("inbound 'known' refuses a stranger dialing over /ws and reports PEER_NOT_FOUND", async () => {
    const strict = await wsNode({ inbound: 'known' })
    const stranger = await wsNode()
    autoHandshake(strict, ['chat'])
    autoHandshake(stranger, ['chat'])
    const refused = firstValueFrom(strict.errors$.pipe(take(1), timeout(15_000)))
    await stranger.addPeer(strict.peerId, wsAddresses(strict))
    const error = await refused
    expect(error).toBeInstanceOf(GlueberryError)
    expect(error).toMatchObject({ code: ErrorCode.PeerNotFound, peer: stranger.peerId })
    expect(strict.state(stranger.peerId)).toBe(ConnectionState.Disconnected)
  }, 30_000)

  it('a blacklisted peer is refused over /ws', async () => {
    const guard = await wsNode({ inbound: 'any' })
    const banned = await wsNode()
    autoHandshake(guard, ['chat'])
    autoHandshake(banned, ['chat'])
    await guard.blacklist(banned.peerId, 'test')
    await banned.addPeer(guard.peerId, wsAddresses(guard))
    // The banned side never gets past Connecting/Connected to Established.
    const outcome = await firstValueFrom(banned.events$.pipe(
      filter(e => e.peerId === guard.peerId && (e.state === ConnectionState.Reconnecting || e.state === ConnectionState.Disconnected || e.state === ConnectionState.Established || e.state === ConnectionState.Cooldown)),
      take(1), timeout(20_000)))
    expect(outcome.state).not.toBe(ConnectionState.Established)
    expect(guard.state(banned.peerId)).not.toBe(ConnectionState.Established)
  }, 30_000)

  it('maxMessageSize holds over /ws: an oversized send is a typed error, the link stays up', async () => {
    const a = await wsNode({ maxMessageSize: 1024 })
    const b = await wsNode({ maxMessageSize: 1024 })
    autoHandshake(a, ['chat'])
    autoHandshake(b, ['chat'])
    await a.addPeer(b.peerId, wsAddresses(b))
    await waitForState(a, b.peerId, ConnectionState.Established, 20_000)
    await expect(a.send(b.peerId, 'chat', new Uint8Array(2048))).rejects.toMatchObject({ code: ErrorCode.MessageTooLarge })
    const got = nextMessage(b, m => m.stream === 'chat')
    await a.send(b.peerId, 'chat', new Uint8Array(1024))
    expect((await got).data).toHaveLength(1024)
  }, 30_000)
})
