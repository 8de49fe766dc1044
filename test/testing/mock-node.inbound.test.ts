import { ErrorCode, GlueberryError } from '../../lib/index.js'
import { ConnectionState } from '../../lib/index.js'
import { MockNode } from '../../lib/testing/index.js'
import { VirtualClock, record } from './helpers.js'

const STRANGER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

describe('MockNode inbound policy', () => {
  it("refuses an inbound peer that is not in the address book by default ('known'), and reports it on errors$", async () => {
    const clock = new VirtualClock()
    const node = new MockNode({ scheduler: clock.scheduler })
    const errors = record(node.errors$)
    await node.start()
    let thrown: unknown
    try {
      node.simulateConnect(STRANGER)
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(GlueberryError)
    expect(thrown).toMatchObject({ code: ErrorCode.PeerNotFound, peer: STRANGER })
    expect(errors.values.map(e => [e.code, e.peer])).toEqual([[ErrorCode.PeerNotFound, STRANGER]])
    expect(node.state(STRANGER)).toBe(ConnectionState.Disconnected)

    // Once in the book, the same peer gets in.
    const known = new MockNode({ scheduler: clock.scheduler, autoConnect: false })
    await known.start()
    await known.addPeer(STRANGER, ['/ip4/127.0.0.1/tcp/4001'])
    known.simulateConnect(STRANGER)
    expect(known.state(STRANGER)).toBe(ConnectionState.Connected)
    await node.stop()
    await known.stop()
  })

  it("admits any peer with inbound: 'any'", async () => {
    const node = new MockNode({ inbound: 'any' })
    await node.start()
    node.simulateConnect(STRANGER)
    expect(node.state(STRANGER)).toBe(ConnectionState.Connected)
    await node.stop()
  })
})
