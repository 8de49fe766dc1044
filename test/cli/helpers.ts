/**
 * Helpers for the CLI tests: in-memory standard streams for running commands
 * in-process, child processes running `node cli/run.mjs` (binary stdout,
 * killed by `killAll()` in afterEach), and a 127.0.0.1 port known to be closed.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import net from 'node:net'
import { PassThrough, Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import type { CliIO } from '../../cli/io.js'
import { killAll, spawnNode } from '../node/fixtures/child.js'
import type { Exit } from '../node/fixtures/child.js'

export const CLI = fileURLToPath(new URL('../../cli/run.mjs', import.meta.url))
/**
 * ts-node transpiling the library takes a few seconds per child, and over
 * 30 s on a machine shared with other test runs.
 */
export const CHILD_MS = 90_000

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

export type { Exit }

export interface CliChild {
  readonly process: ChildProcessWithoutNullStreams
  /** Settles once the process has exited and its output is read. Never rejects. */
  readonly exited: Promise<Exit>
  /** stdout as bytes: it carries the peer's data as they are. */
  readonly stdout: () => Buffer
  readonly stderr: () => string
  /** The first stderr line matching `predicate`; rejects on timeout or exit. */
  stderrLine: (predicate: (line: string) => boolean, ms?: number) => Promise<string>
}

/** `node cli/run.mjs <args>` from the repository root; killed by {@link killAll}. */
export function spawnCli (args: readonly string[]): CliChild {
  const child = spawnNode([CLI, ...args], `glueberry ${args.join(' ')}`, CHILD_MS)
  return { process: child.process, exited: child.exited, stdout: child.stdoutBytes, stderr: child.stderr, stderrLine: child.stderrLine }
}

export { killAll }

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
