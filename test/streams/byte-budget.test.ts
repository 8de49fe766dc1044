import { expect } from '@jest/globals'
import { filter } from 'rxjs'
import { ErrorCode, GlueberryError, flowOf } from '../../lib/index.js'
import type { FlowHandle, IncomingMessage } from '../../lib/index.js'
import { ByteBudget } from '../../lib/streams/byte-budget.js'
import { establishedPair, stopAll } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe('ByteBudget (pure accounting)', () => {
  it('takes up to the limit, refuses past it with Backpressure and takes nothing then', () => {
    const budget = new ByteBudget(100)
    budget.take(60)
    expect(() => { budget.take(41, 'peer', 'chat') }).toThrow(expect.objectContaining({ code: ErrorCode.Backpressure, peer: 'peer', stream: 'chat' }))
    expect(budget.used).toBe(60)
    budget.take(40)
    expect(budget.used).toBe(100)
    budget.give(100)
    expect(budget.used).toBe(0)
  })

  it('refuses a bad limit with InvalidConfig', () => {
    expect(() => new ByteBudget(0)).toThrow(expect.objectContaining({ code: ErrorCode.InvalidConfig }))
  })
})

describe('flow.totalBytes with real nodes', () => {
  it('refuses sends past the node-wide bound with Backpressure, loses nothing accepted, and accepts again once acknowledged', async () => {
    const size = 16 * 1024
    // Four messages fit; the receiver holds its stream paused, so nothing is acknowledged.
    const { a, b } = await establishedPair(['bulk'], { flow: { totalBytes: 4 * size } })
    const received: number[] = []
    let paused: FlowHandle | undefined
    b.messages$.pipe(filter((m) => m.stream === 'bulk')).subscribe((m: IncomingMessage) => {
      received.push(m.data[0])
      if (paused === undefined) {
        paused = flowOf(m)
        paused?.pause()
      }
    })
    const message = (i: number): Uint8Array => new Uint8Array(size).fill(i)
    await a.send(b.peerId, 'bulk', message(0))
    await waitFor(() => paused !== undefined)
    let accepted = 1
    let refusal: unknown
    for (let i = 1; i < 12 && refusal === undefined; i++) {
      try {
        await a.send(b.peerId, 'bulk', message(i))
        accepted++
      } catch (err) {
        refusal = err
      }
    }
    expect(refusal).toBeInstanceOf(GlueberryError)
    expect((refusal as GlueberryError).code).toBe(ErrorCode.Backpressure)
    // At most the bound (plus the one message acknowledged before the pause) was accepted.
    expect(accepted).toBeGreaterThanOrEqual(4)
    expect(accepted).toBeLessThanOrEqual(5)
    // The receiver resumes: every accepted message arrives, in order, and the budget frees up.
    paused?.resume()
    await waitFor(() => received.length === accepted)
    expect(received).toEqual(Array.from({ length: accepted }, (_, i) => i))
    await waitFor(async () => {
      try {
        await a.send(b.peerId, 'bulk', message(200))
        return true
      } catch (err) {
        if (err instanceof GlueberryError && err.code === ErrorCode.Backpressure) return false
        throw err
      }
    })
    await waitFor(() => received.includes(200))
  }, 30_000)
})

async function waitFor (check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
