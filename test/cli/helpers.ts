/**
 * Helpers for the CLI tests: in-memory standard streams for running commands
 * in-process, child processes running `node cli/run.mjs` (binary stdout,
 * killed by `killAll()` in afterEach), and a 127.0.0.1 port known to be closed.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import net from 'node:net'
import { PassThrough, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { CliIO } from '../../cli/io.js'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const CLI = fileURLToPath(new URL('../../cli/run.mjs', import.meta.url))
/** ts-node transpiling the library takes a few seconds per child, more on a busy machine. */
export const CHILD_MS = 30_000

/** Collects what a command writes; `text()` for stderr, `bytes()` for stdout. */
export class Collector extends Writable {
  private readonly chunks: Buffer[] = []
  private readonly waiters = new Set<() => void>()

  constructor (private readonly delayMs = 0) {
    // A small buffer so that a delayed collector exerts backpressure.
    super({ highWaterMark: delayMs > 0 ? 16 * 1024 : 16 * 1024 * 1024 })
  }

  override _write (chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk))
    for (const wake of [...this.waiters]) wake()
    if (this.delayMs > 0) setTimeout(callback, this.delayMs)
    else callback()
  }

  bytes (): Buffer {
    return Buffer.concat(this.chunks)
  }

  text (): string {
    return this.bytes().toString('utf8')
  }

  /** The first complete line matching `predicate`, now or later. */
  async line (predicate: (line: string) => boolean, ms = 10_000): Promise<string> {
    return await new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const found = this.text().split('\n').slice(0, -1).find(predicate)
        if (found === undefined) return
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(found)
      }
      const timer = setTimeout(() => {
        this.waiters.delete(check)
        reject(new Error(`no matching line within ${ms} ms; got:\n${this.text()}`))
      }, ms)
      this.waiters.add(check)
      check()
    })
  }
}

export interface MemoryIO extends CliIO {
  readonly stdin: PassThrough
  readonly stdout: Collector
  readonly stderr: Collector
}

export function memoryIO (options: { stdoutDelayMs?: number } = {}): MemoryIO {
  return { stdin: new PassThrough(), stdout: new Collector(options.stdoutDelayMs), stderr: new Collector() }
}

/** A port on 127.0.0.1 that was just listening and is now closed: dialling it is refused. */
export async function closedPort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve, reject) => { server.close(err => { if (err === undefined) resolve(); else reject(err) }) })
  return port
}

export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface CliChild {
  readonly process: ChildProcessWithoutNullStreams
  /** Settles once the process has exited and its output is read. Never rejects. */
  readonly exited: Promise<Exit>
  readonly stdout: () => Buffer
  readonly stderr: () => string
  /** The first stderr line matching `predicate`; rejects on timeout or exit. */
  stderrLine: (predicate: (line: string) => boolean, ms?: number) => Promise<string>
}

const live = new Set<CliChild>()

/** `node cli/run.mjs <args>` from the repository root. */
export function spawnCli (args: readonly string[]): CliChild {
  // Jest's NODE_OPTIONS (--experimental-vm-modules) are not for the child.
  const proc = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, NODE_OPTIONS: '' } })
  proc.stdin.on('error', () => {}) // a child that died must not turn a late write into an unhandled EPIPE
  const out: Buffer[] = []
  let err = ''
  let ended = false
  const waiters = new Set<() => void>()
  proc.stdout.on('data', (chunk: Buffer) => { out.push(chunk) })
  proc.stderr.setEncoding('utf8')
  proc.stderr.on('data', (chunk: string) => {
    err += chunk
    for (const wake of [...waiters]) wake()
  })
  const exited = new Promise<Exit>((resolve) => {
    proc.on('error', (error) => { err += String(error) })
    proc.on('close', (code, signal) => {
      ended = true
      live.delete(child)
      resolve({ code, signal })
      for (const wake of [...waiters]) wake()
    })
  })
  const stderrLine = async (predicate: (line: string) => boolean, ms = CHILD_MS): Promise<string> => {
    return await new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const found = err.split('\n').slice(0, -1).find(predicate)
        if (found !== undefined) finish(() => { resolve(found) })
        else if (ended) finish(() => { reject(new Error(`glueberry ${args.join(' ')} exited without the expected line; stderr:\n${err}`)) })
      }
      const timer = setTimeout(() => {
        finish(() => { reject(new Error(`no expected line within ${ms} ms; stderr:\n${err}`)) })
      }, ms)
      const finish = (settle: () => void): void => {
        clearTimeout(timer)
        waiters.delete(check)
        settle()
      }
      waiters.add(check)
      check()
    })
  }
  const child: CliChild = { process: proc, exited, stdout: () => Buffer.concat(out), stderr: () => err, stderrLine }
  live.add(child)
  return child
}

/** Kills every child still running (call it in afterEach) and waits for them to go. */
export async function killAll (): Promise<void> {
  const children = [...live]
  for (const child of children) child.process.kill('SIGKILL')
  await Promise.all(children.map(async c => await c.exited))
}

/** Polls `predicate` until it holds; rejects after `ms`. */
export async function waitFor (predicate: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** The address a listener announces: the first line of its stderr. */
export function isMultiaddrLine (line: string): boolean {
  return /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW\w+$/.test(line)
}
