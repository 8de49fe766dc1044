/**
 * The blockchain-handshake example (HelloRequest/HelloResponse/HelloFinalize
 * on handshakeFsm) between real nodes.
 */
import { filter, firstValueFrom, merge, take, timeout } from 'rxjs'
import { ConnectionState, ErrorCode } from '../../lib/index.js'
import type { GlueberryError } from '../../lib/index.js'
import { blockchainHandshake } from '../../examples/blockchain-handshake/handshake.js'
import { nextMessage, startNode, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe('blockchain handshake example', () => {
  it('two nodes on the same chain reach Established and exchange blocks', async () => {
    const a = await startNode({ handshake: blockchainHandshake({ chainId: 'mainnet' }) })
    const b = await startNode({ handshake: blockchainHandshake({ chainId: 'mainnet' }) })
    await a.addPeer(b.peerId, b.multiaddrs)
    await Promise.all([waitForState(a, b.peerId, ConnectionState.Established), waitForState(b, a.peerId, ConnectionState.Established)])
    const got = nextMessage(b, m => m.stream === 'blocks')
    await a.send(b.peerId, 'blocks', Uint8Array.of(1, 2, 3))
    expect((await got).data).toEqual(Uint8Array.of(1, 2, 3))
  })

  it('two nodes on different chains fail (chain id mismatch) and end Disconnected', async () => {
    const ha = blockchainHandshake({ chainId: 'mainnet' })
    const hb = blockchainHandshake({ chainId: 'testnet' })
    const a = await startNode({ handshake: ha })
    const b = await startNode({ handshake: hb })
    const failures: GlueberryError[] = []
    merge(ha.failures$, hb.failures$).subscribe(e => failures.push(e))
    const first = firstValueFrom(merge(ha.failures$, hb.failures$).pipe(take(1), timeout(10_000)))
    // a dialled b: whichever side refuses first, a ends Disconnected for good
    // (it refused: no redial) or cools down (b refused and closed the connection).
    const dropped = firstValueFrom(a.events$.pipe(
      filter(e => e.peerId === b.peerId && (e.state === ConnectionState.Disconnected || e.state === ConnectionState.Cooldown)), take(1), timeout(10_000)))
    await a.addPeer(b.peerId, b.multiaddrs)
    await first
    const event = await dropped
    if (event.state === ConnectionState.Disconnected) expect(event.terminal).toBe(true)
    await waitForState(b, a.peerId, ConnectionState.Disconnected)
    expect(failures.length).toBeGreaterThan(0)
    for (const f of failures) {
      expect(f.code).toBe(ErrorCode.HandshakeFailed)
      expect(f.message).toMatch(/chain id mismatch/)
    }
    expect(a.state(b.peerId)).not.toBe(ConnectionState.Established)
  })
})
