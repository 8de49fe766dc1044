/**
 * A small application tested against the MockNode under virtual time: an
 * echo service written against `GlueberryNode` with the glueberry
 * operators. Pings arrive on a hot marble; the service answers each on the
 * 'pong' stream after some processing time, one at a time (`concatMap`
 * around the `send()` promise); what it sent is read back from `sent$`.
 *
 * The scheduler runs outside `run()` mode (one dash = 10 frames) through
 * `flushSettling`, so the promises of `send()` settle inside their frame.
 * Outside run mode spaces are frames too, so the diagrams are not indented.
 */
import { catchError, concatMap, map, of, timer } from 'rxjs'
import type { Observable, SchedulerLike } from 'rxjs'
import type { TestScheduler } from 'rxjs/testing'
import { filterPeers, onStream } from '../../operators/index.js'
import type { GlueberryNode } from '../../lib/api.js'
import { ErrorCode, isGlueberryError } from '../../lib/errors.js'
import { MockNode } from '../../lib/testing/index.js'
import { flushSettling, marbleScheduler } from './virtual-time.js'

/**
 * The application under test: answers every ping from `peers` with a pong
 * carrying the same bytes, after `work` ms of processing, one ping at a
 * time. Emits 'ok' or the error code of a failed send, and keeps going.
 */
function echoService (node: GlueberryNode, peers: string[], work: number, scheduler: SchedulerLike): Observable<string> {
  return node.messages$.pipe(
    onStream('ping'),
    filterPeers(peers),
    concatMap(m => timer(work, scheduler).pipe(
      concatMap(async () => { await node.send(m.peerId, 'pong', m.data) }),
      map(() => 'ok'),
      catchError((err: unknown) => of(isGlueberryError(err) ? err.code : 'bug'))
    ))
  )
}

const letter = (data: Uint8Array): string => String.fromCharCode(data[0] ?? 63)
const bytesOf = (c: string): Uint8Array => Uint8Array.of(c.charCodeAt(0))

describe('echo service on a MockNode (virtual time)', () => {
  let scheduler: TestScheduler
  let node: MockNode
  const peer = MockNode.identity()
  const stranger = MockNode.identity()

  beforeEach(async () => {
    scheduler = marbleScheduler()
    node = new MockNode({ inbound: 'any', scheduler })
    await node.start()
    for (const p of [peer, stranger]) {
      node.simulateConnect(p.peerId)
      await node.completeHandshake(p.peerId, p.publicKey, ['ping', 'pong'])
    }
  })
  afterEach(async () => { await node.stop() })

  /** Feeds a hot marble of [peer, letter] pings into the node as messages from the remote side. */
  function pings (marbles: string, values: Record<string, [string, string]>): void {
    scheduler.createHotObservable(marbles, values).subscribe(([from, c]) => { node.simulateMessage(from, 'ping', bytesOf(c)) })
  }

  it('answers each ping after 20 ms, queueing pings that arrive while busy', async () => {
    pings('-ab---c-|', { a: [peer.peerId, 'a'], b: [peer.peerId, 'b'], c: [peer.peerId, 'c'] })
    const results = scheduler.expectObservable(echoService(node, [peer.peerId], 20, scheduler))
    const pongs = scheduler.expectObservable(node.sent$.pipe(map(s => `${s.stream}:${letter(s.data)}@${s.sentAt}`)))

    await flushSettling(scheduler)

    // a arrives at 10 and is answered at 30; b (20) waits for a, answered at 50; c (60) at 80.
    results.toBe('---o-o--o', { o: 'ok' })
    pongs.toBe('---a-b--c', { a: 'pong:a@30', b: 'pong:b@50', c: 'pong:c@80' })
    scheduler.flush()
    expect(node.sentTo(peer.peerId, 'pong').map(s => letter(s.data))).toEqual(['a', 'b', 'c'])
  })

  it('ignores other peers and other streams', async () => {
    pings('-ab-|', { a: [stranger.peerId, 'a'], b: [peer.peerId, 'b'] })
    scheduler.schedule(() => { node.simulateMessage(peer.peerId, 'pong', bytesOf('z')) }, 10)
    const results = scheduler.expectObservable(echoService(node, [peer.peerId], 10, scheduler))
    await flushSettling(scheduler)
    results.toBe('---o', { o: 'ok' })
    scheduler.flush()
    expect(node.sent.map(s => letter(s.data))).toEqual(['b'])
  })

  it('reports a failed send and goes on: an injected failure, then a lost session', async () => {
    pings('-a-b-c-|', { a: [peer.peerId, 'a'], b: [peer.peerId, 'b'], c: [peer.peerId, 'c'] })
    node.failNext('send', ErrorCode.StreamClosed)
    // The connection drops at 55, after c arrived (50) but before its answer (60).
    scheduler.schedule(() => { node.simulateDisconnect(peer.peerId) }, 55)
    const results = scheduler.expectObservable(echoService(node, [peer.peerId], 10, scheduler))
    const codes = { f: ErrorCode.StreamClosed, o: 'ok', n: ErrorCode.NotConnected }

    await flushSettling(scheduler)

    // a: injected failure; b: answered; c: its session ended before the answer (not connected, as on the real node).
    results.toBe('--f-o-n', codes)
    scheduler.flush()
    expect(node.sent.map(s => letter(s.data))).toEqual(['b'])
  })
})
