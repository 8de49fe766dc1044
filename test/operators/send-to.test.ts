import { Subject, from, lastValueFrom, toArray } from 'rxjs'
import { sendTo } from '../../operators/index.js'
import { ErrorCode, GlueberryError, UndeliveredError } from '../../lib/errors.js'

interface FakeNode {
  node: { send: (peer: string, stream: string, data: Uint8Array, options?: { signal?: AbortSignal }) => Promise<void> }
  /** First byte of every send() called, in call order. */
  started: number[]
  /** First byte of every send() that resolved, in order. */
  sent: number[]
  /** From now on, every send() waits for release(). */
  hold: () => void
  /** Lets the sends waiting now go on; later sends still wait. */
  release: () => void
  signals: AbortSignal[]
}

/** A node whose send() calls are recorded and can be held open. */
function fakeNode (): FakeNode {
  const started: number[] = []
  const sent: number[] = []
  const signals: AbortSignal[] = []
  let held: Array<() => void> | undefined
  return {
    started,
    sent,
    signals,
    hold: () => { held = [] },
    release: () => { const h = held ?? []; if (held !== undefined) held = []; for (const r of h) r() },
    node: {
      send: async (_peer, _stream, data, options) => {
        started.push(data[0])
        if (options?.signal !== undefined) signals.push(options.signal)
        if (data[0] === 255) throw new GlueberryError(ErrorCode.NotConnected, 'gone')
        if (held !== undefined) {
          await new Promise<void>((resolve, reject) => {
            held?.push(resolve)
            options?.signal?.addEventListener('abort', () => reject(new GlueberryError(ErrorCode.Backpressure, 'aborted')), { once: true })
          })
        }
        sent.push(data[0])
      }
    }
  }
}

/** Lets every pending promise callback and timer of this turn run. */
async function settle (): Promise<void> {
  await new Promise<void>(resolve => { setImmediate(resolve) })
}

describe('sendTo', () => {
  it('sends every item in order and passes each on once accepted', async () => {
    const { node, sent } = fakeNode()
    const out = await lastValueFrom(from([1, 2, 3].map(n => Uint8Array.of(n))).pipe(sendTo(node, 'p', 's'), toArray()))
    expect(out.map(d => d[0])).toEqual([1, 2, 3])
    expect(sent).toEqual([1, 2, 3])
  })

  it('waits while a send waits, without reordering: the next send starts only once the one before is accepted', async () => {
    const f = fakeNode()
    const source = new Subject<Uint8Array>()
    const done = lastValueFrom(source.pipe(sendTo(f.node, 'p', 's'), toArray()))
    f.hold()
    source.next(Uint8Array.of(1))
    source.next(Uint8Array.of(2))
    source.complete()
    await settle()
    expect(f.started).toEqual([1])
    expect(f.sent).toEqual([])
    f.release()
    await settle()
    expect(f.started).toEqual([1, 2])
    expect(f.sent).toEqual([1])
    f.release()
    expect((await done).map(d => d[0])).toEqual([1, 2])
    expect(f.sent).toEqual([1, 2])
  })

  it('errors with the failed send and sends nothing after it', async () => {
    const { node, sent } = fakeNode()
    const err = await lastValueFrom(from([1, 255, 3].map(n => Uint8Array.of(n))).pipe(sendTo(node, 'p', 's'))).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: ErrorCode.NotConnected })
    expect(sent).toEqual([1])
  })

  it('aborts a send still waiting when unsubscribed', async () => {
    const f = fakeNode()
    f.hold()
    const source = new Subject<Uint8Array>()
    const sub = source.pipe(sendTo(f.node, 'p', 's')).subscribe({ error: () => {} })
    source.next(Uint8Array.of(1))
    await settle()
    expect(f.started).toEqual([1])
    expect(f.signals[0]?.aborted).toBe(false)
    sub.unsubscribe()
    expect(f.signals[0]?.aborted).toBe(true)
    // A release after the abort finds the send already rejected: it never completes.
    f.release()
    await settle()
    expect(f.sent).toEqual([])
  })
})

describe('sendTo with awaitDelivery', () => {
  it('asks the node to wait for the acknowledgement of every item, and errors with an undelivered item\'s error', async () => {
    const asked: Array<boolean | undefined> = []
    const lost = new UndeliveredError({ peer: 'p', stream: 's', count: 1, firstSeq: 1, lastSeq: 1, reason: 'remote-restarted' })
    const node = {
      send: async (_peer: string, _stream: string, data: Uint8Array, options?: { signal?: AbortSignal, awaitDelivery?: boolean }) => {
        asked.push(options?.awaitDelivery)
        if (data[0] === 2) throw lost
      }
    }
    const out: number[] = []
    const failure = await lastValueFrom(from([1, 2, 3].map(n => Uint8Array.of(n))).pipe(sendTo(node, 'p', 's', { awaitDelivery: true })))
      .then(() => undefined, (err: unknown) => err)
    await lastValueFrom(from([9].map(n => Uint8Array.of(n))).pipe(sendTo(node, 'p', 's'))).then(d => out.push(d[0]))
    expect(failure).toBe(lost)
    expect(asked).toEqual([true, true, false])
    expect(out).toEqual([9])
  })
})
