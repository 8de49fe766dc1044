/**
 * The connection gater: blacklisted peers are refused at dial time and at
 * every inbound and outbound stage where libp2p knows the remote's identity,
 * whether or not the peer is in the address book (the Go original could only
 * ban book entries).
 *
 * @module
 */
import type { ConnectionGater, PeerId } from '@libp2p/interface'

/** Synchronous by design: libp2p calls the gater on every connection attempt. */
export type IsBlacklisted = (peerId: string) => boolean

export function blacklistGater (isBlacklisted: IsBlacklisted): ConnectionGater {
  const deny = (peerId: PeerId): boolean => isBlacklisted(peerId.toString())
  return {
    denyDialPeer: deny,
    denyOutboundConnection: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
    // Loopback and private addresses are what local clusters and tests use:
    // the default gater refuses to dial them.
    denyDialMultiaddr: () => false
  }
}
