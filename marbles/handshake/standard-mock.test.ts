import { expect } from '@jest/globals'
/**
 * standardHandshake on a MockNode under virtual time (outside run mode: one
 * dash = 10 frames), with the remote peer scripted in standard-codec bytes;
 * plus the codec itself.
 */
import { map } from 'rxjs'
import type { TestScheduler } from 'rxjs/testing'
import { ErrorCode } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { MockNode } from '../../lib/testing/index.js'
import { standardHandshake } from '../../lib/handshake/standard.js'
import { MessageType, decodeHandshakeMessage, encodeHandshakeMessage } from '../../lib/handshake/codec.js'
import type { ProtocolVersion } from '../../lib/version.js'
import { flushSettling, marbleScheduler } from '../mock-node/virtual-time.js'
import { S } from './helpers.js'

const V200: ProtocolVersion = { major: 2, minor: 0, patch: 0 }

describe('standardHandshake on a MockNode (virtual time)', () => {
  let scheduler: TestScheduler
  const peer = MockNode.identity()

  beforeEach(() => { scheduler = marbleScheduler() })

  async function setup (): Promise<{ node: MockNode, handshake: ReturnType<typeof standardHandshake> }> {
    const handshake = standardHandshake({ streams: ['blocks'], timeout: 100, retries: 1, scheduler })
    const node = new MockNode({ inbound: 'any', scheduler, autoConnect: false, handshake })
    await node.start()
    return { node, handshake }
  }

  const says = (node: MockNode, at: number, type: MessageType, version = V200, publicKey = peer.publicKey): void => {
    scheduler.schedule(() => {
      node.simulateMessage(peer.peerId, 'handshake', encodeHandshakeMessage({ type, version, publicKey, streams: ['blocks'] }))
    }, at)
  }

  it('establishes a connected peer and sends request, response and finalize in the codec', async () => {
    const { node, handshake } = await setup()
    scheduler.schedule(() => { node.simulateConnect(peer.peerId) }, 10)
    says(node, 50, MessageType.Request)
    says(node, 60, MessageType.Response)
    says(node, 100, MessageType.Finalize)
    const states = scheduler.expectObservable(handshake.states$.pipe(map(s => s.state)))
    await flushSettling(scheduler)
    // states$ spans every peer: it does not complete with one handshake.
    states.toBe('-(IR)-(VF)C', S)
    scheduler.flush()
    expect(node.state(peer.peerId)).toBe(ConnectionState.Established)
    const sent = node.sentTo(peer.peerId, 'handshake').map(s => decodeHandshakeMessage(s.data))
    expect(sent.map(m => m.type)).toEqual([MessageType.Request, MessageType.Response, MessageType.Finalize])
    expect(sent[0]?.publicKey).toEqual(node.publicKey)
    expect(sent[0]?.streams).toEqual(['blocks'])
    expect(node.handshakeCalls.map(c => `${c.method}@${c.at}`)).toEqual(['prepareStreams@60', 'finalizeHandshake@100'])
    await node.stop()
  })

  it('refuses a peer with a newer minor: VersionMismatch on failures$ and errors$, peer dropped for good', async () => {
    const { node, handshake } = await setup()
    scheduler.schedule(() => { node.simulateConnect(peer.peerId) }, 10)
    says(node, 50, MessageType.Request, { major: 2, minor: 1, patch: 0 })
    const failures = scheduler.expectObservable(handshake.failures$.pipe(map(e => `${e.code}:${e.peer === peer.peerId ? 'peer' : '?'}`)))
    const errors = scheduler.expectObservable(node.errors$.pipe(map(e => `${e.code}:${e.peer === peer.peerId ? 'peer' : '?'}`)))
    // Disconnected with no redial to follow: terminal.
    const events = scheduler.expectObservable(node.events$.pipe(map(e => `${e.state}:${String(e.terminal)}`)))
    await flushSettling(scheduler)
    failures.toBe('-----x', { x: `${ErrorCode.VersionMismatch}:peer` })
    errors.toBe('-----x', { x: `${ErrorCode.VersionMismatch}:peer` })
    events.toBe('-c---d', { c: 'Connected:undefined', d: 'Disconnected:true' })
    scheduler.flush()
    expect(node.state(peer.peerId)).toBe(ConnectionState.Disconnected)
    // Nothing answered the refused request.
    expect(node.sentTo(peer.peerId, 'handshake')).toHaveLength(1)
    await node.stop()
  })

  it('times out a silent peer (request resent once) and sends it to Cooldown', async () => {
    const { node, handshake } = await setup()
    scheduler.schedule(() => { node.simulateConnect(peer.peerId) }, 10)
    const failures = scheduler.expectObservable(handshake.failures$.pipe(map(e => e.code)))
    const events = scheduler.expectObservable(node.events$.pipe(map(e => `${e.state}:${e.error?.code ?? ''}`)))
    await flushSettling(scheduler)
    // Connected at 10, request resent at 110, HandshakeTimeout at 210.
    failures.toBe('---------------------t', { t: ErrorCode.HandshakeTimeout })
    events.toBe('-c-------------------d', { c: 'Connected:', d: `Cooldown:${ErrorCode.HandshakeTimeout}` })
    scheduler.flush()
    expect(node.sentTo(peer.peerId, 'handshake').map(s => s.sentAt)).toEqual([10, 110])
    expect(node.state(peer.peerId)).toBe(ConnectionState.Cooldown)
    await node.stop()
  })

  it('turns 5 garbage bytes into a typed failure and a Cooldown, never an exception', async () => {
    const { node, handshake } = await setup()
    scheduler.schedule(() => { node.simulateConnect(peer.peerId) }, 10)
    scheduler.schedule(() => { node.simulateMessage(peer.peerId, 'handshake', Uint8Array.of(1, 2, 3, 4, 5)) }, 50)
    const failures = scheduler.expectObservable(handshake.failures$.pipe(map(e => `${e.code}:${e.peer === peer.peerId ? 'peer' : '?'}`)))
    const events = scheduler.expectObservable(node.events$.pipe(map(e => e.state)))
    await flushSettling(scheduler)
    failures.toBe('-----x', { x: `${ErrorCode.HandshakeFailed}:peer` })
    events.toBe('-c---d', { c: ConnectionState.Connected, d: ConnectionState.Cooldown })
    scheduler.flush()
    await node.stop()
  })

  it('completes failures$ and states$ when the node stops', async () => {
    const { node, handshake } = await setup()
    let done = 0
    handshake.failures$.subscribe({ complete: () => { done++ } })
    handshake.states$.subscribe({ complete: () => { done++ } })
    await node.stop()
    expect(done).toBe(2)
  })

  it('needs streams', () => {
    expect(() => standardHandshake({ streams: [] })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})

describe('standard handshake codec', () => {
  const key = new Uint8Array(32).fill(7)

  it('matches the documented test vector and round-trips', () => {
    const bytes = encodeHandshakeMessage({ type: MessageType.Request, version: V200, publicKey: key, streams: ['messages'] })
    const hex = Buffer.from(bytes).toString('hex')
    expect(hex).toBe('0101' + '00000002' + '00000000' + '00000000' + '07'.repeat(32) + '01' + '08' + Buffer.from('messages').toString('hex'))
    expect(decodeHandshakeMessage(bytes)).toEqual({ type: MessageType.Request, version: V200, publicKey: key, streams: ['messages'] })
  })

  it('refuses other codec versions and malformed messages', () => {
    const good = encodeHandshakeMessage({ type: MessageType.Finalize, version: V200, publicKey: key, streams: ['a', 'b'] })
    const other = good.slice()
    other[0] = 2
    expect(() => decodeHandshakeMessage(other)).toThrow(expect.objectContaining({ code: ErrorCode.UnsupportedVersion }))
    const badType = good.slice()
    badType[1] = 9
    for (const bad of [good.subarray(0, 20), good.subarray(0, good.length - 1), Uint8Array.of(...good, 0), badType, new Uint8Array(0)]) {
      expect(() => decodeHandshakeMessage(bad)).toThrow(expect.objectContaining({ code: ErrorCode.HandshakeFailed }))
    }
    expect(() => encodeHandshakeMessage({ type: MessageType.Request, version: V200, publicKey: key.subarray(1), streams: [] }))
      .toThrow(expect.objectContaining({ code: ErrorCode.HandshakeFailed }))
  })
})
