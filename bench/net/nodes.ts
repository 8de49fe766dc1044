/**
 * The nodes every network benchmark builds, configured alike so the
 * contenders differ only in what they measure:
 *
 * - raw js-libp2p: glueberry's own host (TCP, Noise, yamux, no identify,
 *   the same connection limits and stream window), so "raw libp2p" is exactly
 *   the layer glueberry runs on;
 * - glueberry: a node with the standard handshake preparing `BENCH_STREAM`,
 *   and a 2 MiB message limit so a 1 MiB payload fits with room to spare.
 *
 * @module
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { ConnectionState, createNode, standardHandshake } from '../../lib/index.js'
import type { GlueberryNode, NodeOptions } from '../../lib/index.js'
import { createHost } from '../../lib/host/libp2p.js'
import type { Host } from '../../lib/host/libp2p.js'
import { stopHost } from '../../lib/host/stop-host.js'

export const LOOPBACK = '/ip4/127.0.0.1/tcp/0'
/** The encrypted stream the glueberry contender sends on. */
export const BENCH_STREAM = 'bench'
/** The raw libp2p contender's protocol. */
export const RAW_PROTOCOL = '/glueberry-bench/raw/1.0.0'
export const BENCH_MAX_MESSAGE = 2 * 1024 * 1024

/** A started raw libp2p node, configured as glueberry's host. Stop it with {@link stopRawLibp2p}. */
export async function startRawLibp2p (): Promise<Host> {
  const host = await createHost({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [LOOPBACK],
    isBlacklisted: () => false,
    maxConnections: 1000,
    dialTimeout: 30_000
  })
  await host.start()
  return host
}

export async function stopRawLibp2p (host: Host): Promise<void> {
  await stopHost(host)
}

/** A started glueberry node running the standard handshake for `BENCH_STREAM`. */
export async function startGlueberry (options: NodeOptions = {}): Promise<GlueberryNode> {
  const node = await createNode({
    listen: [LOOPBACK],
    handshake: standardHandshake({ streams: [BENCH_STREAM] }),
    maxMessageSize: BENCH_MAX_MESSAGE,
    // Every sample dials from a fresh node the listener has never heard of.
    inbound: 'any',
    ...options
  })
  await node.start()
  return node
}

/** Resolves when `node` sees `peerId` Established (or rejects after `ms`). */
export async function established (node: GlueberryNode, peerId: string, ms = 30_000): Promise<void> {
  await firstValueFrom(node.state$(peerId).pipe(filter(s => s === ConnectionState.Established), take(1), timeout(ms)))
}

/** `dialer` adds `listener` and both reach Established through the standard handshake. */
export async function establish (dialer: GlueberryNode, listener: { peerId: string, multiaddrs: readonly string[] }, listenerNode?: GlueberryNode): Promise<void> {
  const waits = [established(dialer, listener.peerId)]
  if (listenerNode !== undefined) waits.push(established(listenerNode, dialer.peerId))
  await dialer.addPeer(listener.peerId, [...listener.multiaddrs])
  await Promise.all(waits)
}
