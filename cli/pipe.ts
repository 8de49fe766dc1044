/**
 * stdin → encrypted stream → peer, and the peer's messages → stdout: the
 * plumbing `listen` and `dial` share once a peer is Established.
 *
 * On the wire (the `--stream`, default 'stdio'), each non-empty message is a
 * chunk of the sender's stdin, written to the receiver's stdout as it is;
 * empty messages carry the end of the data (END, then ACK), each direction
 * on its own: see ./end-of-data.ts.
 *
 * A session that stops before both ENDs and ACKs went through is never
 * reported as done: the side that is missing the peer's data (`truncated`)
 * or its confirmation (`undelivered`) says so, with the cause (the peer
 * disconnected, reset the stream...).
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
import type { ConnectionEvent, FlowHandle, GlueberryNode, IncomingMessage } from '../lib/index.js'
import { MAX_CHUNK, limitChunks, readChunks } from './chunks.js'
import { START, awaitingAck, isDone, onEmpty, outcomeAt } from './end-of-data.js'
import type { Outcome, Progress } from './end-of-data.js'
import { CliError, ExitCode, streamFailed } from './errors.js'
import { flushed } from './io.js'
import type { CliIO } from './io.js'

/**
 * Once both ENDs are through, how long the peer may stay silent before we
 * stop waiting for its ACK (it only has its stdout to flush).
 */
export const DEFAULT_LINGER_MS = 15_000

const EMPTY = new Uint8Array(0)

/**
 * Failures that mean "the peer, its connection or its stream is gone", not
 * "something is wrong with the data". 'UNDELIVERED' is the code the
 * acknowledged-delivery work gives to messages lost that way; listed as a
 * string so this compiles with or without it.
 */
const PEER_GONE: ReadonlySet<string> = new Set<string>([
  ErrorCode.NotConnected, ErrorCode.StreamClosed, ErrorCode.SessionClosed, ErrorCode.NodeStopped, 'UNDELIVERED'
])

export interface PipeOptions {
  readonly node: Pick<GlueberryNode, 'send' | 'state' | 'state$' | 'events$' | 'errors$'>
  readonly peerId: string
  readonly stream: string
  /** The peer's messages on `stream`, from before it was Established (see Inbox). */
  readonly inbound$: Observable<IncomingMessage>
  readonly io: CliIO
  /**
   * False: stdin is not read; we send END at once and receive until the
   * peer's END.
   * @default true
   */
  readonly readInput?: boolean
  /** Aborting it ends the session with the signal's reason. */
  readonly signal?: AbortSignal
  readonly lingerMs?: number
  /**
   * True once a stream of our name opened with the peer (see CliNode): a
   * failure before that is reported as the peer not using our --stream.
   */
  readonly streamOpened?: () => boolean
}

export interface PipeResult {
  /**
   * What {@link outcomeAt} says, or `unconfirmed`: both ENDs went through
   * but the peer's ACK did not come within the linger time, while the peer
   * stayed connected.
   */
  readonly outcome: Outcome | 'unconfirmed'
  /** Why the session stopped early (`truncated` and `undelivered`): the peer disconnected, reset the stream... */
  readonly reason?: string
  /** Bytes read from stdin and sent. */
  readonly sent: number
  /** Bytes received and written to stdout. */
  readonly received: number
}

export async function pipeStdio (options: PipeOptions): Promise<PipeResult> {
  const { node, peerId, stream, io } = options
  const session = new AbortController()
  const stopReading = new AbortController()
  let progress: Progress = START
  let received = 0
  const peerEnd = deferred()
  const peerAck = deferred()
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
    const finish = (outcome: PipeResult['outcome'] | Error, reason?: string): void => {
      if (settled) return
      settled = true
      for (const step of teardown.reverse()) step()
      if (outcome instanceof Error) reject(outcome)
      else resolve({ outcome, reason: outcome === 'complete' ? undefined : reason, sent: progress.sent, received })
    }
    // The peer, its connection or its stream went away: what that means
    // depends on how far the end-of-data exchange got.
    const stopped = (reason: string): void => { finish(outcomeAt(progress), reason) }

    const linger = lingerTimer(options.lingerMs ?? DEFAULT_LINGER_MS, () => { finish('unconfirmed') })
    teardown.push(() => { linger.cancel() })
    const advance = (next: Progress): void => {
      progress = next
      if (awaitingAck(progress)) linger.arm()
    }

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
    let heard = false
    const inbound = options.inbound$.subscribe((message) => {
      heard = true
      linger.heard()
      if (message.data.byteLength === 0) {
        advance(onEmpty(progress))
        if (progress.peerEnded) peerEnd.resolve()
        if (progress.peerAcked) peerAck.resolve()
        return
      }
      // Data after END breaks the convention; what was promised complete stays so.
      if (progress.peerEnded) return
      received += message.data.byteLength
      if (!io.stdout.write(message.data)) {
        const handle = flowOf(message)
        if (handle !== undefined && !paused.has(handle)) {
          handle.pause()
          paused.add(handle)
        }
      }
    })
    teardown.push(() => { inbound.unsubscribe() })

    // The user's data out, then END; once the peer's END is on stdout, ACK;
    // then the peer's ACK.
    const outbound = async (): Promise<void> => {
      if (options.readInput !== false) {
        await pipe(
          readChunks(io.stdin, stopReading.signal),
          limitChunks(MAX_CHUNK),
          async (chunks: AsyncIterable<Uint8Array>) => {
            for await (const chunk of chunks) {
              await send(chunk)
              progress = { ...progress, sent: progress.sent + chunk.byteLength }
            }
          }
        )
      }
      await send(EMPTY)
      advance({ ...progress, endSent: true })
      await peerEnd.promise
      await flushed(io.stdout)
      await send(EMPTY)
      advance({ ...progress, ackSent: true })
      await peerAck.promise
    }
    // Our ACK is only queued; the caller's stop() writes it out before closing
    // (bounded by the node's drainTimeout), so the peer hears its data arrived.
    outbound().then(() => {
      finish(isDone(progress) ? 'complete' : outcomeAt(progress))
    }).catch((err: unknown) => {
      if (isGlueberryError(err) && PEER_GONE.has(err.code)) stopped(lossReason(innermost(err)))
      else finish(err instanceof Error ? err : new Error(String(err)))
    })

    // Failures no call returns: the stream reset by the peer, or refused
    // once the open deadline passes.
    const failures = node.errors$.subscribe((reported) => {
      if (reported.peer !== peerId || (reported.stream !== undefined && reported.stream !== stream)) return
      const error = innermost(reported)
      if (!PEER_GONE.has(error.code)) finish(error)
      // Our stream failed while the connection is up, and no stream of this
      // name ever opened with the peer: most likely it does not use our
      // --stream. Once one opened, a failure is a reset or a close.
      else if (!heard && options.streamOpened?.() !== true && !isReset(reported) && node.state(peerId) === ConnectionState.Established) {
        finish(streamFailed(peerId, stream, error))
      }
      else stopped(lossReason(reported))
    })
    teardown.push(() => { failures.unsubscribe() })

    // Leaving Established: the connection closed. events$ says why, when it knows.
    const left = node.events$.pipe(filter(e => e.peerId === peerId && e.state !== ConnectionState.Established))
      .subscribe((event) => { stopped(disconnectReason(event)) })
    teardown.push(() => { left.unsubscribe() })
    // state$ replays the current state (the peer may be gone already) and
    // completes when the node stops.
    firstValueFrom(node.state$(peerId).pipe(filter(s => s !== ConnectionState.Established)), { defaultValue: undefined })
      .finally(() => { stopped('the peer disconnected') })
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

/** Names of the libp2p errors a stream reset by the remote carries. */
const RESET_ERRORS: ReadonlySet<string> = new Set(['StreamResetError', 'StreamAbortedError'])

/** True when the cause chain says the remote reset the stream (it was open, then aborted). */
function isReset (error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < 16 && typeof current === 'object' && current !== null; depth++) {
    if (RESET_ERRORS.has((current as { name?: unknown }).name as string)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

function lossReason (error: GlueberryError): string {
  if (isReset(error)) return 'the peer reset the stream'
  if (error.code === ErrorCode.NotConnected || error.code === ErrorCode.NodeStopped) return 'the peer disconnected'
  return `the stream closed (${innermost(error).message})`
}

function disconnectReason (event: ConnectionEvent): string {
  return event.error === undefined ? 'the peer disconnected' : `the connection was lost (${event.error.message})`
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
  /** Starts (or restarts) the wait: both ENDs are through. */
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
