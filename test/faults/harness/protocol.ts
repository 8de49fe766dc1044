/**
 * The JSON-lines protocol between a fault test and its child-process nodes
 * (test/faults/fixtures/peer.ts): one command per stdin line, one report per
 * stdout line. Shared by both ends so a change breaks the type-check, not a
 * 60 s run.
 *
 * Every report carries `at` (epoch ms, the child's clock). All processes of
 * a run share one kernel clock, namespaces included, so times taken in
 * different children and in the test compare directly.
 */

/** A node to run in the child. `seedHex` is a 32-byte Ed25519 seed: the same seed after a restart is the same peer. */
export interface NodeSpec {
  readonly seedHex: string
  readonly listen: readonly string[]
}

export type Command =
  /** Create, wire and start the nodes (standard handshake on `streams`). */
  | { readonly cmd: 'start', readonly nodes: readonly NodeSpec[], readonly streams: readonly string[] }
  | { readonly cmd: 'addPeer', readonly node: number, readonly peerId: string, readonly addrs: readonly string[] }
  /**
   * Send `count` numbered messages of `size` bytes to `peer` on `stream`,
   * `rate` per second (0: as fast as send() accepts them), each send awaited
   * in turn (the way a careful caller honours backpressure).
   */
  | { readonly cmd: 'send', readonly id: string, readonly node: number, readonly peer: string, readonly stream: string, readonly count: number, readonly size: number, readonly rate: number }
  /** One message per peer in the list, all at once (the mesh's "a message on every link"). */
  | { readonly cmd: 'sendEach', readonly id: string, readonly node: number, readonly peers: readonly string[], readonly stream: string, readonly size: number }
  /** Ends the send loop `id` after its current send; it reports sendDone. */
  | { readonly cmd: 'halt', readonly id: string }
  | { readonly cmd: 'stats', readonly node: number }
  | { readonly cmd: 'stop' }

/** A GlueberryError as the child saw it, with whatever loss-report fields it carries. */
export interface ErrorInfo {
  readonly code: string
  readonly message: string
  readonly peer?: string
  readonly stream?: string
  readonly count?: number
  readonly firstSeq?: number
  readonly lastSeq?: number
  /** Any other own enumerable fields of the error (a `reason`, say), for the printout. */
  readonly extra?: Readonly<Record<string, unknown>>
}

export type Report =
  /** The fixture's modules are loaded; it waits for `start`. */
  | { readonly ev: 'hello', readonly pid: number, readonly incarnation: number, readonly at: number }
  | { readonly ev: 'ready', readonly nodes: ReadonlyArray<{ readonly peerId: string, readonly multiaddrs: readonly string[] }>, readonly at: number }
  | { readonly ev: 'state', readonly node: number, readonly peer: string, readonly state: string, readonly previous: string, readonly error?: string, readonly errorMessage?: string, readonly at: number }
  /** A send() that resolved: the message is accepted and the library owes its delivery or a report. */
  | { readonly ev: 'sent', readonly node: number, readonly peer: string, readonly stream: string, readonly seq: number, readonly at: number }
  /** A send() that rejected: the caller knows; not part of the guarantee. */
  | { readonly ev: 'rejected', readonly node: number, readonly peer: string, readonly stream: string, readonly seq: number, readonly code: string, readonly at: number }
  | { readonly ev: 'sendDone', readonly id: string, readonly accepted: number, readonly rejected: number, readonly at: number }
  /** One received message; `incarnation` and `seq` come from the payload. */
  | { readonly ev: 'recv', readonly node: number, readonly peer: string, readonly stream: string, readonly incarnation: number, readonly seq: number, readonly size: number, readonly at: number }
  /** A message whose payload is not ours (wrong size or header): counted as corrupt. */
  | { readonly ev: 'garbled', readonly node: number, readonly peer: string, readonly stream: string, readonly size: number, readonly at: number }
  | { readonly ev: 'error', readonly node: number, readonly error: ErrorInfo, readonly at: number }
  | { readonly ev: 'stats', readonly node: number, readonly stats: unknown, readonly at: number }
  | { readonly ev: 'stopped', readonly at: number }
  /** A command failed or the fixture hit an unexpected exception. */
  | { readonly ev: 'fault', readonly message: string, readonly at: number }
