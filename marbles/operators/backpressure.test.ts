import { expect } from '@jest/globals'
import { TestScheduler } from 'rxjs/testing'
import { NEVER, of } from 'rxjs'
import { backpressure } from '../../operators/index.js'
import { createMessage } from '../../lib/flow.js'
import type { FlowHandle } from '../../lib/flow.js'
import type { IncomingMessage } from '../../lib/types.js'
import { ErrorCode } from '../../lib/errors.js'

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => { expect(actual).toEqual(expected) })

/** A flow handle that records pause/resume with the virtual time. */
function recordingFlow (key: string, log: string[], now: () => number): FlowHandle {
  return { key, pause: () => log.push(`pause ${key}@${now()}`), resume: () => log.push(`resume ${key}@${now()}`) }
}

describe('backpressure', () => {
  it('pauses a source at high pending items and resumes it at low, with the work in process', () => {
    const ts = scheduler()
    ts.run(({ hot, cold, expectObservable }) => {
      const log: string[] = []
      const flow = recordingFlow('p/votes', log, () => ts.now())
      const m = (n: number): IncomingMessage => createMessage('p', 'votes', Uint8Array.of(n), 0, flow)
      const values = { a: m(1), b: m(2), c: m(3), d: m(4), e: m(5) }
      const source = hot('-a-b-c-d-e-------|', values)
      const out = source.pipe(backpressure(3, 1, { process: (msg: IncomingMessage) => cold('---(x|)', { x: msg.data[0] }) }))
      // one at a time, 3 frames each: a at 1 -> 4, b 4 -> 7, c 7 -> 10, d 10 -> 13, e 13 -> 16
      expectObservable(out).toBe('----x--y--z--v--w|', { x: 1, y: 2, z: 3, v: 4, w: 5 })
      ts.flush()
      // At 7, d arrives while b is still running and c waits: 3 pending -> pause.
      // d finishes at 13: only e is left (1 = low) -> resume.
      expect(log).toEqual(['pause p/votes@7', 'resume p/votes@13'])
    })
  })

  it('counts each peer/stream apart: a slow source pauses, the others are untouched', () => {
    const ts = scheduler()
    ts.run(({ hot, cold, expectObservable }) => {
      const log: string[] = []
      const busy = recordingFlow('p1/x', log, () => ts.now())
      const other = recordingFlow('p2/x', log, () => ts.now())
      const values = {
        a: createMessage('p1', 'x', Uint8Array.of(1), 0, busy),
        b: createMessage('p1', 'x', Uint8Array.of(2), 0, busy),
        o: createMessage('p2', 'x', Uint8Array.of(9), 0, other),
        c: createMessage('p1', 'x', Uint8Array.of(3), 0, busy)
      }
      const source = hot('-aboc---|', values)
      const out = source.pipe(backpressure(3, 1, { process: (msg: IncomingMessage) => cold('-----(x|)', { x: msg.data[0] }) }))
      // One at a time, 5 frames each: a 1 -> 6, b 6 -> 11, o 11 -> 16, c 16 -> 21.
      expectObservable(out).toBe('------a----b----o----(c|)', { a: 1, b: 2, o: 9, c: 3 })
      ts.flush()
      // At 3, three items wait in all (a, b, o) but only two of p1/x: nothing pauses.
      // At 4, c makes three of p1/x: p1/x pauses; b done at 11 leaves one (c): resumed.
      // p2/x never has more than one pending, so it is never paused.
      expect(log).toEqual(['pause p1/x@4', 'resume p1/x@11'])
    })
  })

  it('buffers a source that cannot be paused up to maxBuffer, then applies the overflow policy', () => {
    const dropped: string[] = []
    scheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot('-a-b-c-d-|')
      const work = (v: string) => cold('----(x|)', { x: v.toUpperCase() })
      // a runs 1-5 while b waits; c arrives at 5 with b still waiting: dropped.
      expectObservable(source.pipe(backpressure(2, 1, { process: work, maxBuffer: 1, overflow: 'drop-newest', onDrop: v => dropped.push(v) })))
        .toBe('-----x---y---(z|)', { x: 'A', y: 'B', z: 'D' })
      expectObservable(source.pipe(backpressure(2, 1, { process: work, maxBuffer: 1 })))
        .toBe('-----#', {}, expect.objectContaining({ code: ErrorCode.Backpressure }))
    })
    expect(dropped).toEqual(['c'])
  })

  it('drop-oldest keeps the newest items', () => {
    const dropped: string[] = []
    scheduler().run(({ hot, cold, expectObservable }) => {
      const source = hot('-abc---|')
      const work = (v: string) => cold('---(x|)', { x: v })
      // a runs 1-4; b waits; c arrives at 3 and pushes b out.
      expectObservable(source.pipe(backpressure(2, 1, { process: work, maxBuffer: 1, overflow: 'drop-oldest', onDrop: v => dropped.push(v) })))
        .toBe('----a--(c|)')
    })
    expect(dropped).toEqual(['b'])
  })

  it('passes errors through and resumes every paused source on unsubscribe', () => {
    const ts = scheduler()
    ts.run(({ hot, expectObservable, expectSubscriptions }) => {
      const log: string[] = []
      const flow = recordingFlow('k', log, () => ts.now())
      const v = { a: createMessage('p', 's', Uint8Array.of(1), 0, flow) }
      const source = hot('-a-a-a-a-a', v)
      expectObservable(source.pipe(backpressure(2, 0, { process: () => NEVER })), '^------!').toBe('')
      expectSubscriptions(source.subscriptions).toBe('^------!')
      ts.flush()
      expect(log).toEqual(['pause k@3', 'resume k@7'])
    })
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#').pipe(backpressure(2, 1))).toBe('-a-#')
    })
  })

  it('accepts a process result that completes synchronously (of(x), an array) and resumes the source', () => {
    const ts = scheduler()
    ts.run(({ hot, expectObservable }) => {
      const log: string[] = []
      const flow = recordingFlow('p/votes', log, () => ts.now())
      const m = (n: number): IncomingMessage => createMessage('p', 'votes', Uint8Array.of(n), 0, flow)
      const source = hot('-a-b-c|', { a: m(1), b: m(2), c: m(3) })
      const out = source.pipe(backpressure(2, 1, { process: (msg: IncomingMessage) => [msg.data[0] * 10] }))
      expectObservable(out).toBe('-x-y-z|', { x: 10, y: 20, z: 30 })
      ts.flush()
      // Each item is done before the next arrives: never 2 pending, never paused.
      expect(log).toEqual([])
    })
    const values: number[] = []
    of(1, 2, 3).pipe(backpressure(10, 1, { process: (x: number) => of(x * 10) })).subscribe(v => values.push(v))
    expect(values).toEqual([10, 20, 30])
  })

  it('refuses watermarks that make no sense', () => {
    expect(() => backpressure(1, 1)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
    expect(() => backpressure(0, 0)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
    expect(() => backpressure(5, 1, { concurrency: 0 })).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})
