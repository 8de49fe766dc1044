/**
 * The node a `listen` or `dial` session runs: the standard handshake on one
 * stream, and timeouts suited to a command someone waits on. One peer, one
 * attempt: a CLI that silently redials for minutes looks hung, so a failed
 * dial is reported at once and never retried.
 *
 * @module
 */
import { createNode, noopMetrics, standardHandshake } from '../lib/index.js'
import type { GlueberryNode, Logger, LogFields, StandardHandshake } from '../lib/index.js'
import type { PrivateKey } from '@libp2p/interface'
import type { CliIO } from './io.js'

/** The stream name both sides use unless told otherwise. */
export const DEFAULT_STREAM = 'stdio'
export const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/0'
/**
 * One dial, TCP connect plus Noise and yamux: an unreachable host, or one
 * that accepts and never answers, gives up after this (`--dial-timeout`).
 * It is the node's `dialTimeout`, which the library must apply to the whole
 * dial and to each address (libp2p cuts every address at its own
 * addressDialTimeout, 6 s by default, unless told otherwise).
 */
export const DIAL_TIMEOUT_MS = 10_000
/**
 * Connected to Established, and also the deadline for opening an encrypted
 * stream, so a peer that does not accept our --stream is reported after
 * this long. Handshakes take milliseconds on a LAN.
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000

export interface CliNodeOptions {
  /** Omitted: a fresh identity for this run only. */
  readonly privateKey?: PrivateKey
  readonly listen: readonly string[]
  readonly stream: string
  readonly verbose: boolean
  readonly io: CliIO
  /** @default DIAL_TIMEOUT_MS */
  readonly dialTimeoutMs?: number
}

export interface CliNode {
  readonly node: GlueberryNode
  readonly handshake: StandardHandshake
  /**
   * True once a libp2p stream named `stream` opened with the peer, either
   * way: the peer uses the same --stream. A stream failing before that is
   * most likely a different --stream; after it, it is a reset or a close.
   */
  readonly streamOpened: () => boolean
}

export async function createCliNode (options: CliNodeOptions): Promise<CliNode> {
  const handshake = standardHandshake({ streams: [options.stream] })
  let opened = false
  const node = await createNode({
    privateKey: options.privateKey,
    listen: [...options.listen],
    handshake,
    dialTimeout: options.dialTimeoutMs ?? DIAL_TIMEOUT_MS,
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    reconnect: { maxAttempts: 0 },
    // `listen` accepts whoever dials it (it has no address book to check).
    inbound: 'any',
    logger: options.verbose ? stderrLogger(options.io) : undefined,
    // The one public signal that a stream of a given name opened.
    metrics: { ...noopMetrics, streamOpened: (name) => { if (name === options.stream) opened = true } }
  })
  return { node, handshake, streamOpened: () => opened }
}

/**
 * The library's log lines on stderr (--verbose). The library never puts key
 * material or message data in log fields, so they can be printed as they are.
 */
function stderrLogger (io: CliIO): Logger {
  const line = (level: string) => (msg: string, fields?: LogFields): void => {
    io.stderr.write(`[${level}] ${msg}${renderFields(fields)}\n`)
  }
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') }
}

function renderFields (fields: LogFields | undefined): string {
  if (fields === undefined || Object.keys(fields).length === 0) return ''
  try {
    return ` ${JSON.stringify(fields)}`
  } catch {
    // A field JSON cannot render (a BigInt, a cycle) must not break logging.
    return ` ${Object.keys(fields).join(',')}`
  }
}
