/**
 * stdin as the chunks `pipeStdio` sends: read on demand (one chunk per
 * send, so a slow peer slows the reading), stoppable at any moment, and cut
 * to a size that is one message each.
 *
 * @module
 */
import type { Readable } from 'node:stream'
import { CliError, ExitCode } from './errors.js'

/** Largest stdin chunk sent as one message (well under the 1 MiB maxMessageSize). */
export const MAX_CHUNK = 64 * 1024

/**
 * The chunks of `input` until it ends or `signal` aborts. On abort a read
 * may still be pending: the input is destroyed, which settles it, since
 * nothing will read it again.
 */
export async function * readChunks (input: Readable, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (signal.aborted) return
  const iterator: AsyncIterator<unknown> = input[Symbol.asyncIterator]()
  const stopped = new Promise<IteratorResult<unknown>>((resolve) => {
    signal.addEventListener('abort', () => { resolve({ done: true, value: undefined }) }, { once: true })
  })
  let ended = false
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), stopped])
      if (next.done === true) {
        ended = !signal.aborted
        return
      }
      yield toBytes(next.value)
    }
  } finally {
    if (!ended) input.destroy()
  }
}

/**
 * Splits chunks larger than `max`. Empty chunks are dropped: an empty
 * message is END on the wire.
 */
export function limitChunks (max: number): (source: AsyncIterable<Uint8Array>) => AsyncGenerator<Uint8Array> {
  return async function * (source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.byteLength; at += max) {
        yield chunk.subarray(at, Math.min(at + max, chunk.byteLength))
      }
    }
  }
}

/** No chunks; ends when `signal` aborts (the peer's END, for a receive-only side). */
export async function * untilAbort (signal: AbortSignal): AsyncGenerator<Uint8Array> {
  if (signal.aborted) return
  await new Promise<void>((resolve) => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
  // A generator so callers can `for await` it like any chunk source; it has nothing to give.
  yield * []
}

function toBytes (chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8')
  throw new CliError(ExitCode.Failure, 'stdin produced something other than bytes')
}
