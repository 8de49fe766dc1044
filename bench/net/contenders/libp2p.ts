/**
 * The `libp2p` contender: raw js-libp2p on glueberry's own host (TCP, Noise,
 * yamux), one stream of RAW_PROTOCOL, one `stream.send()` per pre-framed
 * message. When `send()` returns false the writer waits for the stream's
 * 'drain' event; never `stream.onDrain()`, which resolves at once after its
 * first use in @libp2p/utils 7.4 (notes/libp2p-v3.md, gotcha 1) and would
 * let the write buffer grow without bound.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { RAW_PROTOCOL, startRawLibp2p, stopRawLibp2p } from '../nodes.js'
import type { ContenderDriver, Listener, PeerAddress, Role, Sender } from './contender.js'
import { wrongAddress } from './contender.js'
import { Counter } from './counter.js'
import { FrameCache, frame, joinPieces, messageSplitter } from './framing.js'
import { PingWaiter } from './ping-waiter.js'

export const libp2pDriver: ContenderDriver = {
  contender: 'libp2p',
  listen,
  connect
}

async function listen (role: Role): Promise<Listener> {
  const counter = role === 'sink' ? new Counter() : undefined
  const host = await startRawLibp2p()
  try {
    await host.handle(RAW_PROTOCOL, (stream) => {
      // Listen synchronously: libp2p buffers data nobody listens to, then resets the stream.
      const split = splitterFor(stream, counter)
      stream.addEventListener('message', (evt) => { split(evt.data) })
      stream.addEventListener('close', (evt) => {
        if (evt.error !== undefined) counter?.fail(evt.error)
      })
    })
  } catch (err) {
    await stopRawLibp2p(host)
    throw err
  }
  return {
    address: { kind: 'libp2p', peerId: host.peerId.toString(), multiaddrs: host.getMultiaddrs().map(String) },
    ...(counter === undefined ? {} : { counter }),
    close: async () => {
      counter?.fail(new Error('listener closed'))
      await stopRawLibp2p(host)
    }
  }
}

/** What the listener does with the bytes of one stream: count each message, or send it back. */
function splitterFor (stream: Stream, counter: Counter | undefined): ReturnType<typeof messageSplitter> {
  return messageSplitter(counter !== undefined
    ? (length) => { counter.add(length) }
    // One message per ping is in flight, so this send never has to wait for 'drain'.
    : (length, pieces) => { stream.send(frame(joinPieces(pieces, length))) }, {
    keepBytes: counter === undefined,
    onError: (err) => {
      counter?.fail(err)
      stream.abort(err)
    }
  })
}

async function connect (address: PeerAddress): Promise<Sender> {
  if (address.kind !== 'libp2p') throw wrongAddress('libp2p', address)
  const target = address.multiaddrs[0]
  if (target === undefined) throw new Error('the libp2p listener has no address')
  const host = await startRawLibp2p()
  let stream: Stream
  try {
    stream = await host.dialProtocol(multiaddr(target), RAW_PROTOCOL, { signal: AbortSignal.timeout(30_000) })
  } catch (err) {
    await stopRawLibp2p(host)
    throw err
  }
  const pongs = new PingWaiter('libp2p')
  const split = messageSplitter((length, pieces) => { pongs.answer(joinPieces(pieces, length)) }, {
    onError: (err) => { stream.abort(err) }
  })
  stream.addEventListener('message', (evt) => { split(evt.data) })
  stream.addEventListener('close', (evt) => { pongs.fail(evt.error ?? new Error('libp2p stream closed')) })

  const frames = new FrameCache()
  return {
    send: async (size, count) => {
      const framed = frames.get(size)
      for (let i = 0; i < count; i++) {
        if (!stream.send(framed)) await drained(stream)
      }
    },
    ping: async (payload) => {
      const pong = pongs.next()
      stream.send(frame(payload))
      return await pong
    },
    close: async () => { await stopRawLibp2p(host) }
  }
}

/** Resolves on the 'drain' event; rejects if the stream closes first. */
async function drained (stream: Stream): Promise<void> {
  if (!stream.writableNeedsDrain) return
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      stream.removeEventListener('close', onClose)
      resolve()
    }
    const onClose = (): void => {
      stream.removeEventListener('drain', onDrain)
      reject(new Error('libp2p stream closed while waiting for drain'))
    }
    stream.addEventListener('drain', onDrain, { once: true })
    stream.addEventListener('close', onClose, { once: true })
  })
}
