import { Logger } from '@nestjs/common'
import { EventsHandler } from '@nestjs/cqrs'
import type { IEventHandler } from '@nestjs/cqrs'
import { MessageReceivedEvent } from '../glueberry'
import { InjectPeerConfig } from '../peer-config'
import type { PeerConfig } from '../peer-config'
import { Inbox } from './inbox'
import { shortId } from './short-id'

/** Files every message in the Inbox. Logs who sent how much, never the content. */
@EventsHandler(MessageReceivedEvent)
export class MessageReceivedHandler implements IEventHandler<MessageReceivedEvent> {
  private readonly logger: Logger

  constructor (private readonly inbox: Inbox, @InjectPeerConfig() config: PeerConfig) {
    this.logger = new Logger(config.name)
  }

  handle (event: MessageReceivedEvent): void {
    this.inbox.add(event)
    this.logger.log(`${event.data.byteLength} bytes from ${shortId(event.peerId)} on '${event.stream}'`)
  }
}
