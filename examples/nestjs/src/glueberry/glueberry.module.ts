import { Module } from '@nestjs/common'
import type { DynamicModule } from '@nestjs/common'
import { createNode, standardHandshake } from 'glueberry'
import type { GlueberryNode, HandshakeDriver } from 'glueberry'
import { DEFAULT_STREAM, GLUEBERRY_HANDSHAKE, GLUEBERRY_NODE, GLUEBERRY_OPTIONS } from './glueberry.constants'
import type { GlueberryModuleAsyncOptions, GlueberryModuleOptions } from './glueberry.options'
import { GlueberryEventBridge } from './glueberry-event.bridge'
import { GlueberryLifecycle } from './glueberry.lifecycle'
import { SendMessageHandler } from './send-message.handler'

/**
 * One glueberry node per application context, injectable as GLUEBERRY_NODE
 * (`@InjectGlueberryNode()`). Import it once, next to `CqrsModule.forRoot()`
 * (the bridge and the command handler need the global EventBus).
 *
 *   GlueberryModule.forRoot({ listen: ['/ip4/0.0.0.0/tcp/4001'], addressBook: './peers.json' })
 *   GlueberryModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => ({ ... }) })
 */
@Module({})
export class GlueberryModule {
  static forRoot (options: GlueberryModuleOptions = {}): DynamicModule {
    return GlueberryModule.forRootAsync({ useFactory: () => options })
  }

  static forRootAsync<Deps extends unknown[]> (options: GlueberryModuleAsyncOptions<Deps>): DynamicModule {
    return {
      module: GlueberryModule,
      imports: options.imports ?? [],
      providers: [
        { provide: GLUEBERRY_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        { provide: GLUEBERRY_HANDSHAKE, useFactory: handshakeFor, inject: [GLUEBERRY_OPTIONS] },
        { provide: GLUEBERRY_NODE, useFactory: nodeFor, inject: [GLUEBERRY_OPTIONS, GLUEBERRY_HANDSHAKE] },
        GlueberryEventBridge,
        GlueberryLifecycle,
        SendMessageHandler
      ],
      exports: [GLUEBERRY_NODE]
    }
  }
}

function handshakeFor (options: GlueberryModuleOptions): HandshakeDriver {
  return options.handshake ?? standardHandshake({ streams: options.streams ?? [DEFAULT_STREAM] })
}

/** Created, not started: GlueberryLifecycle starts it once the handlers are registered. */
async function nodeFor (options: GlueberryModuleOptions, handshake: HandshakeDriver): Promise<GlueberryNode> {
  const { streams: _streams, ...nodeOptions } = options
  return await createNode({ ...nodeOptions, handshake })
}
