/**
 * Handshake in both roles and ordered messages both ways on several streams.
 *
 * @module
 */
import { describe, it, expect, afterEach } from '@jest/globals'
import { ConnectionState, ErrorCode, GlueberryError } from '../../../lib/index.js'
import type { PlatformDriver } from '../driver.js'
import { first, establishedPair, indexOf, numbered, recordEvents, recordMessages, transitions, until, keyHandshake, introduce, waitForState } from '../support.js'

const STREAMS = ['alpha', 'beta', 'gamma']

export function messagingScenarios (driver: PlatformDriver): void {
  describe(`handshake and messages [${driver.name}]`, () => {
    afterEach(async () => { await driver.stopAll() })

    it('runs the two-phase handshake in both roles: dialer and listener reach Established with the documented transitions', async () => {
      const pair = await driver.pair()
      const dialerEvents = recordEvents(pair.dialer)
      const listenerEvents = recordEvents(pair.listener)
      keyHandshake(pair.dialer, STREAMS)
      keyHandshake(pair.listener, STREAMS)
      await introduce(driver, pair)
      await waitForState(pair.dialer, pair.listener.peerId, ConnectionState.Established)
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Established)
      expect(transitions(dialerEvents, pair.listener.peerId)).toEqual([
        [ConnectionState.Disconnected, ConnectionState.Connecting, true],
        [ConnectionState.Connecting, ConnectionState.Connected, true],
        [ConnectionState.Connected, ConnectionState.Established, true]
      ])
      expect(transitions(listenerEvents, pair.dialer.peerId)).toEqual([
        [ConnectionState.Disconnected, ConnectionState.Connected, false],
        [ConnectionState.Connected, ConnectionState.Established, false]
      ])
      expect(pair.dialer.isOutbound(pair.listener.peerId)).toBe(true)
      expect(pair.listener.isOutbound(pair.dialer.peerId)).toBe(false)
    })

    it('completeHandshake: one message each way, both roles Established', async () => {
      const pair = await driver.pair()
      for (const [node, peer] of [[pair.dialer, pair.listener], [pair.listener, pair.dialer]] as const) {
        node.messages$.subscribe((m) => { if (m.stream === 'handshake') node.completeHandshake(m.peerId, m.data, ['alpha']).catch(() => {}) })
        node.events$.subscribe((e) => { if (e.state === ConnectionState.Connected && e.peerId === peer.peerId) node.send(peer.peerId, 'handshake', node.publicKey).catch(() => {}) })
      }
      await introduce(driver, pair)
      await waitForState(pair.dialer, pair.listener.peerId, ConnectionState.Established)
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Established)
    })

    it('failHandshake with redial: false: Disconnected (terminal), reported on errors$; the peer loses the connection', async () => {
      const pair = await driver.pair()
      const errors: string[] = []
      pair.listener.errors$.subscribe(e => errors.push(e.code))
      const listenerEvents = recordEvents(pair.listener)
      await introduce(driver, pair)
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Connected)
      pair.listener.failHandshake(pair.dialer.peerId, new GlueberryError(ErrorCode.HandshakeFailed, 'wrong chain'), { redial: false })
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Disconnected)
      const last = listenerEvents.filter(e => e.peerId === pair.dialer.peerId).at(-1)
      expect(last).toMatchObject({ previous: ConnectionState.Connected, state: ConnectionState.Disconnected, terminal: true })
      expect(last?.error?.code).toBe(ErrorCode.HandshakeFailed)
      expect(errors).toContain(ErrorCode.HandshakeFailed)
      await first(pair.dialer.state$(pair.listener.peerId), s => s !== ConnectionState.Connected && s !== ConnectionState.Connecting)
    })

    it('a handshake that never completes times out: the dialer cools down, the listener sees the connection end', async () => {
      // Only the dialer's timer can fire: the listener's outcome is then the
      // close, not a race between its own timer and that close.
      const pair = await driver.pair({ handshakeTimeout: 300, cooldown: 60_000 }, { handshakeTimeout: 60_000 })
      const dialerCooldown = first(pair.dialer.events$, e => e.state === ConnectionState.Cooldown)
      const listenerLeft = first(pair.listener.events$, e => e.previous === ConnectionState.Connected)
      await introduce(driver, pair)
      const [d, l] = await Promise.all([dialerCooldown, listenerLeft])
      expect(d).toMatchObject({ previous: ConnectionState.Connected, peerId: pair.listener.peerId })
      expect(d.error?.code).toBe(ErrorCode.HandshakeTimeout)
      // The listener knows the dialer without an address: nothing to redial, so it settles Disconnected.
      expect(l).toMatchObject({ state: ConnectionState.Disconnected, peerId: pair.dialer.peerId })
      expect(pair.dialer.peerStats(pair.listener.peerId)?.failureCount).toBe(1)
    })

    it('delivers messages in order, both ways, on several streams, exactly as sent', async () => {
      const { dialer, listener } = await establishedPair(driver, STREAMS)
      const atListener = recordMessages(listener)
      const atDialer = recordMessages(dialer)
      const count = 60
      const sends: Array<Promise<void>> = []
      for (let i = 0; i < count; i++) {
        STREAMS.forEach((stream, s) => {
          sends.push(dialer.send(listener.peerId, stream, numbered(s, i, 8 + (i % 5))))
          sends.push(listener.send(dialer.peerId, stream, numbered(s + 10, i)))
        })
      }
      await Promise.all(sends)
      const total = count * STREAMS.length
      await until(() => atListener.length >= total && atDialer.length >= total)
      for (const [received, from, offset] of [[atListener, dialer.peerId, 0], [atDialer, listener.peerId, 10]] as const) {
        expect(received).toHaveLength(total)
        STREAMS.forEach((stream, s) => {
          const onStream = received.filter(m => m.stream === stream)
          expect(onStream.map(m => indexOf(m.data))).toEqual([...Array(count).keys()])
          onStream.forEach((m, i) => {
            expect(m.peerId).toBe(from)
            expect(m.data).toEqual(numbered(s + offset, i, offset === 0 ? 8 + (i % 5) : 8))
          })
        })
      }
    })
  })
}
