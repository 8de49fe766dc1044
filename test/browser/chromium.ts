/**
 * A real Chromium for the browser tests: Debian's /usr/bin/chromium driven by
 * playwright-core (which cannot download browsers here), a fresh profile
 * folder per launch, removed on close; and the test page served from
 * 127.0.0.1 (a loopback origin may dial ws://127.0.0.1).
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import { bundleForBrowser } from './bundle.js'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** Fails (never skips) with a plain message when Chromium is not installed. */
export function requireChromium (): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (.ci/run does this when it runs as root)`)
  }
}

export interface TestSite {
  url: string
  dir: string
  close: () => Promise<void>
}

/** Builds `entry` (esbuild, the browser entry's swaps) into a fresh folder and serves it on 127.0.0.1. */
export async function serveBundle (entry: string): Promise<TestSite> {
  const dir = await mkdtemp(join(tmpdir(), 'glueberry-page-'))
  const bundle = await bundleForBrowser(entry, { outfile: join(dir, 'app.js'), minify: false })
  if (bundle.errors.length > 0) throw new Error(`page bundle failed: ${bundle.errors.join('; ')}`)
  await writeFile(join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>glueberry test page</title><script type="module" src="app.js"></script>\n')
  const server: Server = createServer((req, res) => {
    const name = (req.url ?? '/') === '/' ? 'index.html' : (req.url ?? '').replace(/^\/+/, '').split('?')[0] ?? ''
    if (!/^[\w.-]+$/.test(name)) { res.writeHead(404).end(); return }
    readFile(join(dir, name)).then((body) => {
      res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html' }).end(body)
    }, () => { res.writeHead(404).end() })
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/`,
    dir,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => { server.close(() => { resolve() }) })
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export interface Browser {
  context: BrowserContext
  /** Opens the site and waits until its script has installed `window.harness`. */
  open: (url: string) => Promise<Page>
  close: () => Promise<void>
}

export async function launchChromium (): Promise<Browser> {
  requireChromium()
  const profile = await mkdtemp(join(tmpdir(), 'glueberry-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS })
  const pageErrors: string[] = []
  return {
    context,
    open: async (url) => {
      const page = await context.newPage()
      page.on('pageerror', (err) => { pageErrors.push(err.message) })
      await page.goto(url)
      await page.waitForFunction(() => (globalThis as unknown as { harnessReady?: boolean }).harnessReady === true, undefined, { timeout: 20_000 })
      return page
    },
    close: async () => {
      await context.close().catch(() => {})
      await rm(profile, { recursive: true, force: true })
    }
  }
}
