/**
 * `glueberry listen`: starts a node, prints where to reach it, takes the
 * first peer that completes the standard handshake and pipes stdin and
 * stdout through it. Peers that arrive later are disconnected: one session
 * per run.
 *
 * @module
 */
import { ConnectionState } from '../../lib/index.js'
import type { GlueberryNode, StandardHandshake } from '../../lib/index.js'
import { listenFailure } from '../errors.js'
import { Inbox } from '../inbox.js'
import { status, warn } from '../io.js'
import type { CliIO } from '../io.js'
import { parseListenAddress, withPeerId } from '../multiaddr.js'
import { DEFAULT_LISTEN, DEFAULT_STREAM, createCliNode } from '../node.js'
import { untilAborted } from '../../lib/deadline.js'
import { checkStreamName, loadIdentity, runSession } from '../session.js'

export interface ListenOptions {
  /** Identity file; omitted: a fresh identity for this run. */
  readonly key?: string
  /** Listen multiaddrs, without /p2p/. Default /ip4/127.0.0.1/tcp/0. */
  readonly listen?: readonly string[]
  readonly stream?: string
  readonly verbose?: boolean
  /** Do not read stdin: send our END at once and only receive. */
  readonly receiveOnly?: boolean
  /** Once both ENDs are through, how long the peer may take to confirm. Default 15 s. */
  readonly lingerMs?: number
}

export async function listen (options: ListenOptions, io: CliIO, signal?: AbortSignal): Promise<number> {
  const stream = checkStreamName(options.stream ?? DEFAULT_STREAM)
  const addresses = (options.listen ?? [DEFAULT_LISTEN]).map(parseListenAddress)
  const privateKey = await loadIdentity(options.key, io)
  const { node, handshake, streamOpened, releaseLog } = await createCliNode({
    privateKey,
    listen: addresses,
    stream,
    verbose: options.verbose ?? false,
    io
  })
  // Before start: the first bytes may come before our Established event.
  const inbox = new Inbox(node.messages$, stream)
  const gate = singlePeer(node, handshake, io)
  try {
    try {
      await node.start()
    } catch (err) {
      throw listenFailure(addresses, err)
    }
    announce(node, io)
    releaseLog()
    const peerId = await untilAborted(gate.chosen, signal)
    return await runSession({
      node,
      peerId,
      stream,
      inbox,
      io,
      signal,
      receiveOnly: options.receiveOnly,
      lingerMs: options.lingerMs,
      streamOpened
    })
  } finally {
    releaseLog() // a failed start's log lines too
    gate.close()
    inbox.close()
    await node.stop()
  }
}

/**
 * Line 1 is the first dialable address alone, for scripts (`head -n 1`);
 * the rest is for people.
 */
function announce (node: GlueberryNode, io: CliIO): void {
  const addresses = node.multiaddrs.map(a => withPeerId(a, node.peerId))
  status(io, addresses[0] ?? `/p2p/${node.peerId}`)
  status(io, `listening as ${node.peerId} on:`)
  for (const address of addresses) status(io, `  ${address}`)
  status(io, `waiting for a peer; on the other side run: glueberry dial ${addresses[0] ?? '<multiaddr>'}`)
}

interface SinglePeer {
  /** The first peer to reach Established. */
  readonly chosen: Promise<string>
  close: () => void
}

/**
 * Picks the first peer to complete the handshake. Until then failed
 * handshakes are reported and waiting goes on; afterwards any other peer is
 * disconnected as soon as it connects, before its handshake, so its
 * `glueberry dial` fails instead of seeming to succeed.
 */
function singlePeer (node: GlueberryNode, handshake: StandardHandshake, io: CliIO): SinglePeer {
  let chosen: string | undefined
  let resolve: (peerId: string) => void = () => {}
  const promise = new Promise<string>((settle) => { resolve = settle })
  const events = node.events$.subscribe((event) => {
    if (chosen === undefined) {
      if (event.state === ConnectionState.Established) {
        chosen = event.peerId
        resolve(event.peerId)
      }
      return
    }
    if (event.peerId !== chosen && (event.state === ConnectionState.Connected || event.state === ConnectionState.Established)) {
      warn(io, `refused ${event.peerId}: already in a session with ${chosen}`)
      node.disconnect(event.peerId).catch(() => {})
    }
  })
  const failures = handshake.failures$.subscribe((error) => {
    if (chosen === undefined) warn(io, `handshake with ${error.peer ?? 'a peer'} failed (${error.code}); still waiting`)
  })
  return {
    chosen: promise,
    close () {
      events.unsubscribe()
      failures.unsubscribe()
    }
  }
}
