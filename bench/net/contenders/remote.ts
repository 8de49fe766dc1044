/**
 * The 2-proc placement from the bench's side: a child process
 * (bench/net/peer-child.ts) that hosts listening ends, so sender and receiver
 * run on separate cores. One child serves every contender of a run.
 *
 * The child runs the same build as this process: `process.execPath` with
 * `process.execArgv` (under `node --import ./bench/register.js` that is the
 * ts-node loader; under `--cpu-prof` the child is profiled too), and the
 * child script beside this module with this module's extension (.ts from the
 * sources, .js from dist/bench).
 *
 * @module
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Contender } from '../types.js'
import type { PeerAddress, Role } from './contender.js'
import { isChildReady, isChildReply } from './ipc.js'
import type { ChildReply, ChildRequest } from './ipc.js'

/** Child start-up: ts-node transpiling libp2p and the library takes seconds, more on a busy machine. */
const STARTUP_MS = 60_000
/** Listen and close requests start or stop nodes: seconds at most. */
const REQUEST_MS = 30_000
const STDERR_TAIL = 4000
const KILL_MS = 10_000

/** A listening end in the child, as the bench sees it. */
export interface RemoteListener {
  readonly address: PeerAddress
  /** See Counter.expect: cumulative totals. */
  expect: (messages: number, bytes: number, timeoutMs: number) => Promise<void>
  close: () => Promise<void>
}

/** A request before it is numbered (Omit applied to each member of the union). */
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never
type Request = WithoutId<ChildRequest>
type Success = Extract<ChildReply, { ok: true }>

interface Pending {
  resolve: (reply: Success) => void
  reject: (err: Error) => void
}

export class RemotePeer {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private stderr = ''
  private failure?: Error
  private readonly exited: Promise<void>

  private constructor (private readonly child: ChildProcess) {
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => { this.stderr = (this.stderr + chunk).slice(-STDERR_TAIL) })
    // Nothing the child prints belongs on our stdout (the tables).
    child.stdout?.resume()
    child.on('message', (message: unknown) => { this.onReply(message) })
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        this.failAll(new Error(`peer child exited (code ${String(code)}, signal ${String(signal)})${this.stderrTail()}`))
        resolve()
      })
    })
    child.on('error', (err) => { this.failAll(err) })
  }

  /** Spawns the child and waits until it is ready for requests. */
  static async start (): Promise<RemotePeer> {
    const here = fileURLToPath(import.meta.url)
    const script = fileURLToPath(new URL(`../peer-child${extname(here)}`, import.meta.url))
    const child = spawn(process.execPath, [...process.execArgv, ...loaderArgs(here), script], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    })
    const peer = new RemotePeer(child)
    try {
      await peer.ready()
    } catch (err) {
      await peer.close()
      throw err
    }
    return peer
  }

  /** The child's CPU time so far (user + system), microseconds. */
  async cpuUs (): Promise<number> {
    const reply = await this.request({ op: 'cpu' }, REQUEST_MS)
    if (reply.cpuUs === undefined) throw new Error('peer child: cpu reply without a figure')
    return reply.cpuUs
  }

  async listen (contender: Contender, role: Role): Promise<RemoteListener> {
    const reply = await this.request({ op: 'listen', contender, role }, REQUEST_MS)
    const { listener, address } = reply
    if (listener === undefined || address === undefined) throw new Error('peer child: listen reply without a listener')
    return {
      address,
      expect: async (messages, bytes, timeoutMs) => {
        // The child enforces timeoutMs; ours only guards against a child that stopped answering.
        await this.request({ op: 'expect', listener, messages, bytes, timeoutMs }, timeoutMs + REQUEST_MS)
      },
      close: async () => { await this.request({ op: 'close', listener }, REQUEST_MS) }
    }
  }

  /**
   * Asks the child to stop (SIGTERM: it stops its listeners, then exits) and
   * waits until it has exited; SIGKILL if it has not after a few seconds, so
   * a stuck node can never keep the bench from ending.
   */
  async close (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    this.child.kill('SIGTERM')
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, KILL_MS)
    await this.exited
    clearTimeout(timer)
  }

  private async ready (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        reject(new Error(`peer child not ready within ${STARTUP_MS} ms${this.stderrTail()}`))
      }, STARTUP_MS)
      const onMessage = (message: unknown): void => {
        if (!isChildReady(message)) return
        cleanup()
        resolve()
      }
      const onExit = (): void => {
        cleanup()
        reject(new Error(`peer child exited before it was ready${this.stderrTail()}`))
      }
      const cleanup = (): void => {
        clearTimeout(timer)
        this.child.off('message', onMessage)
        this.child.off('exit', onExit)
      }
      this.child.on('message', onMessage)
      this.child.once('exit', onExit)
    })
  }

  private async request (request: Request, timeoutMs: number): Promise<Success> {
    if (this.failure !== undefined) throw this.failure
    const id = this.nextId++
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`peer child did not answer '${request.op}' within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (reply) => { clearTimeout(timer); resolve(reply) },
        reject: (err) => { clearTimeout(timer); reject(err) }
      })
      this.child.send({ ...request, id }, (err) => {
        if (err !== null) this.pending.get(id)?.reject(err)
      })
    })
  }

  private onReply (message: unknown): void {
    if (!isChildReply(message)) return
    const pending = this.pending.get(message.id)
    if (pending === undefined) return
    this.pending.delete(message.id)
    if (message.ok) pending.resolve(message)
    else pending.reject(new Error(`peer child: ${message.error}`))
  }

  private failAll (err: Error): void {
    this.failure ??= err
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) p.reject(err)
  }

  private stderrTail (): string {
    return this.stderr === '' ? '' : `; its stderr ends with:\n${this.stderr}`
  }
}

/**
 * From the TypeScript sources the child needs ts-node's loader. A bench
 * started with `node --import ./bench/register.js` passes it on through
 * execArgv; a process started otherwise (Jest transforms the sources itself)
 * has none to pass on, so the child gets bench/register.js here.
 */
function loaderArgs (here: string): string[] {
  if (extname(here) !== '.ts') return []
  const hasLoader = process.execArgv.some((arg) => /^--(import|loader|experimental-loader)\b/.test(arg))
  return hasLoader ? [] : ['--import', new URL('../../register.js', import.meta.url).href]
}
