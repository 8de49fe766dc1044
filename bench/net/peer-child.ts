/**
 * The child process of the 2-proc placement (spawned by
 * bench/net/contenders/remote.ts, never run by hand): hosts listening ends
 * for the bench in its own process, so sender and receiver use separate
 * cores. Requests and replies travel over the IPC channel (contenders/ipc.ts).
 *
 * It lives as long as the channel: when the bench disconnects or dies, it
 * stops its listeners and exits.
 *
 * @module
 */
import { DRIVERS } from './contenders/index.js'
import type { Listener } from './contenders/index.js'
import { isChildRequest } from './contenders/ipc.js'
import type { ChildReply, ChildRequest } from './contenders/ipc.js'

const listeners = new Map<number, Listener>()
let nextListener = 1

async function handle (request: ChildRequest): Promise<ChildReply> {
  switch (request.op) {
    case 'listen': {
      const listener = await DRIVERS[request.contender].listen(request.role)
      const id = nextListener++
      listeners.set(id, listener)
      return { id: request.id, ok: true, listener: id, address: listener.address }
    }
    case 'expect': {
      const counter = listenerOf(request.listener).counter
      if (counter === undefined) throw new Error(`listener ${request.listener} does not count (it echoes)`)
      await counter.expect(request.messages, request.bytes, request.timeoutMs)
      return { id: request.id, ok: true }
    }
    case 'cpu': {
      const { user, system } = process.cpuUsage()
      return { id: request.id, ok: true, cpuUs: user + system }
    }
    case 'close': {
      const listener = listenerOf(request.listener)
      listeners.delete(request.listener)
      await listener.close()
      return { id: request.id, ok: true }
    }
  }
}

function listenerOf (id: number): Listener {
  const listener = listeners.get(id)
  if (listener === undefined) throw new Error(`no listener ${id}`)
  return listener
}

function reply (message: ChildReply): void {
  // The bench may be gone already; then there is nobody to tell.
  if (process.connected) process.send?.(message)
}

async function shutdown (): Promise<void> {
  const open = [...listeners.values()]
  listeners.clear()
  await Promise.allSettled(open.map(async (listener) => { await listener.close() }))
  // The bench awaits our exit: do not let a stray timer of a stopped node hold it up.
  process.exit(0)
}

if (process.send === undefined) {
  process.stderr.write('peer-child: run by the network benchmarks over IPC, not by hand\n')
  process.exitCode = 2
} else {
  process.on('message', (message: unknown) => {
    if (!isChildRequest(message)) return
    handle(message).then(reply, (err: unknown) => {
      reply({ id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) })
    })
  })
  process.once('disconnect', () => { void shutdown() })
  process.once('SIGTERM', () => { void shutdown() })
  process.send({ ready: true })
}
