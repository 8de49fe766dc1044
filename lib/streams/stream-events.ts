/**
 * Small waits on a libp2p v3 stream. `stream.onDrain()` is not used: in
 * @libp2p/utils 7.4 it caches its promise and resolves at once after the
 * first drain, so a writer relying on it never waits (measured: 77 MB of
 * write buffer for 80k x 1 KiB). The 'drain' event is reliable.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import { ErrorCode, GlueberryError } from '../errors.js'

/** Resolves when the stream may be written again; rejects if it closes first or the signal aborts. */
export async function waitForDrain (stream: Stream, signal?: AbortSignal): Promise<void> {
  if (!stream.writableNeedsDrain) return
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const onDrain = (): void => { cleanup(); resolve() }
    const onClose = (): void => {
      cleanup()
      reject(new GlueberryError(ErrorCode.StreamClosed, 'stream closed while waiting for drain'))
    }
    const onAbort = (): void => {
      cleanup()
      reject(new GlueberryError(ErrorCode.Aborted, 'wait for drain aborted', { cause: signal?.reason }))
    }
    stream.addEventListener('drain', onDrain, { once: true })
    stream.addEventListener('close', onClose, { once: true })
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
