/**
 * What `listen` and `dial` share around the pipe: loading the identity,
 * checking the stream name, and running and reporting the session once a
 * peer is Established.
 *
 * @module
 */
import type { PrivateKey } from '@libp2p/interface'
import type { GlueberryNode } from '../lib/index.js'
import { validateEncryptedStreamName } from '../lib/wire/index.js'
import { CliError, ExitCode, toCliError } from './errors.js'
import { readIdentityFile } from './identity-file.js'
import type { Inbox } from './inbox.js'
import { status, warn } from './io.js'
import type { CliIO } from './io.js'
import { DEFAULT_LINGER_MS, pipeStdio } from './pipe.js'

/** The key from `--key`, or undefined (a fresh identity for this run). Warnings go to stderr. */
export async function loadIdentity (path: string | undefined, io: CliIO): Promise<PrivateKey | undefined> {
  if (path === undefined) return undefined
  const identity = await readIdentityFile(path)
  for (const warning of identity.warnings) warn(io, warning)
  return identity.privateKey
}

/** The `--stream` name, checked with the library's own rule before any node exists. */
export function checkStreamName (name: string): string {
  try {
    validateEncryptedStreamName(name)
  } catch (err) {
    throw toCliError(err)
  }
  return name
}

export interface SessionOptions {
  readonly node: GlueberryNode
  readonly peerId: string
  readonly stream: string
  readonly inbox: Inbox
  readonly io: CliIO
  readonly signal?: AbortSignal
  /** Do not read stdin; end when the peer ends. */
  readonly receiveOnly?: boolean
  readonly lingerMs?: number
  /** See CliNode.streamOpened. */
  readonly streamOpened?: () => boolean
}

/** Pipes stdin and stdout through the peer and reports how it ended. */
export async function runSession (options: SessionOptions): Promise<number> {
  const { io, peerId, stream } = options
  status(io, `connected to ${peerId} (encrypted stream '${stream}')`)
  const result = await pipeStdio({
    node: options.node,
    peerId,
    stream,
    inbound$: options.inbox.of(peerId),
    io,
    signal: options.signal,
    readInput: options.receiveOnly !== true,
    lingerMs: options.lingerMs,
    streamOpened: options.streamOpened
  })
  const totals = `sent ${result.sent} bytes, received ${result.received} bytes`
  switch (result.outcome) {
    case 'complete':
      status(io, `done: ${totals}`)
      return ExitCode.Ok
    case 'truncated': {
      // The peer's ACK follows its END: ours was not confirmed either.
      const ours = result.sent > 0 ? ', and our data was not confirmed' : ''
      throw new CliError(ExitCode.Truncated,
        `${result.reason ?? 'the peer went away'} before the end of its data: the output is incomplete${ours} (${totals})`)
    }
    case 'undelivered':
      throw new CliError(ExitCode.Undelivered,
        `${result.reason ?? 'the peer went away'} before confirming it received our data; it may not have received everything (${totals})`)
    case 'unconfirmed': {
      const seconds = Math.round((options.lingerMs ?? DEFAULT_LINGER_MS) / 1000)
      throw new CliError(ExitCode.Unconfirmed,
        `the peer did not confirm the end of the data within ${seconds} s; it may not have received everything (${totals})`)
    }
  }
}

