/**
 * Smoke test of the connect and memory benchmarks: they run end to end with
 * tiny counts, return the documented shapes with positive finite figures,
 * and clean up after themselves. Never a timing assertion: the figures of a
 * shared 2-vCPU machine are not for tests.
 */
import { describe, expect, it } from '@jest/globals'
import { runConnect } from '../../bench/net/connect.js'
import { runMemory } from '../../bench/net/memory.js'
import { SESSION_CONTENDERS } from '../../bench/net/types.js'

const options = { quick: true, log: () => {} }

const positiveFinite = (values: readonly number[]): boolean => values.every((v) => Number.isFinite(v) && v > 0)

describe('network setup benchmarks', () => {
  it('runConnect times every contender', async () => {
    const cells = await runConnect(options, { samples: 5, reps: 1, warmup: 1 })
    expect(cells.map((c) => c.contender)).toEqual([...SESSION_CONTENDERS])
    for (const cell of cells) {
      expect(cell.samples).toBe(5)
      expect(cell.what.length).toBeGreaterThan(0)
      expect(cell.medianMs).toHaveLength(1)
      expect(cell.p90Ms).toHaveLength(1)
      expect(positiveFinite(cell.medianMs)).toBe(true)
      expect(positiveFinite(cell.p90Ms)).toBe(true)
      expect(cell.p90Ms[0]).toBeGreaterThanOrEqual(cell.medianMs[0])
    }
  })

  it('runMemory measures every contender in a child process', async () => {
    const cells = await runMemory(options, { peers: 10, warmupPeers: 2, reps: 1 })
    expect(cells.map((c) => c.contender)).toEqual([...SESSION_CONTENDERS])
    for (const cell of cells) {
      expect(cell.peers).toBe(10)
      expect(cell.what.length).toBeGreaterThan(0)
      expect(cell.heapKiB).toHaveLength(1)
      expect(cell.rssKiB).toHaveLength(1)
      // RSS after GC can even shrink by a page or two on a tiny run: finite, not positive.
      expect(cell.rssKiB.every(Number.isFinite)).toBe(true)
    }
    // Heap growth is real for connections that hold state; a tcp socket is
    // small enough that a tiny run may show noise, so only check the others.
    for (const cell of cells.filter((c) => c.contender !== 'tcp')) expect(positiveFinite(cell.heapKiB)).toBe(true)
  }, 60_000)
})
