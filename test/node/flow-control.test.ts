import { filter, lastValueFrom, map, range, take, timer, toArray } from 'rxjs'
import { backpressure, onStream, sendTo } from '../../operators/index.js'
import type { Stream } from '@libp2p/interface'
import { ErrorCode, flowOf } from '../../lib/index.js'
import type { IncomingMessage, Metrics } from '../../lib/index.js'
import { noopMetrics } from '../../lib/observability/metrics.js'
import { MAX_STREAM_WINDOW } from '../../lib/host/libp2p.js'
import { establishedPair, stopAll } from '../helpers/nodes.js'

afterEach(async () => { await stopAll() })

describe('end-to-end flow control with real nodes', () => {
  // The consumer takes each message, pauses its source, and resumes 2 ms
  // later: about a hundred times slower than the sender can send.
  it('a slow consumer gets every message in order; the sender waits; the receiver stays bounded', async () => {
    let engaged = 0
    const metrics: Metrics = { ...noopMetrics, backpressureEngaged: () => { engaged++ } }
    const { a, b } = await establishedPair(['slow'], { metrics, flow: { high: 64, low: 16 } })

    const N = Number(process.env.FLOW_N ?? 1500)
    const size = 4096
    const received: number[] = []
    let maxHeld = 0
    const done = new Promise<void>((resolve) => {
      b.messages$.pipe(filter(m => m.stream === 'slow')).subscribe((m: IncomingMessage) => {
        const flow = flowOf(m)
        flow?.pause()
        received.push(new DataView(m.data.buffer, m.data.byteOffset).getUint32(0))
        const held = readBuffered(b)
        maxHeld = Math.max(maxHeld, held)
        setTimeout(() => {
          flow?.resume()
          if (received.length === N) resolve()
        }, 2)
      })
    })
    const started = performance.now()
    for (let i = 0; i < N; i++) {
      const data = new Uint8Array(size)
      new DataView(data.buffer).setUint32(0, i)
      await a.send(b.peerId, 'slow', data)
    }
    const senderDone = performance.now() - started
    await done
    expect(received).toEqual(Array.from({ length: N }, (_, i) => i))
    // The sender was held back: its queue hit the high watermark, and it
    // finished sending long after it could have if nothing pushed back.
    expect(engaged).toBeGreaterThan(0)
    expect(senderDone).toBeGreaterThan(N * 2 * 0.25)
    // What the receiver holds for this stream never exceeds one receive window
    // (plus the frames of the chunk being handed over).
    expect(maxHeld).toBeLessThanOrEqual(MAX_STREAM_WINDOW + 256 * 1024)
    console.log(`slow consumer: ${N} x ${size} B, sender finished after ${Math.round(senderDone)} ms, max held by receiver ${maxHeld} bytes`)
  }, 60_000)
})

describe('the same with the operators: backpressure() on the receiver, sendTo() on the sender', () => {
  it('loses nothing, keeps order, holds the sender back and keeps the receiver bounded', async () => {
    let engaged = 0
    const metrics: Metrics = { ...noopMetrics, backpressureEngaged: () => { engaged++ } }
    const { a, b } = await establishedPair(['slow'], { metrics, flow: { high: 64, low: 16 } })

    const N = 1200
    let maxHeld = 0
    const received = lastValueFrom(b.messages$.pipe(
      onStream('slow'),
      // The consumer: 2 ms per message, one at a time.
      backpressure(32, 8, {
        process: (m: IncomingMessage) => timer(2).pipe(map(() => {
          maxHeld = Math.max(maxHeld, readBuffered(b))
          return new DataView(m.data.buffer, m.data.byteOffset).getUint32(0)
        }))
      }),
      take(N),
      toArray()
    ))
    const started = performance.now()
    await lastValueFrom(range(0, N).pipe(
      map((i) => {
        const data = new Uint8Array(4096)
        new DataView(data.buffer).setUint32(0, i)
        return data
      }),
      sendTo(a, b.peerId, 'slow')
    ))
    const senderMs = performance.now() - started
    expect(await received).toEqual(Array.from({ length: N }, (_, i) => i))
    expect(engaged).toBeGreaterThan(0)
    expect(senderMs).toBeGreaterThan(N * 2 * 0.25)
    expect(maxHeld).toBeLessThanOrEqual(MAX_STREAM_WINDOW + 256 * 1024)
    console.log(`operators: ${N} x 4096 B, sender finished after ${Math.round(senderMs)} ms, max held by receiver ${maxHeld} bytes`)
  }, 60_000)
})

describe('aborting a send', () => {
  it('rejects with Aborted when the signal is already aborted, and with Backpressure when it aborts while blocked', async () => {
    const { a, b } = await establishedPair(['x'], { flow: { high: 2, low: 1 } })
    const aborted = AbortSignal.abort(new Error('user'))
    await expect(a.send(b.peerId, 'x', Uint8Array.of(1), { signal: aborted })).rejects.toMatchObject({ code: ErrorCode.Aborted })
    // b stops reading after the first message: a's window fills, then its queue.
    b.messages$.pipe(filter(m => m.stream === 'x')).subscribe(m => flowOf(m)?.pause())
    await a.send(b.peerId, 'x', Uint8Array.of(0))
    // Fill the queue until the writer reports it is above the high watermark.
    const big = new Uint8Array(256 * 1024)
    const isBlocked = (): boolean => a.dumpState().peers
      .some(p => (p.streams as { outbound?: Array<{ name: string, blocked: boolean }> } | undefined)?.outbound?.some(o => o.name === 'x' && o.blocked) === true)
    const filling: Array<Promise<void>> = []
    for (let i = 0; i < 200 && !isBlocked(); i++) {
      filling.push(a.send(b.peerId, 'x', big).catch(() => {}))
      await new Promise(resolve => setTimeout(resolve, 5))
    }
    expect(isBlocked()).toBe(true)
    // Now a send must wait in line; aborting it rejects with Backpressure and it is never queued.
    const controller = new AbortController()
    const blocked = a.send(b.peerId, 'x', big, { signal: controller.signal })
    controller.abort(new Error('gave up'))
    await expect(blocked).rejects.toMatchObject({ code: ErrorCode.Backpressure, retriable: true })
  }, 30_000)
})

/** Bytes libp2p holds unread on b's inbound 'slow' streams (its read buffers). */
function readBuffered (node: unknown): number {
  const host = (node as { host: { getConnections: () => Array<{ streams: Stream[] }> } }).host
  let total = 0
  for (const c of host.getConnections()) {
    for (const s of c.streams) {
      if (s.protocol?.includes('/slow/') === true) total += (s as unknown as { readBufferLength: number }).readBufferLength ?? 0
    }
  }
  return total
}
