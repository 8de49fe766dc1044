/**
 * stdin → encrypted stream → peer, and the peer's messages → stdout: the
 * plumbing `listen` and `dial` share once a peer is Established.
 *
 * On the wire (the `--stream`, default 'stdio'), each non-empty message is a
 * chunk of the sender's stdin, written to the receiver's stdout as it is.
 * Empty messages carry the end of the session, in this order from each side:
 *
 * - END, the first empty message: "my input is over, no data follows".
 *   A side sends it when its stdin ends, or as soon as it receives the
 *   peer's END: either side ending ends the session (stdin is no longer read).
 * - ACK, the second: "I have your END, and all your data is on my stdout".
 *
 * A side is done when it has sent both and received both. Why two: messages
 * are queued, not delivered, when `send()` resolves, and stopping the node
 * drops what is still queued. With END alone, two sides whose inputs end at
 * the same moment would each stop as soon as the other's END arrives, and
 * could drop their own END and the data before it. ACK means "received", so
 * a side that holds the peer's ACK knows nothing of its own can be lost.
 *
 * Backpressure runs end to end: stdin is read one chunk per `send()` (which
 * waits above the flow watermark), and a stdout that cannot keep up pauses
 * the peer's stream (its `send()` then waits) until it drains.
 *
 * @module
 */
import { filter, firstValueFrom } from 'rxjs'
import type { Observable } from 'rxjs'
import { pipe } from 'it-pipe'
import { ConnectionState, ErrorCode, GlueberryError, flowOf, isGlueberryError } from '../lib/index.js'
import type { FlowHandle, GlueberryNode, IncomingMessage } from '../lib/index.js'
import { MAX_CHUNK, limitChunks, readChunks, untilAbort } from './chunks.js'
import { CliError, ExitCode, streamFailed } from './errors.js'
import { flushed } from './io.js'
import type { CliIO } from './io.js'

/**
 * After our END, how long the peer may stay silent before we give up
 * waiting. Longer than the node's stream-open deadline (HANDSHAKE_TIMEOUT_MS
 * in ./node.ts), so a peer refusing our stream is reported as that.
 */
export const DEFAULT_LINGER_MS = 15_000

const EMPTY = new Uint8Array(0)

/** Send failures that mean "the peer is gone", not "something is wrong". */
const PEER_GONE: ReadonlySet<string> = new Set<string>([
  ErrorCode.NotConnected, ErrorCode.StreamClosed, ErrorCode.SessionClosed, ErrorCode.NodeStopped
])

export interface PipeOptions {
  readonly node: Pick<GlueberryNode, 'send' | 'state' | 'state$' | 'errors$' | 'dumpState'>
  readonly peerId: string
  readonly stream: string
  /** The peer's messages on `stream`, from before it was Established (see Inbox). */
  readonly inbound$: Observable<IncomingMessage>
  readonly io: CliIO
  /**
   * False: stdin is not read; we send nothing and end when the peer does
   * (a receiver whose stdin is /dev/null would otherwise end at once).
   * @default true
   */
  readonly readInput?: boolean
  /** Aborting it ends the session with the signal's reason. */
  readonly signal?: AbortSignal
  readonly lingerMs?: number
}

export interface PipeResult {
  /**
   * - `complete`: both ENDs and ACKs went through (or the peer left after
   *   both ENDs): every byte each side read reached the other's stdout.
   * - `disconnected`: the peer went away before its END.
   * - `unconfirmed`: we sent END but the peer fell silent; it may not have
   *   received everything.
   */
  readonly outcome: 'complete' | 'disconnected' | 'unconfirmed'
  /** Bytes read from stdin and sent. */
  readonly sent: number
  /** Bytes received and written to stdout. */
  readonly received: number
}

export async function pipeStdio (options: PipeOptions): Promise<PipeResult> {
  const { node, peerId, stream, io } = options
  const session = new AbortController()
  const stopReading = new AbortController()
  const counts = { sent: 0, received: 0 }
  const peerEnd = deferred()
  const peerAck = deferred()
  const state = { controls: 0, endSent: false }
  const send = async (data: Uint8Array): Promise<void> => { await node.send(peerId, stream, data, { signal: session.signal }) }

  return await new Promise<PipeResult>((resolve, reject) => {
    let settled = false
    // Undone in reverse order by finish(); each step is registered as soon as
    // the thing it undoes exists, so finishing early never leaks.
    const teardown: Array<() => void> = [
      // Cancels sends still waiting (their rejections are handled below).
      () => { session.abort(new CliError(ExitCode.Failure, 'session over')) },
      () => { stopReading.abort() }
    ]
    const finish = (outcome: PipeResult['outcome'] | Error): void => {
      if (settled) return
      settled = true
      for (const step of teardown.reverse()) step()
      if (outcome instanceof Error) reject(outcome)
      else resolve({ outcome, ...counts })
    }
    // The peer leaving: after both ENDs it is the normal end, before it an abrupt one.
    const peerLeft = (): PipeResult['outcome'] => state.controls > 0 && state.endSent ? 'complete' : 'disconnected'

    const linger = lingerTimer(options.lingerMs ?? DEFAULT_LINGER_MS, () => { finish('unconfirmed') })
    teardown.push(() => { linger.cancel() })

    // The peer's data in, straight to stdout; a full stdout pauses the peer's stream.
    const paused = new Set<FlowHandle>()
    const resume = (): void => {
      for (const handle of paused) handle.resume()
      paused.clear()
    }
    const stdoutFailed = (err: Error): void => {
      finish(new CliError(ExitCode.Failure, `cannot write to stdout: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }))
    }
    io.stdout.on('drain', resume)
    io.stdout.on('error', stdoutFailed)
    teardown.push(() => { io.stdout.off('drain', resume) }, () => { io.stdout.off('error', stdoutFailed) }, resume)
    const inbound = options.inbound$.subscribe((message) => {
      linger.heard()
      if (message.data.byteLength === 0) {
        state.controls++
        if (state.controls === 1) {
          peerEnd.resolve()
          stopReading.abort()
        } else if (state.controls === 2) {
          peerAck.resolve()
        }
        return
      }
      // Data after END breaks the protocol; what was promised complete stays so.
      if (state.controls > 0) return
      counts.received += message.data.byteLength
      if (!io.stdout.write(message.data)) {
        const handle = flowOf(message)
        if (handle !== undefined && !paused.has(handle)) {
          handle.pause()
          paused.add(handle)
        }
      }
    })
    teardown.push(() => { inbound.unsubscribe() })

    // The user's data out, then END, then (once the peer's END is on stdout) ACK.
    const outbound = async (): Promise<void> => {
      await pipe(
        options.readInput === false ? untilAbort(stopReading.signal) : readChunks(io.stdin, stopReading.signal),
        limitChunks(MAX_CHUNK),
        async (chunks: AsyncIterable<Uint8Array>) => {
          for await (const chunk of chunks) {
            await send(chunk)
            counts.sent += chunk.byteLength
          }
        }
      )
      await send(EMPTY)
      state.endSent = true
      linger.arm()
      await peerEnd.promise
      await flushed(io.stdout)
      await send(EMPTY)
      await peerAck.promise
    }
    // Our ACK is only queued; the caller's stop() writes it out before closing
    // (bounded by the node's drainTimeout), so the peer hears its data arrived.
    outbound().then(() => {
      finish('complete')
    }).catch((err: unknown) => {
      if (isGlueberryError(err) && PEER_GONE.has(err.code)) finish(peerLeft())
      else finish(err instanceof Error ? err : new Error(String(err)))
    })

    // Failures no call returns, such as the peer refusing our stream once
    // the open deadline passes. Losses that come with the peer leaving are
    // the disconnect's business.
    const failures = node.errors$.subscribe((reported) => {
      if (reported.peer !== peerId || (reported.stream !== undefined && reported.stream !== stream)) return
      const error = innermost(reported)
      if (!PEER_GONE.has(error.code)) finish(error)
      // Closed while the peer is still connected: not the connection going
      // away, so most likely the peer never accepted the stream (the library
      // reports that as a StreamClosed once the open deadline passes).
      else if (node.state(peerId) === ConnectionState.Established) finish(streamFailed(peerId, stream, error))
    })
    teardown.push(() => { failures.unsubscribe() })

    // state$ replays the current state and completes when the node stops.
    firstValueFrom(node.state$(peerId).pipe(filter(s => s !== ConnectionState.Established)), { defaultValue: undefined })
      .finally(() => { finish(peerLeft()) })
      .catch(() => {})

    const onAbort = (): void => {
      const reason: unknown = options.signal?.reason
      finish(reason instanceof Error ? reason : new CliError(ExitCode.Interrupted, 'interrupted'))
    }
    options.signal?.addEventListener('abort', onAbort, { once: true })
    teardown.push(() => { options.signal?.removeEventListener('abort', onAbort) })
    if (options.signal?.aborted === true) onAbort()
  })
}

interface Deferred {
  readonly promise: Promise<void>
  readonly resolve: () => void
}

function deferred (): Deferred {
  let resolve: () => void = () => {}
  const promise = new Promise<void>((settle) => { resolve = settle })
  return { promise, resolve }
}

/**
 * The deepest GlueberryError in a cause chain: "2 queued messages were not
 * delivered" (StreamClosed) wraps the reason, such as StreamNotPrepared.
 */
function innermost (error: GlueberryError): GlueberryError {
  let current = error
  while (current.cause instanceof GlueberryError && current.cause !== current) current = current.cause
  return current
}

interface LingerTimer {
  /** Starts the wait (after our END). */
  arm: () => void
  /** The peer said something: the wait starts over. */
  heard: () => void
  cancel: () => void
}

/** Fires `onSilence` when the peer says nothing for `ms` once armed. */
function lingerTimer (ms: number, onSilence: () => void): LingerTimer {
  let timer: ReturnType<typeof setTimeout> | undefined
  let armed = false
  const restart = (): void => {
    clearTimeout(timer)
    timer = setTimeout(onSilence, ms)
  }
  return {
    arm () {
      armed = true
      restart()
    },
    heard () {
      if (armed) restart()
    },
    cancel () {
      armed = false
      clearTimeout(timer)
    }
  }
}
