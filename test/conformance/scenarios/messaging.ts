/**
 * Handshake in both roles and ordered messages both ways on several streams.
 *
 * @module
 */
import { describe, it, expect, afterEach } from '@jest/globals'
import { ConnectionState } from '../../../lib/index.js'
import type { PlatformDriver } from '../driver.js'
import { establishedPair, indexOf, numbered, recordEvents, recordMessages, transitions, until, keyHandshake, introduce, waitForState } from '../support.js'

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
