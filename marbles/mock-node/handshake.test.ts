/**
 * An application-controlled handshake as a protocol flow under virtual
 * time: the saga sends its key when a peer connects and completes the
 * two-phase handshake when the peer's key arrives. One peer answers in time,
 * one too late (its handshake times out into Cooldown, so its answer can no
 * longer arrive), one with a key that is not its own (PublicKeyMismatch).
 */
import { catchError, from, map, merge, mergeMap, of } from 'rxjs'
import type { Observable } from 'rxjs'
import type { TestScheduler } from 'rxjs/testing'
import { filterStates, onStream } from '../../operators/index.js'
import type { GlueberryNode } from '../../lib/api.js'
import { isGlueberryError } from '../../lib/errors.js'
import { ConnectionState } from '../../lib/types.js'
import { MockNode } from '../../lib/testing/index.js'
import { flushSettling, marbleScheduler } from './virtual-time.js'

/** The application under test. Emits what it did, per peer, as `<label>:<outcome>`. */
function handshakeSaga (node: GlueberryNode, streams: string[], label: (peer: string) => string): Observable<string> {
  const hello$ = node.events$.pipe(
    filterStates(ConnectionState.Connected),
    mergeMap(e => from(node.send(e.peerId, 'handshake', node.publicKey)).pipe(map(() => `${label(e.peerId)}:hello`)))
  )
  const complete$ = node.messages$.pipe(
    onStream('handshake'),
    mergeMap(m => from(node.completeHandshake(m.peerId, m.data, streams)).pipe(
      map(() => `${label(m.peerId)}:done`),
      catchError((err: unknown) => of(`${label(m.peerId)}:${isGlueberryError(err) ? err.code : 'bug'}`))
    ))
  )
  return merge(hello$, complete$)
}

describe('an application handshake on a MockNode (virtual time)', () => {
  let scheduler: TestScheduler
  let node: MockNode

  beforeEach(async () => {
    scheduler = marbleScheduler()
    node = new MockNode({ inbound: 'any', scheduler, handshakeTimeout: 100, cooldown: 1000, autoConnect: false })
    await node.start()
  })
  afterEach(async () => { await node.stop() })

  it('establishes peers that answer in time, cools down the slow one, refuses a forged key', async () => {
    const [fast, slow, forger] = [MockNode.identity(), MockNode.identity(), MockNode.identity()]
    const labels = new Map([[fast.peerId, 'F'], [slow.peerId, 'S'], [forger.peerId, 'X']])
    const label = (peer: string): string => labels.get(peer) ?? '?'

    // The remote side: everyone connects at 10; fast answers at 70, the forger at 80 (with fast's key).
    scheduler.schedule(() => { for (const p of [fast, slow, forger]) node.simulateConnect(p.peerId) }, 10)
    scheduler.schedule(() => { node.simulateMessage(fast.peerId, 'handshake', fast.publicKey) }, 70)
    scheduler.schedule(() => { node.simulateMessage(forger.peerId, 'handshake', fast.publicKey) }, 80)

    const saga = scheduler.expectObservable(handshakeSaga(node, ['blocks'], label))
    const events = scheduler.expectObservable(node.events$.pipe(map(e => `${label(e.peerId)}:${e.state}`)))

    await flushSettling(scheduler)

    // (Outside run mode a group of n values spans n + 2 frames of 10: '(abc)' at 10 ends at 60.)
    saga.toBe('-(abc)-FX', { a: 'F:hello', b: 'S:hello', c: 'X:hello', F: 'F:done', X: 'X:PUBLIC_KEY_MISMATCH' })
    // The handshake timer started at 10 fires at 110 for the two peers that never finalized.
    events.toBe('-(fsx)-E---(ST)', {
      f: 'F:Connected', s: 'S:Connected', x: 'X:Connected', E: 'F:Established',
      S: 'S:Cooldown', T: 'X:Cooldown'
    })
    scheduler.flush()
    expect(node.state(fast.peerId)).toBe(ConnectionState.Established)
    expect(node.sentTo(slow.peerId, 'handshake')).toHaveLength(1)
  })
})
