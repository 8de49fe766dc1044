/**
 * ConnectionEvent -> domain events, as a pure function (no Nest, no I/O), so
 * the mapping reads as a table and can be checked without a network.
 */
import { ConnectionState } from 'glueberry'
import type { ConnectionEvent } from 'glueberry'
import { PeerConnectionFailedEvent, PeerDisconnectedEvent, PeerEstablishedEvent, PeerStateChangedEvent } from './glueberry.events'

export type ConnectionDomainEvent = PeerStateChangedEvent | PeerEstablishedEvent | PeerDisconnectedEvent | PeerConnectionFailedEvent

/** States in which the peer has a live libp2p connection. */
const CONNECTED: ReadonlySet<ConnectionState> = new Set([ConnectionState.Connected, ConnectionState.Established])

/** The generic event first, then the specific one, if the transition has a meaning of its own. */
export function domainEventsFor (event: ConnectionEvent): ConnectionDomainEvent[] {
  const { peerId, state, previous, outbound, at } = event
  const code = event.error?.code
  const events: ConnectionDomainEvent[] = [new PeerStateChangedEvent(peerId, state, previous, outbound, at, code)]
  if (state === ConnectionState.Established) {
    events.push(new PeerEstablishedEvent(peerId, outbound, at))
  } else if (CONNECTED.has(previous) && !CONNECTED.has(state)) {
    events.push(new PeerDisconnectedEvent(peerId, previous, state, at, code))
  } else if (previous === ConnectionState.Connecting && state === ConnectionState.Disconnected && code !== undefined) {
    events.push(new PeerConnectionFailedEvent(peerId, at, code))
  }
  return events
}
