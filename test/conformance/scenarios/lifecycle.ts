/**
 * Lifecycle: start, stop, idempotence, status, and every Observable
 * completing on stop.
 *
 * @module
 */
import { describe, it, expect, afterEach } from '@jest/globals'
import { lastValueFrom, toArray } from 'rxjs'
import { ConnectionState, ErrorCode } from '../../../lib/index.js'
import type { PlatformDriver } from '../driver.js'
import { expectCode, establishedPair, first, introduce, recordEvents, titled, transitions, waitForState, conform } from '../support.js'
import { DIVERGENCES } from '../divergences.js'

export function lifecycleScenarios (driver: PlatformDriver): void {
  describe(`lifecycle [${driver.name}]`, () => {
    afterEach(async () => { await driver.stopAll() })

    it('goes created -> started -> stopped; start twice and start after stop are typed errors; stop is idempotent', async () => {
      const node = await driver.created()
      expect(node.status).toBe('created')
      expect(node.multiaddrs).toEqual([])
      await node.start()
      expect(node.status).toBe('started')
      expect(node.multiaddrs.length).toBeGreaterThan(0)
      expect(node.health().healthy).toBe(true)
      await expectCode(async () => { await node.start() }, ErrorCode.NodeAlreadyStarted)
      await node.stop()
      expect(node.status).toBe('stopped')
      await node.stop()
      expect(node.status).toBe('stopped')
      expect(node.health().healthy).toBe(false)
      await expectCode(async () => { await node.start() }, ErrorCode.NodeStopped)
    })

    it('stops a node that was never started; concurrent stops share one shutdown', async () => {
      const idle = await driver.created()
      await idle.stop()
      expect(idle.status).toBe('stopped')
      const node = await driver.started()
      await Promise.all([node.stop(), node.stop(), node.stop()])
      expect(node.status).toBe('stopped')
    })

    it('completes every Observable on stop, without an error, with the documented replays', async () => {
      const node = await driver.started()
      const { peerId: other } = await driver.stranger()
      const all = Promise.all([
        lastValueFrom(node.events$.pipe(toArray())),
        lastValueFrom(node.messages$.pipe(toArray())),
        lastValueFrom(node.stats$.pipe(toArray())),
        lastValueFrom(node.peers$.pipe(toArray())),
        lastValueFrom(node.decryptionErrors$.pipe(toArray())),
        lastValueFrom(node.errors$.pipe(toArray())),
        lastValueFrom(node.state$(other).pipe(toArray()))
      ])
      await node.stop()
      const [events, messages, stats, peers, decryptionErrors, errors, states] = await all
      expect(events).toEqual([])
      expect(messages).toEqual([])
      expect(stats.length).toBeGreaterThanOrEqual(1)
      expect(stats.at(-1)).toMatchObject({ peers: 0, connected: 0, established: 0, messagesSent: 0, messagesReceived: 0 })
      expect(peers[0]).toEqual([])
      expect(decryptionErrors).toEqual([])
      expect(errors).toEqual([])
      expect(states).toEqual([ConnectionState.Disconnected])
      // After stop, state$ replays the final state and completes at once.
      expect(await lastValueFrom(node.state$(other).pipe(toArray()))).toEqual([ConnectionState.Disconnected])
    })

    it('completes the Observables of a node with an established peer, and the peer sees the connection end', async () => {
      const { dialer, listener } = await establishedPair(driver, ['alpha'])
      const events = recordEvents(listener)
      const done = Promise.all([lastValueFrom(dialer.events$.pipe(toArray())), lastValueFrom(dialer.messages$.pipe(toArray())), lastValueFrom(dialer.state$(listener.peerId).pipe(toArray()))])
      await dialer.stop()
      const [dialerEvents, , states] = await done
      // The stopping node reports the end of its connection: Disconnected, terminal.
      expect(dialerEvents.map(e => [e.previous, e.state, e.terminal])).toEqual([[ConnectionState.Established, ConnectionState.Disconnected, true]])
      expect(states).toEqual([ConnectionState.Established, ConnectionState.Disconnected])
      await waitForState(listener, dialer.peerId, ConnectionState.Disconnected)
      expect(transitions(events, dialer.peerId)[0]).toEqual([ConnectionState.Established, ConnectionState.Disconnected, false])
    })

    it('the address book works before start, and start dials the book peers that have an address', async () => {
      const target = await driver.started()
      const node = await driver.created()
      await target.addPeer(node.peerId, [])
      await node.addPeer(target.peerId, driver.addressOf(target), { role: 'target' })
      expect(node.getPeer(target.peerId)).toMatchObject({ peerId: target.peerId, multiaddrs: driver.addressOf(target), metadata: { role: 'target' } })
      expect(node.state(target.peerId)).toBe(ConnectionState.Disconnected)
      const events = recordEvents(node)
      await node.start()
      await waitForState(node, target.peerId, ConnectionState.Connected)
      expect(transitions(events, target.peerId).slice(0, 2)).toEqual([
        [ConnectionState.Disconnected, ConnectionState.Connecting, true],
        [ConnectionState.Connecting, ConnectionState.Connected, true]
      ])
      expect(node.isOutbound(target.peerId)).toBe(true)
    })

    it(titled(driver, 'never dials a book peer that has no address (it is accepted inbound only)', DIVERGENCES.dialsAddresslessPeers), async () => {
      const other = await driver.started()
      const node = await driver.started()
      const events = recordEvents(node)
      await node.addPeer(other.peerId, [])
      // A dial, if any, starts synchronously in addPeer: an event would be recorded by now or at the next emission.
      const settled = await first(node.state$(other.peerId))
      await conform(driver, DIVERGENCES.dialsAddresslessPeers, {
        real: () => {
          expect(settled).toBe(ConnectionState.Disconnected)
          expect(events).toEqual([])
        },
        current: () => {
          expect(events[0]).toMatchObject({ state: ConnectionState.Connecting, previous: ConnectionState.Disconnected })
        }
      })
    })

    it('peers$ replays the book and emits on change; state() and state$ agree', async () => {
      const pair = await driver.pair()
      const books = recordBooks(pair.dialer)
      await introduce(driver, pair)
      await waitForState(pair.dialer, pair.listener.peerId, ConnectionState.Connected)
      expect(books.at(-1)?.map(p => p.peerId)).toEqual([pair.listener.peerId])
      expect(pair.dialer.listPeers().map(p => p.peerId)).toEqual([pair.listener.peerId])
      expect(pair.dialer.state(pair.listener.peerId)).toBe(ConnectionState.Connected)
      await pair.dialer.removePeer(pair.listener.peerId)
      expect(pair.dialer.listPeers()).toEqual([])
      expect(books.at(-1)).toEqual([])
    })
  })
}

function recordBooks (node: { peers$: import('rxjs').Observable<ReadonlyArray<{ peerId: string }>> }): Array<ReadonlyArray<{ peerId: string }>> {
  const seen: Array<ReadonlyArray<{ peerId: string }>> = []
  node.peers$.subscribe(p => seen.push(p))
  return seen
}
