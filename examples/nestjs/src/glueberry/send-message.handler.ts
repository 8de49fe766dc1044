import { CommandHandler } from '@nestjs/cqrs'
import type { ICommandHandler } from '@nestjs/cqrs'
import type { GlueberryNode } from 'glueberry'
import { InjectGlueberryNode } from './glueberry.constants'
import { SendMessageCommand } from './send-message.command'
import type { SendMessageResult } from './send-message.command'

/**
 * Calls node.send and lets its GlueberryError through unchanged: it already
 * carries a stable code, the peer, the stream and whether a retry can help,
 * and a wrapper would only hide them from `isGlueberryError(err, code)`.
 */
@CommandHandler(SendMessageCommand)
export class SendMessageHandler implements ICommandHandler<SendMessageCommand> {
  constructor (@InjectGlueberryNode() private readonly node: GlueberryNode) {}

  async execute (command: SendMessageCommand): Promise<SendMessageResult> {
    const { peerId, stream, data, signal } = command
    await this.node.send(peerId, stream, data, signal === undefined ? {} : { signal })
    return { peerId, stream, bytes: data.byteLength }
  }
}
