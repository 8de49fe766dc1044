import { expect } from '@jest/globals'
/**
 * handshakeFsm under virtual time. The scheduler runs outside `run()` mode
 * through `flushSettling` (one dash = 10 frames, a group `(ab)` spans as many
 * frames as it has characters), so the node calls' promises settle inside
 * their frame. The peer's messages are a hot marble; what our side did is
 * read from the fake node's call log (`<call>@<frame>`).
 *
 * Legend: I Init, R SentRequest, V ReceivedResponse, F SentFinalize,
 * C Complete; T/M/H/K Failed with HandshakeTimeout / VersionMismatch /
 * HandshakeFailed / PublicKeyMismatch. Peer: q request, r response,
 * f finalize, v a response in a version we refuse, z garbage.
 */
import { filter, map, startWith } from 'rxjs'
import type { TestScheduler } from 'rxjs/testing'
import { handshakeFsm } from '../../operators/index.js'
import { ErrorCode, GlueberryError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { MockNode } from '../../lib/testing/index.js'
import { flushSettling, marbleScheduler } from '../mock-node/virtual-time.js'
import { FakeIo, S, bytes, letter, letterFsm, letterSpec, peerSays, readable } from './helpers.js'

describe('handshakeFsm', () => {
  let scheduler: TestScheduler
  let io: FakeIo

  beforeEach(() => {
    scheduler = marbleScheduler()
    io = new FakeIo(scheduler)
  })

  it('happy path: our request, the peer\'s request, its response, its finalize', async () => {
    const peer = scheduler.createHotObservable('------q---r-----f', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io))
    const subs = scheduler.expectSubscriptions(peer.subscriptions)
    await flushSettling(scheduler)
    out.toBe('(IR)------(VF)--(C|)', S)
    subs.toBe('^---------------!')
    scheduler.flush()
    expect(io.calls).toEqual(['send q@0', 'send r@60', 'prepare blocks@100', 'send f@100', 'finalize@160'])
  })

  it('other order: the peer\'s finalize before its response is kept until we have prepared', async () => {
    const peer = scheduler.createHotObservable('----q--f---r', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io))
    await flushSettling(scheduler)
    out.toBe('(IR)-------(VFC|)', S)
    scheduler.flush()
    expect(io.calls).toEqual(['send q@0', 'send r@40', 'prepare blocks@110', 'send f@110', 'finalize@110'])
  })

  it('answers a request that is already there when it subscribes, before sending its own', async () => {
    // The request is delivered synchronously on subscription, before the FSM sends its own.
    const peer = scheduler.createHotObservable('------r---f', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer.pipe(startWith(peerSays.q)), io))
    await flushSettling(scheduler)
    out.toBe('(IR)--(VF)(C|)', S)
    scheduler.flush()
    expect(io.calls).toEqual(['send r@0', 'send q@0', 'prepare blocks@60', 'send f@60', 'finalize@100'])
  })

  it('resends the request at each timeout and fails with HandshakeTimeout after the last retry', async () => {
    const peer = scheduler.createHotObservable('-', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io, { timeout: 30, retries: 2, scheduler }))
    const subs = scheduler.expectSubscriptions(peer.subscriptions)
    await flushSettling(scheduler)
    out.toBe('(IR)-----(T|)', S)
    subs.toBe('^--------!')
    scheduler.flush()
    expect(io.calls).toEqual(['send q@0', 'send q@30', 'send q@60'])
    expect(scheduler.actions).toHaveLength(0)
  })

  it('a retry rescues a lost request', async () => {
    // The peer only hears our second request (sent at 30).
    const peer = scheduler.createHotObservable('----qr----f', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io, { timeout: 30, retries: 2, scheduler }))
    await flushSettling(scheduler)
    out.toBe('(IR)-(VF)-(C|)', S)
    scheduler.flush()
    // Our finalize is resent at 80 (its step timed out once); the peer's finalize arrives at 100.
    expect(io.calls).toEqual(['send q@0', 'send q@30', 'send r@40', 'prepare blocks@50', 'send f@50', 'send f@80', 'finalize@100'])
  })

  it('times out waiting for the peer\'s finalize: resends ours, then fails', async () => {
    const peer = scheduler.createHotObservable('-q--r', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io, { timeout: 30, retries: 1, scheduler }))
    await flushSettling(scheduler)
    out.toBe('(IR)(VF)--(T|)', S)
    scheduler.flush()
    // q resent at 30 (no response yet); the finalize step starts at 40: f resent at 70, failure at 100.
    expect(io.calls).toEqual(['send q@0', 'send r@10', 'send q@30', 'prepare blocks@40', 'send f@40', 'send f@70'])
  })

  it('fails on a response it refuses (VersionMismatch), without preparing', async () => {
    const peer = scheduler.createHotObservable('----v--f', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io))
    const subs = scheduler.expectSubscriptions(peer.subscriptions)
    await flushSettling(scheduler)
    out.toBe('(IR)(M|)', S)
    subs.toBe('^---!')
    scheduler.flush()
    expect(io.calls).toEqual(['send q@0'])
  })

  it('fails on a message that does not decode (HandshakeFailed)', async () => {
    const peer = scheduler.createHotObservable('----z', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io))
    await flushSettling(scheduler)
    out.toBe('(IR)(H|)', S)
    scheduler.flush()
  })

  it('fails when a node call fails, with that call\'s error', async () => {
    io.failPrepare = new GlueberryError(ErrorCode.PublicKeyMismatch, 'not the peer\'s key')
    const peer = scheduler.createHotObservable('----r', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io))
    await flushSettling(scheduler)
    out.toBe('(IR)(K|)', S)
    scheduler.flush()
  })

  it('fails when the input ends first, and ignores other peers and streams', async () => {
    const stranger = { x: { ...peerSays.r, peerId: 'someone else' }, y: { ...peerSays.r, stream: 'blocks' } }
    const peer = scheduler.createHotObservable('----x-y-|', stranger)
    const out = scheduler.expectObservable(letterFsm(peer, io))
    await flushSettling(scheduler)
    out.toBe('(IR)----(H|)', S)
    scheduler.flush()
    expect(io.calls).toEqual(['send q@0'])
  })

  it('unsubscribing stops the timer, aborts the pending call and unsubscribes the input', async () => {
    io.holdPrepare = true
    const peer = scheduler.createHotObservable('----r', peerSays)
    const out = scheduler.expectObservable(letterFsm(peer, io, { timeout: 30, retries: 5, scheduler }), '^-----!')
    const subs = scheduler.expectSubscriptions(peer.subscriptions)
    await flushSettling(scheduler)
    out.toBe('(IR)', S)
    subs.toBe('^-----!')
    scheduler.flush()
    // q resent at 30; prepare held from 40; nothing after the unsubscription at 60.
    expect(io.calls).toEqual(['send q@0', 'send q@30', 'prepare blocks@40'])
    expect(io.signals.map(s => s.aborted)).toEqual([true])
    expect(scheduler.actions).toHaveLength(0)
  })

  it('refuses bad options synchronously', () => {
    expect(() => handshakeFsm(letterSpec('p', io, { retries: -1 }))).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
    expect(() => handshakeFsm(letterSpec('p', io, { timeout: Number.NaN }))).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})

describe('handshakeFsm on a MockNode', () => {
  let scheduler: TestScheduler
  let node: MockNode
  const peer = MockNode.identity()

  beforeEach(async () => {
    scheduler = marbleScheduler()
    node = new MockNode({ inbound: 'any', scheduler, autoConnect: false })
    await node.start()
    node.simulateConnect(peer.peerId)
  })
  afterEach(async () => { await node.stop() })

  const says = (at: number, c: string): void => {
    scheduler.schedule(() => { node.simulateMessage(peer.peerId, 'handshake', bytes(c)) }, at)
  }
  const fsm = (publicKey: Uint8Array): { toBe: (marbles: string, values: Record<string, string>) => void } => scheduler.expectObservable(node.messages$.pipe(
    filter(m => m.peerId === peer.peerId),
    handshakeFsm(letterSpec(peer.peerId, node, { accept: () => ({ publicKey, streams: ['blocks'] }), scheduler })),
    readable()
  ))

  it('establishes the peer: prepareStreams at its response, finalizeHandshake at its finalize', async () => {
    says(40, 'q')
    says(60, 'r')
    says(100, 'f')
    const out = fsm(peer.publicKey)
    const events = scheduler.expectObservable(node.events$.pipe(map(e => e.state)))
    await flushSettling(scheduler)
    out.toBe('(IR)--(VF)(C|)', S)
    events.toBe('----------E', { E: ConnectionState.Established })
    scheduler.flush()
    expect(node.state(peer.peerId)).toBe(ConnectionState.Established)
    expect(node.sentTo(peer.peerId, 'handshake').map(s => `${letter(s.data)}@${s.sentAt}`)).toEqual(['q@0', 'r@40', 'f@60'])
    expect(node.handshakeCalls.map(c => `${c.method}@${c.at}`)).toEqual(['prepareStreams@60', 'finalizeHandshake@100'])
  })

  it('fails with PublicKeyMismatch when the response carries a key that is not the peer\'s', async () => {
    says(40, 'r')
    const out = fsm(MockNode.identity().publicKey)
    await flushSettling(scheduler)
    out.toBe('(IR)(K|)', S)
    scheduler.flush()
    expect(node.state(peer.peerId)).toBe(ConnectionState.Connected)
  })
})
