/**
 * Connect-time benchmark: from nothing to a usable session, three contenders
 * side by side in one run.
 *
 *   node --import ./bench/register.js bench/net/connect.ts [--quick] [--json]
 *
 * - `tcp`: node:net connect to a listening server on 127.0.0.1, timed to the
 *   client's 'connect' event;
 * - `libp2p`: raw js-libp2p (glueberry's own host configuration) dial +
 *   upgrade (TCP, multistream-select, Noise XX, yamux), timed until the
 *   connection is open on BOTH sides (`dial()` resolved on the dialer and
 *   `connection:open` on the listener), the same end point as glueberry's;
 * - `glueberry`: from `addPeer()` (which dials at once on a started node) to
 *   Established on both sides through the standard handshake.
 *
 * Every libp2p and glueberry sample uses a FRESH dialer node against one
 * listener per rep. A reused dialer would redial a peer it already knows: its
 * peer store holds the listener's addresses and protocols, glueberry's
 * address book already has the peer (addPeer would not dial again), and a
 * torn-down glueberry session can leave the pair in reconnection or
 * cooldown. A fresh dialer makes every sample a first contact, alike for
 * both contenders. Node start-up and shutdown are never timed: the dialer is
 * started before the clock starts and stopped after it stops, and the next
 * sample waits until the listener has seen the previous peer go, so one
 * sample's teardown never overlaps the next one's clock.
 *
 * Reps are taken round-robin across the contenders (as in bench/harness.ts),
 * each after a few untimed warm-up samples; a cell has one median and one p90
 * per rep.
 *
 * @module
 */
import { once } from 'node:events'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import type { Connection } from '@libp2p/interface'
import type { GlueberryNode } from '../../lib/index.js'
import { ConnectionState } from '../../lib/index.js'
import type { Host } from '../../lib/host/libp2p.js'
import { median, table } from '../harness.js'
import { established, startGlueberry, startRawLibp2p, stopRawLibp2p } from './nodes.js'
import { SESSION_CONTENDERS } from './types.js'
import type { SessionContender } from './types.js'
import type { ConnectCell, NetBenchOptions } from './types.js'

export interface ConnectOverrides {
  /** Timed connections per rep. Default 50 (quick: 15). */
  samples?: number
  /** Reps per contender. Default 3 (quick: 2). */
  reps?: number
  /** Untimed connections before each rep. Default 3 (quick: 2). */
  warmup?: number
  /** Default all three. */
  contenders?: readonly SessionContender[]
}

/** How long one sample, or the listener noticing a departed peer, may take before the run fails. */
const SAMPLE_TIMEOUT_MS = 15_000

export const CONNECT_WHAT: Readonly<Record<SessionContender, string>> = Object.freeze({
  tcp: 'node:net connect to 127.0.0.1, to the client\'s \'connect\' event',
  libp2p: 'raw libp2p dial + upgrade (TCP, mss, Noise XX, yamux) from a fresh node, to the connection open on both sides',
  glueberry: 'addPeer() from a fresh node to Established on both sides (dial + upgrade + standard handshake)'
})

/** One contender's listener for a rep; `sample()` times one new connection and tears it down. */
interface Bench {
  sample: () => Promise<number>
  close: () => Promise<void>
}

/** The nearest-rank percentile (p in 0..1) of unsorted values. */
export function percentile (values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

async function withTimeout<T> (promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what} took more than ${SAMPLE_TIMEOUT_MS} ms`)) }, SAMPLE_TIMEOUT_MS)
  })
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}

async function tcpBench (): Promise<Bench> {
  const accepted = new Set<net.Socket>()
  let departed: (() => void) | undefined
  const server = net.createServer((socket) => {
    accepted.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => {
      accepted.delete(socket)
      if (accepted.size === 0) departed?.()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    async sample () {
      const start = performance.now()
      const socket = net.connect({ host: '127.0.0.1', port })
      await withTimeout(once(socket, 'connect'), 'tcp connect')
      const elapsed = performance.now() - start
      // Wait for the server's side to close too, so the next sample starts clean.
      const gone = new Promise<void>((resolve) => { departed = resolve })
      socket.destroy()
      if (accepted.size > 0) await withTimeout(gone, 'tcp close')
      departed = undefined
      return elapsed
    },
    async close () {
      for (const socket of accepted) socket.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

/** Resolves when `listener` has no connection left to `dialer` (polled: there is no per-peer close event to await once it is already gone). */
async function connectionsGone (listener: Host, dialer: Host): Promise<void> {
  const deadline = performance.now() + SAMPLE_TIMEOUT_MS
  while (listener.getConnections(dialer.peerId).length > 0) {
    if (performance.now() > deadline) throw new Error('the libp2p listener kept a closed connection')
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
}

async function libp2pBench (): Promise<Bench> {
  const listener = await startRawLibp2p()
  const address = listener.getMultiaddrs()[0]
  return {
    async sample () {
      const dialer = await startRawLibp2p()
      try {
        const remote = dialer.peerId
        // Listen before the clock starts; the listener's upgrade completes after the dialer's.
        const opened = new Promise<void>((resolve) => {
          const onOpen = (event: CustomEvent<Connection>): void => {
            if (!event.detail.remotePeer.equals(remote)) return
            listener.removeEventListener('connection:open', onOpen)
            resolve()
          }
          listener.addEventListener('connection:open', onOpen)
        })
        const start = performance.now()
        await withTimeout(Promise.all([dialer.dial(address), opened]), 'libp2p dial')
        return performance.now() - start
      } finally {
        await stopRawLibp2p(dialer)
        await connectionsGone(listener, dialer)
      }
    },
    async close () {
      await stopRawLibp2p(listener)
    }
  }
}

async function glueberryBench (): Promise<Bench> {
  const listener = await startGlueberry()
  const target = { peerId: listener.peerId, multiaddrs: [...listener.multiaddrs] }
  return {
    async sample () {
      const dialer: GlueberryNode = await startGlueberry()
      try {
        // Subscribe on both sides before the clock starts (established() subscribes synchronously).
        const both = Promise.all([established(dialer, target.peerId, SAMPLE_TIMEOUT_MS), established(listener, dialer.peerId, SAMPLE_TIMEOUT_MS)])
        const start = performance.now()
        await Promise.all([dialer.addPeer(target.peerId, target.multiaddrs), both])
        return performance.now() - start
      } finally {
        const gone = listenerForgot(listener, dialer.peerId)
        await dialer.stop()
        await gone
      }
    },
    async close () {
      await listener.stop()
    }
  }
}

/** Resolves when the listener has seen `peerId` disconnect. */
async function listenerForgot (listener: GlueberryNode, peerId: string): Promise<void> {
  if (listener.state(peerId) === ConnectionState.Disconnected) return
  await withTimeout(new Promise<void>((resolve) => {
    const subscription = listener.state$(peerId).subscribe((state) => {
      if (state !== ConnectionState.Disconnected) return
      queueMicrotask(() => { subscription.unsubscribe() })
      resolve()
    })
  }), 'glueberry listener noticing the disconnect')
}

const BENCHES: Readonly<Record<SessionContender, () => Promise<Bench>>> = { tcp: tcpBench, libp2p: libp2pBench, glueberry: glueberryBench }

/**
 * Runs the connect benchmark: one cell per contender, one median and p90 per
 * rep. Every node, socket and server it starts is stopped before it returns.
 */
export async function runConnect (options: NetBenchOptions, overrides: ConnectOverrides = {}): Promise<ConnectCell[]> {
  const samples = overrides.samples ?? (options.quick ? 15 : 50)
  const reps = overrides.reps ?? (options.quick ? 2 : 3)
  const warmup = overrides.warmup ?? (options.quick ? 2 : 3)
  const contenders = overrides.contenders ?? SESSION_CONTENDERS
  const cells: ConnectCell[] = contenders.map((contender) => ({ contender, what: CONNECT_WHAT[contender], samples, medianMs: [], p90Ms: [] }))
  for (let rep = 0; rep < reps; rep++) {
    for (const cell of cells) {
      const bench = await BENCHES[cell.contender as SessionContender]()
      try {
        for (let i = 0; i < warmup; i++) await bench.sample()
        const times: number[] = []
        for (let i = 0; i < samples; i++) times.push(await bench.sample())
        cell.medianMs.push(median(times))
        cell.p90Ms.push(percentile(times, 0.9))
        options.log(`connect ${cell.contender} rep ${rep + 1}/${reps}: median ${cell.medianMs[rep].toFixed(2)} ms, p90 ${cell.p90Ms[rep].toFixed(2)} ms (${samples} samples)`)
      } finally {
        await bench.close()
      }
    }
  }
  return cells
}

/** The cells as a Markdown table, with glueberry against the design target (<= 2x raw libp2p). */
export function formatConnect (cells: readonly ConnectCell[]): string {
  const ms = (values: readonly number[]): string => values.map((v) => v.toFixed(2)).join(' / ')
  const libp2p = cells.find((c) => c.contender === 'libp2p')
  const rows = cells.map((c) => {
    const ratio = libp2p === undefined ? '-' : `${(median(c.medianMs) / median(libp2p.medianMs)).toFixed(2)}x`
    return [c.contender, median(c.medianMs).toFixed(2), ms(c.medianMs), ms(c.p90Ms), ratio, String(c.samples)]
  })
  return [
    'Connect time, ms (per rep: median / p90 of the samples; target: glueberry median <= 2x libp2p)',
    table(['contender', 'median', 'median per rep', 'p90 per rep', 'vs libp2p', 'samples/rep'], rows),
    '',
    ...cells.map((c) => `- ${c.contender}: ${c.what}`)
  ].join('\n')
}

async function main (): Promise<void> {
  const args = new Set(process.argv.slice(2))
  const started = performance.now()
  const cells = await runConnect({ quick: args.has('--quick'), log: (line) => { process.stderr.write(`  ${line}\n`) } })
  if (args.has('--json')) {
    process.stdout.write(JSON.stringify(cells, null, 2) + '\n')
  } else {
    process.stdout.write(formatConnect(cells) + '\n')
    process.stdout.write(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
