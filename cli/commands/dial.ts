/**
 * `glueberry dial <multiaddr>`: connects to the peer the multiaddr names
 * (its /p2p/ part is the identity Noise and the handshake check), completes
 * the standard handshake, then pipes stdin and stdout through it. One dial,
 * no retries: a refused or unreachable address is reported at once, and one
 * that never answers after `--dial-timeout`.
 *
 * @module
 */
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ConnectionState, ErrorCode, GlueberryError } from '../../lib/index.js'
import type { ConnectionEvent, GlueberryNode, StandardHandshake } from '../../lib/index.js'
import { CliError, ExitCode, toCliError } from '../errors.js'
import { Inbox } from '../inbox.js'
import { status } from '../io.js'
import type { CliIO } from '../io.js'
import { parseDialTarget } from '../multiaddr.js'
import { DEFAULT_STREAM, DIAL_TIMEOUT_MS, createCliNode } from '../node.js'
import { untilAborted } from '../../lib/deadline.js'
import { checkStreamName, loadIdentity, runSession } from '../session.js'

export interface DialOptions {
  /** Identity file; omitted: a fresh identity for this run. */
  readonly key?: string
  readonly stream?: string
  readonly verbose?: boolean
  /** Do not read stdin: send our END at once and only receive. */
  readonly receiveOnly?: boolean
  /** Once both ENDs are through, how long the peer may take to confirm. Default 15 s. */
  readonly lingerMs?: number
  /** The dial gives up after this long (`--dial-timeout`). Default DIAL_TIMEOUT_MS. */
  readonly dialTimeoutMs?: number
}

export async function dial (address: string, options: DialOptions, io: CliIO, signal?: AbortSignal): Promise<number> {
  const target = parseDialTarget(address)
  const stream = checkStreamName(options.stream ?? DEFAULT_STREAM)
  const privateKey = await loadIdentity(options.key, io)
  if (privateKey !== undefined && peerIdFromPrivateKey(privateKey).toString() === target.peerId) {
    throw new CliError(ExitCode.Multiaddr, `bad multiaddr: it names this node's own peer id ${target.peerId}`)
  }
  const { node, handshake, streamOpened, releaseLog } = await createCliNode({
    privateKey,
    listen: [], // a dialler needs no listening socket
    stream,
    verbose: options.verbose ?? false,
    io,
    dialTimeoutMs: options.dialTimeoutMs
  })
  // Before start: the first bytes may come before our Established event.
  const inbox = new Inbox(node.messages$, stream)
  releaseLog() // nothing to keep first on a dialler's stderr
  try {
    await node.start()
    status(io, `dialling ${target.peerId} at ${target.transport}`)
    const established = establishedWith(node, handshake, target.peerId)
    try {
      await node.addPeer(target.peerId, [target.multiaddr]) // starts the one dial
      await untilAborted(established.promise, signal)
    } catch (err) {
      throw toCliError(err, { address: target.transport, dialTimeoutMs: options.dialTimeoutMs ?? DIAL_TIMEOUT_MS })
    } finally {
      established.close()
    }
    return await runSession({
      node,
      peerId: target.peerId,
      stream,
      inbox,
      io,
      signal,
      receiveOnly: options.receiveOnly,
      lingerMs: options.lingerMs,
      streamOpened
    })
  } finally {
    inbox.close()
    await node.stop()
  }
}

interface Pending {
  readonly promise: Promise<void>
  close: () => void
}

/**
 * Resolves when `peerId` is Established; rejects with the dial's error
 * (refused, timed out, wrong peer id), the handshake's failure, or a
 * connection lost during the handshake.
 */
function establishedWith (node: GlueberryNode, handshake: StandardHandshake, peerId: string): Pending {
  let close: () => void = () => {}
  const promise = new Promise<void>((resolve, reject) => {
    const events = node.events$.subscribe((event) => {
      if (event.peerId !== peerId) return
      if (event.state === ConnectionState.Established) resolve()
      else if (event.state !== ConnectionState.Connecting && event.state !== ConnectionState.Connected) reject(lost(event, peerId))
    })
    // The handshake reports why before it disconnects, so this wins the race.
    const failures = handshake.failures$.subscribe((error) => {
      if (error.peer === peerId) reject(error)
    })
    close = () => {
      events.unsubscribe()
      failures.unsubscribe()
    }
  })
  promise.catch(() => {}) // rejections are awaited by the caller; this only silences an early one
  return { promise, close: () => { close() } }
}

function lost (event: ConnectionEvent, peerId: string): Error {
  if (event.error !== undefined && event.previous === ConnectionState.Connecting) return event.error
  // A connection lost mid-handshake also cools down (CONNECTION_FAILED): that is the listener closing it.
  if (event.state === ConnectionState.Cooldown && event.error?.code !== ErrorCode.ConnectionFailed) {
    return event.error ?? new GlueberryError(ErrorCode.HandshakeTimeout, 'handshake timed out', { peer: peerId })
  }
  return new GlueberryError(ErrorCode.HandshakeFailed,
    'the listener closed the connection during the handshake (it may be in a session with another peer, or have refused our protocol version)', { peer: peerId })
}
