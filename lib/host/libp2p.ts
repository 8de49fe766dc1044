/**
 * Creates the libp2p host: TCP and WebSockets (WebSockets alone in a page), Noise and yamux, the node's own Ed25519
 * identity, the blacklist gater, and limits raised so that a local
 * cluster of 50 nodes can dial each other at once (libp2p's defaults accept
 * 5 inbound connections per second per host and 10 pending ones, which makes
 * local clusters fail with bare ECONNRESETs).
 *
 * @module
 */
import { createLibp2p } from 'libp2p'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { defaultBackend } from '../crypto/default-backend.js'
import { peerGater } from './gater.js'
import type { IsBlacklisted } from './gater.js'
import { noiseCrypto } from './noise-crypto.js'
import { quietLogger } from './quiet-logger.js'
import { platformTransports } from './transports.js'

export interface HostOptions {
  privateKey: PrivateKey
  listen: string[]
  isBlacklisted: IsBlacklisted
  /** Inbound admission (the `inbound` policy); omitted: every peer that is not blacklisted. */
  admitsInbound?: (peerId: string) => boolean
  onRefused?: (peerId: string) => void
  maxConnections: number
  dialTimeout: number
}

// No identify: glueberry dials the addresses in its own address book, never
// asks a peer for its protocols or observed addresses, and identify's
// exchange on every new connection runs right through the handshake (it
// made connect + handshake ~2.1-2.3x a bare dial + upgrade instead of <2x).
export type Host = Libp2p

/** The most a paused inbound stream holds before its sender must wait. */
export const MAX_STREAM_WINDOW = 2 * 1024 * 1024

export async function createHost (options: HostOptions): Promise<Host> {
  const logger = quietLogger()
  return await createLibp2p({
    start: false,
    ...(logger === undefined ? {} : { logger }),
    privateKey: options.privateKey,
    addresses: { listen: options.listen },
    // TCP and WebSockets in Node.js; WebSockets alone in a page (lib/browser/transports.ts).
    transports: platformTransports(),
    // X25519 through the backend: noise's own DER key imports were ~1.5 ms per connection and side.
    connectionEncrypters: [noise({ crypto: noiseCrypto(defaultBackend()) })],
    // A paused stream buffers at most one receive window. yamux grows a busy
    // stream's window up to 16 MiB by default, but libp2p resets a paused
    // stream whose read buffer passes 4 MiB: a slow consumer would lose its
    // stream. 2 MiB keeps the bound well inside and is ample on loopback/LAN.
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: MAX_STREAM_WINDOW } })],
    connectionGater: peerGater({
      isBlacklisted: options.isBlacklisted,
      ...(options.admitsInbound === undefined ? {} : { admitsInbound: options.admitsInbound }),
      ...(options.onRefused === undefined ? {} : { onRefused: options.onRefused })
    }),
    // Glueberry probes its peers' connections itself (connections/liveness.ts:
    // a yamux ping, 7x cheaper than this monitor's stream per probe, and a
    // bound that the `liveness` option sets).
    connectionMonitor: { enabled: false },
    connectionManager: {
      maxConnections: options.maxConnections,
      maxParallelDials: 200,
      maxDialQueueLength: 2000,
      inboundConnectionThreshold: Math.max(100, options.maxConnections),
      maxIncomingPendingConnections: Math.max(100, options.maxConnections),
      // dialTimeout means what it says. libp2p 3.2.0 (pinned, see package.json)
      // bounds the whole dial with it; later 3.x also cut each address at an
      // `addressDialTimeout` (6 s by default), which made a 20 s dialTimeout
      // fail at 6 s: set that to the same value if libp2p is ever upgraded.
      dialTimeout: options.dialTimeout,
      // Glueberry owns reconnection (backoff, cooldown, address book); the
      // libp2p reconnect queue would redial behind its back.
      reconnectRetries: 0
    }
  })
}
