import { TestScheduler } from 'rxjs/testing'
import { filterPeers, filterStates, onStream } from '../../operators/index.js'
import { ConnectionState } from '../../lib/types.js'

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })

const msg = (peerId: string, stream: string): { peerId: string, stream: string } => ({ peerId, stream })

describe('onStream', () => {
  it('keeps only the named streams and passes completion through', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('  -a-b-c-d-|', { a: msg('p', 'votes'), b: msg('p', 'blocks'), c: msg('p', 'votes'), d: msg('p', 'tx') })
      expectObservable(source.pipe(onStream('votes', 'tx'))).toBe('-a---c-d-|', { a: msg('p', 'votes'), c: msg('p', 'votes'), d: msg('p', 'tx') })
      expectSubscriptions(source.subscriptions).toBe('^--------!')
    })
  })

  it('passes errors through and keeps nothing when no name is given', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', { a: msg('p', 'x') }).pipe(onStream())).toBe('---#')
    })
  })

  it('unsubscribes from the source when unsubscribed', () => {
    scheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c-|', { a: msg('p', 'x'), b: msg('p', 'x'), c: msg('p', 'x') })
      expectObservable(source.pipe(onStream('x')), '^---!').toBe('-a-b', { a: msg('p', 'x'), b: msg('p', 'x') })
      expectSubscriptions(source.subscriptions).toBe('^---!')
    })
  })
})

describe('filterPeers', () => {
  it('keeps the peers of a collection, copied at call time', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const peers = ['p1', 'p3']
      const op = filterPeers(peers)
      peers.push('p2')
      const source = hot('-a-b-c-|', { a: msg('p1', 's'), b: msg('p2', 's'), c: msg('p3', 's') })
      expectObservable(source.pipe(op)).toBe('-a---c-|', { a: msg('p1', 's'), c: msg('p3', 's') })
    })
  })

  it('asks a predicate for every item, and forwards its throw as an error', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a-b-|', { a: msg('p1', 's'), b: msg('boom', 's') })
      const op = filterPeers((id: string) => {
        if (id === 'boom') throw new Error('bad')
        return true
      })
      expectObservable(source.pipe(op)).toBe('-a-#', { a: msg('p1', 's') }, new Error('bad'))
    })
  })
})

describe('filterStates', () => {
  it('keeps the events that enter the given states', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const e = (state: ConnectionState): { state: ConnectionState } => ({ state })
      const source = hot('-a-b-c-|', { a: e(ConnectionState.Connecting), b: e(ConnectionState.Connected), c: e(ConnectionState.Established) })
      expectObservable(source.pipe(filterStates(ConnectionState.Established, ConnectionState.Connecting)))
        .toBe('-a---c-|', { a: e(ConnectionState.Connecting), c: e(ConnectionState.Established) })
    })
  })
})
