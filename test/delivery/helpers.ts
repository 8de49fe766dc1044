/** Small helpers shared by the delivery tests. */
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs'
import { UndeliveredError } from '../../lib/index.js'
import type { GlueberryError, GlueberryNode, NodeOptions } from '../../lib/index.js'

/** Fast, persistent reconnection: a test's outage never exhausts it by accident. */
export const fast: NodeOptions = { reconnect: { baseDelay: 50, maxDelay: 200, jitter: 0, maxAttempts: 1000 } }

export const encode = (i: number): Uint8Array => {
  const bytes = new Uint8Array(64)
  new DataView(bytes.buffer).setUint32(0, i)
  return bytes
}

export const decode = (data: Uint8Array): number => new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(0)

export const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i)

/** The numbers of the next `count` messages `node` emits from `from` on `stream`. */
export async function collect (node: GlueberryNode, from: string, count: number, stream = 'chat', ms = 30_000): Promise<number[]> {
  return await firstValueFrom(node.messages$.pipe(
    filter(m => m.peerId === from && m.stream === stream), take(count), toArray(), timeout(ms)
  )).then(messages => messages.map(m => decode(m.data)))
}

/** Everything `node` reports on errors$ from now on. */
export function errorsOf (node: GlueberryNode): GlueberryError[] {
  const errors: GlueberryError[] = []
  node.errors$.subscribe(e => errors.push(e))
  return errors
}

export async function nextUndelivered (node: GlueberryNode, ms = 10_000): Promise<UndeliveredError> {
  return await firstValueFrom(node.errors$.pipe(
    filter((e): e is UndeliveredError => e instanceof UndeliveredError), take(1), timeout(ms)
  ))
}

/** Polls `condition` every 20 ms until it holds or `ms` passes (then throws). */
export async function until (condition: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}
