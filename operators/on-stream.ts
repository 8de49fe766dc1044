import { filter } from 'rxjs'
import type { MonoTypeOperatorFunction } from 'rxjs'
import type { IncomingMessage } from '../lib/types.js'

/**
 * Keeps the messages of the named logical streams.
 *
 * <span class="informal">A `filter` on `message.stream`, named for what it means.</span>
 *
 * ```text
 * source:   --a(votes)--b(blocks)--c(votes)--|
 * onStream('votes')
 * result:   --a---------------------c--------|
 * ```
 *
 * Completion, errors and unsubscription pass through unchanged.
 *
 * ## Example
 * ```ts
 * node.messages$.pipe(onStream('votes', 'blocks')).subscribe(m => handle(m))
 * ```
 *
 * @param names The stream names to keep; none keeps nothing.
 */
export function onStream<T extends Pick<IncomingMessage, 'stream'>> (...names: string[]): MonoTypeOperatorFunction<T> {
  const wanted = new Set(names)
  return filter((message: T) => wanted.has(message.stream))
}
