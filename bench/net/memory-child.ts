/**
 * The measured side of the memory benchmark (bench/net/memory.ts): one
 * listener (a node:net server, a raw libp2p node or a glueberry node) alone
 * in its own process, so its heap and RSS hold nothing but the listener and
 * what its peers cost it.
 *
 * Started by memory.ts with `--expose-gc` and the contender as its one
 * argument; it talks to its parent over the IPC channel, one reply per
 * command:
 *
 *   child  -> ready { address }                (listener up)
 *   parent -> sample { peers }  -> sample { heap, rss }   once `peers` are held, idle and collected
 *   parent -> snapshot { path } -> done        (v8.writeHeapSnapshot, for analysis)
 *   parent -> stop              -> done, then exit
 *
 * A peer counts as held when it is in the state the benchmark measures:
 * - tcp: an accepted socket;
 * - libp2p: its one idle stream of RAW_PROTOCOL is open here;
 * - glueberry: Established here, and this side has echoed the peer's one
 *   message on BENCH_STREAM (so both directions hold their encrypted stream).
 *
 * @module
 */
import { once } from 'node:events'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import v8 from 'node:v8'
import { filter } from 'rxjs'
import type { Stream } from '@libp2p/interface'
import { ConnectionState } from '../../lib/index.js'
import { BENCH_STREAM, RAW_PROTOCOL, startGlueberry, startRawLibp2p, stopRawLibp2p } from './nodes.js'
import type { SessionContender } from './types.js'

/** How peers reach the listener: a port (tcp) or a peer id and multiaddrs (libp2p, glueberry). */
export interface ListenerAddress {
  port?: number
  peerId?: string
  multiaddrs?: string[]
}

export type ChildCommand =
  | { cmd: 'sample', peers: number }
  | { cmd: 'snapshot', path: string }
  | { cmd: 'stop' }

export type ChildReply =
  | { type: 'ready', address: ListenerAddress }
  | { type: 'sample', heap: number, rss: number }
  | { type: 'done' }
  | { type: 'error', message: string }

interface Listener {
  address: ListenerAddress
  /** Peers in the measured state. */
  held: () => number
  stop: () => Promise<void>
}

/** How long the listener may take to hold the peers the parent says it connected. */
const HOLD_TIMEOUT_MS = 60_000
/**
 * Quiet time before collecting: late stream closes and
 * yamux window updates finish, and their garbage becomes collectable.
 */
const SETTLE_MS = 300

async function tcpListener (): Promise<Listener> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => { sockets.delete(socket) })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    address: { port: (server.address() as AddressInfo).port },
    held: () => sockets.size,
    stop: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

async function libp2pListener (): Promise<Listener> {
  const host = await startRawLibp2p()
  const streams = new Set<Stream>()
  await host.handle(RAW_PROTOCOL, (stream) => {
    streams.add(stream)
    // A stream with no 'message' listener buffers whatever arrives; this one is idle, but listen anyway.
    stream.addEventListener('message', () => {})
    stream.addEventListener('close', () => { streams.delete(stream) })
  })
  return {
    address: { peerId: host.peerId.toString(), multiaddrs: host.getMultiaddrs().map((a) => a.toString()) },
    held: () => streams.size,
    stop: async () => { await stopRawLibp2p(host) }
  }
}

async function glueberryListener (): Promise<Listener> {
  const node = await startGlueberry()
  const established = new Set<string>()
  const echoed = new Set<string>()
  node.events$.subscribe((event) => {
    if (event.state === ConnectionState.Established) established.add(event.peerId)
    else {
      established.delete(event.peerId)
      echoed.delete(event.peerId)
    }
  })
  node.messages$.pipe(filter((m) => m.stream === BENCH_STREAM)).subscribe((m) => {
    node.send(m.peerId, BENCH_STREAM, m.data).then(() => { echoed.add(m.peerId) }, (err: unknown) => {
      process.stderr.write(`memory-child: echo to ${m.peerId} failed: ${String(err)}\n`)
    })
  })
  return {
    address: { peerId: node.peerId, multiaddrs: [...node.multiaddrs] },
    held: () => {
      let n = 0
      for (const peer of echoed) if (established.has(peer)) n++
      return n
    },
    stop: async () => { await node.stop() }
  }
}

const LISTENERS: Readonly<Record<SessionContender, () => Promise<Listener>>> = { tcp: tcpListener, libp2p: libp2pListener, glueberry: glueberryListener }

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function waitUntilHeld (listener: Listener, peers: number): Promise<void> {
  const deadline = performance.now() + HOLD_TIMEOUT_MS
  while (listener.held() < peers) {
    if (performance.now() > deadline) throw new Error(`listener holds ${listener.held()} of ${peers} peers after ${HOLD_TIMEOUT_MS} ms`)
    await sleep(10)
  }
}

/**
 * heapUsed and RSS after forced, repeated full collections: several rounds,
 * with turns of the event loop between them so weak callbacks and
 * finalizers run and what they release is collected in the next round.
 */
async function collectedMemory (collect: () => void): Promise<{ heap: number, rss: number }> {
  await sleep(SETTLE_MS)
  for (let i = 0; i < 4; i++) {
    collect()
    await sleep(20)
  }
  collect()
  const { heapUsed, rss } = process.memoryUsage()
  return { heap: heapUsed, rss }
}

async function handle (listener: Listener, command: ChildCommand, collect: () => void): Promise<ChildReply> {
  switch (command.cmd) {
    case 'sample':
      await waitUntilHeld(listener, command.peers)
      return { type: 'sample', ...await collectedMemory(collect) }
    case 'snapshot':
      v8.writeHeapSnapshot(command.path)
      return { type: 'done' }
    case 'stop':
      await listener.stop()
      return { type: 'done' }
  }
}

async function main (): Promise<void> {
  const contender = process.argv[2] as SessionContender
  const send = process.send?.bind(process)
  if (send === undefined) throw new Error('memory-child runs under bench/net/memory.ts (it needs an IPC channel)')
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('memory-child needs --expose-gc')
  // gc() without options is synchronous; the typings also cover its async form.
  const collect = (): void => { void gc() }
  const start = LISTENERS[contender]
  if (start === undefined) throw new Error(`unknown contender ${String(contender)}`)
  const reply = (message: ChildReply): void => { send(message) }
  const started = await start()
  // Stopped once, whether the parent asks or goes away.
  let stopping: Promise<void> | undefined
  const listener: Listener = { ...started, stop: async () => { await (stopping ??= started.stop()) } }
  // Commands run one at a time, in order; a failure is reported, and the parent decides.
  let queue = Promise.resolve()
  process.on('message', (command: ChildCommand) => {
    queue = queue.then(async () => {
      try {
        reply(await handle(listener, command, collect))
      } catch (err) {
        reply({ type: 'error', message: err instanceof Error ? err.message : String(err) })
      }
      if (command.cmd === 'stop') process.disconnect()
    })
  })
  // The parent went away (crashed or killed): nothing is left to measure for.
  process.on('disconnect', () => {
    void listener.stop().finally(() => { process.exit(0) })
  })
  reply({ type: 'ready', address: listener.address })
}

main().catch((err: unknown) => {
  process.stderr.write(`memory-child: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
