/**
 * Multiaddrs from the command line: listen addresses, and the dial target,
 * which must name the peer (`.../p2p/<peer id>`) because glueberry only talks
 * to known peers: the id is what the address book and Noise check.
 *
 * @module
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { CliError, ExitCode } from './errors.js'

export interface DialTarget {
  /** The multiaddr as given, in canonical form, /p2p/ part included. */
  readonly multiaddr: string
  /** The part before the peer id: where the dial goes (for messages). */
  readonly transport: string
  readonly peerId: string
}

function bad (input: string, why: string, cause?: unknown): CliError {
  return new CliError(ExitCode.Multiaddr, `bad multiaddr ${quote(input)}: ${why}`, cause === undefined ? {} : { cause })
}

function parse (input: string): Multiaddr {
  if (input.trim() === '') throw bad(input, 'empty')
  try {
    return multiaddr(input)
  } catch (err) {
    throw bad(input, 'not a multiaddr (expected e.g. /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...)', err)
  }
}

/**
 * @throws CliError Multiaddr when `input` does not parse, has no address
 * before its peer id, or has no (valid) /p2p/ part.
 */
export function parseDialTarget (input: string): DialTarget {
  const parsed = parse(input)
  const components = parsed.getComponents()
  // The last /p2p/ is the destination (a relayed address has the relay's first).
  const last = components.findLastIndex(c => c.name === 'p2p')
  if (last === -1) throw bad(input, 'no /p2p/<peer id> part (copy the full address `glueberry listen` prints)')
  const value = components[last].value
  let peerId: string
  try {
    peerId = peerIdFromString(value ?? '').toString()
  } catch (err) {
    throw bad(input, `${quote(value ?? '')} is not a peer id`, err)
  }
  if (last === 0) throw bad(input, 'no address before /p2p/ (e.g. /ip4/127.0.0.1/tcp/4001/p2p/<peer id>)')
  const text = parsed.toString()
  return { multiaddr: text, transport: text.slice(0, text.lastIndexOf('/p2p/')), peerId }
}

/** Checks a --listen address; returns its canonical form. */
export function parseListenAddress (input: string): string {
  const parsed = parse(input)
  if (parsed.getComponents().some(c => c.name === 'p2p')) throw bad(input, 'a listen address must not contain /p2p/')
  return parsed.toString()
}

/** An address announced to users: with our /p2p/ suffix, which libp2p usually adds already. */
export function withPeerId (address: string, peerId: string): string {
  return address.includes('/p2p/') ? address : `${address}/p2p/${peerId}`
}

function quote (text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text
  return JSON.stringify(shown)
}
