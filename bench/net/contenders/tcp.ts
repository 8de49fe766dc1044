/**
 * The `tcp` contender: node:net sockets on 127.0.0.1, the floor under
 * everything else. One `socket.write()` per pre-framed message, Nagle off
 * (as libp2p's TCP transport sets it), and a wait for 'drain' whenever
 * `write()` returns false.
 *
 * @module
 */
import { createServer, connect as netConnect } from 'node:net'
import type { Server, Socket } from 'node:net'
import type { ContenderDriver, Listener, PeerAddress, Role, Sender } from './contender.js'
import { wrongAddress } from './contender.js'
import { Counter } from './counter.js'
import { FrameCache, frame, joinPieces, messageSplitter } from './framing.js'
import { PingWaiter } from './ping-waiter.js'

const HOST = '127.0.0.1'

export const tcpDriver: ContenderDriver = {
  contender: 'tcp',
  listen,
  connect
}

async function listen (role: Role): Promise<Listener> {
  const counter = role === 'sink' ? new Counter() : undefined
  const sockets = new Set<Socket>()
  const server = createServer({ noDelay: true }, (socket) => {
    sockets.add(socket)
    socket.on('close', () => { sockets.delete(socket) })
    socket.on('error', (err) => { counter?.fail(err) })
    socket.on('data', messageSplitter(counter !== undefined
      ? (length) => { counter.add(length) }
      // One message per ping is in flight, so this write never has to wait for 'drain'.
      : (length, pieces) => { socket.write(frame(joinPieces(pieces, length))) }, {
      keepBytes: counter === undefined,
      onError: (err) => {
        counter?.fail(err)
        socket.destroy(err)
      }
    }))
  })
  const port = await listenOn(server)
  return {
    address: { kind: 'tcp', host: HOST, port },
    ...(counter === undefined ? {} : { counter }),
    close: async () => {
      counter?.fail(new Error('listener closed'))
      for (const socket of sockets) socket.destroy()
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
  if (address.kind !== 'tcp') throw wrongAddress('tcp', address)
  const socket = netConnect({ host: address.host, port: address.port, noDelay: true })
  const pongs = new PingWaiter('tcp')
  let failure: Error | undefined
  socket.on('error', (err) => {
    failure ??= err
    pongs.fail(err)
  })
  socket.on('close', () => { pongs.fail(failure ?? new Error('tcp socket closed')) })
  socket.on('data', messageSplitter((length, pieces) => { pongs.answer(joinPieces(pieces, length)) }, {
    onError: (err) => { socket.destroy(err) }
  }))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })

  const frames = new FrameCache()
  return {
    send: async (size, count) => {
      const framed = frames.get(size)
      for (let i = 0; i < count; i++) {
        if (!socket.write(framed)) await drained(socket)
      }
    },
    ping: async (payload) => {
      const pong = pongs.next()
      socket.write(frame(payload))
      return await pong
    },
    close: async () => {
      if (socket.destroyed) return
      const closed = new Promise<void>((resolve) => { socket.once('close', () => { resolve() }) })
      socket.destroy()
      await closed
    }
  }
}

/** Resolves on 'drain'; rejects if the socket closes first (a writer must never wait for ever). */
async function drained (socket: Socket): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      socket.off('close', onClose)
      resolve()
    }
    const onClose = (): void => {
      socket.off('drain', onDrain)
      reject(new Error('tcp socket closed while waiting for drain'))
    }
    socket.once('drain', onDrain)
    socket.once('close', onClose)
  })
}
