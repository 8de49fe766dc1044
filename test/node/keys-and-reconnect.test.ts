import { expect } from '@jest/globals'
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs'
import { ConnectionState, ErrorCode } from '../../lib/index.js'
import { keyMaterial } from '../../lib/testing/index.js'
import { autoHandshake, pair, stopAll, waitForState } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

const isZero = (bytes: Uint8Array): boolean => bytes.every(b => b === 0)

describe('key material', () => {
  it('is destroyed when the peer disconnects, and the identity secret is zeroed on stop', async () => {
    const { a, b } = await pair({ reconnect: { maxAttempts: 0 } })
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Established)
    const keys = keyMaterial(a, b.peerId).peerKeys
    expect(keys?.destroyed).toBe(false)
    const identity = keyMaterial(a).identityX25519Private
    expect(isZero(identity)).toBe(false)
    await a.disconnect(b.peerId)
    expect(keys?.destroyed).toBe(true)
    expect(keyMaterial(a, b.peerId).peerKeys).toBeUndefined()
    // A send after the disconnect cannot use the old keys.
    await expect(a.send(b.peerId, 'x', Uint8Array.of(1))).rejects.toMatchObject({ code: ErrorCode.NotConnected })
    await a.stop()
    expect(isZero(identity)).toBe(true)
  })
})

describe('stopping reconnection', () => {
  const fast = { reconnect: { baseDelay: 2000, maxDelay: 2000, jitter: 0 } }

  it('cancelReconnection() ends a backoff with a Disconnected event', async () => {
    const { a, b } = await pair(fast)
    autoHandshake(a, ['x'])
    autoHandshake(b, ['x'])
    await a.addPeer(b.peerId, b.multiaddrs)
    // Established: a connection lost mid-handshake would cool down first.
    await waitForState(a, b.peerId, ConnectionState.Established)
    await b.stop()
    await waitForState(a, b.peerId, ConnectionState.Reconnecting)
    const next = firstValueFrom(a.events$.pipe(filter(e => e.peerId === b.peerId), take(1), timeout(5000)))
    a.cancelReconnection(b.peerId)
    const event = await next
    expect(event).toMatchObject({ state: ConnectionState.Disconnected, previous: ConnectionState.Reconnecting, terminal: true })
    expect(() => a.cancelReconnection(b.peerId)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidTransition }))
  })

  it('disconnect() is final: no reconnection follows', async () => {
    const { a, b } = await pair({ reconnect: { baseDelay: 20, maxDelay: 20, jitter: 0 } })
    await a.addPeer(b.peerId, b.multiaddrs)
    await waitForState(a, b.peerId, ConnectionState.Connected)
    const events = firstValueFrom(a.events$.pipe(filter(e => e.peerId === b.peerId), toArray()))
    await a.disconnect(b.peerId)
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(a.state(b.peerId)).toBe(ConnectionState.Disconnected)
    await a.stop()
    expect((await events).map(e => e.state)).toEqual([ConnectionState.Disconnected])
  })
})
