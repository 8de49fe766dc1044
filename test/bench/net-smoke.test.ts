/**
 * The network throughput and round-trip benchmarks run end to end on tiny
 * settings: every contender in both placements, real sockets and a real
 * child process. Only the shape of the result is checked, and that every
 * figure is a positive finite number: never a timing (on a shared 2-vCPU
 * machine a timing assertion could only fail at random).
 */
import { describe, expect, it } from '@jest/globals'
import { runThroughput } from '../../bench/net/throughput.js'
import { runRtt } from '../../bench/net/rtt.js'
import { Counter } from '../../bench/net/contenders/counter.js'
import { frame, messageSplitter, payloadOf } from '../../bench/net/contenders/framing.js'
import { CONTENDERS, PLACEMENTS } from '../../bench/net/types.js'
import type { NetBenchOptions } from '../../bench/net/types.js'

const options: NetBenchOptions = { quick: true, log: () => {} }

function expectPositiveFinite (values: readonly number[], count: number): void {
  expect(values).toHaveLength(count)
  for (const value of values) {
    expect(Number.isFinite(value)).toBe(true)
    expect(value).toBeGreaterThan(0)
  }
}

describe('network benchmarks, smoke run', () => {
  it('measures throughput for every contender, placement and size asked for', async () => {
    const sizes = [64, 64 * 1024]
    const cells = await runThroughput(options, { sizes, messages: 200, reps: 1 })
    expect(cells).toHaveLength(CONTENDERS.length * PLACEMENTS.length * sizes.length)
    for (const contender of CONTENDERS) {
      for (const placement of PLACEMENTS) {
        for (const size of sizes) {
          const cell = cells.find((c) => c.contender === contender && c.placement === placement && c.size === size)
          expect(cell).toBeDefined()
          expect(cell?.messages).toBe(200)
          expectPositiveFinite(cell?.reps ?? [], 1)
        }
      }
    }
  }, 60_000)

  it('measures round trips for every contender and placement asked for', async () => {
    const cells = await runRtt(options, { pings: 50, warmup: 10, reps: 1 })
    expect(cells).toHaveLength(CONTENDERS.length * PLACEMENTS.length)
    for (const cell of cells) {
      expect(cell.pings).toBe(50)
      expectPositiveFinite(cell.medianUs, 1)
      expectPositiveFinite(cell.p99Us, 1)
      expect(cell.p99Us[0]).toBeGreaterThanOrEqual(cell.medianUs[0])
    }
    expect(new Set(cells.map((c) => `${c.contender} ${c.placement}`)).size).toBe(cells.length)
  }, 60_000)
})

describe('the receiver refuses to report lost data', () => {
  it('completes a run only on the exact count and bytes', async () => {
    const counter = new Counter()
    const done = counter.expect(2, 10, 5_000)
    counter.add(4)
    counter.add(6)
    await expect(done).resolves.toBeUndefined()
  })

  it('rejects a run whose bytes do not add up', async () => {
    const counter = new Counter()
    const done = counter.expect(2, 10, 5_000)
    counter.add(4)
    counter.add(5)
    await expect(done).rejects.toThrow(/expected 2 messages of 10 bytes/)
  })

  it('rejects a run whose messages never all arrive', async () => {
    const counter = new Counter()
    const done = counter.expect(3, 3, 20)
    counter.add(1)
    await expect(done).rejects.toThrow(/got 1 of 3 messages/)
  })

  it('counts data that arrived before the request (2-proc race)', async () => {
    const counter = new Counter()
    counter.add(7)
    await expect(counter.expect(1, 7, 5_000)).resolves.toBeUndefined()
  })
})

describe('the raw contenders\' message splitter', () => {
  it('finds every message however the bytes are chunked', () => {
    const sizes = [0, 1, 64, 127, 128, 300, 70_000]
    const wire = new Uint8Array(sizes.reduce((n, s) => n + frame(payloadOf(s)).byteLength, 0))
    let at = 0
    for (const size of sizes) {
      const framed = frame(payloadOf(size))
      wire.set(framed, at)
      at += framed.byteLength
    }
    for (const step of [1, 2, 7, 65, 4096, wire.byteLength]) {
      const seen: number[] = []
      const split = messageSplitter((length, pieces) => {
        expect(pieces.reduce((n, p) => n + p.byteLength, 0)).toBe(length)
        seen.push(length)
      }, { onError: (err) => { throw err } })
      for (let i = 0; i < wire.byteLength; i += step) split(wire.subarray(i, i + step))
      expect(seen).toEqual(sizes)
    }
  })

  it('reports a corrupt length instead of throwing', () => {
    const errors: Error[] = []
    const split = messageSplitter(() => {}, { onError: (err) => { errors.push(err) } })
    split(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
    expect(errors).toHaveLength(1)
  })
})
