/**
 * MockNode timers under `TestScheduler.run()`: inside `run()` the default
 * asyncScheduler is virtual, so a MockNode built there needs no scheduler
 * option. Only synchronous calls are driven from the diagram here (their
 * effects are synchronous); pipelines that await promises use
 * `flushSettling` (see echo.test.ts).
 */
import { map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { ConnectionState } from '../../lib/types.js'
import { MockNode } from '../../lib/testing/index.js'

const { Disconnected, Connecting, Connected, Reconnecting, Cooldown } = ConnectionState
const STATES = { a: Connecting, b: Connected, c: Cooldown, d: Disconnected, e: Reconnecting }

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })

describe('MockNode lifecycle in virtual time', () => {
  it('handshake timeout, cooldown, backoff and exhausted attempts, frame by frame', () => {
    const ts = scheduler()
    const peer = MockNode.identity()
    let node: MockNode | undefined
    ts.run(({ expectObservable }) => {
      node = new MockNode({ inbound: 'any', handshakeTimeout: 5, cooldown: 3, reconnect: { baseDelay: 4, maxDelay: 100, jitter: 0, maxAttempts: 1 } })
      const n = node
      expectObservable(n.events$.pipe(map(e => e.state))).toBe('(ab)-c--(de)(ab)-c--d', STATES)
      // After the subscription above (also at frame 0): start and add the peer, which auto-connects.
      ts.schedule(() => {
        void n.start()
        void n.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/4001'])
      }, 0)
    })
    expect(node?.state(peer.peerId)).toBe(Disconnected)
    void node?.stop()
  })

  it('a slow dial and a remote disconnect with reconnection', () => {
    const ts = scheduler()
    const peer = MockNode.identity()
    ts.run(({ cold, expectObservable }) => {
      const node = new MockNode({ inbound: 'any', dialDelay: 10, cooldown: 10, reconnect: { baseDelay: 20, jitter: 0 } })
      void node.start()
      void node.addPeer(peer.peerId, ['/ip4/127.0.0.1/tcp/4001'])
      // Connecting at 0 (before the subscription below), Connected at 10.
      cold('30ms x').subscribe(() => { node.simulateDisconnect(peer.peerId) })
      // Lost at 30 before any handshake: a failed handshake, so Cooldown until 40;
      // redialled 20 ms later, connected 10 ms after that; stop() at 100 ends it all.
      expectObservable(node.state$(peer.peerId)).toBe('a 9ms b 19ms c 9ms (de) 16ms a 9ms b 29ms (d|)', STATES)
      cold('100ms x').subscribe(() => { void node.stop() })
    })
  })

  it('stats$ is throttled to one snapshot per 250 ms, leading and trailing, and completes on stop', () => {
    const ts = scheduler()
    const peer = MockNode.identity()
    ts.run(({ cold, expectObservable }) => {
      const node = new MockNode({ inbound: 'any' })
      void node.start()
      node.simulateConnect(peer.peerId)
      cold('100ms a 99ms a 99ms a 299ms a').subscribe(() => { node.simulateMessage(peer.peerId, 'handshake', Uint8Array.of(1)) })
      cold('1100ms x').subscribe(() => { void node.stop() })
      // 0 at once; 100 and 200 -> 250; 300 -> 500; 600 -> 750; the disconnect of stop() at 1100, then completion.
      expectObservable(node.stats$.pipe(map(s => `${s.messagesReceived}/${s.connected}`)))
        .toBe('a 249ms b 249ms c 249ms d 349ms (e|)', { a: '0/1', b: '2/1', c: '3/1', d: '4/1', e: '4/0' })
    })
  })

  it('stop() delivers a pending trailing snapshot at once instead of 250 ms later', () => {
    const ts = scheduler()
    const peer = MockNode.identity()
    ts.run(({ cold, expectObservable }) => {
      const node = new MockNode({ inbound: 'any' })
      void node.start()
      node.simulateConnect(peer.peerId)
      cold('10ms a').subscribe(() => { node.simulateMessage(peer.peerId, 'handshake', Uint8Array.of(1)) })
      cold('20ms x').subscribe(() => { void node.stop() })
      expectObservable(node.stats$.pipe(map(s => [s.messagesReceived, s.connected]))).toBe('a 19ms (b|)', { a: [0, 1], b: [1, 0] })
    })
  })
})
