/**
 * Glueberry in a browser, measured: the bundle size of glueberry's own code
 * and of the test page, and a page's (Chromium) round trip and throughput to
 * a Node node over /ws, side by side with Node-to-Node over /ws and TCP.
 * Writes bench/browser/results.json (or the path in BENCH_BROWSER_OUT).
 *
 *   node --import ./bench/register.js bench/browser/run.ts
 */
import { writeFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { filter, firstValueFrom, take } from 'rxjs'
import { ConnectionState, createNode, standardHandshake } from '../../lib/index.js'
import type { GlueberryNode } from '../../lib/index.js'
import { bundleForBrowser } from '../../test/browser/bundle.js'
import { launchChromium, serveBundle } from '../../test/browser/chromium.js'
import type { Harness } from '../../test/browser/page/harness-api.js'

const STREAMS = ['rtt', 'bulk']
const PINGS = Number(process.env.PINGS ?? 300)
const N = Number(process.env.BULK_N ?? 3000)
const SIZE = Number(process.env.BULK_SIZE ?? 1024)

interface Row { path: string, rttMedianMs: number, rttP99Ms: number, msgPerS: number, mbPerS: number }

function quantile (values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

async function server (): Promise<GlueberryNode> {
  const node = await createNode({ listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/0/ws'], inbound: 'any', handshake: standardHandshake({ streams: STREAMS }) })
  let bulk = 0
  node.messages$.subscribe((m) => {
    if (m.stream === 'rtt') node.send(m.peerId, 'rtt', m.data).catch(() => {})
    if (m.stream === 'bulk' && ++bulk % N === 0) node.send(m.peerId, 'bulk', Uint8Array.of(1)).catch(() => {})
  })
  await node.start()
  return node
}

async function nodeClient (srv: GlueberryNode, transport: 'ws' | 'tcp'): Promise<Row> {
  const client = await createNode({ listen: [], inbound: 'any', handshake: standardHandshake({ streams: STREAMS }) })
  await client.start()
  try {
    const addrs = srv.multiaddrs.filter(a => transport === 'ws' ? a.includes('/ws') : !a.includes('/ws'))
    await client.addPeer(srv.peerId, addrs)
    await firstValueFrom(client.state$(srv.peerId).pipe(filter(s => s === ConnectionState.Established), take(1)))
    const times: number[] = []
    for (let i = 0; i < PINGS; i++) {
      const t0 = performance.now()
      const echoed = firstValueFrom(client.messages$.pipe(filter(m => m.stream === 'rtt'), take(1)))
      await client.send(srv.peerId, 'rtt', Uint8Array.of(i & 0xff))
      await echoed
      times.push(performance.now() - t0)
    }
    const answered = firstValueFrom(client.messages$.pipe(filter(m => m.stream === 'bulk'), take(1)))
    const t0 = performance.now()
    const data = new Uint8Array(SIZE)
    for (let i = 0; i < N; i++) await client.send(srv.peerId, 'bulk', data)
    await answered
    const ms = performance.now() - t0
    return { path: `Node -> Node over ${transport === 'ws' ? '/ws' : 'TCP'}`, rttMedianMs: quantile(times, 0.5), rttP99Ms: quantile(times, 0.99), msgPerS: N / ms * 1000, mbPerS: N * SIZE / ms / 1000 }
  } finally {
    await client.stop()
  }
}

async function browserClient (srv: GlueberryNode): Promise<Row> {
  const site = await serveBundle('test/browser/page/harness.ts')
  const browser = await launchChromium()
  try {
    const page = await browser.open(site.url)
    type H = { harness: Harness }
    await page.evaluate(async (s) => await (globalThis as unknown as H).harness.start({ streams: s }), STREAMS)
    const addrs = srv.multiaddrs.filter(a => a.includes('/ws'))
    await page.evaluate(async ([p, a]) => { await (globalThis as unknown as H).harness.addPeer(p, a) }, [srv.peerId, addrs] as const)
    await page.evaluate(async ([p]) => { await (globalThis as unknown as H).harness.waitForState(p, 'Established', 30_000) }, [srv.peerId] as const)
    const times = await page.evaluate(async ([p, n]) => await (globalThis as unknown as H).harness.roundTrips(p, 'rtt', n), [srv.peerId, PINGS] as const)
    const ms = await page.evaluate(async ([p, n, size]) => await (globalThis as unknown as H).harness.sendAndWaitAnswer(p, 'bulk', n, size), [srv.peerId, N, SIZE] as const)
    return { path: 'Chromium page -> Node over /ws', rttMedianMs: quantile(times, 0.5), rttP99Ms: quantile(times, 0.99), msgPerS: N / ms * 1000, mbPerS: N * SIZE / ms / 1000 }
  } finally {
    await browser.close()
    await site.close()
  }
}

async function sizes (): Promise<Record<string, number>> {
  const entry = await bundleForBrowser('lib/browser/index.ts')
  const page = await bundleForBrowser('test/browser/page/harness.ts')
  let own = 0
  for (const [file, bytes] of entry.bytesByInput) if (!file.includes('node_modules/')) own += bytes
  return {
    browserEntryMinifiedBytes: entry.code.length,
    browserEntryGzipBytes: gzipSync(entry.code).length,
    glueberryOwnMinifiedBytes: own,
    testPageMinifiedBytes: page.code.length,
    testPageGzipBytes: gzipSync(page.code).length
  }
}

const srv = await server()
const rows: Row[] = []
try {
  rows.push(await browserClient(srv))
  rows.push(await nodeClient(srv, 'ws'))
  rows.push(await nodeClient(srv, 'tcp'))
} finally {
  await srv.stop()
}
const bundle = await sizes()
const results = { date: new Date().toISOString(), node: process.version, pings: PINGS, bulk: { messages: N, size: SIZE }, bundle, rows }
writeFileSync(process.env.BENCH_BROWSER_OUT ?? new URL('./results.json', import.meta.url), JSON.stringify(results, null, 2) + '\n')
console.log(JSON.stringify(bundle))
console.log('| path | RTT median ms | RTT p99 ms | msg/s | MB/s |\n|---|---|---|---|---|')
for (const r of rows) console.log(`| ${r.path} | ${r.rttMedianMs.toFixed(3)} | ${r.rttP99Ms.toFixed(3)} | ${Math.round(r.msgPerS)} | ${r.mbPerS.toFixed(1)} |`)
