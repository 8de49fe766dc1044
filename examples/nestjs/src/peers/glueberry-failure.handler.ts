import { Logger } from '@nestjs/common'
import { EventsHandler } from '@nestjs/cqrs'
import type { IEventHandler } from '@nestjs/cqrs'
import { GlueberryErrorEvent, HandshakeFailedEvent, PeerConnectionFailedEvent } from '../glueberry'
import { InjectPeerConfig } from '../peer-config'
import type { PeerConfig } from '../peer-config'
import { shortId } from './short-id'

type FailureEvent = GlueberryErrorEvent | HandshakeFailedEvent | PeerConnectionFailedEvent

/** Failures nobody awaited: logged with their code, which is what an operator searches for. */
@EventsHandler(GlueberryErrorEvent, HandshakeFailedEvent, PeerConnectionFailedEvent)
export class GlueberryFailureHandler implements IEventHandler<FailureEvent> {
  private readonly logger: Logger

  constructor (@InjectPeerConfig() config: PeerConfig) {
    this.logger = new Logger(config.name)
  }

  handle (event: FailureEvent): void {
    if (event instanceof PeerConnectionFailedEvent) {
      this.logger.warn(`dial to ${shortId(event.peerId)} failed: ${event.errorCode ?? 'unknown'}`)
    } else if (event instanceof HandshakeFailedEvent) {
      this.logger.warn(`handshake with ${event.peerId === undefined ? 'a peer' : shortId(event.peerId)} failed: ${event.error.code}`)
    } else {
      this.logger.warn(`${event.error.code}${event.error.peer === undefined ? '' : ` (${shortId(event.error.peer)})`}`)
    }
  }
}
