import { Logger } from '@nestjs/common'
import { EventsHandler } from '@nestjs/cqrs'
import type { IEventHandler } from '@nestjs/cqrs'
import { PeerDisconnectedEvent, PeerEstablishedEvent } from '../glueberry'
import { InjectPeerConfig } from '../peer-config'
import type { PeerConfig } from '../peer-config'
import { PeerDirectory } from './peer-directory'
import { shortId } from './short-id'

/** Keeps the PeerDirectory in step with the node, and says so in the log. */
@EventsHandler(PeerEstablishedEvent, PeerDisconnectedEvent)
export class PeerPresenceHandler implements IEventHandler<PeerEstablishedEvent | PeerDisconnectedEvent> {
  private readonly logger: Logger

  constructor (private readonly directory: PeerDirectory, @InjectPeerConfig() config: PeerConfig) {
    this.logger = new Logger(config.name)
  }

  handle (event: PeerEstablishedEvent | PeerDisconnectedEvent): void {
    if (event instanceof PeerEstablishedEvent) {
      this.directory.established({ peerId: event.peerId, outbound: event.outbound, since: event.at })
      this.logger.log(`peer ${shortId(event.peerId)} established (${event.outbound ? 'outbound' : 'inbound'})`)
    } else {
      this.directory.gone(event.peerId)
      const why = event.errorCode === undefined ? '' : `: ${event.errorCode}`
      this.logger.log(`peer ${shortId(event.peerId)} ${event.previous} -> ${event.state}${why}`)
    }
  }
}
