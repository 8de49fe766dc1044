import 'reflect-metadata'
import { NestFactory } from '@nestjs/core'
import type { INestApplicationContext, LoggerService, LogLevel } from '@nestjs/common'
import { AppModule } from './app.module'
import type { PeerConfig } from './peer-config'

/**
 * Boots one peer: a standalone application context (no HTTP server; the
 * node is the transport). Resolves once the node has started.
 */
export async function bootPeer (config: PeerConfig, logger: LoggerService | LogLevel[] | false = ['log', 'warn', 'error']): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(AppModule.forPeer(config), { logger })
  // SIGINT/SIGTERM run the shutdown hooks: GlueberryLifecycle stops the node.
  app.enableShutdownHooks()
  return app
}
