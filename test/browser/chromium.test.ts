/**
 * Glueberry in a real Chromium against Node glueberry nodes over /ws. The
 * page is built (esbuild) from the browser entry, test/browser/page/harness.ts.
 */
import { ConnectionState, ErrorCode, HANDSHAKE_STREAM, createNode, standardHandshake } from '../../lib/index.js'
import type { GlueberryNode, NodeOptions } from '../../lib/index.js'
import type { Page } from 'playwright-core'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { filter, firstValueFrom, take, timeout } from 'rxjs'
import { launchChromium, serveBundle } from './chromium.js'
import type { Browser, TestSite } from './chromium.js'
import type { Harness, HarnessError } from './page/harness-api.js'

const STREAMS = ['chat', 'bulk']
let site: TestSite
let browser: Browser
const nodes = new Set<GlueberryNode>()

beforeAll(async () => {
  site = await serveBundle('test/browser/page/harness.ts')
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await site?.close()
})

afterEach(async () => {
  await Promise.all([...nodes].map(async n => { await n.stop() }))
  nodes.clear()
  for (const page of browser.context.pages()) await page.close()
})

async function nodePeer (options: NodeOptions = {}): Promise<GlueberryNode> {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'], inbound: 'any', handshake: standardHandshake({ streams: STREAMS }), ...options })
  nodes.add(node)
  await node.start()
  return node
}

function wsAddrs (node: GlueberryNode): string[] {
  return node.multiaddrs.filter(a => a.includes('/ws'))
}

type H = { harness: Harness }
const start = async (page: Page, book?: string): Promise<{ peerId: string, peers: string[] }> =>
  await page.evaluate(async (o) => await (globalThis as unknown as H).harness.start(o), { streams: STREAMS, ...(book === undefined ? {} : { book }) })
const addPeer = async (page: Page, peerId: string, addrs: string[]): Promise<void> => {
  await page.evaluate(async ([p, a]) => { await (globalThis as unknown as H).harness.addPeer(p, a) }, [peerId, addrs] as const)
}
const waitForState = async (page: Page, peerId: string, state: string, ms = 20_000): Promise<void> => {
  await page.evaluate(async ([p, s, t]) => { await (globalThis as unknown as H).harness.waitForState(p, s, t) }, [peerId, state, ms] as const)
}
const received = async (page: Page, stream: string): Promise<string[]> =>
  await page.evaluate((s) => (globalThis as unknown as H).harness.received(s), stream)
const errorsOf = async (page: Page): Promise<HarnessError[]> =>
  await page.evaluate(() => (globalThis as unknown as H).harness.errors())

async function untilReceived (page: Page, stream: string, count: number, ms = 30_000): Promise<string[]> {
  await page.waitForFunction(([s, n]) => (globalThis as unknown as H).harness.received(s).length >= n, [stream, count] as const, { timeout: ms, polling: 50 })
  return await received(page, stream)
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('a page (Chromium) and Node glueberry nodes over /ws', () => {
  it('standard handshake; ordered messages both ways; stop() completes every Observable', async () => {
    const peer = await nodePeer()
    const page = await browser.open(site.url)
    const started = performance.now()
    const { peerId } = await start(page)
    await addPeer(page, peer.peerId, wsAddrs(peer))
    await waitForState(page, peer.peerId, ConnectionState.Established)
    await firstValueFrom(peer.state$(peerId).pipe(filter(s => s === ConnectionState.Established), take(1), timeout(20_000)))
    console.log(`page -> Node: Established in ${Math.round(performance.now() - started)} ms`)

    const fromNode = Array.from({ length: 300 }, (_, i) => `n${i}`)
    for (const m of fromNode) await peer.send(peerId, 'chat', text(m))
    expect(await untilReceived(page, 'chat', 300)).toEqual(fromNode)

    const got: string[] = []
    const sub = peer.messages$.pipe(filter(m => m.stream === 'chat')).subscribe(m => { got.push(new TextDecoder().decode(m.data)) })
    await page.evaluate(async ([p]) => { await (globalThis as unknown as H).harness.sendMany(p, 'chat', 300) }, [peer.peerId] as const)
    const deadline = Date.now() + 30_000
    while (got.length < 300 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    sub.unsubscribe()
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => `p${i}`))

    const completed = await page.evaluate(async () => await (globalThis as unknown as H).harness.stop())
    expect(completed.sort()).toEqual(['errors$', 'events$', 'messages$', 'peers$', 'stats$'])
    expect((await errorsOf(page)).filter(e => !e.typed)).toEqual([])
  }, 90_000)

  it('a slow consumer in the page holds the Node sender back, and nothing is lost', async () => {
    const peer = await nodePeer({ flow: { high: 16, low: 4 } })
    const page = await browser.open(site.url)
    const { peerId } = await start(page)
    await addPeer(page, peer.peerId, wsAddrs(peer))
    await waitForState(page, peer.peerId, ConnectionState.Established)
    await page.evaluate(() => { (globalThis as unknown as H).harness.slow('bulk', 5) })
    const N = 200
    const t0 = performance.now()
    for (let i = 0; i < N; i++) {
      const data = new Uint8Array(4096)
      data.set(text(`b${i}`))
      await peer.send(peerId, 'bulk', data)
    }
    const senderMs = performance.now() - t0
    const got = await untilReceived(page, 'bulk', N, 60_000)
    expect(got.map(s => s.replace(/\0+$/, ''))).toEqual(Array.from({ length: N }, (_, i) => `b${i}`))
    // Unheld, 200 sends take a few ms; the page reads one per 5 ms.
    expect(senderMs).toBeGreaterThan(N * 5 * 0.25)
    console.log(`slow page consumer: Node sender finished after ${Math.round(senderMs)} ms for ${N} x 4 KiB`)
  }, 90_000)

  it('the Node peer restarts (same key, same port) and the page reconnects', async () => {
    const key = await generateKeyPair('Ed25519')
    const first = await nodePeer({ privateKey: key })
    const addr = wsAddrs(first)[0] ?? ''
    const port = /\/tcp\/(\d+)\//.exec(addr)?.[1] ?? '0'
    const page = await browser.open(site.url)
    const { peerId } = await start(page)
    await addPeer(page, first.peerId, wsAddrs(first))
    await waitForState(page, first.peerId, ConnectionState.Established)
    await first.stop()
    nodes.delete(first)
    await page.waitForFunction(([p]) => (globalThis as unknown as H).harness.state(p) !== 'Established', [first.peerId] as const, { timeout: 20_000 })
    const second = await nodePeer({ privateKey: key, listen: [`/ip4/127.0.0.1/tcp/${port}/ws`] })
    expect(second.peerId).toBe(first.peerId)
    await waitForState(page, second.peerId, ConnectionState.Established, 30_000)
    await second.send(peerId, 'chat', text('after restart'))
    expect(await untilReceived(page, 'chat', 1)).toEqual(['after restart'])
  }, 90_000)

  it('the IndexedDB address book survives a page reload', async () => {
    const peer = await nodePeer()
    const page = await browser.open(site.url)
    const book = `book-${Date.now()}`
    await start(page, book)
    await addPeer(page, peer.peerId, wsAddrs(peer))
    await waitForState(page, peer.peerId, ConnectionState.Established)
    await page.reload()
    await page.waitForFunction(() => (globalThis as unknown as { harnessReady?: boolean }).harnessReady === true, undefined, { timeout: 20_000 })
    const again = await start(page, book)
    expect(again.peers).toContain(peer.peerId)
    // The reloaded page dials the peer from its book alone.
    await waitForState(page, peer.peerId, ConnectionState.Established)
  }, 90_000)

  it('two tabs updating one IndexedDB book at once lose no update', async () => {
    const ids = await Promise.all(Array.from({ length: 60 }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
    const book = `tabs-${Date.now()}`
    const [tab1, tab2] = await Promise.all([browser.open(site.url), browser.open(site.url)])
    const hammer = async (page: Page, mine: string[]): Promise<string[]> =>
      await page.evaluate(async ([b, m]) => await (globalThis as unknown as H).harness.hammerBook(b, m), [book, mine] as const)
    await Promise.all([hammer(tab1, ids.slice(0, 30)), hammer(tab2, ids.slice(30))])
    const after = await hammer(tab1, [])
    expect(after.sort()).toEqual([...ids].sort())
  }, 90_000)

  it('bad input from the Node side gives typed errors in the page', async () => {
    // An application-controlled Node node that answers the page's handshake with garbage.
    const rogue = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0/ws'], inbound: 'any' })
    nodes.add(rogue)
    rogue.events$.pipe(filter(e => e.state === ConnectionState.Connected)).subscribe((e) => {
      rogue.send(e.peerId, HANDSHAKE_STREAM, Uint8Array.of(0xff, 0x00, 0x13, 0x37, 0x42)).catch(() => {})
    })
    await rogue.start()
    const page = await browser.open(site.url)
    await start(page)
    await addPeer(page, rogue.peerId, wsAddrs(rogue))
    await page.waitForFunction(() => (globalThis as unknown as H).harness.errors().length > 0, undefined, { timeout: 30_000, polling: 50 })
    const errors = await errorsOf(page)
    expect(errors.every(e => e.typed)).toBe(true)
    expect(errors[0]?.peer).toBe(rogue.peerId)
    expect(Object.values(ErrorCode)).toContain(errors[0]?.code)
    console.log(`typed errors in the page: ${errors.map(e => e.code).join(', ')}`)
    expect(await page.evaluate(([p]) => (globalThis as unknown as H).harness.state(p), [rogue.peerId] as const)).not.toBe('Established')
  }, 90_000)
})
