/**
 * A typed error, with the same code on every platform, for every bad call of
 * the public API.
 *
 * @module
 */
import { describe, it, afterEach } from '@jest/globals'
import { ConnectionState, ErrorCode, GlueberryError } from '../../../lib/index.js'
import type { GlueberryNode } from '../../../lib/index.js'
import type { PlatformDriver } from '../driver.js'
import { DIVERGENCES } from '../divergences.js'
import { conform, establishedPair, expectCode, titled, waitForState } from '../support.js'

const aborted = (): AbortSignal => AbortSignal.abort(new Error('test'))
const data = Uint8Array.of(1, 2, 3)

export function errorScenarios (driver: PlatformDriver): void {
  describe(`errors for bad calls [${driver.name}]`, () => {
    afterEach(async () => { await driver.stopAll() })

    it('before start: every call that needs a started node is NODE_NOT_STARTED', async () => {
      const node = await driver.created()
      const { peerId, publicKey } = await driver.stranger()
      await expectCode(async () => { await node.connect(peerId) }, ErrorCode.NodeNotStarted)
      await expectCode(async () => { await node.disconnect(peerId) }, ErrorCode.NodeNotStarted)
      await expectCode(async () => { await node.send(peerId, 'alpha', data) }, ErrorCode.NodeNotStarted)
      await expectCode(async () => { await node.prepareStreams(peerId, publicKey, ['alpha']) }, ErrorCode.NodeNotStarted)
      await expectCode(async () => { await node.finalizeHandshake(peerId) }, ErrorCode.NodeNotStarted)
      await expectCode(async () => { await node.completeHandshake(peerId, publicKey, ['alpha']) }, ErrorCode.NodeNotStarted)
      await expectCode(() => { node.cancelReconnection(peerId) }, ErrorCode.NodeNotStarted)
      await expectCode(() => { node.failHandshake(peerId, new GlueberryError(ErrorCode.HandshakeFailed, 'no')) }, ErrorCode.NodeNotStarted)
    })

    it('after stop: every call is NODE_STOPPED', async () => {
      const node = await driver.started()
      const { peerId, publicKey } = await driver.stranger()
      await node.stop()
      await expectCode(async () => { await node.start() }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.addPeer(peerId, []) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.removePeer(peerId) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.blacklist(peerId) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.unblacklist(peerId) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.connect(peerId) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.disconnect(peerId) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.send(peerId, 'alpha', data) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.prepareStreams(peerId, publicKey, ['alpha']) }, ErrorCode.NodeStopped)
      await expectCode(async () => { await node.finalizeHandshake(peerId) }, ErrorCode.NodeStopped)
      await expectCode(() => { node.cancelReconnection(peerId) }, ErrorCode.NodeStopped)
    })

    it(titled(driver, 'bad peer ids, unknown and blacklisted peers, bad multiaddrs and metadata', DIVERGENCES.sendBadPeerIdNotConnected), async () => {
      const node = await driver.started()
      const { peerId, publicKey } = await driver.stranger()
      for (const bad of ['', 'not-a-peer-id', 'QmNotReally']) {
        await expectCode(async () => { await node.addPeer(bad, []) }, ErrorCode.InvalidPeerId)
        await expectCode(async () => { await node.removePeer(bad) }, ErrorCode.InvalidPeerId)
        await expectCode(async () => { await node.connect(bad) }, ErrorCode.InvalidPeerId)
        await expectCode(async () => { await node.disconnect(bad) }, ErrorCode.InvalidPeerId)
        await expectCode(async () => { await node.blacklist(bad) }, ErrorCode.InvalidPeerId)
        await expectCode(async () => { await node.prepareStreams(bad, publicKey, ['alpha']) }, ErrorCode.InvalidPeerId)
        await expectCode(async () => { await node.finalizeHandshake(bad) }, ErrorCode.InvalidPeerId)
        await conform(driver, DIVERGENCES.sendBadPeerIdNotConnected, {
          real: async () => { await expectCode(async () => { await node.send(bad, 'handshake', data) }, ErrorCode.InvalidPeerId) },
          current: async () => { await expectCode(async () => { await node.send(bad, 'handshake', data) }, ErrorCode.NotConnected) }
        })
        await expectCode(() => { node.failHandshake(bad, new GlueberryError(ErrorCode.HandshakeFailed, 'no')) }, ErrorCode.InvalidPeerId)
      }
      await expectCode(async () => { await node.connect(node.peerId) }, ErrorCode.InvalidPeerId)
      await expectCode(async () => { await node.connect(peerId) }, ErrorCode.PeerNotFound)
      await expectCode(async () => { await node.removePeer(peerId) }, ErrorCode.PeerNotFound)
      await expectCode(async () => { await node.addPeer(peerId, ['not a multiaddr']) }, ErrorCode.InvalidMultiaddr)
      await expectCode(async () => { await node.addPeer(peerId, [], { big: 'x'.repeat(5000) }) }, ErrorCode.MetadataTooLarge)
      await expectCode(async () => { await node.blacklist(peerId, 'x'.repeat(5000)) }, ErrorCode.MetadataTooLarge)
      await expectCode(() => node.isOutbound(peerId), ErrorCode.NotConnected)
      await node.blacklist(peerId)
      await expectCode(async () => { await node.addPeer(peerId, []) }, ErrorCode.PeerBlacklisted)
      await expectCode(async () => { await node.connect(peerId) }, ErrorCode.PeerBlacklisted)
      await expectCode(async () => { await node.connect(peerId, { signal: aborted() }) }, ErrorCode.PeerBlacklisted)
    })

    it('send: unknown peer, bad stream names, wrong types, oversized messages, aborted signals', async () => {
      const node = await driver.started({ maxMessageSize: 1024 })
      const { peerId } = await driver.stranger()
      await expectCode(async () => { await node.send(peerId, 'handshake', data) }, ErrorCode.NotConnected)
      for (const name of ['', 'has space', 'slash/name', 'x'.repeat(65), 'é'.normalize('NFD')]) {
        await expectCode(async () => { await node.send(peerId, name, data) }, ErrorCode.InvalidStreamName)
      }
      await expectCode(async () => { await node.send(peerId, 42 as unknown as string, data) }, ErrorCode.InvalidStreamName)
      await expectCode(async () => { await node.send(peerId, 'alpha', 'text' as unknown as Uint8Array) }, ErrorCode.MalformedRecord)
      await expectCode(async () => { await node.send(peerId, 'alpha', new Uint8Array(1025)) }, ErrorCode.MessageTooLarge)
      await expectCode(async () => { await node.send(peerId, 'alpha', data, { signal: aborted() }) }, ErrorCode.Aborted)
    })

    it('prepareStreams and finalizeHandshake: bad keys, bad names, out of order, aborted', async () => {
      const { dialer, listener } = await establishedPair(driver, ['alpha'])
      const other = await driver.stranger()
      const peer = listener.peerId
      const key = listener.publicKey
      await expectCode(async () => { await dialer.prepareStreams(peer, new Uint8Array(31), ['alpha']) }, ErrorCode.InvalidKey)
      await expectCode(async () => { await dialer.prepareStreams(peer, 'key' as unknown as Uint8Array, ['alpha']) }, ErrorCode.InvalidKey)
      await expectCode(async () => { await dialer.prepareStreams(peer, other.publicKey, ['alpha']) }, ErrorCode.PublicKeyMismatch)
      await expectCode(async () => { await dialer.prepareStreams(peer, key, []) }, ErrorCode.InvalidStreamName)
      await expectCode(async () => { await dialer.prepareStreams(peer, key, ['handshake']) }, ErrorCode.InvalidStreamName)
      await expectCode(async () => { await dialer.prepareStreams(peer, key, ['bad name']) }, ErrorCode.InvalidStreamName)
      await expectCode(async () => { await dialer.prepareStreams(peer, key, ['alpha'], { signal: aborted() }) }, ErrorCode.Aborted)
      await expectCode(async () => { await dialer.finalizeHandshake(other.peerId) }, ErrorCode.HandshakeFailed)
      await expectCode(async () => { await dialer.send(peer, 'beta', data) }, ErrorCode.StreamNotPrepared)
    })

    it(titled(driver, 'send to a known peer that is not connected, on a stream never prepared: NOT_CONNECTED first', DIVERGENCES.notPreparedBeforeNotConnected), async () => {
      const pair = await driver.pair()
      await waitForState(pair.listener, pair.dialer.peerId, ConnectionState.Disconnected)
      const node: GlueberryNode = pair.listener
      await conform(driver, DIVERGENCES.notPreparedBeforeNotConnected, {
        real: async () => { await expectCode(async () => { await node.send(pair.dialer.peerId, 'alpha', data) }, ErrorCode.NotConnected) },
        current: async () => { await expectCode(async () => { await node.send(pair.dialer.peerId, 'alpha', data) }, ErrorCode.StreamNotPrepared) }
      })
    })
  })
}
