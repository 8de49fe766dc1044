/**
 * End-to-end check of the example, compiled with it (CommonJS) and run in a
 * plain Node process by test/examples/nestjs.test.ts at the repository root.
 * Boots two application contexts on 127.0.0.1 port 0, drives them through
 * the CommandBus, watches the EventBus and the handlers' read models, closes
 * both, and prints one JSON line of findings (no key, no plaintext) for the
 * Jest test to assert on.
 */
import 'reflect-metadata'
import type { INestApplicationContext } from '@nestjs/common'
import { CommandBus, EventBus } from '@nestjs/cqrs'
import type { IEvent } from '@nestjs/cqrs'
import { ConnectionState, ErrorCode, GlueberryError, isGlueberryError } from 'glueberry'
import type { ConnectionEvent, GlueberryNode } from 'glueberry'
import { firstValueFrom } from 'rxjs'
import type { Subscription } from 'rxjs'
import { bootPeer } from '../src/bootstrap'
import { GLUEBERRY_NODE, GlueberryEventBridge, PeerStateChangedEvent, SendMessageCommand, domainEventsFor } from '../src/glueberry'
import { Inbox } from '../src/peers/inbox'
import { PeerDirectory } from '../src/peers/peer-directory'

const LISTEN = ['/ip4/127.0.0.1/tcp/0']
const STRANGER = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'

const nodeOf = (app: INestApplicationContext): GlueberryNode => app.get<GlueberryNode>(GLUEBERRY_NODE)

/** Rejects with `what` when the promise takes longer than `ms`; leaves no timer behind. */
async function within<T> (what: string, promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`timed out: ${what}`)) }, ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** What a rejected command tells its caller, in the terms an application branches on. */
async function failureOf (promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise
    return { rejected: false }
  } catch (err) {
    return {
      rejected: true,
      isGlueberryError: isGlueberryError(err),
      instanceOfGlueberryError: err instanceof GlueberryError,
      code: isGlueberryError(err) ? err.code : String(err),
      retriable: isGlueberryError(err) ? err.retriable : undefined,
      peer: isGlueberryError(err) ? err.peer : undefined,
      stream: isGlueberryError(err) ? err.stream : undefined
    }
  }
}

/** Records the classes (and peer states) of everything published on an application's EventBus. */
function recordBus (app: INestApplicationContext): { names: string[], subscription: Subscription } {
  const names: string[] = []
  const subscription = app.get(EventBus).subscribe((event: IEvent) => {
    names.push(event instanceof PeerStateChangedEvent ? `${event.constructor.name}:${event.state}` : event.constructor.name)
  })
  return { names, subscription }
}

/** Whether an Observable of the node has completed (they all complete on stop). */
function completion (node: GlueberryNode): { events: boolean, messages: boolean } {
  const done = { events: false, messages: false }
  node.events$.subscribe({ complete: () => { done.events = true } })
  node.messages$.subscribe({ complete: () => { done.messages = true } })
  return done
}

/** The pure mapping, on transitions no healthy run produces. */
function mappingTable (): Record<string, string[]> {
  const at = Date.now()
  const transition = (previous: ConnectionState, state: ConnectionState, error?: GlueberryError): ConnectionEvent =>
    ({ peerId: STRANGER, previous, state, outbound: true, at, ...(error === undefined ? {} : { error }) })
  const names = (e: ConnectionEvent): string[] => domainEventsFor(e).map(d => d.constructor.name)
  const timeout = new GlueberryError(ErrorCode.HandshakeTimeout, 'handshake timed out')
  const refused = new GlueberryError(ErrorCode.ConnectionFailed, 'dial failed')
  return {
    'Connected->Cooldown': names(transition(ConnectionState.Connected, ConnectionState.Cooldown, timeout)),
    'Connecting->Disconnected(error)': names(transition(ConnectionState.Connecting, ConnectionState.Disconnected, refused)),
    'Established->Disconnected': names(transition(ConnectionState.Established, ConnectionState.Disconnected)),
    'Disconnected->Reconnecting': names(transition(ConnectionState.Disconnected, ConnectionState.Reconnecting))
  }
}

async function main (): Promise<void> {
  const alice = await bootPeer({ name: 'alice', listen: LISTEN }, ['error', 'warn'])
  // Bob admits peers he has not added (by default a node refuses them): alice dials him.
  const bob = await bootPeer({ name: 'bob', listen: LISTEN }, ['error', 'warn'])
  const aliceNode = nodeOf(alice)
  const bobNode = nodeOf(bob)
  const aliceBus = recordBus(alice)
  const bobBus = recordBus(bob)
  const aliceDone = completion(aliceNode)
  const bobDone = completion(bobNode)
  const findings: Record<string, unknown> = { startedAfterBoot: [aliceNode.status, bobNode.status], mapping: mappingTable() }
  // close() runs every shutdown hook again when called twice: close each app once.
  const open = new Set([alice, bob])
  const close = async (app: INestApplicationContext): Promise<void> => {
    if (open.delete(app)) await app.close()
  }

  try {
    const payload = new TextEncoder().encode('through the command bus')
    const firstMessage = firstValueFrom(bob.get(Inbox).messages$)

    // Known peers only (the default): bob must know alice to accept her. With
    // no address bob never dials her, so alice stays the dialer.
    await bobNode.addPeer(aliceNode.peerId, [])
    await aliceNode.addPeer(bobNode.peerId, bobNode.multiaddrs)
    // The directories are fed only by PeerPresenceHandler (an @EventsHandler).
    const [aliceSeesBob, bobSeesAlice] = await within('PeerEstablishedEvent at both handlers', Promise.all([
      alice.get(PeerDirectory).whenEstablished(bobNode.peerId),
      bob.get(PeerDirectory).whenEstablished(aliceNode.peerId)
    ]))
    findings.established = { aliceOutbound: aliceSeesBob.outbound, bobOutbound: bobSeesAlice.outbound }

    const commands = alice.get(CommandBus)
    const result = await commands.execute(new SendMessageCommand(bobNode.peerId, payload))
    findings.sendResult = { toBob: result.peerId === bobNode.peerId, stream: result.stream, bytes: result.bytes }

    const received = await within('MessageReceivedEvent at bob\'s handler', firstMessage)
    findings.received = {
      fromAlice: received.peerId === aliceNode.peerId,
      stream: received.stream,
      sameBytes: Buffer.from(received.data).equals(Buffer.from(payload))
    }

    findings.unknownPeer = await failureOf(commands.execute(new SendMessageCommand(STRANGER, Uint8Array.of(1))))
    findings.unpreparedStream = await failureOf(commands.execute(new SendMessageCommand(bobNode.peerId, Uint8Array.of(1), 'not-prepared')))
    findings.aliceBus = [...aliceBus.names]

    // Alice leaves: bob's handler must see the peer go.
    await close(alice)
    findings.bobSawAliceLeave = await within('PeerDisconnectedEvent at bob\'s handler',
      bob.get(PeerDirectory).whenGone(aliceNode.peerId).then(() => true))
    findings.bobBus = [...bobBus.names]
  } finally {
    await close(alice)
    await close(bob)
    aliceBus.subscription.unsubscribe()
    bobBus.subscription.unsubscribe()
  }

  findings.stopped = {
    status: [aliceNode.status, bobNode.status],
    eventsCompleted: [aliceDone.events, bobDone.events],
    messagesCompleted: [aliceDone.messages, bobDone.messages],
    bridgeAttached: [alice.get(GlueberryEventBridge).attached, bob.get(GlueberryEventBridge).attached],
    sendAfterClose: await failureOf(alice.get(CommandBus).execute(new SendMessageCommand(bobNode.peerId, Uint8Array.of(1))))
  }
  console.log(JSON.stringify(findings))

  // Everything is closed, so the process should end by itself; if a socket
  // or timer is left open, say which instead of hanging until the test's timeout.
  setTimeout(() => {
    console.error(`still alive after close: ${JSON.stringify(process.getActiveResourcesInfo())}`)
    process.exit(2)
  }, 5_000).unref()
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
