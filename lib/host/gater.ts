/**
 * The connection gater: who may connect.
 *
 * - Blacklisted peers are refused at dial time and at every inbound and
 *   outbound stage where libp2p knows the remote's identity, whether or not
 *   the peer is in the address book (the Go original could only ban book
 *   entries).
 * - With the `inbound: 'known'` policy, an inbound peer that is not in the
 *   address book is refused at `denyInboundEncryptedConnection`: the first
 *   point where Noise has proven the remote's key, before yamux and before
 *   any stream or handshake message reaches the application. The refusal is
 *   reported through `onRefused` (rate-limited by the caller).
 *
 * @module
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'

/** Synchronous by design: libp2p calls the gater on every connection attempt. */
export type IsBlacklisted = (peerId: string) => boolean

export interface GaterOptions {
  isBlacklisted: IsBlacklisted
  /** Whether an inbound peer may connect at all; omitted: every peer that is not blacklisted. */
  admitsInbound?: (peerId: string) => boolean
  /** An inbound peer was refused because `admitsInbound` said no. */
  onRefused?: (peerId: string) => void
}

export function peerGater (options: GaterOptions): ConnectionGater {
  const { isBlacklisted, admitsInbound, onRefused } = options
  const deny = (peerId: PeerId): boolean => isBlacklisted(peerId.toString())
  const denyInbound = (peerId: PeerId): boolean => {
    const id = peerId.toString()
    if (isBlacklisted(id)) return true
    if (admitsInbound === undefined || admitsInbound(id)) return false
    onRefused?.(id)
    return true
  }
  return {
    denyDialPeer: deny,
    denyOutboundConnection: deny,
    denyInboundEncryptedConnection: denyInbound,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
    // Loopback and private addresses are what local clusters and tests use:
    // the default gater refuses to dial them.
    denyDialMultiaddr: () => false
  }
}

/** The gater of a node with no inbound policy: blacklist only. */
export function blacklistGater (isBlacklisted: IsBlacklisted): ConnectionGater {
  return peerGater({ isBlacklisted })
}
