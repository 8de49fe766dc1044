/**
 * What every contender (raw TCP, raw libp2p, glueberry) offers the
 * throughput and round-trip benchmarks: a listening end that counts or
 * echoes messages, and a connecting end that sends them. The listening end
 * runs here (in-proc) or in the child process (2-proc, bench/net/peer-child.ts);
 * the sending end always runs here, where the clock is read.
 *
 * @module
 */
import type { Contender } from '../types.js'
import type { Counter } from './counter.js'

/**
 * What a listening end does with each message: `sink` counts it (one-way
 * throughput), `echo` sends it straight back (request/response round trip).
 */
export type Role = 'sink' | 'echo'

/** How to reach a listening end; plain data so it can cross the IPC channel. */
export type PeerAddress =
  | { readonly kind: 'tcp', readonly host: string, readonly port: number }
  | { readonly kind: 'libp2p', readonly peerId: string, readonly multiaddrs: readonly string[] }

/** A started listening end. */
export interface Listener {
  readonly address: PeerAddress
  /** Counts what arrives (`sink` only). */
  readonly counter?: Counter
  /** Stops the node or server and everything it holds. */
  close: () => Promise<void>
}

/** A connected sending end. */
export interface Sender {
  /**
   * Sends `count` messages of `size` payload bytes, one API call per message
   * as a user of that API would, waiting whenever the API asks to (drain,
   * backpressure). Resolves once all are handed over, not delivered.
   */
  send: (size: number, count: number) => Promise<void>
  /** Sends one message and resolves with the first message that comes back. */
  ping: (payload: Uint8Array) => Promise<Uint8Array>
  /** Stops the node or socket. */
  close: () => Promise<void>
}

export interface ContenderDriver {
  readonly contender: Contender
  listen: (role: Role) => Promise<Listener>
  /**
   * Connects to `address`. `local` is the listener when it lives in this
   * process: glueberry then also waits for the listening side to reach
   * Established, so the first rep does not pay for the handshake's tail.
   */
  connect: (address: PeerAddress, local?: Listener) => Promise<Sender>
}

/** A mismatch between what a driver got and what it can use: a bug in the bench, not a measurement. */
export function wrongAddress (contender: Contender, address: PeerAddress): Error {
  return new Error(`${contender} cannot connect to a ${address.kind} address`)
}
