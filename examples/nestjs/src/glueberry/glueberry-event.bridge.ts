import { Inject, Injectable, Logger } from '@nestjs/common'
import type { OnModuleDestroy } from '@nestjs/common'
import { EventBus } from '@nestjs/cqrs'
import { HANDSHAKE_STREAM } from 'glueberry'
import type { GlueberryError, GlueberryNode, HandshakeDriver } from 'glueberry'
import { EMPTY, filter, map, merge, mergeMap } from 'rxjs'
import type { Observable, Subscription } from 'rxjs'
import { domainEventsFor } from './connection-events'
import { GLUEBERRY_HANDSHAKE, InjectGlueberryNode } from './glueberry.constants'
import { GlueberryErrorEvent, HandshakeFailedEvent, MessageReceivedEvent } from './glueberry.events'

/**
 * Publishes the node's Observables on the CQRS EventBus as domain events:
 * connection transitions, messages on encrypted streams, handshake failures
 * and the node's non-fatal errors.
 *
 * `attach()` is called by GlueberryLifecycle right before the node starts,
 * not in onModuleInit: the EventBus only routes to handlers once CqrsModule
 * has registered them (its onApplicationBootstrap), and `errors$` replays
 * address-book load problems to whoever subscribes; subscribing earlier would
 * publish those into a bus with no handlers yet.
 *
 * There is no backpressure from Nest handlers to the network: the EventBus
 * calls handlers and does not wait for them. A consumer that must slow the
 * sender down belongs on `node.messages$` with glueberry's `backpressure`.
 */
@Injectable()
export class GlueberryEventBridge implements OnModuleDestroy {
  private readonly logger = new Logger(GlueberryEventBridge.name)
  private subscription?: Subscription

  constructor (
    @InjectGlueberryNode() private readonly node: GlueberryNode,
    @Inject(GLUEBERRY_HANDSHAKE) private readonly handshake: HandshakeDriver,
    private readonly eventBus: EventBus
  ) {}

  get attached (): boolean {
    return this.subscription !== undefined && !this.subscription.closed
  }

  attach (): void {
    if (this.attached) return
    const node = this.node
    this.subscription = merge(
      node.events$.pipe(mergeMap(domainEventsFor)),
      // The plaintext handshake stream is the handshake driver's business.
      node.messages$.pipe(filter(m => m.stream !== HANDSHAKE_STREAM), map(MessageReceivedEvent.from)),
      failuresOf(this.handshake).pipe(map(error => new HandshakeFailedEvent(error.peer, error))),
      node.errors$.pipe(map(error => new GlueberryErrorEvent(error)))
    ).subscribe((event) => {
      // Handlers run inside publish(); the EventBus catches what they throw.
      // Anything else escaping here must not end the bridge for all peers.
      try {
        this.eventBus.publish(event)
      } catch (err) {
        this.logger.error(`could not publish ${event.constructor.name}: ${String(err)}`)
      }
    })
  }

  /**
   * Idempotent. Runs in onModuleDestroy, the first phase of app.close(),
   * while the node stops in the last one (onApplicationShutdown): the
   * transitions that stop() commits are not published into an application
   * whose providers are already being torn down.
   */
  detach (): void {
    this.subscription?.unsubscribe()
  }

  onModuleDestroy (): void {
    this.detach()
  }
}

/** The standard handshake reports failures; a custom driver may not offer them. */
function failuresOf (driver: HandshakeDriver): Observable<GlueberryError> {
  return driver.failures$ ?? EMPTY
}
