/**
 * Memory per established peer on the listening side, three contenders side
 * by side in one run.
 *
 *   node --import ./bench/register.js bench/net/memory.ts [--quick] [--json] [--heap-snapshots <dir>]
 *
 * The listener runs alone in a child process (bench/net/memory-child.ts,
 * started with --expose-gc and --no-flush-bytecode), so the figures hold only the listener and what
 * its peers cost it. The peers are distinct nodes in this process, dialing
 * 20 at a time:
 * - `tcp`: one node:net socket per peer;
 * - `libp2p`: one raw libp2p node per peer, one connection each, plus one
 *   idle open stream of RAW_PROTOCOL;
 * - `glueberry`: one glueberry node per peer, Established through the
 *   standard handshake, and one 64 B message each way on BENCH_STREAM, so
 *   both sides hold their encrypted stream state.
 *
 * Method, per rep and contender (one rep = a fresh child): 25 warm-up
 * peers connect first and stay, so the listener's one-time costs (lazily
 * built state, compiled code, first-use caches) are in the baseline and not
 * spread over the measured peers; heapUsed and RSS are read after forced,
 * repeated GC; then the measured peers connect, go idle, and the figures are
 * read again the same way. The cell's figure is the growth divided by the
 * number of measured peers. RSS after GC still holds pages the allocator has
 * not returned, so it is the noisier of the two; heap is what the design
 * target (heap per glueberry peer <= raw libp2p connection + 20 KiB) is about.
 *
 * `--heap-snapshots <dir>` (or `heapSnapshotDir`) also writes a V8 heap
 * snapshot of the child before and after the measured peers, to see where
 * the memory goes (load both in Chrome DevTools, Comparison view). The
 * first snapshot inflates the child's RSS, so a snapshot run's RSS figures
 * mean nothing; its heap figures stay close.
 *
 * @module
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { extname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import type { GlueberryNode } from '../../lib/index.js'
import type { Host } from '../../lib/host/libp2p.js'
import { median, table } from '../harness.js'
import { BENCH_STREAM, RAW_PROTOCOL, establish, startGlueberry, startRawLibp2p, stopRawLibp2p } from './nodes.js'
import { SESSION_CONTENDERS } from './types.js'
import type { SessionContender } from './types.js'
import type { Contender, MemoryCell, NetBenchOptions } from './types.js'
import type { ChildCommand, ChildReply, ListenerAddress } from './memory-child.js'

export interface MemoryOverrides {
  /** Measured peers per rep. Default 200 (quick: 50). */
  peers?: number
  /** Peers connected before the baseline and kept. Default 25. */
  warmupPeers?: number
  /** Reps (one fresh child each) per contender. Default 3 (quick: 1). */
  reps?: number
  /** Default all three. */
  contenders?: readonly SessionContender[]
  /** Write heap snapshots of the child here (before/after the measured peers). */
  heapSnapshotDir?: string
}

export const MEMORY_WHAT: Readonly<Record<SessionContender, string>> = Object.freeze({
  tcp: '1 accepted node:net socket, idle',
  libp2p: '1 connection (TCP + Noise + yamux) from its own node, + 1 idle open stream',
  glueberry: '1 connection Established by the standard handshake, after 1 message each way on BENCH_STREAM: 2 yamux streams (BENCH_STREAM, one each way; the handshake streams close once Established)'
})

/** Peers dialing at once: libp2p's own pending-connection limits are raised well above this by the host config. */
const CONCURRENCY = 20
const KiB = 1024
/**
 * Warm-up peers. With 5, the code space still grew by 7-10 KiB per measured
 * peer (of 100): V8 optimising the connection path during the measured
 * connects, a one-time cost. With 25 it is down to 3-5 KiB, spread thinner
 * over 200 peers.
 */
const WARMUP_PEERS = 25
/** A reply from the child (a sample waits for every peer to be held, then settles and collects). */
const REPLY_TIMEOUT_MS = 90_000
const PING = new Uint8Array(64).fill(7)

// The child keeps this module's extension: .ts under ts-node, .js once compiled.
const CHILD_SCRIPT = fileURLToPath(new URL(`./memory-child${extname(fileURLToPath(import.meta.url))}`, import.meta.url))
const TS_LOADER = new URL('../register.js', import.meta.url).href

/**
 * The child's node flags: ours (so `--import ./bench/register.js` carries
 * over) plus --expose-gc. A .ts child started from a process that has no
 * loader flag of its own (Jest loads TypeScript by itself) gets ts-node's.
 *
 * --no-flush-bytecode: V8 drops the bytecode of functions unused for a few
 * full GCs, and the forced GCs of a sample set that off at random; in the
 * tcp child it moved heapUsed by about -100 KB between baseline and
 * measurement (-2 KiB per peer over 50 peers) in two runs of three. That is
 * start-up code ageing, not anything a peer holds.
 */
function childExecArgv (): string[] {
  const args = [...process.execArgv]
  const hasLoader = args.some((a) => a.startsWith('--import') || a.startsWith('--loader') || a.startsWith('--experimental-loader'))
  if (CHILD_SCRIPT.endsWith('.ts') && !hasLoader) args.push('--import', TS_LOADER)
  return [...args, '--expose-gc', '--no-flush-bytecode']
}

async function deadline<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what}: no answer after ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([promise, expired])
  } finally {
    clearTimeout(timer)
  }
}

/** The measured listener in its child process. */
interface ListenerProcess {
  address: ListenerAddress
  /** Sends one command and waits for its reply; an 'error' reply rejects. */
  request: (command: ChildCommand) => Promise<ChildReply>
  /** Stops the listener and waits for the child to exit (killing it if it will not). */
  close: () => Promise<void>
}

async function spawnListener (contender: Contender): Promise<ListenerProcess> {
  const child: ChildProcess = spawn(process.execPath, [...childExecArgv(), CHILD_SCRIPT, contender], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const inbox: ChildReply[] = []
  let waiting: ((reply: ChildReply | Error) => void) | undefined
  let gone: Error | undefined
  const deliver = (reply: ChildReply | Error): void => {
    const waiter = waiting
    waiting = undefined
    if (waiter !== undefined) waiter(reply)
    else if (!(reply instanceof Error)) inbox.push(reply)
  }
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = new Error(`the ${contender} memory child exited (${signal ?? String(code)})`)
      deliver(gone)
      resolve()
    })
  })
  child.on('error', (err) => { deliver(err) })
  child.on('message', (message) => { deliver(message as ChildReply) })

  const next = async (what: string): Promise<ChildReply> => {
    const queued = inbox.shift()
    const reply = queued ?? (gone ?? await deadline(new Promise<ChildReply | Error>((resolve) => { waiting = resolve }), REPLY_TIMEOUT_MS, what))
    if (reply instanceof Error) throw reply
    if (reply.type === 'error') throw new Error(`${contender} memory child: ${reply.message}`)
    return reply
  }
  const request = async (command: ChildCommand): Promise<ChildReply> => {
    if (gone !== undefined) throw gone
    child.send(command)
    return await next(`${contender} memory child, ${command.cmd}`)
  }
  const close = async (): Promise<void> => {
    try {
      if (gone === undefined) await request({ cmd: 'stop' })
    } finally {
      if (gone === undefined) {
        await deadline(exited, 5_000, `${contender} memory child exit`).catch(() => { child.kill('SIGKILL') })
        await exited
      }
    }
  }

  try {
    const ready = await next(`${contender} memory child start`)
    if (ready.type !== 'ready') throw new Error(`${contender} memory child: expected ready, got ${ready.type}`)
    return { address: ready.address, request, close }
  } catch (err) {
    child.kill('SIGKILL')
    await exited
    throw err
  }
}

/** The peers of one rep, all distinct, in this process. */
interface Peers {
  /** Connects `count` more peers, CONCURRENCY at a time; resolves when each is in the measured state on its own side. */
  add: (count: number) => Promise<void>
  close: () => Promise<void>
}

/** Runs `task` `count` times, at most `concurrency` at once. */
async function pool (count: number, concurrency: number, task: () => Promise<void>): Promise<void> {
  let started = 0
  const worker = async (): Promise<void> => {
    while (started < count) {
      started++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker))
}

function need<T> (value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`the memory child did not report ${what}`)
  return value
}

function tcpPeers (address: ListenerAddress): Peers {
  const port = need(address.port, 'a port')
  const sockets: net.Socket[] = []
  return {
    add: async (count) => {
      await pool(count, CONCURRENCY, async () => {
        const socket = net.connect({ host: '127.0.0.1', port })
        sockets.push(socket)
        await once(socket, 'connect')
        socket.on('error', () => {})
      })
    },
    close: async () => {
      await Promise.all(sockets.map(async (socket) => {
        if (socket.closed) return
        const closed = once(socket, 'close')
        socket.destroy()
        await closed
      }))
    }
  }
}

function libp2pPeers (address: ListenerAddress): Peers {
  const target = multiaddr(need(address.multiaddrs, 'multiaddrs')[0])
  const held: Array<{ host: Host, stream?: Stream }> = []
  return {
    add: async (count) => {
      await pool(count, CONCURRENCY, async () => {
        const peer: { host: Host, stream?: Stream } = { host: await startRawLibp2p() }
        held.push(peer)
        peer.stream = await peer.host.dialProtocol(target, RAW_PROTOCOL)
      })
    },
    close: async () => {
      await pool(held.length, CONCURRENCY, async () => {
        const peer = held.pop()
        if (peer !== undefined) await stopRawLibp2p(peer.host)
      })
    }
  }
}

function glueberryPeers (address: ListenerAddress): Peers {
  const listener = { peerId: need(address.peerId, 'a peer id'), multiaddrs: need(address.multiaddrs, 'multiaddrs') }
  const nodes: GlueberryNode[] = []
  return {
    add: async (count) => {
      await pool(count, CONCURRENCY, async () => {
        const node = await startGlueberry()
        nodes.push(node)
        await establish(node, listener)
        const echo = firstValueFrom(node.messages$.pipe(
          filter((m) => m.peerId === listener.peerId && m.stream === BENCH_STREAM), take(1), timeout(30_000)))
        await node.send(listener.peerId, BENCH_STREAM, PING)
        await echo
      })
    },
    close: async () => {
      await pool(nodes.length, CONCURRENCY, async () => { await nodes.pop()?.stop() })
    }
  }
}

const PEERS: Readonly<Record<SessionContender, (address: ListenerAddress) => Peers>> = { tcp: tcpPeers, libp2p: libp2pPeers, glueberry: glueberryPeers }

interface Sample { heap: number, rss: number }

async function sample (child: ListenerProcess, peers: number): Promise<Sample> {
  const reply = await child.request({ cmd: 'sample', peers })
  if (reply.type !== 'sample') throw new Error(`memory child: expected a sample, got ${reply.type}`)
  return { heap: reply.heap, rss: reply.rss }
}

/** One rep of one contender: a fresh child, warm-up peers, baseline, measured peers, figures. */
async function measureRep (contender: SessionContender, peers: number, warmup: number, snapshots: string | undefined, tag: string): Promise<{ heapKiB: number, rssKiB: number }> {
  const child = await spawnListener(contender)
  const set = PEERS[contender](child.address)
  try {
    await set.add(warmup)
    const before = await sample(child, warmup)
    if (snapshots !== undefined) await child.request({ cmd: 'snapshot', path: join(snapshots, `${tag}-before.heapsnapshot`) })
    await set.add(peers)
    const after = await sample(child, warmup + peers)
    if (snapshots !== undefined) await child.request({ cmd: 'snapshot', path: join(snapshots, `${tag}-after.heapsnapshot`) })
    return { heapKiB: (after.heap - before.heap) / peers / KiB, rssKiB: (after.rss - before.rss) / peers / KiB }
  } finally {
    // Peers first: a glueberry peer that lost its listener would start reconnecting.
    await set.close()
    await child.close()
  }
}

/**
 * Runs the memory benchmark: one cell per contender, one heap and one RSS
 * figure (KiB per peer) per rep. Every child, node and socket it starts is
 * gone before it returns.
 */
export async function runMemory (options: NetBenchOptions, overrides: MemoryOverrides = {}): Promise<MemoryCell[]> {
  const peers = overrides.peers ?? (options.quick ? 50 : 200)
  const warmup = overrides.warmupPeers ?? WARMUP_PEERS
  const reps = overrides.reps ?? (options.quick ? 1 : 3)
  const contenders = overrides.contenders ?? SESSION_CONTENDERS
  const cells: MemoryCell[] = contenders.map((contender) => ({ contender, peers, what: MEMORY_WHAT[contender], heapKiB: [], rssKiB: [] }))
  for (let rep = 0; rep < reps; rep++) {
    for (const cell of cells) {
      const started = performance.now()
      const figures = await measureRep(cell.contender as SessionContender, peers, warmup, overrides.heapSnapshotDir, `${cell.contender}-rep${rep + 1}`)
      cell.heapKiB.push(figures.heapKiB)
      cell.rssKiB.push(figures.rssKiB)
      options.log(`memory ${cell.contender} rep ${rep + 1}/${reps}: heap ${figures.heapKiB.toFixed(1)} KiB, rss ${figures.rssKiB.toFixed(1)} KiB per peer (${peers} peers, ${((performance.now() - started) / 1000).toFixed(1)} s)`)
    }
  }
  return cells
}

/** The cells as a Markdown table, with glueberry against the design target (heap <= raw libp2p + 20 KiB). */
export function formatMemory (cells: readonly MemoryCell[]): string {
  const kib = (values: readonly number[]): string => values.map((v) => v.toFixed(1)).join(' / ')
  const libp2p = cells.find((c) => c.contender === 'libp2p')
  const rows = cells.map((c) => {
    const over = libp2p === undefined ? '-' : `${(median(c.heapKiB) - median(libp2p.heapKiB)).toFixed(1)}`
    return [c.contender, String(c.peers), median(c.heapKiB).toFixed(1), kib(c.heapKiB), median(c.rssKiB).toFixed(1), kib(c.rssKiB), over]
  })
  return [
    'Memory per established peer on the listener, KiB after forced GC (target: glueberry heap <= libp2p + 20 KiB)',
    table(['contender', 'peers', 'heap', 'heap per rep', 'rss', 'rss per rep', 'heap vs libp2p'], rows),
    '',
    ...cells.map((c) => `- ${c.contender}: ${c.what}`)
  ].join('\n')
}

async function main (): Promise<void> {
  const argv = process.argv.slice(2)
  const snapshotAt = argv.indexOf('--heap-snapshots')
  const heapSnapshotDir = snapshotAt >= 0 ? argv[snapshotAt + 1] : undefined
  if (snapshotAt >= 0 && heapSnapshotDir === undefined) throw new Error('--heap-snapshots needs a directory')
  const started = performance.now()
  const quick = argv.includes('--quick')
  const cells = await runMemory({ quick, log: (line) => { process.stderr.write(`  ${line}\n`) } }, heapSnapshotDir === undefined ? {} : { heapSnapshotDir })
  if (argv.includes('--json')) {
    process.stdout.write(JSON.stringify(cells, null, 2) + '\n')
  } else {
    process.stdout.write(formatMemory(cells) + (quick ? '\n(quick run: fewer peers and one rep; for checking, not comparing)\n' : '\n'))
    process.stdout.write(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  })
}
