/**
 * A blockchain node's handshake, written with `handshakeFsm`, in the style
 * of blockberry: three JSON messages on the plaintext 'handshake' stream.
 *
 * - `HelloRequest  { type, chainId, version }`: who we are and which chain.
 * - `HelloResponse { type, chainId, publicKey }`: the answer to the peer's
 *   HelloRequest, with our Ed25519 public key (base64).
 * - `HelloFinalize { type }`: sent once our streams are prepared.
 *
 * A peer on another chain is refused when its HelloRequest (or its
 * HelloResponse) arrives: HandshakeFailed, 'chain id mismatch'; a peer with
 * an incompatible protocol version: VersionMismatch. Failures are reported on
 * `failures$` and to `node.failHandshake`: a peer on another chain (or another
 * version) is not redialled; any other failure (a malformed message, a
 * timeout) cools down and is retried. Both sides run the same code.
 */
import { EMPTY, Subject, filter, groupBy, mergeMap, switchMap } from 'rxjs'
import type { Observable } from 'rxjs'
import { ConnectionState, CURRENT_VERSION, ErrorCode, GlueberryError, assertCompatible, formatVersion, parseVersion } from '../../lib/index.js'
import type { GlueberryNode, HandshakeDriver, ProtocolVersion } from '../../lib/index.js'
import { handshakeFsm } from '../../operators/index.js'
import type { HandshakeFsmSpec } from '../../operators/index.js'

export type HelloMessage =
  | { readonly type: 'HelloRequest', readonly chainId: string, readonly version: string }
  | { readonly type: 'HelloResponse', readonly chainId: string, readonly publicKey: string }
  | { readonly type: 'HelloFinalize' }

export interface BlockchainHandshakeOptions {
  readonly chainId: string
  /** The encrypted streams of the node. @default ['consensus', 'blocks', 'transactions'] */
  readonly streams?: readonly string[]
  readonly version?: ProtocolVersion
  readonly timeout?: number
  readonly retries?: number
}

export interface BlockchainHandshake extends HandshakeDriver {
  readonly failures$: Observable<GlueberryError>
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

function decodeHello (data: Uint8Array): HelloMessage {
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(data))
  } catch (err) {
    throw new GlueberryError(ErrorCode.HandshakeFailed, 'hello message is not JSON', { cause: err })
  }
  const m = value as Partial<Record<string, unknown>> | null
  const ok = m !== null && typeof m === 'object' && (
    (m.type === 'HelloRequest' && typeof m.chainId === 'string' && typeof m.version === 'string') ||
    (m.type === 'HelloResponse' && typeof m.chainId === 'string' && typeof m.publicKey === 'string') ||
    m.type === 'HelloFinalize')
  if (!ok) throw new GlueberryError(ErrorCode.HandshakeFailed, 'not a hello message')
  return value as HelloMessage
}

/** The peer is on another chain: talking again will not change that. */
class ChainMismatch extends GlueberryError {}

export function blockchainHandshake (options: BlockchainHandshakeOptions): BlockchainHandshake {
  const { chainId, version = CURRENT_VERSION } = options
  const streams = options.streams ?? ['consensus', 'blocks', 'transactions']
  const failures = new Subject<GlueberryError>()

  const sameChain = (theirs: string, peer: string): void => {
    if (theirs !== chainId) {
      throw new ChainMismatch(ErrorCode.HandshakeFailed, `chain id mismatch: peer is on '${theirs}', we are on '${chainId}'`, { peer, retriable: false })
    }
  }

  const spec = (node: GlueberryNode, peerId: string): HandshakeFsmSpec<HelloMessage> => ({
    peerId,
    io: node,
    decode: decodeHello,
    encode: m => encoder.encode(JSON.stringify(m)),
    kind: m => m.type === 'HelloRequest' ? 'request' : m.type === 'HelloResponse' ? 'response' : 'finalize',
    request: () => ({ type: 'HelloRequest', chainId, version: formatVersion(version) }),
    response: (hello) => {
      if (hello.type !== 'HelloRequest') throw new GlueberryError(ErrorCode.HandshakeFailed, 'expected HelloRequest')
      sameChain(hello.chainId, peerId)
      assertCompatible(version, parseVersion(hello.version), peerId)
      return { type: 'HelloResponse', chainId, publicKey: Buffer.from(node.publicKey).toString('base64') }
    },
    finalize: () => ({ type: 'HelloFinalize' }),
    accept: (hello) => {
      if (hello.type !== 'HelloResponse') throw new GlueberryError(ErrorCode.HandshakeFailed, 'expected HelloResponse')
      sameChain(hello.chainId, peerId)
      return { publicKey: new Uint8Array(Buffer.from(hello.publicKey, 'base64')), streams }
    },
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    ...(options.retries === undefined ? {} : { retries: options.retries })
  })

  return {
    streams,
    failures$: failures.asObservable(),
    attach (node) {
      // One handshake per Connected peer; a later state (other than the
      // Established it leads to) ends the running one.
      const sub = node.events$.pipe(
        filter(e => e.state !== ConnectionState.Established),
        groupBy(e => e.peerId),
        mergeMap(peer$ => peer$.pipe(switchMap(e => e.state !== ConnectionState.Connected
          ? EMPTY
          : node.messages$.pipe(filter(m => m.peerId === e.peerId && m.stream === 'handshake'), handshakeFsm(spec(node, e.peerId))))))
      ).subscribe((s) => {
        if (s.state !== 'Failed') return
        failures.next(s.error)
        try {
          // Another chain: refuse for good. Anything else: Cooldown, then a retry.
          node.failHandshake(s.peerId, s.error, s.error instanceof ChainMismatch ? { redial: false } : {})
        } catch {
          // The node is stopping.
        }
      })
      return () => { sub.unsubscribe(); failures.complete() }
    }
  }
}
