/**
 * Two peers, alice and bob, each a NestJS application context with its own
 * glueberry node, on 127.0.0.1. Alice learns bob's address; the standard
 * handshake runs; PeerEstablishedEvent reaches both apps' handlers; alice
 * sends through the CommandBus; bob's MessageReceivedEvent handler files the
 * messages in his Inbox. Then a send to a peer nobody knows shows the typed
 * error, and both applications close (stopping their nodes).
 *
 *   npm run example:nestjs
 */
import { CommandBus } from '@nestjs/cqrs'
import type { INestApplicationContext } from '@nestjs/common'
import { isGlueberryError } from 'glueberry'
import type { GlueberryNode } from 'glueberry'
import { firstValueFrom, take, toArray } from 'rxjs'
import { bootPeer } from './bootstrap'
import { GLUEBERRY_NODE, SendMessageCommand } from './glueberry'
import { Inbox } from './peers/inbox'
import { PeerDirectory } from './peers/peer-directory'

const LINES = ['Hi Bob, this went through the CommandBus.', 'It was encrypted per stream and direction.', 'Bye!']
// A valid peer id that no node here has: the send fails with NOT_CONNECTED.
const STRANGER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

const nodeOf = (app: INestApplicationContext): GlueberryNode => app.get<GlueberryNode>(GLUEBERRY_NODE)

async function main (): Promise<void> {
  const listen = ['/ip4/127.0.0.1/tcp/0']
  const alice = await bootPeer({ name: 'alice', listen })
  const bob = await bootPeer({ name: 'bob', listen })
  try {
    const bobNode = nodeOf(bob)
    // Subscribe before sending: the Inbox replays, but waiting is clearer this way.
    const delivered = firstValueFrom(bob.get(Inbox).messages$.pipe(take(LINES.length), toArray()))

    // Adding a peer connects to it; the handshake follows by itself. Each side
    // adds the other: a node refuses inbound peers that are not in its book.
    const aliceNode = nodeOf(alice)
    await Promise.all([aliceNode.addPeer(bobNode.peerId, bobNode.multiaddrs), bobNode.addPeer(aliceNode.peerId, aliceNode.multiaddrs)])
    await alice.get(PeerDirectory).whenEstablished(bobNode.peerId)

    const commands = alice.get(CommandBus)
    for (const line of LINES) {
      const result = await commands.execute(new SendMessageCommand(bobNode.peerId, new TextEncoder().encode(line)))
      console.log(`alice queued ${result.bytes} bytes for bob on '${result.stream}'`)
    }
    const got = await delivered
    console.log(`bob's inbox holds ${got.length} messages, ${got.reduce((n, m) => n + m.data.byteLength, 0)} bytes in all`)

    try {
      await commands.execute(new SendMessageCommand(STRANGER, Uint8Array.of(1)))
    } catch (err) {
      if (!isGlueberryError(err)) throw err
      console.log(`a send to an unknown peer failed with ${err.code} (retriable: ${String(err.retriable)})`)
    }
  } finally {
    await alice.close()
    await bob.close()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
