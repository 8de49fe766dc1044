import { Module } from '@nestjs/common'
import type { DynamicModule } from '@nestjs/common'
import { CqrsModule } from '@nestjs/cqrs'
import { GlueberryModule } from './glueberry'
import { PEER_CONFIG, PeerConfigModule } from './peer-config'
import type { PeerConfig } from './peer-config'
import { PeersModule } from './peers/peers.module'

/**
 * One peer's application. A dynamic root module so that two peers can run
 * in one process (two application contexts), each with its own node, bus
 * and read models.
 */
@Module({})
export class AppModule {
  static forPeer (config: PeerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PeerConfigModule.register(config),
        CqrsModule.forRoot(),
        // The async form, as with a real configuration service.
        GlueberryModule.forRootAsync({
          inject: [PEER_CONFIG],
          useFactory: (peer: PeerConfig) => ({ listen: [...peer.listen], ...(peer.inbound === undefined ? {} : { inbound: peer.inbound }) })
        }),
        PeersModule
      ]
    }
  }
}
