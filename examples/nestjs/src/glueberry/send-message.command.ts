import { Command } from '@nestjs/cqrs'
import { DEFAULT_STREAM } from './glueberry.constants'

/** What a successful send returns: the message is queued, in order, for the peer's stream. */
export interface SendMessageResult {
  readonly peerId: string
  readonly stream: string
  readonly bytes: number
}

/**
 * Sends `data` to a peer on an encrypted stream. `Command<SendMessageResult>`
 * types `commandBus.execute(...)`. Rejects with the library's GlueberryError:
 * branch on `code` (NOT_CONNECTED, STREAM_NOT_PREPARED, MESSAGE_TOO_LARGE,
 * BACKPRESSURE, ABORTED, NODE_STOPPED...) and `retriable`, never on the message.
 */
export class SendMessageCommand extends Command<SendMessageResult> {
  constructor (
    readonly peerId: string,
    readonly data: Uint8Array,
    readonly stream: string = DEFAULT_STREAM,
    /** Cancels a send that waits for the network (high watermark): rejects with ABORTED or BACKPRESSURE. */
    readonly signal?: AbortSignal
  ) {
    super()
  }
}
