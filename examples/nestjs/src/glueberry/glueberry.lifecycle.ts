import { Injectable, Logger } from '@nestjs/common'
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common'
import type { GlueberryNode } from 'glueberry'
import { GlueberryEventBridge } from './glueberry-event.bridge'
import { InjectGlueberryNode } from './glueberry.constants'

/**
 * Starts the node when the application has bootstrapped and stops it on
 * shutdown (app.close() or a signal with app.enableShutdownHooks()).
 *
 * Why start here and not in the node's factory: CqrsModule is global, so
 * its onApplicationBootstrap (which registers every @EventsHandler and
 * @CommandHandler) runs before this one; starting now means no transition
 * of a peer from the address book (auto-connect on start) can reach the
 * EventBus before its handlers exist. Until then the injected node is
 * created but not started: addPeer() works, send() throws NODE_NOT_STARTED.
 */
@Injectable()
export class GlueberryLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GlueberryLifecycle.name)

  constructor (
    @InjectGlueberryNode() private readonly node: GlueberryNode,
    private readonly bridge: GlueberryEventBridge
  ) {}

  async onApplicationBootstrap (): Promise<void> {
    this.bridge.attach()
    try {
      await this.node.start()
    } catch (err) {
      // Nest runs no shutdown hook for an application that failed to boot:
      // release the address book (and its file lock) now.
      this.bridge.detach()
      await this.node.stop()
      throw err
    }
    this.logger.log(`node ${this.node.peerId} listening on ${this.node.multiaddrs.join(', ')}`)
  }

  async onApplicationShutdown (): Promise<void> {
    this.bridge.detach() // already done in onModuleDestroy; stated here because the order matters
    // Completes every Observable of the node, closes sockets and zeroes keys.
    await this.node.stop()
  }
}
