/**
 * The test page: glueberry's browser entry, driven from the Node side
 * through `window.harness` (test/browser/chromium.test.ts).
 */
import { filter } from 'rxjs'
import { createNode, flowOf, isGlueberryError, standardHandshake, IndexedDbStorage, MemoryStorage } from '../../../lib/browser/index.js'
import type { ConnectionState, GlueberryNode, StandardHandshake } from '../../../lib/browser/index.js'
import { onStream } from '../../../operators/index.js'
import type { Harness, HarnessError } from './harness-api.js'

let node: GlueberryNode | undefined
let handshake: StandardHandshake | undefined
const texts = new Map<string, string[]>()
const errors: HarnessError[] = []
const slowStreams = new Map<string, number>()
const decoder = new TextDecoder()

function live (): GlueberryNode {
  if (node === undefined) throw new Error('harness: no node started')
  return node
}

function record (err: unknown): void {
  errors.push(isGlueberryError(err)
    ? { code: err.code, message: err.message, ...(err.peer === undefined ? {} : { peer: err.peer }), typed: true }
    : { code: 'UNTYPED', message: String(err), typed: false })
}

const harness: Harness = {
  async start ({ streams, book }) {
    handshake = standardHandshake({ streams })
    node = await createNode({
      handshake,
      inbound: 'any',
      addressBook: book === undefined ? new MemoryStorage() : new IndexedDbStorage(book),
      reconnect: { baseDelay: 200, maxDelay: 1000 }
    })
    handshake.failures$.subscribe(record)
    node.errors$.subscribe(record)
    for (const stream of streams) {
      const log: string[] = []
      texts.set(stream, log)
      node.messages$.pipe(onStream(stream)).subscribe((m) => {
        log.push(decoder.decode(m.data))
        const delay = slowStreams.get(stream)
        if (delay === undefined) return
        const flow = flowOf(m)
        flow?.pause()
        setTimeout(() => { flow?.resume() }, delay)
      })
    }
    await node.start()
    return { peerId: node.peerId, peers: node.listPeers().map(p => p.peerId) }
  },
  async addPeer (peerId, addrs) { await live().addPeer(peerId, addrs) },
  async waitForState (peerId, state, ms) {
    const n = live()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => { sub.unsubscribe(); reject(new Error(`timed out waiting for ${state}, state is ${n.state(peerId)}`)) }, ms)
      const sub = n.state$(peerId).pipe(filter((s: ConnectionState) => s === state)).subscribe(() => {
        clearTimeout(timer); queueMicrotask(() => { sub.unsubscribe() }); resolve()
      })
    })
  },
  state (peerId) { return live().state(peerId) },
  async send (peerId, stream, text) { await live().send(peerId, stream, new TextEncoder().encode(text)) },
  async sendMany (peerId, stream, count) {
    for (let i = 0; i < count; i++) await live().send(peerId, stream, new TextEncoder().encode(`p${i}`))
  },
  received (stream) { return [...(texts.get(stream) ?? [])] },
  slow (stream, delayMs) { slowStreams.set(stream, delayMs) },
  errors () { return [...errors] },
  peers () { return live().listPeers().map(p => p.peerId) },
  async roundTrips (peerId, stream, count) {
    const n = live()
    const times: number[] = []
    for (let i = 0; i < count; i++) {
      const t0 = performance.now()
      const echoed = new Promise<void>((resolve) => {
        const sub = n.messages$.pipe(onStream(stream)).subscribe(() => { queueMicrotask(() => { sub.unsubscribe() }); resolve() })
      })
      await n.send(peerId, stream, Uint8Array.of(i & 0xff))
      await echoed
      times.push(performance.now() - t0)
    }
    return times
  },
  async sendAndWaitAnswer (peerId, stream, count, size) {
    const n = live()
    const answered = new Promise<void>((resolve) => {
      const sub = n.messages$.pipe(onStream(stream)).subscribe(() => { queueMicrotask(() => { sub.unsubscribe() }); resolve() })
    })
    const t0 = performance.now()
    const data = new Uint8Array(size)
    for (let i = 0; i < count; i++) await n.send(peerId, stream, data)
    await answered
    return performance.now() - t0
  },
  async hammerBook (book, peerIds) {
    const storage = new IndexedDbStorage(book)
    await Promise.all(peerIds.map(async (id) => {
      await storage.update((current) => {
        const peers = new Map(current.peers)
        const now = Date.now()
        peers.set(id, { peerId: id, multiaddrs: [], metadata: {}, createdAt: now, updatedAt: now })
        return { peers, blacklist: current.blacklist }
      })
    }))
    const { snapshot } = await storage.load()
    await storage.close()
    return [...snapshot.peers.keys()]
  },
  async stop () {
    const n = live()
    const completed: string[] = []
    const watch = (name: string, o: { subscribe: (o: { complete: () => void }) => unknown }): void => {
      o.subscribe({ complete: () => { completed.push(name) } })
    }
    watch('messages$', n.messages$)
    watch('events$', n.events$)
    watch('errors$', n.errors$)
    watch('peers$', n.peers$)
    watch('stats$', n.stats$)
    await n.stop()
    return completed
  }
}

;(globalThis as unknown as { harness: Harness }).harness = harness
;(globalThis as unknown as { harnessReady: boolean }).harnessReady = true
