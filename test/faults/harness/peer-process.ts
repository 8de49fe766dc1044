/**
 * A child process running test/faults/fixtures/peer.ts (TypeScript compiled
 * on load by @swc/core: fixtures/swc-register.mjs, 3x cheaper than the
 * ts-node loader the node tests use, which matters for five mesh children
 * starting at once on a loaded machine), optionally inside a
 * network namespace (`ip netns exec NS node ...`; ip execs node, so the pid
 * is node's and a SIGKILL reaches it). The test drives it with commands and
 * keeps every report it prints, in order.
 *
 * `killAllPeers()` (afterAll) kills every child still running; and a child
 * exits on its own when its stdin closes, so it cannot outlive the test
 * process however that ends.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Command, NodeSpec, Report } from './protocol.js'

const REPO = fileURLToPath(new URL('../../../', import.meta.url))
const REGISTER = fileURLToPath(new URL('../fixtures/swc-register.mjs', import.meta.url))
const FIXTURE = fileURLToPath(new URL('../fixtures/peer.ts', import.meta.url))

/** Start-up (compiling and loading the library) takes 1-3 s, much more on a loaded machine. */
export const STARTUP_MS = 90_000

export type ReportOf<E extends Report['ev']> = Extract<Report, { ev: E }>

export interface PeerProcess {
  readonly label: string
  readonly proc: ChildProcessWithoutNullStreams
  /** Every report so far, in the order printed. */
  readonly reports: readonly Report[]
  /** This process's incarnation (from its hello) and its nodes' ids (from ready). */
  incarnation: () => number
  peerIds: () => readonly string[]
  readyAt: () => number
  command: (command: Command) => void
  /** The first report (from index `from`) matching; rejects on timeout or exit. */
  waitFor: <E extends Report['ev']>(ev: E, predicate?: (r: ReportOf<E>) => boolean, ms?: number, from?: number) => Promise<ReportOf<E>>
  /** Stops the nodes cleanly and waits for the exit. */
  stop: (ms?: number) => Promise<void>
  kill: (signal?: NodeJS.Signals) => Promise<void>
  readonly exited: Promise<number | string | null>
  stderr: () => string
}

const live = new Set<PeerProcess>()

export interface SpawnOptions {
  /** Run inside this network namespace. */
  readonly netns?: string
  readonly label: string
}

/** Spawns the fixture and waits for its hello. */
export async function spawnPeer (options: SpawnOptions): Promise<PeerProcess> {
  const node = [process.execPath, '--import', REGISTER, FIXTURE]
  const [file, ...args] = options.netns === undefined ? node : ['ip', 'netns', 'exec', options.netns, ...node]
  // Jest's NODE_OPTIONS (--experimental-vm-modules) are not for the child
  const proc = spawn(file, args, { cwd: REPO, env: { ...process.env, NODE_OPTIONS: '' } })
  proc.stdin.on('error', () => {}) // a dead child must not turn a late write into EPIPE
  const reports: Report[] = []
  const waiters = new Set<() => void>()
  const wake = (): void => { for (const w of [...waiters]) w() }
  let err = ''
  let exit: number | string | null | undefined
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (chunk: string) => { err = (err + chunk).slice(-20_000) })
  createInterface({ input: proc.stdout }).on('line', (line) => {
    try {
      reports.push(JSON.parse(line) as Report)
    } catch {
      reports.push({ ev: 'fault', message: `unparseable line: ${line.slice(0, 200)}`, at: Date.now() })
    }
    wake()
  })
  const exited = new Promise<number | string | null>((resolve) => {
    proc.on('close', (code, signal) => {
      exit = code ?? signal
      live.delete(peer)
      resolve(exit)
      wake()
    })
  })

  const waitFor = async <E extends Report['ev']>(ev: E, predicate: (r: ReportOf<E>) => boolean = () => true, ms = 30_000, from = 0): Promise<ReportOf<E>> => {
    return await new Promise((resolve, reject) => {
      let index = from
      const check = (): void => {
        for (; index < reports.length; index++) {
          const r = reports[index]
          if (r.ev === ev && predicate(r as ReportOf<E>)) { done(); resolve(r as ReportOf<E>); return }
        }
        if (exit !== undefined) { done(); reject(new Error(`${options.label} exited (${String(exit)}) before "${ev}"\nstderr: ${err}`)) }
      }
      const timer = setTimeout(() => { done(); reject(new Error(`${options.label}: no "${ev}" within ${ms} ms\nstderr: ${err}`)) }, ms)
      const done = (): void => { clearTimeout(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    })
  }

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (exit === undefined) proc.kill(signal)
    await exited
  }

  const peer: PeerProcess = {
    label: options.label,
    proc,
    reports,
    incarnation: () => {
      const hello = reports.find(r => r.ev === 'hello')
      if (hello?.ev !== 'hello') throw new Error(`${options.label} has not said hello`)
      return hello.incarnation
    },
    peerIds: () => {
      const ready = reports.find(r => r.ev === 'ready')
      if (ready?.ev !== 'ready') throw new Error(`${options.label} is not ready`)
      return ready.nodes.map(n => n.peerId)
    },
    readyAt: () => {
      const ready = reports.find(r => r.ev === 'ready')
      if (ready?.ev !== 'ready') throw new Error(`${options.label} is not ready`)
      return ready.at
    },
    command: (command) => { if (exit === undefined) proc.stdin.write(JSON.stringify(command) + '\n') },
    waitFor,
    stop: async (ms = 20_000) => {
      peer.command({ cmd: 'stop' })
      const timer = setTimeout(() => { proc.kill('SIGKILL') }, ms)
      await exited
      clearTimeout(timer)
    },
    kill,
    exited,
    stderr: () => err
  }
  live.add(peer)
  await waitFor('hello', () => true, STARTUP_MS)
  return peer
}

/** Spawns a child and starts its nodes; resolves when they listen. */
export async function startPeer (options: SpawnOptions & { readonly nodes: readonly NodeSpec[], readonly streams: readonly string[] }): Promise<PeerProcess> {
  const peer = await spawnPeer(options)
  peer.command({ cmd: 'start', nodes: options.nodes, streams: options.streams })
  await peer.waitFor('ready', () => true, STARTUP_MS)
  return peer
}

export async function killAllPeers (): Promise<void> {
  const all = [...live]
  await Promise.all(all.map(async p => { await p.kill('SIGKILL') }))
}
