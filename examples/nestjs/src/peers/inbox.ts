import { Injectable } from '@nestjs/common'
import type { OnModuleDestroy } from '@nestjs/common'
import { ReplaySubject } from 'rxjs'
import type { Observable } from 'rxjs'
import type { MessageReceivedEvent } from '../glueberry'

/**
 * The last messages received, for the application to read. Bounded: an
 * inbox that grows with traffic is a leak.
 */
@Injectable()
export class Inbox implements OnModuleDestroy {
  static readonly CAPACITY = 100
  private readonly received = new ReplaySubject<MessageReceivedEvent>(Inbox.CAPACITY)

  /** Replays up to CAPACITY recent messages, then every new one. Completes on shutdown. */
  readonly messages$: Observable<MessageReceivedEvent> = this.received.asObservable()

  add (message: MessageReceivedEvent): void {
    this.received.next(message)
  }

  onModuleDestroy (): void {
    this.received.complete()
  }
}
