/**
 * The `glueberry` contender: two glueberry nodes Established through the
 * standard handshake, sending on the encrypted stream BENCH_STREAM as an
 * application would: `await node.send(peer, BENCH_STREAM, payload)` per
 * message, and a `messages$` subscriber on the other side. Whatever glueberry
 * does underneath (coalescing a tick's messages into records, backpressure)
 * is what is measured.
 *
 * @module
 */
import { filter, map, merge } from 'rxjs'
import type { Subscription } from 'rxjs'
import type { GlueberryNode } from '../../../lib/index.js'
import { BENCH_STREAM, establish, startGlueberry } from '../nodes.js'
import type { ContenderDriver, Listener, PeerAddress, Role, Sender } from './contender.js'
import { wrongAddress } from './contender.js'
import { Counter } from './counter.js'
import { payloadOf } from './framing.js'
import { PingWaiter } from './ping-waiter.js'

/** The node behind each listener of this process, so an in-proc pair can wait for both ends. */
const nodes = new WeakMap<Listener, GlueberryNode>()

export const glueberryDriver: ContenderDriver = {
  contender: 'glueberry',
  listen,
  connect
}

async function listen (role: Role): Promise<Listener> {
  const counter = role === 'sink' ? new Counter() : undefined
  const node = await startGlueberry()
  const benchMessages$ = node.messages$.pipe(filter((m) => m.stream === BENCH_STREAM))
  const subscriptions: Subscription[] = []
  if (counter !== undefined) {
    subscriptions.push(benchMessages$.subscribe((m) => { counter.add(m.data.byteLength) }))
    // A record that fails to open, or messages lost on the way, would only
    // show as a timeout; fail the run at once, with the reason.
    subscriptions.push(merge(node.decryptionErrors$.pipe(map((failure) => failure.error)), node.errors$).subscribe((err) => {
      counter.fail(err)
    }))
  } else {
    subscriptions.push(benchMessages$.subscribe((m) => {
      // The pinger sees a lost pong as a timeout; nothing to do with the error here.
      node.send(m.peerId, BENCH_STREAM, m.data).catch(() => {})
    }))
  }
  const listener: Listener = {
    address: { kind: 'libp2p', peerId: node.peerId, multiaddrs: [...node.multiaddrs] },
    ...(counter === undefined ? {} : { counter }),
    close: async () => {
      counter?.fail(new Error('listener closed'))
      for (const subscription of subscriptions) subscription.unsubscribe()
      await node.stop()
    }
  }
  nodes.set(listener, node)
  return listener
}

async function connect (address: PeerAddress, local?: Listener): Promise<Sender> {
  if (address.kind !== 'libp2p') throw wrongAddress('glueberry', address)
  const node = await startGlueberry()
  const peer = address.peerId
  try {
    await establish(node, { peerId: peer, multiaddrs: address.multiaddrs }, local === undefined ? undefined : nodes.get(local))
  } catch (err) {
    await node.stop()
    throw err
  }
  const pongs = new PingWaiter('glueberry')
  const subscription = node.messages$
    .pipe(filter((m) => m.stream === BENCH_STREAM && m.peerId === peer))
    .subscribe((m) => { pongs.answer(m.data) })

  const payloads = new Map<number, Uint8Array>()
  return {
    send: async (size, count) => {
      let payload = payloads.get(size)
      if (payload === undefined) {
        payload = payloadOf(size)
        payloads.set(size, payload)
      }
      // glueberry copies the message when it queues it, so one buffer serves every send.
      for (let i = 0; i < count; i++) await node.send(peer, BENCH_STREAM, payload)
    },
    ping: async (payload) => {
      const pong = pongs.next()
      await node.send(peer, BENCH_STREAM, payload)
      return await pong
    },
    close: async () => {
      subscription.unsubscribe()
      pongs.fail(new Error('sender closed'))
      await node.stop()
    }
  }
}
