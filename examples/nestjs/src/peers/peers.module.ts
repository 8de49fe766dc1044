import { Module } from '@nestjs/common'
import { GlueberryFailureHandler } from './glueberry-failure.handler'
import { Inbox } from './inbox'
import { MessageReceivedHandler } from './message-received.handler'
import { PeerDirectory } from './peer-directory'
import { PeerPresenceHandler } from './peer-presence.handler'

/** The application side: read models fed by glueberry's domain events. */
@Module({
  providers: [PeerDirectory, Inbox, PeerPresenceHandler, MessageReceivedHandler, GlueberryFailureHandler],
  exports: [PeerDirectory, Inbox]
})
export class PeersModule {}
