/**
 * The `secret-stream` contender: @hyperswarm/secret-stream over node:net on
 * 127.0.0.1, what a user wanting "an encrypted pipe to a known peer" might
 * pick instead. ONE encrypted pipe: Noise XX handshake, then libsodium's
 * secretstream (XChaCha20-Poly1305) per message, message boundaries kept.
 * No multiplexing, no peer management, no reconnects, no acknowledgements:
 * a lower bound for an encrypted transport, not a like-for-like peer of
 * glueberry. One `write()` per message (it keeps boundaries, so no length
 * prefix), waiting for 'drain' when `write()` returns false.
 *
 * @module
 */
import SecretStream from '@hyperswarm/secret-stream'
import { createServer, connect as netConnect } from 'node:net'
import type { Server, Socket } from 'node:net'
import type { ContenderDriver, Listener, PeerAddress, Role, Sender } from './contender.js'
import { wrongAddress } from './contender.js'
import { Counter } from './counter.js'
import { payloadOf } from './framing.js'
import { PingWaiter } from './ping-waiter.js'

const HOST = '127.0.0.1'

export const secretStreamDriver: ContenderDriver = {
  contender: 'secret-stream',
  listen,
  connect
}

async function listen (role: Role): Promise<Listener> {
  const counter = role === 'sink' ? new Counter() : undefined
  const streams = new Set<SecretStream>()
  const server = createServer({ noDelay: true }, (socket) => {
    const stream = new SecretStream(false, socket)
    streams.add(stream)
    stream.on('close', () => { streams.delete(stream) })
    stream.on('error', (err: Error) => { counter?.fail(err) })
    stream.on('data', (message: Uint8Array) => {
      if (counter !== undefined) counter.add(message.byteLength)
      // One message per ping is in flight, so this write never has to wait for 'drain'.
      else stream.write(message)
    })
  })
  const port = await listenOn(server)
  return {
    address: { kind: 'tcp', host: HOST, port },
    ...(counter === undefined ? {} : { counter }),
    close: async () => {
      counter?.fail(new Error('listener closed'))
      for (const stream of streams) stream.destroy()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
    }
  }
}

async function listenOn (server: Server): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('TCP server has no port'))
      else resolve(address.port)
    })
  })
}

async function connect (address: PeerAddress): Promise<Sender> {
  if (address.kind !== 'tcp') throw wrongAddress('secret-stream', address)
  const socket: Socket = netConnect({ host: address.host, port: address.port, noDelay: true })
  const stream = new SecretStream(true, socket)
  const pongs = new PingWaiter('secret-stream')
  let failure: Error | undefined
  stream.on('error', (err: Error) => {
    failure ??= err
    pongs.fail(err)
  })
  stream.on('close', () => { pongs.fail(failure ?? new Error('secret-stream closed')) })
  stream.on('data', (message: Uint8Array) => { pongs.answer(message) })
  await stream.opened
  const payloads = new Map<number, Uint8Array>()
  return {
    send: async (size, count) => {
      let payload = payloads.get(size)
      if (payload === undefined) {
        payload = payloadOf(size)
        payloads.set(size, payload)
      }
      for (let i = 0; i < count; i++) {
        if (!stream.write(payload)) await drained(stream)
      }
    },
    ping: async (payload) => {
      const pong = pongs.next()
      stream.write(payload)
      return await pong
    },
    close: async () => {
      if (stream.destroyed) return
      const closed = new Promise<void>((resolve) => { stream.once('close', () => { resolve() }) })
      stream.destroy()
      await closed
    }
  }
}

/** Resolves on 'drain'; rejects if the stream closes first. */
async function drained (stream: SecretStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      stream.off('close', onClose)
      resolve()
    }
    const onClose = (): void => {
      stream.off('drain', onDrain)
      reject(new Error('secret-stream closed while waiting for drain'))
    }
    stream.once('drain', onDrain)
    stream.once('close', onClose)
  })
}
