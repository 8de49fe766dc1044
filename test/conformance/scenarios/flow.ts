/**
 * Backpressure (a slow consumer holds the sender back, nothing lost), stop
 * during an operation, and statistics counted the same way.
 *
 * @module
 */
import { describe, it, expect, afterEach } from '@jest/globals'
import { ConnectionState, ErrorCode, flowOf, UndeliveredError } from '../../../lib/index.js'
import type { FlowHandle } from '../../../lib/index.js'
import type { PlatformDriver } from '../driver.js'
import { DIVERGENCES } from '../divergences.js'
import { conform, establishedPair, expectCode, indexOf, numbered, recordMessages, titled, until, waitForState } from '../support.js'

const HIGH = 8

export function flowScenarios (driver: PlatformDriver): void {
  describe(`backpressure, stop during operations, statistics [${driver.name}]`, () => {
    afterEach(async () => { await driver.stopAll() })

    it(titled(driver, 'a paused consumer holds the sender back at the high watermark; nothing is lost after resume', DIVERGENCES.sendNeverWaits), async () => {
      const { dialer, listener } = await establishedPair(driver, ['alpha'], { flow: { high: HIGH, low: 2 } })
      const received = recordMessages(listener, 'alpha')
      let handle: FlowHandle | undefined
      const sub = listener.messages$.subscribe((m) => { if (handle === undefined && m.stream === 'alpha') { handle = flowOf(m); handle?.pause() } })
      const total = HIGH * 4
      let accepted = 0
      const loop = (async () => {
        for (let i = 0; i < total; i++) {
          await dialer.send(listener.peerId, 'alpha', numbered(0, i))
          accepted++
        }
      })()
      loop.catch(() => {}) // stopped by afterEach when an assertion failed
      await until(() => handle !== undefined)
      await conform(driver, DIVERGENCES.sendNeverWaits, {
        real: async () => {
          // The outbox is at the watermark (measured: HIGH accepted, 1 of them acknowledged
          // before the pause) and the paused receiver acknowledges nothing more.
          await until(() => accepted >= HIGH - 1 && (dialer.peerStats(listener.peerId)?.streams.alpha?.messagesUnacked ?? 0) >= HIGH - 1)
          expect(accepted).toBeLessThan(total)
          const ctl = new AbortController()
          const waiting = dialer.send(listener.peerId, 'alpha', numbered(9, 9), { signal: ctl.signal })
          ctl.abort()
          await expectCode(async () => { await waiting }, ErrorCode.Backpressure)
          expect(accepted).toBeLessThan(total)
        },
        current: async () => {
          await loop
          expect(accepted).toBe(total)
        }
      })
      handle?.resume()
      await loop
      await until(() => received.length >= total)
      expect(received.map(m => indexOf(m.data))).toEqual([...Array(total).keys()])
      sub.unsubscribe()
    })

    it(titled(driver, 'stop during awaitDelivery: the pending send rejects with UNDELIVERED (reason stopped)', DIVERGENCES.awaitDeliveryImmediate), async () => {
      const { dialer, listener } = await establishedPair(driver, ['alpha'], { drainTimeout: 300 })
      const sub = listener.messages$.subscribe((m) => { if (m.stream === 'alpha') flowOf(m)?.pause() })
      await dialer.send(listener.peerId, 'alpha', numbered(0, 0))
      const pending = dialer.send(listener.peerId, 'alpha', numbered(0, 1), { awaitDelivery: true })
      pending.catch(() => {}) // asserted below; rejects during stop(), before the assertion awaits it
      await until(() => (listener.peerStats(dialer.peerId)?.streams.alpha?.messagesReceived ?? 0) >= 1)
      await conform(driver, DIVERGENCES.awaitDeliveryImmediate, {
        real: async () => {
          await dialer.stop()
          const error = await expectCode(async () => { await pending }, ErrorCode.Undelivered)
          expect(error).toBeInstanceOf(UndeliveredError)
          expect((error as UndeliveredError).reason).toBe('stopped')
        },
        current: async () => {
          await pending
          await dialer.stop()
        }
      })
      sub.unsubscribe()
    })

    it('stop during the handshake: the stopping node completes, the peer sees the connection end', async () => {
      const pair = await driver.pair()
      await pair.dialer.addPeer(pair.listener.peerId, driver.addressOf(pair.listener))
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Connected)
      await pair.dialer.stop()
      expect(pair.dialer.state(pair.listener.peerId)).toBe(ConnectionState.Disconnected)
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Disconnected)
    })

    it('counts messages and payload bytes per peer and stream the same way on both sides', async () => {
      const { dialer, listener } = await establishedPair(driver, ['alpha', 'beta'])
      const base = dialer.peerStats(listener.peerId)
      const sizes = [1, 10, 100, 1000]
      for (const size of sizes) await dialer.send(listener.peerId, 'alpha', new Uint8Array(size))
      await dialer.send(listener.peerId, 'beta', new Uint8Array(7))
      await until(() => (listener.peerStats(dialer.peerId)?.streams.beta?.messagesReceived ?? 0) >= 1 &&
        (listener.peerStats(dialer.peerId)?.streams.alpha?.messagesReceived ?? 0) >= sizes.length)
      const sent = dialer.peerStats(listener.peerId)
      const got = listener.peerStats(dialer.peerId)
      expect(sent?.streams.alpha).toMatchObject({ messagesSent: 4, bytesSent: 1111 })
      expect(sent?.streams.beta).toMatchObject({ messagesSent: 1, bytesSent: 7 })
      expect(got?.streams.alpha).toMatchObject({ messagesReceived: 4, bytesReceived: 1111 })
      expect(got?.streams.beta).toMatchObject({ messagesReceived: 1, bytesReceived: 7 })
      expect((sent?.messagesSent ?? 0) - (base?.messagesSent ?? 0)).toBe(5)
      expect((sent?.bytesSent ?? 0) - (base?.bytesSent ?? 0)).toBe(1118)
      expect(sent).toMatchObject({ connected: true, outbound: true, connectionCount: 1, failureCount: 0 })
      expect(got).toMatchObject({ connected: true, outbound: false, connectionCount: 1, failureCount: 0 })
      await until(() => (dialer.peerStats(listener.peerId)?.streams.alpha?.messagesAcked ?? 0) >= 4)
      expect(dialer.peerStats(listener.peerId)?.streams.alpha).toMatchObject({ messagesAcked: 4, messagesUnacked: 0 })
      const last = await new Promise<{ established: number, connected: number }>((resolve) => {
        dialer.stats$.subscribe((s) => { if (s.messagesSent === sent?.messagesSent) resolve(s) })
      })
      expect(last).toMatchObject({ established: 1, connected: 1 })
    })
  })
}
