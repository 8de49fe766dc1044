import { Inject, Module } from '@nestjs/common'
import type { DynamicModule } from '@nestjs/common'

/** What differs between the peers of this example: a name for the logs and where to listen. */
export interface PeerConfig {
  readonly name: string
  readonly listen: readonly string[]
  /** Which peers may connect: 'known' (the library's default: address-book peers only) or 'any'. */
  readonly inbound?: 'known' | 'any'
}

export const PEER_CONFIG = Symbol('PEER_CONFIG')
export const InjectPeerConfig = (): ParameterDecorator => Inject(PEER_CONFIG)

/** Stands in for an application's configuration module (e.g. @nestjs/config). Global, like those usually are. */
@Module({})
export class PeerConfigModule {
  static register (config: PeerConfig): DynamicModule {
    return {
      module: PeerConfigModule,
      global: true,
      providers: [{ provide: PEER_CONFIG, useValue: config }],
      exports: [PEER_CONFIG]
    }
  }
}
